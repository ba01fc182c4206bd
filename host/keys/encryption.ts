/**
 * Keys for payload encryption (draft-ietf-suit-firmware-encryption §5): what a device decrypts
 * with (`--decrypt-key`: an AES key-encryption key for AES-KW, or a P-256 private key for
 * ECDH-ES + AES-KW) and what an author encrypts for (`--encrypt-for`: the same KEK, or the
 * device's P-256 public key). Files: a raw AES key of 16, 24 or 32 bytes, a COSE_Key (Symmetric
 * kty 4 with k; EC2 kty 2 crv 1 with x, y and, for a device, d; the kid, label 2, is the key id
 * recipients carry), or a PEM P-256 key. A P-256 key without a COSE kid gets suitrig's key id
 * (keyId: SHA-256 over the SPKI DER, 8 bytes), on both sides, so the device tries the right key
 * first. Errors name the file.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import { decodeCbor } from '../suit/cbor/decode.js';
import { encodeCbor, type CborValue } from '../suit/cbor/encode.js';
import { FileReadError, readBoundedFile } from '../util/bounded-read.js';
import { KeyError, keyId, publicKeyFromRaw } from './load.js';

const KEK_SIZES = [16, 24, 32];

/** A key the device decrypts with. */
export type DecryptionKey =
  | { kind: 'kek'; secret: Uint8Array; kid?: Uint8Array; source: string }
  | { kind: 'ecdh-p256'; /** the private scalar d */ secret: Uint8Array; kid?: Uint8Array; source: string };

/** A recipient an author encrypts for. */
export type EncryptionRecipient =
  | { kind: 'kek'; secret: Uint8Array; kid?: Uint8Array; source: string }
  | { kind: 'ecdh-p256'; /** 0x04 || x || y */ publicKey: Uint8Array; kid?: Uint8Array; source: string };

const FORMATS = 'a raw AES key of 16, 24 or 32 bytes, a COSE_Key (Symmetric, or EC2 P-256), or a PEM P-256 key';

function b64url(s: string | undefined): Uint8Array {
  return new Uint8Array(Buffer.from(s ?? '', 'base64url'));
}

interface Parsed {
  kek?: Uint8Array;
  d?: Uint8Array;
  pub?: Uint8Array;
  kid?: Uint8Array;
}

function fromCose(bytes: Uint8Array, source: string): Parsed | undefined {
  if (bytes.length === 0 || (bytes[0]! & 0xe0) !== 0xa0) return undefined;
  let m: unknown;
  try {
    m = decodeCbor(bytes, 'COSE_Key');
  } catch {
    return undefined;
  }
  if (!(m instanceof Map) || typeof m.get(1) !== 'number') return undefined;
  const bytesAt = (label: number): Uint8Array | undefined => (m.get(label) instanceof Uint8Array ? new Uint8Array(m.get(label) as Uint8Array) : undefined);
  const kid = bytesAt(2);
  const base = kid ? { kid } : {};
  if (m.get(1) === 4) {
    const k = bytesAt(-1);
    if (!k) throw new KeyError(`${source}: COSE_Key Symmetric without k (-1)`);
    return { ...base, kek: k };
  }
  if (m.get(1) === 2) {
    if (m.get(-1) !== 1) throw new KeyError(`${source}: COSE_Key EC2 curve ${String(m.get(-1))}; only P-256 (1) is used for ECDH-ES`);
    const x = bytesAt(-2);
    const y = bytesAt(-3);
    const d = bytesAt(-4);
    if (!x || !y || x.length !== 32 || y.length !== 32) throw new KeyError(`${source}: COSE_Key P-256 needs x (-2) and y (-3) of 32 bytes`);
    return { ...base, pub: new Uint8Array([4, ...x, ...y]), ...(d ? { d } : {}) };
  }
  throw new KeyError(`${source}: COSE_Key kty ${String(m.get(1))} is no encryption key (4 Symmetric, 2 EC2)`);
}

function fromPem(text: string, source: string): Parsed | undefined {
  const pem = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(text);
  if (!pem) return undefined;
  try {
    const isPrivate = pem[1]!.includes('PRIVATE');
    const pub = isPrivate ? createPublicKey(createPrivateKey(text)) : createPublicKey(text);
    const jwk = (isPrivate ? createPrivateKey(text) : pub).export({ format: 'jwk' });
    if (jwk.crv !== 'P-256') throw new KeyError(`${source}: ${jwk.crv ?? pub.asymmetricKeyType} key; ECDH-ES here uses P-256`);
    return { pub: new Uint8Array([4, ...b64url(jwk.x), ...b64url(jwk.y)]), ...(isPrivate ? { d: b64url(jwk.d) } : {}) };
  } catch (e) {
    if (e instanceof KeyError) throw e;
    throw new KeyError(`${source}: unreadable PEM key (${(e as Error).message})`);
  }
}

function parse(bytes: Uint8Array, source: string): Parsed {
  const text = Buffer.from(bytes).toString('utf8');
  const hex = /^[0-9a-fA-F\s]+$/.test(text) && text.replace(/\s/g, '').length % 2 === 0 ? new Uint8Array(Buffer.from(text.replace(/\s/g, ''), 'hex')) : undefined;
  const parsed = fromPem(text, source) ?? fromCose(bytes, source) ?? (hex ? fromCose(hex, source) : undefined);
  if (parsed?.pub && !parsed.kid) parsed.kid = keyId(publicKeyFromRaw('p256', parsed.pub, source));
  if (parsed) return parsed;
  if (KEK_SIZES.includes(bytes.length)) return { kek: new Uint8Array(bytes) };
  throw new KeyError(`${source}: not an encryption key (${bytes.length} bytes); expected ${FORMATS}`);
}

function checkKek(k: Uint8Array, source: string): Uint8Array {
  if (!KEK_SIZES.includes(k.length)) throw new KeyError(`${source}: an AES key-encryption key is 16, 24 or 32 bytes, not ${k.length}`);
  return k;
}

export function parseDecryptionKey(bytes: Uint8Array, source: string): DecryptionKey {
  const p = parse(bytes, source);
  const kid = p.kid ? { kid: p.kid } : {};
  if (p.kek) return { kind: 'kek', secret: checkKek(p.kek, source), ...kid, source };
  if (!p.d || p.d.length !== 32) throw new KeyError(`${source}: a P-256 public key cannot decrypt; give the device's private key`);
  return { kind: 'ecdh-p256', secret: p.d, ...kid, source };
}

export function parseEncryptionRecipient(bytes: Uint8Array, source: string): EncryptionRecipient {
  const p = parse(bytes, source);
  const kid = p.kid ? { kid: p.kid } : {};
  if (p.kek) return { kind: 'kek', secret: checkKek(p.kek, source), ...kid, source };
  return { kind: 'ecdh-p256', publicKey: p.pub!, ...kid, source };
}

function read(path: string): Uint8Array {
  try {
    return readBoundedFile(path, 'key');
  } catch (e) {
    if (e instanceof FileReadError) throw new KeyError(`${path}: cannot read key file (${e.reason})`);
    throw e;
  }
}

/** A decryption key as a COSE_Key (Symmetric {1:4, -1:k}, or EC2 P-256 with x, y and d), with its kid: how a board stores it. */
export function decryptionCoseKey(key: DecryptionKey): Uint8Array {
  const m = new Map<CborValue, CborValue>();
  if (key.kind === 'kek') {
    m.set(1, 4).set(-1, key.secret);
  } else {
    const pub = p256.getPublicKey(key.secret, false);
    m.set(1, 2).set(-1, 1).set(-2, pub.subarray(1, 33)).set(-3, pub.subarray(33, 65)).set(-4, key.secret);
  }
  if (key.kid) m.set(2, key.kid);
  return encodeCbor(m);
}

export function loadDecryptionKey(path: string): DecryptionKey {
  return parseDecryptionKey(read(path), path);
}

export function loadEncryptionRecipient(path: string): EncryptionRecipient {
  return parseEncryptionRecipient(read(path), path);
}

/**
 * Reads keys in the forms suitrig's command line accepts (DESIGN.md "Command line"):
 * PEM (SPKI public, PKCS#8 or SEC1 private), COSE_Key (RFC 9052 §7, binary or hex text; kty 5
 * HSS-LMS of RFC 9708 with the RFC 8554 public key in label -1), a raw 32-byte HMAC-256 key file
 * for COSE_Mac0, or suitrig's stateful HSS-LMS private key file (hss-file.ts). Errors name the
 * file and what was wrong with it.
 */
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { resolve } from 'node:path';
import { decodeCbor } from '../suit/cbor/decode.js';
import { FileReadError, readBoundedFile } from '../util/bounded-read.js';
import type { HssPublicKey, PrivateKey, PublicKey, SigningKey, SymmetricKey, TrustAnchor, VerificationKey } from './types.js';
import { hssKeyFromFile, isHssKeyText, parseHssKeyText } from './hss-file.js';
import { HssKeyError, HSS_MAX_LEVELS } from './hss.js';
import { lmsPublicKeyLength, lmsType, otsType } from './lms-types.js';

export class KeyError extends Error {
  override name = 'KeyError';
}

const PEM_RE = /-----BEGIN ([A-Z0-9 ]+)-----/;

function b64url(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'base64url'));
}

/** Raw public key of a node:crypto public KeyObject. */
export function publicKeyFromObject(obj: KeyObject, source: string): PublicKey {
  const spki = new Uint8Array(obj.export({ type: 'spki', format: 'der' }));
  if (obj.asymmetricKeyType === 'ed25519') {
    const jwk = obj.export({ format: 'jwk' });
    return { family: 'ed25519', raw: b64url(jwk.x!), spki };
  }
  if (obj.asymmetricKeyType === 'ec') {
    const jwk = obj.export({ format: 'jwk' });
    if (jwk.crv !== 'P-256') throw new KeyError(`${source}: EC key on curve ${jwk.crv}; only P-256 is supported`);
    const raw = new Uint8Array(65);
    raw[0] = 4;
    raw.set(b64url(jwk.x!), 1);
    raw.set(b64url(jwk.y!), 33);
    return { family: 'p256', raw, spki };
  }
  throw new KeyError(`${source}: ${obj.asymmetricKeyType ?? 'unknown'} key; only P-256 (ES256/ESP256) and Ed25519 are supported`);
}

/** Public key from raw bytes (65-byte P-256 point or 32-byte Ed25519). */
export function publicKeyFromRaw(family: 'p256' | 'ed25519', raw: Uint8Array, source = 'raw key'): PublicKey {
  const jwk =
    family === 'p256'
      ? (() => {
          if (raw.length !== 65 || raw[0] !== 4) throw new KeyError(`${source}: P-256 public key must be 65 bytes starting 04`);
          return { kty: 'EC', crv: 'P-256', x: Buffer.from(raw.subarray(1, 33)).toString('base64url'), y: Buffer.from(raw.subarray(33)).toString('base64url') };
        })()
      : (() => {
          if (raw.length !== 32) throw new KeyError(`${source}: Ed25519 public key must be 32 bytes`);
          return { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') };
        })();
  try {
    return publicKeyFromObject(createPublicKey({ key: jwk, format: 'jwk' }), source);
  } catch (e) {
    throw new KeyError(`${source}: not a valid ${family} public key (${(e as Error).message})`);
  }
}

const HEX_TEXT = /^[0-9a-fA-F\s]+$/;

function asCoseKeyMap(bytes: Uint8Array): Map<number, unknown> | undefined {
  let data = bytes;
  const text = Buffer.from(bytes).toString('latin1');
  if (HEX_TEXT.test(text) && text.replace(/\s/g, '').length % 2 === 0) data = Buffer.from(text.replace(/\s/g, ''), 'hex');
  if (data.length === 0 || (data[0]! & 0xe0) !== 0xa0) return undefined;
  let m: unknown;
  try {
    m = decodeCbor(data, 'COSE_Key');
  } catch {
    return undefined; // not CBOR after all: a raw symmetric key
  }
  if (!(m instanceof Map) || typeof m.get(1) !== 'number') return undefined;
  return m as Map<number, unknown>;
}

function bytesOf(v: unknown, what: string, source: string): Uint8Array {
  if (v instanceof Uint8Array) return new Uint8Array(v);
  throw new KeyError(`${source}: COSE_Key ${what} is missing or not a byte string`);
}

/** An HSS public key (RFC 8554 §6.1): u32str(L), L in 1..8, then an LMS public key of a SHA-256 type. */
function hssPublicKeyFromRaw(raw: Uint8Array, source: string): HssPublicKey {
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const levels = raw.length >= 4 ? dv.getUint32(0) : 0;
  const lms = raw.length >= 12 ? lmsType(dv.getUint32(4)) : undefined;
  if (levels < 1 || levels > HSS_MAX_LEVELS || !lms || !otsType(dv.getUint32(8)) || raw.length !== 4 + lmsPublicKeyLength(lms)) {
    throw new KeyError(`${source}: not an HSS-LMS public key (u32 levels 1..${HSS_MAX_LEVELS}, then an LMS public key of a SHA-256 parameter set)`);
  }
  return { family: 'hss-lms', raw: new Uint8Array(raw) };
}

/** RFC 9052 §7 / RFC 9053 §7: kty 1 OKP (crv 6 Ed25519), 2 EC2 (crv 1 P-256), 4 Symmetric; RFC 9708: kty 5 HSS-LMS. */
function keyFromCose(m: Map<number, unknown>, source: string): VerificationKey {
  const kty = m.get(1);
  if (kty === 4) return { family: 'hmac', secret: bytesOf(m.get(-1), 'k (-1)', source) };
  if (kty === 5) return hssPublicKeyFromRaw(bytesOf(m.get(-1), 'pub (-1)', source), source);
  if (kty === 2) {
    if (m.get(-1) !== 1) throw new KeyError(`${source}: COSE_Key EC2 curve ${String(m.get(-1))}; only P-256 (1) is supported`);
    const x = bytesOf(m.get(-2), 'x (-2)', source);
    const y = bytesOf(m.get(-3), 'y (-3)', source);
    if (x.length !== 32 || y.length !== 32) throw new KeyError(`${source}: COSE_Key P-256 coordinates must be 32 bytes (compressed points are not supported)`);
    const raw = new Uint8Array(65);
    raw[0] = 4;
    raw.set(x, 1);
    raw.set(y, 33);
    return publicKeyFromRaw('p256', raw, source);
  }
  if (kty === 1) {
    if (m.get(-1) !== 6) throw new KeyError(`${source}: COSE_Key OKP curve ${String(m.get(-1))}; only Ed25519 (6) is supported`);
    return publicKeyFromRaw('ed25519', bytesOf(m.get(-2), 'x (-2)', source), source);
  }
  throw new KeyError(`${source}: COSE_Key kty ${String(kty)} is not supported (1 OKP, 2 EC2, 4 Symmetric, 5 HSS-LMS)`);
}

/**
 * A raw symmetric key is recognised by its length alone, so only the one length suitrig writes
 * (`keygen --alg hmac256`: 32 random bytes, the HMAC 256/256 key size of RFC 9053 §3.1) is taken
 * as one: any other file that is neither PEM nor a COSE_Key (a text file, an image given by
 * mistake) would otherwise quietly become a MAC key.
 */
const RAW_HMAC_KEY_BYTES = 32;

const KEY_FORMATS =
  'a PEM key (SPKI public, PKCS#8 or SEC1 private), a COSE_Key (binary or hex), ' +
  `or a raw HMAC-256 key of exactly ${RAW_HMAC_KEY_BYTES} bytes (as keygen --alg hmac256 writes)`;

function rawSymmetricKey(bytes: Uint8Array, source: string): SymmetricKey {
  if (bytes.length !== RAW_HMAC_KEY_BYTES) throw new KeyError(`${source}: not a key file (${bytes.length} bytes, neither PEM nor COSE_Key); expected ${KEY_FORMATS}`);
  return { family: 'hmac', secret: new Uint8Array(bytes) };
}

/** The state of an HSS-LMS private key file, with errors naming the file. */
function hssState(text: string, source: string) {
  try {
    return parseHssKeyText(text);
  } catch (e) {
    if (e instanceof HssKeyError) throw new KeyError(`${source}: ${e.message}`);
    throw e;
  }
}

/** A verification key from file bytes: PEM (public or private), COSE_Key, an HSS-LMS private key file, else a raw HMAC-256 key. */
export function parseVerificationKey(bytes: Uint8Array, source: string): VerificationKey {
  const text = Buffer.from(bytes).toString('utf8');
  if (isHssKeyText(text)) return hssKeyFromFile(source, hssState(text, source)).publicKey;
  const pem = PEM_RE.exec(text);
  if (pem) {
    try {
      const obj = pem[1]!.includes('PRIVATE') ? createPublicKey(createPrivateKey(text)) : createPublicKey(text);
      return publicKeyFromObject(obj, source);
    } catch (e) {
      if (e instanceof KeyError) throw e;
      throw new KeyError(`${source}: unreadable PEM ${pem[1]!.toLowerCase()} (${(e as Error).message})`);
    }
  }
  const cose = asCoseKeyMap(bytes);
  if (cose) return keyFromCose(cose, source);
  return rawSymmetricKey(bytes, source);
}

/** A signing key from file bytes: PEM private key (PKCS#8 or SEC1), COSE_Key symmetric, or a raw HMAC-256 key. */
export function parseSigningKey(bytes: Uint8Array, source: string): PrivateKey | SymmetricKey {
  const text = Buffer.from(bytes).toString('utf8');
  if (isHssKeyText(text)) throw new KeyError(`${source}: an HSS-LMS key is stateful: sign with it from its file (loadSigningKey)`);
  const pem = PEM_RE.exec(text);
  if (pem) {
    if (!pem[1]!.includes('PRIVATE')) throw new KeyError(`${source}: is a ${pem[1]!.toLowerCase()}; signing needs a private key`);
    let key: KeyObject;
    try {
      key = createPrivateKey(text);
    } catch (e) {
      throw new KeyError(`${source}: unreadable PEM private key (${(e as Error).message})`);
    }
    const publicKey = publicKeyFromObject(createPublicKey(key), source);
    return { family: publicKey.family, key, publicKey } satisfies PrivateKey;
  }
  const cose = asCoseKeyMap(bytes);
  if (cose) {
    const k = keyFromCose(cose, source);
    if (k.family !== 'hmac') throw new KeyError(`${source}: COSE_Key holds a public key; signing needs a private key`);
    return k;
  }
  return rawSymmetricKey(bytes, source);
}

function readKeyFile(path: string): Uint8Array {
  try {
    return readBoundedFile(path, 'key');
  } catch (e) {
    if (e instanceof FileReadError) throw new KeyError(`${path}: cannot read key file (${e.reason})`);
    throw e;
  }
}

export function loadVerificationKey(path: string): VerificationKey {
  return parseVerificationKey(readKeyFile(path), path);
}

/** A signing key from a file; an HSS-LMS key signs through its file (its state is saved there before each signature). */
export function loadSigningKey(path: string): SigningKey {
  const bytes = readKeyFile(path);
  const text = Buffer.from(bytes).toString('utf8');
  if (isHssKeyText(text)) return hssKeyFromFile(path, hssState(text, path));
  return parseSigningKey(bytes, path);
}

/** First 8 bytes of SHA-256 over the SPKI DER (public keys), the secret (symmetric keys), or the
 *  RFC 8554 public key bytes (HSS-LMS, which has no SPKI here). */
export function keyId(key: VerificationKey): Uint8Array {
  const h = createHash('sha256').update(key.family === 'hmac' ? key.secret : key.family === 'hss-lms' ? key.raw : key.spki).digest();
  return new Uint8Array(h.subarray(0, 8));
}

/** The key that checks what `key` signs: a private key's public half, an HMAC key itself. */
export function verificationKeyOf(key: SigningKey | VerificationKey): VerificationKey {
  return 'publicKey' in key ? key.publicKey : key;
}

/** A trust anchor for `key` in `role` (a signing key stands for its verification key). */
export function trustAnchorFor(key: SigningKey | VerificationKey, role: string, source: string): TrustAnchor {
  const k = verificationKeyOf(key);
  return { role, key: k, id: keyId(k), source };
}

export const DEFAULT_ROLE = 'author';
const ROLE_RE = /^[a-z][a-z0-9_-]{0,31}$/;

/** A signer role name (`author`, `operator`): lower-case letters, digits, - and _, at most 32. */
export function isRoleName(s: string): boolean {
  return ROLE_RE.test(s);
}

/** `[role=]file` as `--trust` takes it; the role defaults to `author`. */
export function parseTrustArg(arg: string, cwd = '.'): TrustAnchor {
  const eq = arg.indexOf('=');
  let role = DEFAULT_ROLE;
  let file = arg;
  if (eq > 0 && isRoleName(arg.slice(0, eq))) {
    role = arg.slice(0, eq);
    file = arg.slice(eq + 1);
  }
  if (file === '') throw new KeyError(`${arg}: no key file given`);
  return trustAnchorFor(loadVerificationKey(resolve(cwd, file)), role, file);
}

/** `--require author,operator`: the roles whose signatures must all verify. */
export function parseRequireArg(arg: string): string[] {
  const roles = arg.split(',').map((r) => r.trim()).filter((r) => r.length > 0);
  for (const r of roles) if (!isRoleName(r)) throw new KeyError(`--require: '${r}' is not a role name (lower-case letters, digits, - and _)`);
  if (roles.length === 0) throw new KeyError('--require: no roles given');
  return [...new Set(roles)];
}

/**
 * Encrypted payloads for the tests, made with node:crypto alone (independent of the core and of
 * host/suit's authoring): SUIT_Encryption_Info = COSE_Encrypt (tag 96, detached ciphertext) with
 * AES-GCM or AES-CTR content encryption and AES-KW or ECDH-ES + AES-KW recipients, as
 * draft-ietf-suit-firmware-encryption §5-6 define them (Enc_structure AAD, COSE_KDF_Context with
 * 'SUIT Payload Encryption', HKDF-SHA-256 without salt), and manifests that write, copy or fetch
 * such payloads (signed with the IETF key by the envelope builder).
 */
import { createCipheriv, createECDH, hkdfSync, randomBytes, type CipherGCM } from 'node:crypto';
import { Tag } from 'cbor-x';
import { cbor } from './envelope-builder.js';
import { digestParam, makeEnvelope, params } from './manifests.js';

export type ContentAlg = 1 | 2 | 3 | -65534 | -65533 | -65532;
export type Random = (n: number) => Uint8Array;
export const systemRandom: Random = (n) => new Uint8Array(randomBytes(n));

export const KEY_BYTES: Record<number, number> = { 1: 16, 2: 24, 3: 32, [-65534]: 16, [-65533]: 24, [-65532]: 32, [-3]: 16, [-4]: 24, [-5]: 32 };
const isGcm = (alg: ContentAlg) => alg > 0;

export type Recipient =
  | { kind: 'kek'; kek: Uint8Array; kid?: Uint8Array }
  | { kind: 'ecdh'; publicKey: Uint8Array; kwAlg: -3 | -4 | -5; kid?: Uint8Array };

/** The wrapped CEK (RFC 3394, default IV). */
export function wrap(kek: Uint8Array, cek: Uint8Array): Buffer {
  const c = createCipheriv(`id-aes${kek.length * 8}-wrap`, kek, Buffer.from('a6a6a6a6a6a6a6a6', 'hex'));
  return Buffer.concat([c.update(cek), c.final()]);
}

/** One COSE_recipient for `cek`; the ECDH shared secret and KEK are reported to `seen` (tests look for them in core memory). */
export function recipient(r: Recipient, cek: Uint8Array, random: Random, seen: Uint8Array[] = []): unknown[] {
  if (r.kind === 'kek') {
    seen.push(r.kek);
    return [Buffer.alloc(0), new Map<number, unknown>([[1, -3 - (r.kek.length - 16) / 8], ...(r.kid ? [[4, Buffer.from(r.kid)] as [number, unknown]] : [])]), wrap(r.kek, cek)];
  }
  const eph = createECDH('prime256v1');
  eph.setPrivateKey(Buffer.from(random(32)));
  const pub = eph.getPublicKey();
  const z = eph.computeSecret(Buffer.from(r.publicKey));
  const alg = r.kwAlg - 26; // -29 / -30 / -31
  const prot = cbor(new Map([[1, alg]]));
  const bits = KEY_BYTES[r.kwAlg]! * 8;
  const context = cbor([r.kwAlg, [null, null, null], [null, null, null], [bits, prot, Buffer.from('SUIT Payload Encryption')]]);
  const kek = new Uint8Array(hkdfSync('sha256', z, Buffer.alloc(0), context, bits / 8));
  seen.push(new Uint8Array(z), kek);
  const epk = new Map<number, unknown>([[1, 2], [-1, 1], [-2, pub.subarray(1, 33)], [-3, pub.subarray(33, 65)]]);
  return [prot, new Map<number, unknown>([[-1, epk], ...(r.kid ? [[4, Buffer.from(r.kid)] as [number, unknown]] : [])]), wrap(kek, cek)];
}

export interface Encrypted {
  /** bstr .cbor COSE_Encrypt (the value of suit-parameter-encryption-info). */
  info: Buffer;
  /** What is delivered: ciphertext (|| tag for GCM). */
  ciphertext: Buffer;
  cek: Uint8Array;
  /** Key material the core must not keep: CEK, KEKs, ECDH secrets. */
  secrets: Uint8Array[];
}

export function encrypt(plain: Uint8Array, alg: ContentAlg, recipients: Recipient[], random: Random = systemRandom): Encrypted {
  const cek = random(KEY_BYTES[alg]!);
  const secrets: Uint8Array[] = [cek];
  const gcm = isGcm(alg);
  const iv = Buffer.from(random(gcm ? 12 : 16));
  const prot = gcm ? cbor(new Map([[1, alg]])) : Buffer.alloc(0);
  const unprot = new Map<number, unknown>(gcm ? [[5, iv]] : [[1, alg], [5, iv]]);
  let ciphertext: Buffer;
  if (gcm) {
    const c = createCipheriv(`aes-${cek.length * 8}-gcm`, cek, iv) as CipherGCM;
    c.setAAD(cbor(['Encrypt', prot, Buffer.alloc(0)]));
    ciphertext = Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
  } else {
    const c = createCipheriv(`aes-${cek.length * 8}-ctr`, cek, iv);
    ciphertext = Buffer.concat([c.update(plain), c.final()]);
  }
  const rs = recipients.map((r) => recipient(r, cek, random, secrets));
  return { info: cbor(new Tag([prot, unprot, null, rs], 96)), ciphertext, cek, secrets };
}

const C0 = [new Uint8Array([0])];
const C1 = [new Uint8Array([1])];
export const URI = 'https://example.com/encrypted.bin';

/** install: write the encrypted content into component 0, then image-match on the plaintext. */
export function writeManifest(plain: Uint8Array, e: Encrypted): Uint8Array {
  return makeEnvelope({
    components: [C0],
    shared: [20, params({ 3: digestParam(plain), 14: plain.length })],
    sections: { 20: [20, params({ 18: e.ciphertext, 19: e.info }), 18, 15, 3, 15] },
  });
}

/** install: fetch the ciphertext into component 1, copy it decrypted into component 0, image-match. */
export function copyManifest(plain: Uint8Array, e: Encrypted): Uint8Array {
  return makeEnvelope({
    components: [C0, C1],
    sections: {
      20: [
        12, 1, 20, params({ 3: digestParam(e.ciphertext), 14: e.ciphertext.length, 21: URI }), 21, 15, 3, 15,
        12, 0, 20, params({ 3: digestParam(plain), 14: plain.length, 19: e.info, 22: 1 }), 22, 15, 3, 15,
      ],
    },
  });
}

/** install: fetch into component 0, decrypting as it arrives (image-size and digest of the plaintext). */
export function fetchManifest(plain: Uint8Array, e: Encrypted): Uint8Array {
  return makeEnvelope({
    components: [C0],
    sections: { 20: [20, params({ 3: digestParam(plain), 14: plain.length, 19: e.info, 21: URI }), 21, 15, 3, 15] },
  });
}

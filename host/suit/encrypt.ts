/**
 * Payload encryption for authors (draft-ietf-suit-firmware-encryption §4-6), with node:crypto:
 * a fresh content-encryption key and IV per payload, the payload encrypted with AES-GCM (A128GCM
 * or A256GCM; AAD = Enc_structure ["Encrypt", protected, h''], the tag appended) or AES-CTR
 * (A128CTR / A256CTR, RFC 9459), and one COSE_recipient per recipient: AES Key Wrap with the
 * recipient's KEK (A128KW / A192KW / A256KW by its size, §5.1), or ECDH-ES + AES-KW with the
 * recipient's P-256 public key (§5.2: an ephemeral key, HKDF-SHA-256 over Z with the
 * COSE_KDF_Context of §5.2.4, the KW size matching the content key). The result is the
 * SUIT_Encryption_Info (COSE_Encrypt_Tagged, detached ciphertext) and the ciphertext to deliver.
 * Keys, IVs and ephemeral keys come from `random` (node:crypto's randomBytes unless a test rig
 * replaying a seeded run passes its own).
 */
import { createCipheriv, createECDH, hkdfSync, randomBytes, type CipherGCM } from 'node:crypto';
import { encodeCbor, Tag, type CborValue } from './cbor/encode.js';
import type { EncryptionRecipient } from '../keys/encryption.js';

export const CONTENT_ALGORITHMS = { a128gcm: 1, a256gcm: 3, a128ctr: -65534, a256ctr: -65532 } as const;
export type ContentAlgorithm = keyof typeof CONTENT_ALGORITHMS;

export interface EncryptedPayload {
  /** Encoded SUIT_Encryption_Info, the value of suit-parameter-encryption-info. */
  info: Uint8Array;
  /** What the device receives: the ciphertext (with the 16-byte tag for GCM). */
  ciphertext: Uint8Array;
}

const KW_FOR_BYTES: Record<number, number> = { 16: -3, 24: -4, 32: -5 };

function wrap(kek: Uint8Array, cek: Uint8Array): Uint8Array {
  const c = createCipheriv(`id-aes${kek.length * 8}-wrap`, kek, Buffer.from('a6a6a6a6a6a6a6a6', 'hex'));
  return new Uint8Array(Buffer.concat([c.update(cek), c.final()]));
}

function kidEntry(kid: Uint8Array | undefined): [CborValue, CborValue][] {
  return kid ? [[4, kid]] : [];
}

/** One COSE_recipient carrying `cek` to `r`. */
export type Random = (n: number) => Uint8Array;
const systemRandom: Random = (n) => new Uint8Array(randomBytes(n));

function recipientFor(r: EncryptionRecipient, cek: Uint8Array, random: Random): CborValue {
  if (r.kind === 'kek') {
    return [new Uint8Array(0), new Map<CborValue, CborValue>([[1, KW_FOR_BYTES[r.secret.length]!], ...kidEntry(r.kid)]), wrap(r.secret, cek)];
  }
  const kwAlg = KW_FOR_BYTES[cek.length]!;
  const alg = kwAlg - 26; // ECDH-ES + A128KW / A192KW / A256KW: -29 / -30 / -31
  const prot = encodeCbor(new Map<CborValue, CborValue>([[1, alg]]));
  const eph = createECDH('prime256v1');
  eph.setPrivateKey(Buffer.from(random(32)));
  const z = eph.computeSecret(Buffer.from(r.publicKey));
  const context = encodeCbor([kwAlg, [null, null, null], [null, null, null], [cek.length * 8, prot, new TextEncoder().encode('SUIT Payload Encryption')]]);
  const kek = new Uint8Array(hkdfSync('sha256', z, new Uint8Array(0), context, cek.length));
  z.fill(0);
  const pub = eph.getPublicKey();
  const epk = new Map<CborValue, CborValue>([[1, 2], [-1, 1], [-2, new Uint8Array(pub.subarray(1, 33))], [-3, new Uint8Array(pub.subarray(33, 65))]]);
  const wrapped = wrap(kek, cek);
  kek.fill(0);
  return [prot, new Map<CborValue, CborValue>([[-1, epk], ...kidEntry(r.kid)]), wrapped];
}

export function encryptPayload(plain: Uint8Array, recipients: readonly EncryptionRecipient[], algorithm: ContentAlgorithm = 'a128gcm', random: Random = systemRandom): EncryptedPayload {
  if (recipients.length === 0) throw new RangeError('no recipients to encrypt for');
  const alg = CONTENT_ALGORITHMS[algorithm];
  const gcm = alg > 0;
  const cek = random(alg === 3 || alg === -65532 ? 32 : 16);
  const iv = random(gcm ? 12 : 16);
  try {
    // The protected header carries the algorithm for AEAD; CTR keeps it empty (draft §6).
    const prot = gcm ? encodeCbor(new Map<CborValue, CborValue>([[1, alg]])) : new Uint8Array(0);
    const unprot = new Map<CborValue, CborValue>(gcm ? [[5, iv]] : [[1, alg], [5, iv]]);
    let ciphertext: Uint8Array;
    if (gcm) {
      const c = createCipheriv(`aes-${cek.length * 8}-gcm`, cek, iv) as CipherGCM;
      c.setAAD(encodeCbor(['Encrypt', prot, new Uint8Array(0)]));
      ciphertext = new Uint8Array(Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]));
    } else {
      const c = createCipheriv(`aes-${cek.length * 8}-ctr`, cek, iv);
      ciphertext = new Uint8Array(Buffer.concat([c.update(plain), c.final()]));
    }
    const info = encodeCbor(new Tag([prot, unprot, null, recipients.map((r) => recipientFor(r, cek, random))], 96));
    return { info, ciphertext };
  } finally {
    cek.fill(0);
  }
}

/**
 * Seeded signing keys for a suite run (team rule: every random choice takes a printed seed):
 * an ES256 (P-256) private key derived from the run seed and a label, so a run replayed with
 * `--seed` signs with the same keys and produces the same envelopes. Derived with SHA-256 over
 * the seed and label, reduced to a valid scalar; the key never leaves the process except as the
 * demo's key files. The HSS-LMS author key takes its I, SEED and randomizers from a SHA-256
 * stream over the seed and label; its state lives in the run's memory (volatileHssKey), so a
 * replay signs the same updates with the same one-time keys again — a suite key, never an author's.
 * The board's decryption key (P-256, ECDH-ES) and the keys and IVs of encrypted payloads come from
 * the same kind of stream, so a replayed run encrypts the same bytes.
 */
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import { parseLevelSpec, publicKeyFromObject, volatileHssKey, type DecryptionKey, type EncryptionRecipient, type HssPrivateKey, type PrivateKey } from '../../../host/keys/index.js';

const b64url = (b: Uint8Array): string => Buffer.from(b).toString('base64url');

export function seededEs256Key(seed: number, label: string): PrivateKey {
  const n = p256.Point.CURVE().n;
  for (let counter = 0; ; counter++) {
    const h = createHash('sha256').update(`suitrig-key/1\0${seed}\0${label}\0${counter}`).digest();
    const d = BigInt(`0x${h.toString('hex')}`);
    if (d === 0n || d >= n) continue;
    const secret = new Uint8Array(h);
    const pub = p256.getPublicKey(secret, false);
    const key = createPrivateKey({ key: { kty: 'EC', crv: 'P-256', d: b64url(secret), x: b64url(pub.subarray(1, 33)), y: b64url(pub.subarray(33, 65)) }, format: 'jwk' });
    return { family: 'p256', key, publicKey: publicKeyFromObject(createPublicKey(key), `suite key '${label}'`) };
  }
}

/** Two levels of height-5 trees (1024 signatures): far more than a run signs, generated in a blink. */
const SUITE_HSS_LEVELS = ['m32-h5-w4', 'm32-h5-w4'];

/** Bytes from SHA-256 in counter mode over the seed and label. */
export function seededRandom(seed: number, label: string): (n: number) => Uint8Array {
  let counter = 0;
  let pool = Buffer.alloc(0);
  return (n: number): Uint8Array => {
    while (pool.length < n) pool = Buffer.concat([pool, createHash('sha256').update(`suitrig-random/1\0${seed}\0${label}\0${counter++}`).digest()]);
    const out = new Uint8Array(pool.subarray(0, n));
    pool = pool.subarray(n);
    return out;
  };
}

export function seededHssKey(seed: number, label: string): HssPrivateKey {
  return volatileHssKey(SUITE_HSS_LEVELS.map((l) => parseLevelSpec(l)!), `suite HSS-LMS key '${label}'`, seededRandom(seed, label));
}

/** A board's P-256 decryption key (ECDH-ES + AES-KW): its private half, and what an author encrypts for. */
export function seededDecryptionKey(seed: number, label: string): { key: DecryptionKey; recipient: EncryptionRecipient } {
  const k = seededEs256Key(seed, label);
  const d = new Uint8Array(Buffer.from(k.key.export({ format: 'jwk' }).d!, 'base64url'));
  return { key: { kind: 'ecdh-p256', secret: d, source: `suite key '${label}'` }, recipient: { kind: 'ecdh-p256', publicKey: k.publicKey.raw, source: `suite key '${label}'` } };
}

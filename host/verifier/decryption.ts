/**
 * The device's side of payload decryption behind the core's `decrypt_key` import
 * (assembly/platform.ts; draft-ietf-suit-firmware-encryption §5): its keys that fit a recipient's
 * algorithm, those with the recipient's kid first, one per attempt. AES-KW (-3/-4/-5): the
 * key-encryption key of that size. ECDH-ES + AES-KW (-29/-30/-31): the ECDH shared secret Z (the
 * x-coordinate) of the device's P-256 private key with the sender's ephemeral key, computed here
 * with @noble/curves so the private key never enters the core. The core derives the KEK, unwraps,
 * decrypts and wipes; this side returns a fresh copy each time, which the binding wipes.
 */
import { p256 } from '@noble/curves/nist.js';
import type { DecryptionKey } from '../keys/encryption.js';

const KW_BYTES: Record<number, number> = { [-3]: 16, [-4]: 24, [-5]: 32 };
const ECDH = new Set([-29, -30, -31]);

function sameKid(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && b.length > 0 && Buffer.from(a).equals(Buffer.from(b));
}

/** The key material of the `attempt`-th candidate, or undefined when there is none. */
export function decryptionKeyMaterial(keys: readonly DecryptionKey[], alg: number, kid: Uint8Array, epk: Uint8Array, attempt: number): Uint8Array | undefined {
  const fits = keys.filter((k) => (ECDH.has(alg) ? k.kind === 'ecdh-p256' : k.kind === 'kek' && k.secret.length === KW_BYTES[alg]));
  const ordered = [...fits.filter((k) => sameKid(k.kid, kid)), ...fits.filter((k) => !sameKid(k.kid, kid))];
  const key = ordered[attempt];
  if (!key) return undefined;
  if (key.kind === 'kek') return new Uint8Array(key.secret);
  try {
    // getSharedSecret returns the compressed shared point: 02/03 || x.
    return p256.getSharedSecret(key.secret, epk, true).slice(1, 33);
  } catch {
    // Not a point on P-256: this recipient cannot be opened with any key.
    return undefined;
  }
}

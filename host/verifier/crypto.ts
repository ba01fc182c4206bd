/**
 * The signature / MAC check behind the core's `verify` import: ES256 and ESP256 (-7, -9) and
 * EdDSA / Ed25519 (-8, -19) with @noble/curves, HMAC 256/256 (5) with node:crypto (RFC 9053
 * §2.1, §2.2, §3.1; algorithm ids as in draft-ietf-suit-mti). ECDSA is verified with
 * `lowS: false`: COSE signers do not normalise S (notes/platform.md: noble's default rejected
 * about half of valid OpenSSL signatures).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import type { VerificationKey } from '../keys/index.js';

/** COSE algorithm ids the core can authenticate, with their names. */
export const COSE_ALGORITHMS: Readonly<Record<number, string>> = {
  [-7]: 'ES256',
  [-9]: 'ESP256',
  [-8]: 'EdDSA',
  [-19]: 'Ed25519',
  5: 'HMAC-256',
  [-46]: 'HSS-LMS',
};

export function algorithmName(alg: number): string {
  return COSE_ALGORITHMS[alg] ?? `COSE alg ${alg}`;
}

/**
 * The platform's signature / MAC routine as the core's `verify` import calls it, once per trust
 * anchor whose key family fits `alg`: true when `sig` is valid by `key` over `tbs`. verifyCose is
 * the real one; a board model may bring its own (SuitProcessor option `verify`).
 */
export type SignatureVerifier = (key: VerificationKey, alg: number, tbs: Uint8Array, sig: Uint8Array) => boolean;

/** true when `sig` is a valid signature / MAC by `key` with COSE algorithm `alg` over `tbs`. */
export function verifyCose(key: VerificationKey, alg: number, tbs: Uint8Array, sig: Uint8Array): boolean {
  try {
    if (alg === -7 || alg === -9) {
      return key.family === 'p256' && sig.length === 64 && p256.verify(sig, tbs, key.raw, { lowS: false, prehash: true });
    }
    if (alg === -8 || alg === -19) {
      return key.family === 'ed25519' && sig.length === 64 && ed25519.verify(sig, tbs, key.raw);
    }
    if (alg === 5) {
      if (key.family !== 'hmac' || sig.length !== 32) return false;
      const mac = createHmac('sha256', key.secret).update(tbs).digest();
      return timingSafeEqual(mac, sig);
    }
  } catch {
    // Malformed signatures or points: simply not valid.
  }
  return false;
}

/**
 * Raw signature and MAC values for the COSE algorithms in algorithms.ts (RFC 9053 §2.1 ECDSA:
 * r || s, 32 bytes each; §2.2 EdDSA: 64 bytes; §3.1 HMAC 256/256: the full 32-byte tag; RFC 9708
 * HSS-LMS: the RFC 8554 HSS signature, by the key's stateful signer).
 * ECDSA uses @noble/curves with RFC 6979 deterministic nonces, so the same manifest and key
 * give the same envelope bytes; Ed25519 and HMAC are deterministic by construction (node:crypto).
 */
import { createHmac, sign as nodeSign } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import type { SigningKey } from '../keys/types.js';
import type { CoseAlgorithm } from './algorithms.js';

export function signatureBytes(key: SigningKey, alg: CoseAlgorithm, toBeSigned: Uint8Array): Uint8Array {
  if (alg.family !== key.family) throw new Error(`internal: ${alg.name} with a ${key.family} key`);
  if (key.family === 'hmac') return new Uint8Array(createHmac('sha256', key.secret).update(toBeSigned).digest());
  if (key.family === 'ed25519') return new Uint8Array(nodeSign(null, toBeSigned, key.key));
  if (key.family === 'hss-lms') return key.sign(toBeSigned);
  const jwk = key.key.export({ format: 'jwk' });
  const secret = new Uint8Array(Buffer.from(jwk.d!, 'base64url'));
  try {
    // prehash: SHA-256 over the Sig_structure, as ES256/ESP256 specify.
    return p256.sign(toBeSigned, secret, { prehash: true });
  } finally {
    secret.fill(0);
  }
}

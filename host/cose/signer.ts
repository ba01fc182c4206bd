/**
 * A Signer from a loaded key: the algorithm (`--alg-id`, else the key family's default) and the
 * key id suitrig puts in the unprotected header (keyId from host/keys: first 8 bytes of
 * SHA-256 over the SPKI DER, or over the HMAC key), unless told to leave it out.
 */
import { keyId, verificationKeyOf } from '../keys/load.js';
import type { SigningKey } from '../keys/types.js';
import { resolveAlgorithm } from './algorithms.js';
import type { Signer } from './message.js';

export function createSigner(key: SigningKey, opts: { algorithm?: string; kid?: boolean } = {}): Signer {
  const algorithm = resolveAlgorithm(key, opts.algorithm);
  if (opts.kid === false) return { key, algorithm };
  return { key, algorithm, kid: keyId(verificationKeyOf(key)) };
}

/**
 * SUIT_Digest (draft-ietf-suit-manifest-37 §10): `[algorithm-id, digest-bytes]`. suitrig writes
 * SHA-256 (-16), the algorithm every SUIT processor must implement.
 */
import { createHash } from 'node:crypto';
import { DIGEST_ALGORITHM } from './labels.js';

export interface SuitDigest {
  algorithm: number;
  bytes: Uint8Array;
}

export function sha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}

export function sha256Digest(data: Uint8Array): SuitDigest {
  return { algorithm: DIGEST_ALGORITHM.ids['sha-256'], bytes: sha256(data) };
}

/** The CBOR value of a SUIT_Digest. */
export function digestValue(d: SuitDigest): [number, Uint8Array] {
  return [d.algorithm, d.bytes];
}

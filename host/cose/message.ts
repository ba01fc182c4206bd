/**
 * COSE_Sign1_Tagged (RFC 9052 §4.2, tag 18) and COSE_Mac0_Tagged (§6.2, tag 17) with a
 * detached (nil) payload, as SUIT authentication blocks (draft-ietf-suit-manifest-37 §8.3), or
 * with the payload attached, as a protected SUIT_Report (draft-ietf-suit-report §6).
 * The key id, when given, goes into the unprotected bucket (label 4) so that the protected
 * bucket stays `{1: alg}` like the IETF examples; verifiers use it only to pick a key.
 */
import { encodeCbor, Tag, type CborValue } from '../suit/cbor/encode.js';
import type { SigningKey } from '../keys/types.js';
import type { CoseAlgorithm } from './algorithms.js';
import { signatureBytes } from './primitives.js';
import { HEADER, macStructure, protectedHeader, sigStructure } from './structures.js';

export const COSE_TAG = { sign1: 18, mac0: 17 } as const;

export interface Signer {
  key: SigningKey;
  algorithm: CoseAlgorithm;
  /** Key identifier for the unprotected header; omitted when undefined. */
  kid?: Uint8Array;
}

/** The encoded COSE_Sign1_Tagged or COSE_Mac0_Tagged over the detached `payload`. */
export function createAuthenticationBlock(signer: Signer, payload: Uint8Array): Uint8Array {
  return coseMessage(signer, payload, false);
}

/** The same with `payload` carried in the message. */
export function createAttachedMessage(signer: Signer, payload: Uint8Array): Uint8Array {
  return coseMessage(signer, payload, true);
}

function coseMessage(signer: Signer, payload: Uint8Array, attached: boolean): Uint8Array {
  const { algorithm, key, kid } = signer;
  const prot = protectedHeader(algorithm.id);
  const unprotected = new Map<CborValue, CborValue>(kid ? [[HEADER.kid, kid]] : []);
  const mac = algorithm.structure === 'mac0';
  const tbs = mac ? macStructure(prot, payload) : sigStructure(prot, payload);
  const value = signatureBytes(key, algorithm, tbs);
  return encodeCbor(new Tag([prot, unprotected, attached ? payload : null, value], mac ? COSE_TAG.mac0 : COSE_TAG.sign1));
}

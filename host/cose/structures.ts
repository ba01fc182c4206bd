/**
 * The byte strings COSE signs and MACs (RFC 9052 §4.4 Sig_structure, §6.3 MAC_structure) and
 * the protected header bucket (§3). SUIT uses detached payloads: the payload is the
 * bstr-wrapped SUIT_Digest from the authentication wrapper (draft-ietf-suit-manifest-37 §8.3),
 * and the external AAD is empty.
 */
import { encodeCbor, type CborValue } from '../suit/cbor/encode.js';

export const HEADER = { alg: 1, kid: 4 } as const;

/** Encoded protected header map `{1: alg}`; it goes into the message as a bstr. */
export function protectedHeader(alg: number): Uint8Array {
  return encodeCbor(new Map<CborValue, CborValue>([[HEADER.alg, alg]]));
}

/** `["Signature1", body_protected, external_aad, payload]` (RFC 9052 §4.4). */
export function sigStructure(protectedBytes: Uint8Array, payload: Uint8Array, externalAad: Uint8Array = new Uint8Array(0)): Uint8Array {
  return encodeCbor(['Signature1', protectedBytes, externalAad, payload]);
}

/** `["MAC0", protected, external_aad, payload]` (RFC 9052 §6.3). */
export function macStructure(protectedBytes: Uint8Array, payload: Uint8Array, externalAad: Uint8Array = new Uint8Array(0)): Uint8Array {
  return encodeCbor(['MAC0', protectedBytes, externalAad, payload]);
}

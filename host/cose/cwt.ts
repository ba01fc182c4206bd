/**
 * Delegation CWTs (RFC 8392 CBOR Web Tokens with the cnf claim of RFC 8747 §3.2) as
 * suit-delegation chains carry them (draft-ietf-suit-trust-domains; assembly/delegation.ts checks
 * them): a COSE_Sign1_Tagged by the issuer whose attached claims confirm the subject's public key,
 * optionally bounded in time.
 */
import { coseKey } from '../keys/export.js';
import type { PublicKey } from '../keys/types.js';
import { decodeCbor } from '../suit/cbor/decode.js';
import { encodeCbor, type CborValue } from '../suit/cbor/encode.js';
import { createAttachedMessage, type Signer } from './message.js';

/** CWT claim keys used here (RFC 8392 §4, RFC 8747 §3.1). */
const CLAIM = { exp: 4, nbf: 5, cnf: 8 } as const;
const CNF_COSE_KEY = 1;

export interface DelegationClaims {
  /** Not valid from this time on (seconds since the epoch). */
  expires?: bigint;
  /** Not valid before this time. */
  notBefore?: bigint;
}

/** A CWT by `issuer` confirming `subject`'s key (with its key id, which signers put in their headers). */
export function delegationCwt(issuer: Signer, subject: PublicKey, claims: DelegationClaims = {}): Uint8Array {
  const m = new Map<CborValue, CborValue>();
  if (claims.expires !== undefined) m.set(CLAIM.exp, claims.expires);
  if (claims.notBefore !== undefined) m.set(CLAIM.nbf, claims.notBefore);
  m.set(CLAIM.cnf, new Map<CborValue, CborValue>([[CNF_COSE_KEY, decodeCbor(coseKey(subject), 'COSE_Key') as CborValue]]));
  return createAttachedMessage(issuer, encodeCbor(m));
}

/**
 * The verifier policy and signature routine the board's SUIT processor runs with (host/verifier
 * Policy, SignatureVerifier): its provisioned trust anchors and required roles, its identity,
 * the stored sequence number (rollback protection) and its signature / MAC check — bent by the
 * deliberately broken variants (DESIGN.md "Virtual board"):
 *
 * - `accept-rollback` drops the sequence check;
 * - `skip-signature` is a board whose signature-verification routine says yes to anything: the
 *   core still asks it once per provisioned anchor of the signer's key family, and still checks
 *   the manifest digest, the COSE structure and the role policy itself — so a tampered manifest
 *   is refused (digest-mismatch) while an envelope signed with any key of a family the board
 *   holds an anchor of is taken, the SUIT twin of MCUboot checking the image hash without its
 *   signature. A board with no anchor of that family (or none at all) still refuses.
 */
import type { Policy, SignatureVerifier } from '../../../host/verifier/index.js';
import type { Quirk } from '../bootloader/index.js';
import { policyIdentity, type BoardIdentity, type BoardTrust } from './trust.js';

export interface BoardPolicy {
  trust: BoardTrust | undefined;
  identity: BoardIdentity;
  storedSequence: bigint;
  quirks: ReadonlySet<Quirk>;
}

/** The signature routine of a `skip-signature` board. */
export const ACCEPT_ANY_SIGNATURE: SignatureVerifier = () => true;

/** The policy to run with, and the board's own signature routine when it is not the real one. */
export function boardVerifier(p: BoardPolicy): { policy: Policy; verify?: SignatureVerifier } {
  const require = p.trust?.require ?? [];
  const policy: Policy = {
    trust: p.trust?.anchors ?? [],
    ...(require.length > 0 ? { require } : {}),
    device: policyIdentity(p.identity),
    ...(p.quirks.has('accept-rollback') ? {} : { storedSequence: p.storedSequence }),
    ...(p.trust?.decrypt?.length ? { decrypt: p.trust.decrypt } : {}),
  };
  return p.quirks.has('skip-signature') ? { policy, verify: ACCEPT_ANY_SIGNATURE } : { policy };
}

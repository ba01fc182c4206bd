/**
 * The verifier policy the board's SUIT processor runs with (host/verifier Policy): its
 * provisioned trust anchors and required roles, its identity, and the stored sequence number
 * (rollback protection) — bent by the deliberately broken variants: `accept-rollback` drops the
 * sequence check, `skip-signature` accepts any signer (skip-signature.ts).
 */
import type { Policy } from '../../../host/verifier/index.js';
import type { Quirk } from '../bootloader/index.js';
import { skipSignatureView } from './skip-signature.js';
import { policyIdentity, type BoardIdentity, type BoardTrust } from './trust.js';

export interface BoardPolicy {
  trust: BoardTrust | undefined;
  identity: BoardIdentity;
  storedSequence: bigint;
  quirks: ReadonlySet<Quirk>;
}

/** The envelope to run (re-signed under `skip-signature`) and the policy to run it with. */
export function applyBoardPolicy(envelope: Uint8Array, p: BoardPolicy): { envelope: Uint8Array; policy: Policy } {
  const require = p.trust?.require ?? [];
  const base: Policy = {
    trust: p.trust?.anchors ?? [],
    ...(require.length > 0 ? { require } : {}),
    device: policyIdentity(p.identity),
    ...(p.quirks.has('accept-rollback') ? {} : { storedSequence: p.storedSequence }),
  };
  if (!p.quirks.has('skip-signature')) return { envelope, policy: base };
  const view = skipSignatureView(envelope, require);
  return { envelope: view.envelope, policy: { ...base, trust: view.trust } };
}

/**
 * What a board provisioned with the given trust anchors, roles, identity and stored sequence
 * number must decide about an update (DESIGN.md "Data flow of one update": "host: verifier.wasm
 * pre-check (same trust anchors and device identity as the board) -> expected decision"): the
 * Update procedure of the envelope run by the same verifier core on an in-memory platform,
 * with the payloads the operator supplies for the URIs the manifest fetches.
 */
import { MemoryPlatform, SuitProcessor, runDecision, runWithPayloads, type FinishedRun, type Policy, type RunDecision } from '../verifier/index.js';

export interface Prediction extends RunDecision {
  /** URIs the manifest fetches, in order. */
  fetches: string[];
  /** A URI it fetches that was not given: the prediction stops there (fetch failed). */
  missing?: string;
  /** Roles whose signatures verified. */
  signers: string[];
}

export function predictUpdate(envelope: Uint8Array, policy: Policy, payloads: ReadonlyMap<string, Uint8Array>): Prediction {
  const fetches: string[] = [];
  const run = runWithPayloads(new SuitProcessor(new MemoryPlatform()), envelope, { ...policy, sequences: 'update' }, payloads, { onFetch: (f) => void fetches.push(f.uri) });
  return fromRun(run, fetches, fetches.find((u) => !payloads.has(u)));
}

function fromRun(r: FinishedRun, fetches: string[], missing: string | undefined): Prediction {
  return {
    ...runDecision(r),
    fetches,
    ...(missing ? { missing } : {}),
    signers: r.signatures.filter((s) => s.status === 'verified' && s.role).map((s) => s.role!),
  };
}

/**
 * The firmware server's check of an uploaded release (DESIGN.md "Lab service", releases): the
 * envelope is authenticated by the verifier core (build/verifier.wasm) against the service's
 * trust anchors and roles, and its Update procedure is run on an in-memory device with the
 * uploaded payloads (host/operator/predict.ts, what `suitrig update` predicts), so each payload
 * is checked against the digest the manifest states for it. Every URI the manifest fetches
 * must be uploaded, and nothing else may be. No device identity and no stored sequence take
 * part: a release is checked for what it is, not for one board.
 */
import { predictUpdate } from '../../../host/operator/predict.js';
import { CoreTrap } from '../../../host/verifier/index.js';
import { inspectEnvelope } from '../../../host/suit/inspect/model.js';
import { jsonReplacer } from '../../../host/util/json.js';
import type { ReleaseTrust } from '../context.js';

export type ReleaseCheck =
  | { ok: true; sequence: bigint; signers: string[]; fetches: string[]; summary: Record<string, unknown> }
  | { ok: false; code: 'release-rejected' | 'missing-payload' | 'unexpected-payload'; message: string; trap?: CoreTrap };

export function checkRelease(envelope: Uint8Array, payloads: ReadonlyMap<string, Uint8Array>, trust: ReleaseTrust): ReleaseCheck {
  let p;
  try {
    p = predictUpdate(envelope, { trust: trust.trust, ...(trust.require ? { require: trust.require } : {}) }, payloads);
  } catch (e) {
    // A trap is a bug of the core on this input: the release is not verified, so it is refused,
    // and the trap is returned for the log. Anything else (no core built) is the service's fault.
    if (!(e instanceof CoreTrap)) throw e;
    return { ok: false, code: 'release-rejected', message: 'the verifier core failed on this envelope (a bug, logged by the service)', trap: e };
  }
  if (p.missing !== undefined) {
    return { ok: false, code: 'missing-payload', message: `the manifest fetches ${p.missing}, and no part of that name was uploaded` };
  }
  if (!p.accepted) return { ok: false, code: 'release-rejected', message: `the verifier rejected the release: ${p.reason} (${p.detail}): ${p.message}` };
  const extra = [...payloads.keys()].filter((u) => !p.fetches.includes(u));
  if (extra.length > 0) {
    return { ok: false, code: 'unexpected-payload', message: `uploaded parts the manifest does not fetch: ${extra.join(', ')} (it fetches: ${p.fetches.join(', ') || 'nothing'})` };
  }
  if (p.sequence === undefined) return { ok: false, code: 'release-rejected', message: 'the verifier accepted the release without a sequence number' };
  const summary = JSON.parse(JSON.stringify(inspectEnvelope(envelope), jsonReplacer)) as Record<string, unknown>;
  return { ok: true, sequence: p.sequence, signers: p.signers, fetches: p.fetches, summary };
}

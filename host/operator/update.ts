/**
 * One SUIT update of one board, as the device operator of RFC 9019 runs it (DESIGN.md "Data
 * flow of one update"): read the board, predict its decision with the verifier core (when the
 * operator knows the board's trust anchors), upload the envelope (SUIT group 66), stream each
 * payload the board asks for by URI (missing-image state and upload, resumable by offset),
 * read the board's decision from its SUIT report (rig group 67), reset it, and find out what
 * boots: the new manifest (updated, or on test awaiting its confirmation), the old one again
 * (reverted), or nothing (recovery). `runUpdate` runs it all for `suitrig update`; the steps
 * (`predictFor`, `deliverEnvelope`, `supplyPayloads`, `readDecision`, `resetAndWait`) serve a
 * driver that interleaves its own actions (the rig's Dut: power cuts, faults, status reads).
 *
 * A step that fails because the board was reset meanwhile by someone else (its boot count
 * moved) is reported as that reset. Boards without the rig group are judged from what boots;
 * for boards without the SUIT group the host verifies the manifest in their stead and delivers
 * the payload, an MCUboot image, through the image group (host-verified.ts).
 */
import { abortReason } from '../transport/clock.js';
import type { SmpClient } from '../smp/client.js';
import type { UploadResult } from '../smp/upload/engine.js';
import { parseEnvelope } from '../suit/envelope/parse.js';
import type { Policy } from '../verifier/index.js';
import { optional, readBoardState, type BoardState } from './board-state.js';
import { predictUpdate, type Prediction } from './predict.js';
import { decodeSuitReport, reportSummary, type DecodedReport } from './suit-report.js';
import { runHostVerifiedUpdate } from './host-verified.js';
import { MissingPayloadError, UpdateError, resetAndWait, sessionReconnect, signalOf, watchingForResets, type UpdateEvent, type UpdateOptions, type UpdateOutcome, type UpdateSession } from './session.js';

export { MissingPayloadError, UpdateError, resetAndWait } from './session.js';
export type { UpdateEvent, UpdateOptions, UpdateOutcome, UpdateResultKind, UpdateSession } from './session.js';

const MAX_PAYLOADS = 64;

function digestOf(envelope: Uint8Array): Uint8Array {
  try {
    const a = parseEnvelope(envelope).authentication;
    if (a) return a.digest.bytes;
  } catch {
    // not an envelope: the board will say so in its report
  }
  return new Uint8Array(0);
}

function same(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  return a !== undefined && b !== undefined && a.length === b.length && Buffer.from(a).equals(Buffer.from(b));
}

/** The prediction for `envelope`, with the board's stored sequence and identity as defaults. */
export function predictFor(envelope: Uint8Array, policy: Policy, before: BoardState, payloads: ReadonlyMap<string, Uint8Array>): { prediction: Prediction; storedSequence: bigint | undefined } {
  const stored = policy.storedSequence ?? before.trust?.sequence ?? before.suit?.sequenceNumber;
  // Without --device, the vendor and class the board reports are its identity.
  const s = before.suit;
  const device = policy.device ?? (s?.vendorId && s.classId ? { vendorIds: [s.vendorId], classIds: [s.classId] } : undefined);
  const prediction = predictUpdate(envelope, { ...policy, ...(stored !== undefined ? { storedSequence: stored } : {}), ...(device ? { device } : {}) }, payloads);
  return { prediction, storedSequence: stored };
}

/** Step: the envelope upload (SUIT group 66 command 2); the board processes it once it is in. */
export async function deliverEnvelope(s: UpdateSession, envelope: Uint8Array): Promise<UploadResult> {
  const o = s.options;
  const reconnect = sessionReconnect(s);
  const r = await s.client.suit.uploadEnvelope(envelope, { ...signalOf(o), ...(reconnect ? { reconnect } : {}), onProgress: (p) => o.onEvent?.({ kind: 'progress', what: 'envelope', progress: p }) });
  o.onEvent?.({ kind: 'sent', what: 'envelope', result: r });
  return r;
}

/** Step: every payload the board asks for (missing-image state, then upload), until it asks no more. */
export async function supplyPayloads(s: UpdateSession): Promise<UpdateOutcome['payloads']> {
  const o = s.options;
  const reconnect = sessionReconnect(s);
  const served = new Set<number>();
  const sent: UpdateOutcome['payloads'] = [];
  for (let round = 0; ; round++) {
    if (o.signal?.aborted) throw abortReason(o.signal);
    const missing = await s.client.suit.missingImage({ timeoutMs: o.processTimeoutMs ?? 60_000, ...signalOf(o) });
    if (!missing) return sent;
    if (served.has(missing.sessionId) || round >= MAX_PAYLOADS) throw new UpdateError(`the board keeps asking for '${missing.uri}' (stream session ${missing.sessionId}) after it was sent`);
    served.add(missing.sessionId);
    const bytes = o.payloads.get(missing.uri);
    if (!bytes) {
      await optional(() => s.client.suit.cleanup()).catch(() => undefined);
      throw new MissingPayloadError(missing.uri, [...o.payloads.keys()]);
    }
    const t0 = s.client.clock.now();
    const r = await s.client.suit.uploadMissingImage(missing.sessionId, bytes, {
      ...signalOf(o),
      ...(reconnect ? { reconnect } : {}),
      onProgress: (p) => o.onEvent?.({ kind: 'progress', what: 'payload', uri: missing.uri, progress: p }),
    });
    sent.push({ uri: missing.uri, bytes: bytes.length, ms: s.client.clock.now() - t0, resumedFrom: r.resumedFrom, reconnects: r.reconnects });
    o.onEvent?.({ kind: 'sent', what: 'payload', uri: missing.uri, result: r });
  }
}

/** Step: the board's decision from its last SUIT report (undefined on boards without the rig group). */
export async function readDecision(s: UpdateSession, envelopeDigest: Uint8Array): Promise<DecodedReport | undefined> {
  const o = s.options;
  const last = await optional(() => s.client.rig.lastReport({ timeoutMs: o.processTimeoutMs ?? 60_000, ...signalOf(o) }));
  if (!last) return undefined;
  const d = decodeSuitReport(last.report);
  const zero = d.digest.bytes.every((b) => b === 0);
  if (!zero && envelopeDigest.length > 0 && !same(d.digest.bytes, envelopeDigest)) {
    throw new UpdateError(`the board's last SUIT report is about manifest ${Buffer.from(d.digest.bytes).toString('hex').slice(0, 16)}..., not this one (${Buffer.from(envelopeDigest).toString('hex').slice(0, 16)}...): it did not process the envelope`);
  }
  return d;
}

export async function runUpdate(client: SmpClient, envelope: Uint8Array, o: UpdateOptions): Promise<UpdateOutcome> {
  const s: UpdateSession = { client, options: o };
  const emit = (e: UpdateEvent): void => o.onEvent?.(e);
  const before = await readBoardState(s.client, signalOf(o));
  emit({ kind: 'board', state: before });
  const envelopeDigest = digestOf(envelope);
  if (!before.hasSuitGroup) return runHostVerifiedUpdate(s, envelope, before, envelopeDigest);
  const out: UpdateOutcome = { result: 'refused', exitCode: 1, message: '', before, envelopeDigest, payloads: [] };
  if (o.predict) {
    const p = predictFor(envelope, o.predict, before, o.payloads);
    out.prediction = p.prediction;
    emit({ kind: 'prediction', prediction: p.prediction, storedSequence: p.storedSequence });
  }
  let said = '';
  await watchingForResets(s, before, async (w, boardConsole) => {
    await deliverEnvelope(w, envelope);
    out.payloads = await supplyPayloads(w);
    out.decision = await readDecision(w, envelopeDigest);
    said = boardConsole.said();
  });
  emit({ kind: 'decision', report: out.decision });
  const decided = out.decision ? out.decision.result.ok : undefined;
  if (out.prediction && decided !== undefined && out.prediction.accepted !== decided) {
    out.disagreement = `the host predicted ${out.prediction.accepted ? 'accept' : `refuse (${out.prediction.reason}: ${out.prediction.message})`}, the board ${decided ? 'accepted' : `refused (${reportSummary(out.decision!)})`}`;
  } else if (out.prediction && out.decision && !out.decision.result.ok && !out.prediction.accepted && out.decision.result.reason !== out.prediction.reason) {
    out.disagreement = `both refused, but the host predicted ${out.prediction.reason} (${out.prediction.detail}) and the board reported ${out.decision.result.reason} (${out.decision.result.detail})`;
  }
  if (decided === false) {
    out.message = `the board ${reportSummary(out.decision!)}${said}; the running image is untouched${out.disagreement ? `; ${out.disagreement}` : ''}`;
    return finish(out);
  }
  if (o.reset === false) {
    out.result = 'installed';
    out.exitCode = 0;
    out.message = 'accepted and installed; the board swaps it in at its next reset';
    return finish(out);
  }
  emit({ kind: 'reset' });
  const back = await resetAndWait(s);
  out.rebootMs = back.ms;
  emit({ kind: 'rebooted', ...back });
  out.after = await readBoardState(s.client, { parts: ['suit', 'images', 'rig'], ...signalOf(o) });
  judge(out);
  return finish(out);
}

/** What booted after the reset. */
function judge(out: UpdateOutcome): void {
  const after = out.after!;
  const boot = after.boot;
  const bootText = boot ? ` (boot ${boot.count}: ${boot.outcome}, reset reason ${boot.reason})` : '';
  const runningNew = same(after.suit?.digest, out.envelopeDigest);
  if (runningNew) {
    out.sequence = after.suit?.sequenceNumber;
    const active = after.images?.find((i) => i.active);
    const testing = active ? !active.confirmed : boot?.outcome === 'test';
    out.result = testing ? 'testing' : 'updated';
    out.exitCode = 0;
    out.message = `running sequence ${after.suit?.sequenceNumber ?? '?'}${after.suit?.semanticVersion?.length ? ` (app ${after.suit.semanticVersion.join('.')})` : ''}, ${testing ? 'test image, awaiting its confirmation' : 'confirmed'}${bootText}`;
  } else if (boot?.outcome === 'recovery' || (!after.suit?.digest && !after.images?.some((i) => i.active))) {
    out.result = 'recovery';
    out.message = `the board stays in its bootloader: no image it can boot${bootText}`;
  } else {
    out.result = 'reverted';
    out.message = `the new image did not stay: the board runs sequence ${after.suit?.sequenceNumber ?? '?'} again${bootText}`;
  }
  if (out.disagreement) {
    out.exitCode = 1;
    out.message += `; ${out.disagreement}`;
  }
}

function finish(out: UpdateOutcome): UpdateOutcome {
  if (out.disagreement) out.exitCode = 1;
  return out;
}

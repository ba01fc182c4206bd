/**
 * One SUIT update of one board, as the device operator of RFC 9019 runs it (DESIGN.md "Data
 * flow of one update"): read the board, predict its decision with the verifier core (when the
 * operator knows the board's trust anchors), upload the envelope (SUIT group 66), stream each
 * payload the board asks for by URI (missing-image state and upload, resumable by offset),
 * read the board's decision from its SUIT report (rig group 67), reset it, and find out what
 * boots: the new manifest (updated, or on test awaiting its confirmation), the old one again
 * (reverted), or nothing (recovery). The same steps serve `suitrig update` and the rig's Dut.
 *
 * Boards without the rig group are judged from what boots; boards without the SUIT group
 * cannot decide about a manifest at all — delivering an MCUboot image through the image group
 * instead is a different flow (`UpdateError` says so).
 */
import { abortReason, sleep } from '../transport/clock.js';
import { TransportClosedError } from '../transport/transport.js';
import type { SmpClient } from '../smp/client.js';
import { SmpTimeoutError } from '../smp/client.js';
import type { UploadProgress, UploadResult } from '../smp/upload/engine.js';
import { parseEnvelope } from '../suit/envelope/parse.js';
import type { Policy } from '../verifier/index.js';
import { optional, readBoardState, type BoardState } from './board-state.js';
import { predictUpdate, type Prediction } from './predict.js';
import { decodeSuitReport, reportSummary, type DecodedReport } from './suit-report.js';

export interface UpdateOptions {
  /** Payloads by URI, exactly as the manifest names them. */
  payloads: ReadonlyMap<string, Uint8Array>;
  /** The board's trust anchors, roles and identity: predict its decision. `storedSequence`
   *  defaults to what the board reports (rig trust state, else its manifest state). */
  predict?: Policy;
  /** A client on the reopened port after the link dropped (uploads resume from the board's offset). */
  reconnect?: () => Promise<SmpClient>;
  /** Reset the board after an accepted install and check what boots (default true). */
  reset?: boolean;
  /** How long the board may take to answer again after the reset (default 60 s). */
  bootTimeoutMs?: number;
  /** How long the board may process the envelope or a payload before answering (default 60 s). */
  processTimeoutMs?: number;
  signal?: AbortSignal;
  onEvent?: (e: UpdateEvent) => void;
}

export type UpdateEvent =
  | { kind: 'board'; state: BoardState }
  | { kind: 'prediction'; prediction: Prediction; storedSequence: bigint | undefined }
  | { kind: 'progress'; what: 'envelope' | 'payload'; uri?: string; progress: UploadProgress }
  | { kind: 'sent'; what: 'envelope' | 'payload'; uri?: string; result: UploadResult }
  | { kind: 'decision'; report: DecodedReport | undefined }
  | { kind: 'reset' }
  | { kind: 'rebooted'; ms: number };

/** How the update ended. */
export type UpdateResultKind =
  /** The new manifest's image runs, confirmed. */
  | 'updated'
  /** The new manifest's image runs on test, awaiting its confirmation. */
  | 'testing'
  /** Accepted and installed; not reset (`reset: false`). */
  | 'installed'
  /** The board refused the manifest (its reason is in `decision`); the running image is untouched. */
  | 'refused'
  /** The new image was tried and the bootloader went back to the previous one. */
  | 'reverted'
  /** The board stays in its bootloader: nothing valid to boot. */
  | 'recovery';

export interface UpdateOutcome {
  result: UpdateResultKind;
  /** 0 the new image boots (or is installed); 1 refused, reverted, recovery, or the board decided otherwise than predicted. */
  exitCode: 0 | 1;
  /** One sentence for people, with the board's reason. */
  message: string;
  before: BoardState;
  prediction?: Prediction;
  /** The board's decision from its SUIT report (undefined without the rig group). */
  decision?: DecodedReport;
  /** Decision and prediction differ. */
  disagreement?: string;
  after?: BoardState;
  envelopeDigest: Uint8Array;
  sequence?: bigint;
  payloads: { uri: string; bytes: number; ms: number; resumedFrom: number; reconnects: number }[];
  rebootMs?: number;
}

/** The update could not be carried out (not a decision of the board): exit 2 territory. */
export class UpdateError extends Error {
  override name = 'UpdateError';
}

/** The board asks for a payload the operator did not supply. */
export class MissingPayloadError extends UpdateError {
  override name = 'MissingPayloadError';
  constructor(
    readonly uri: string,
    readonly given: string[],
  ) {
    super(`the board asks for the payload '${uri}', which was not given${given.length ? ` (given: ${given.map((g) => `'${g}'`).join(', ')})` : ''}; pass it with --payload '${uri}'=<file> (keys are the URI exactly as the manifest writes it)`);
  }
}

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

export async function runUpdate(client: SmpClient, envelope: Uint8Array, o: UpdateOptions): Promise<UpdateOutcome> {
  let c = client;
  const emit = (e: UpdateEvent): void => o.onEvent?.(e);
  const reconnect = o.reconnect && (async () => (c = await o.reconnect!()));
  const processMs = o.processTimeoutMs ?? 60_000;
  const before = await readBoardState(c, o.signal ? { signal: o.signal } : {});
  emit({ kind: 'board', state: before });
  if (!before.hasSuitGroup) {
    throw new UpdateError(`${c.transport.description}: the board has no SUIT group (66), so it cannot verify a SUIT manifest itself; an update through the image group (host-verified manifest, MCUboot image payload) is not supported by this command yet`);
  }
  const envelopeDigest = digestOf(envelope);
  const out: UpdateOutcome = { result: 'refused', exitCode: 1, message: '', before, envelopeDigest, payloads: [] };

  if (o.predict) {
    const stored = o.predict.storedSequence ?? before.trust?.sequence ?? before.suit?.sequenceNumber;
    out.prediction = predictUpdate(envelope, { ...o.predict, ...(stored !== undefined ? { storedSequence: stored } : {}) }, o.payloads);
    emit({ kind: 'prediction', prediction: out.prediction, storedSequence: stored });
  }

  const env = await c.suit.uploadEnvelope(envelope, { ...(o.signal ? { signal: o.signal } : {}), ...(reconnect ? { reconnect } : {}), onProgress: (p) => emit({ kind: 'progress', what: 'envelope', progress: p }) });
  emit({ kind: 'sent', what: 'envelope', result: env });

  const served = new Set<number>();
  for (let round = 0; ; round++) {
    if (o.signal?.aborted) throw abortReason(o.signal);
    const missing = await c.suit.missingImage({ timeoutMs: processMs, ...(o.signal ? { signal: o.signal } : {}) });
    if (!missing) break;
    if (served.has(missing.sessionId) || round >= MAX_PAYLOADS) throw new UpdateError(`the board keeps asking for '${missing.uri}' (stream session ${missing.sessionId}) after it was sent`);
    served.add(missing.sessionId);
    const bytes = o.payloads.get(missing.uri);
    if (!bytes) {
      await optional(() => c.suit.cleanup()).catch(() => undefined);
      throw new MissingPayloadError(missing.uri, [...o.payloads.keys()]);
    }
    const t0 = c.clock.now();
    const r = await c.suit.uploadMissingImage(missing.sessionId, bytes, {
      ...(o.signal ? { signal: o.signal } : {}),
      ...(reconnect ? { reconnect } : {}),
      onProgress: (p) => emit({ kind: 'progress', what: 'payload', uri: missing.uri, progress: p }),
    });
    out.payloads.push({ uri: missing.uri, bytes: bytes.length, ms: c.clock.now() - t0, resumedFrom: r.resumedFrom, reconnects: r.reconnects });
    emit({ kind: 'sent', what: 'payload', uri: missing.uri, result: r });
  }

  const last = await optional(() => c.rig.lastReport({ timeoutMs: processMs, ...(o.signal ? { signal: o.signal } : {}) }));
  if (last) {
    const d = decodeSuitReport(last.report);
    const zero = d.digest.bytes.every((b) => b === 0);
    if (!zero && envelopeDigest.length > 0 && !same(d.digest.bytes, envelopeDigest)) {
      throw new UpdateError(`the board's last SUIT report is about manifest ${Buffer.from(d.digest.bytes).toString('hex').slice(0, 16)}..., not this one (${Buffer.from(envelopeDigest).toString('hex').slice(0, 16)}...): it did not process the envelope`);
    }
    out.decision = d;
  }
  emit({ kind: 'decision', report: out.decision });
  const decided = out.decision ? out.decision.result.ok : undefined;
  if (out.prediction && decided !== undefined && out.prediction.accepted !== decided) {
    out.disagreement = `the host predicted ${out.prediction.accepted ? 'accept' : `refuse (${out.prediction.reason}: ${out.prediction.message})`}, the board ${decided ? 'accepted' : `refused (${reportSummary(out.decision!)})`}`;
  } else if (out.prediction && out.decision && !out.decision.result.ok && !out.prediction.accepted && out.decision.result.reason !== out.prediction.reason) {
    out.disagreement = `both refused, but the host predicted ${out.prediction.reason} (${out.prediction.detail}) and the board reported ${out.decision.result.reason} (${out.decision.result.detail})`;
  }
  if (decided === false) {
    out.message = `the board ${reportSummary(out.decision!)}; the running image is untouched${out.disagreement ? `; ${out.disagreement}` : ''}`;
    return finish(out);
  }
  if (o.reset === false) {
    out.result = 'installed';
    out.exitCode = 0;
    out.message = 'accepted and installed; the board swaps it in at its next reset';
    return finish(out);
  }

  emit({ kind: 'reset' });
  const t0 = c.clock.now();
  await c.os.reset(o.signal ? { signal: o.signal } : {});
  c = await waitForBoard(c, o, reconnect);
  out.rebootMs = c.clock.now() - t0;
  emit({ kind: 'rebooted', ms: out.rebootMs });
  out.after = await readBoardState(c, { parts: ['suit', 'images', 'rig'], ...(o.signal ? { signal: o.signal } : {}) });
  judge(out);
  return finish(out);
}

/** After a reset: the board answers again (reopening the port if it vanished). */
async function waitForBoard(c: SmpClient, o: UpdateOptions, reconnect: (() => Promise<SmpClient>) | undefined): Promise<SmpClient> {
  const deadline = c.clock.now() + (o.bootTimeoutMs ?? 60_000);
  let client = c;
  for (let attempt = 0; ; attempt++) {
    if (o.signal?.aborted) throw abortReason(o.signal);
    try {
      if (!client.isOpen && reconnect) client = await reconnect();
      await client.os.echo('suitrig', { timeoutMs: 500, retries: 0, ...(o.signal ? { signal: o.signal } : {}) });
      return client;
    } catch (e) {
      if (!(e instanceof SmpTimeoutError || e instanceof TransportClosedError)) throw e;
      if (client.clock.now() > deadline) throw new UpdateError(`the board did not answer within ${o.bootTimeoutMs ?? 60_000} ms of the reset (${(e as Error).message})`);
      await sleep(client.clock, Math.min(100 * 2 ** attempt, 500), o.signal);
    }
  }
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

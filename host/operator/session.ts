/**
 * What one update of one board is made of, shared by its two drivers — the SUIT flow
 * (update.ts) and the host-verified flow for boards without the SUIT group (host-verified.ts):
 * the options, events and outcome, the errors that are not the board's decision, the session
 * the steps share, and the reset step, whose answer counts only once the board went through
 * the reset (host/smp/reboot.ts).
 */
import { SmpTimeoutError, type SmpClient } from '../smp/client.js';
import { ResetNotObservedError, rebootAndWait } from '../smp/reboot.js';
import type { ResetWitness } from '../smp/reset-witness.js';
import type { UploadProgress, UploadResult } from '../smp/upload/engine.js';
import type { Policy } from '../verifier/index.js';
import type { BoardState } from './board-state.js';
import type { Prediction } from './predict.js';
import type { DecodedReport } from './suit-report.js';

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
  /** What the board's surroundings see of its resets (host/smp/reset-witness.ts): the proof of the reset when given. */
  witness?: ResetWitness;
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
  /** A board without the SUIT group: the host's own decision (host-verified.ts). */
  | { kind: 'host-decision'; report: DecodedReport }
  | { kind: 'reset' }
  | { kind: 'rebooted'; ms: number; proof: string };

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

/** Context the steps share: the current client (replaced after a reconnect), options, events. */
export interface UpdateSession {
  client: SmpClient;
  readonly options: UpdateOptions;
}

export function sessionReconnect(s: UpdateSession): (() => Promise<SmpClient>) | undefined {
  const r = s.options.reconnect;
  return r && (async () => (s.client = await r()));
}

export function signalOf(o: UpdateOptions): { signal?: AbortSignal } {
  return o.signal ? { signal: o.signal } : {};
}

/** Step: reset, wait until the board answers again after going through the reset (host/smp/reboot.ts). */
export async function resetAndWait(s: UpdateSession): Promise<{ ms: number; proof: string }> {
  const o = s.options;
  try {
    const r = await rebootAndWait(s.client, { how: 'smp' }, { timeoutMs: o.bootTimeoutMs ?? 60_000, ...signalOf(o), ...(o.reconnect ? { reconnect: o.reconnect } : {}), ...(o.witness ? { witness: o.witness } : {}) });
    s.client = r.client;
    return { ms: r.ms, proof: r.proof };
  } catch (e) {
    if (e instanceof SmpTimeoutError || e instanceof ResetNotObservedError) throw new UpdateError(e.message);
    throw e;
  }
}


/**
 * What one update of one board is made of, shared by its two drivers — the SUIT flow
 * (update.ts) and the host-verified flow for boards without the SUIT group (host-verified.ts):
 * the options, events and outcome, the errors that are not the board's decision, the session
 * the steps share, the reset step, whose answer counts only once the board went through the
 * reset (host/smp/reboot.ts), and how a reset the update did not ask for is told apart.
 */
import { SmpTimeoutError, type SmpClient } from '../smp/client.js';
import { ConsoleWatch, type ConsoleSource } from '../smp/console-watch.js';
import { ResetNotObservedError, rebootAndWait } from '../smp/reboot.js';
import type { ResetWitness } from '../smp/reset-witness.js';
import type { UploadProgress, UploadResult } from '../smp/upload/engine.js';
import type { Policy } from '../verifier/index.js';
import type { BootRecord } from '../smp/groups/rig.js';
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
  /** The board's console where it is apart from the SMP link (a console port of its own): watched for its boot banner and error lines too. */
  console?: ConsoleSource;
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

/** The board's console showed a boot while the update ran, before its own reset step. */
class ResetSeen extends Error {
  override name = 'ResetSeen';
}

/**
 * Runs `steps` (the update's steps before its own reset: it sends none until then) on a session
 * that watches the board's console: a boot banner there means the board was reset under the
 * update — another client's `reboot`, or its own watchdog — and its RAM, with the update's
 * session, is gone. The steps are then cut short (a request the resetting board dropped would
 * otherwise wait out the whole processing deadline), and so are failures the lost session
 * causes ("no payload is being fetched", "did not process the envelope"), when the boot count
 * moved since `before` (rig group): both are reported as that reset, with the boots. The steps
 * get the watch too: the board's error lines (`E: ...`) say why it refused, on its console only.
 */
export async function watchingForResets<T>(s: UpdateSession, before: BoardState, steps: (s: UpdateSession, boardConsole: ConsoleWatch) => Promise<T>): Promise<T> {
  const o = s.options;
  const cut = new AbortController();
  const consoleWatch = new ConsoleWatch({ ...(o.console ? { apart: o.console } : {}), onBanner: () => !cut.signal.aborted && cut.abort(new ResetSeen('the boot banner appeared on the console')) });
  const reconnect = o.reconnect;
  const watched: UpdateSession = {
    client: consoleWatch.watch(s.client),
    options: { ...o, signal: o.signal ? AbortSignal.any([o.signal, cut.signal]) : cut.signal, ...(reconnect ? { reconnect: async () => consoleWatch.watch(await reconnect()) } : {}) },
  };
  try {
    return await steps(watched, consoleWatch);
  } catch (e) {
    if (o.signal?.aborted) throw e;
    throw (await resetDuringUpdate(watched.client, before, cut.signal.aborted, e, signalOf(o))) ?? e;
  } finally {
    consoleWatch.stop();
    s.client = watched.client;
  }
}

/** The error naming a reset under the update, when there was one (`seen` on the console, or the boot count moved). */
async function resetDuringUpdate(client: SmpClient, before: BoardState, seen: boolean, failure: unknown, o: { signal?: AbortSignal }): Promise<UpdateError | undefined> {
  let now: BootRecord | undefined;
  if (before.boot) {
    try {
      // The board answers again once it has booted (the client retries a request it dropped).
      now = (await client.rig.lastReport(o)).boot;
    } catch {
      now = undefined;
    }
  }
  const moved = now !== undefined && before.boot !== undefined && now.count !== before.boot.count;
  if (!seen && !moved) return undefined;
  const boots = moved ? `it went from boot ${before.boot!.count} to boot ${now!.count} (reset reason ${now!.reason})` : 'its boot banner appeared on the console';
  return new UpdateError(`the board was reset by another client (or its own watchdog) during the update: ${boots} before deciding, and lost the update in progress; run the update again`, { cause: failure });
}

/** Step: reset, wait until the board answers again after going through the reset (host/smp/reboot.ts). */
export async function resetAndWait(s: UpdateSession): Promise<{ ms: number; proof: string }> {
  const o = s.options;
  try {
    const r = await rebootAndWait(s.client, { how: 'smp' }, { timeoutMs: o.bootTimeoutMs ?? 60_000, ...signalOf(o), ...(o.reconnect ? { reconnect: o.reconnect } : {}), ...(o.witness ? { witness: o.witness } : {}), ...(o.console ? { console: o.console } : {}) });
    s.client = r.client;
    return { ms: r.ms, proof: r.proof };
  } catch (e) {
    if (e instanceof SmpTimeoutError || e instanceof ResetNotObservedError) throw new UpdateError(e.message);
    throw e;
  }
}


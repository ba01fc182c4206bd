/**
 * One board's update in a campaign, as the agent carries it out (DESIGN.md "Lab service",
 * campaigns; the state machine is rig/service/campaigns/states.ts). Each state is reported before
 * the board is asked to do what it names (write-ahead), so a job that is dropped half-way and
 * retried knows the furthest the board may have got; and the board itself is asked what it runs
 * before anything is sent again, so a retried job never updates a board twice:
 *
 * - the board runs the release: confirmed, or booted and waiting for its confirmation;
 * - it accepted the release earlier (its last SUIT report is about this manifest and accepted, or
 *   a dropped attempt got past `installed`) and the image waits for a reset: reset and judge;
 *   accepted earlier but it runs the previous image now, nothing pending: it reverted;
 * - otherwise: deliver (the same flow as `suitrig update`), then reset and judge.
 *
 * The verdict is what the board shows after its reset, read as `suitrig update` reads it: the
 * new image confirmed; on test (booted), then confirmed within `confirmS`, or reset again to see
 * whether it stays (a test image that never confirms itself is reverted by that reset: reported
 * reverted, never confirmed); the previous image (reverted); nothing bootable (failed). The
 * deadline aborts whatever the board is doing: timed-out.
 */
import { MissingPayloadError, type UpdateEvent, type UpdateOutcome } from '../../../host/operator/update.js';
import type { BoardState } from '../../../host/operator/board-state.js';
import { parseEnvelope } from '../../../host/suit/envelope/parse.js';
import { sleep, systemClock } from '../../../host/transport/clock.js';
import type { CampaignBoardState } from '../campaigns/states.js';
import type { BoardDriver, BoardSession } from './board-driver.js';
import type { BoardStep } from './link.js';
import { describeBoot, describeRunning, imagePending, inRecovery, runningConfirmed, runsManifest } from './board-view.js';
import { boardStatus } from '../client/board-status.js';

export interface Release {
  envelope: Uint8Array;
  payloads: ReadonlyMap<string, Uint8Array>;
}

/** A transfer to the board: finished, or on its way (`total` given). */
export interface UploadReport {
  what: 'envelope' | 'payload';
  uri?: string;
  bytes: number;
  ms: number;
  total?: number;
}

/** The service's side of the walk: each state as the board reaches it. */
export interface UpdateReporter {
  /**
   * A state on the way (and the states passed just before it, `via`); false when the job's claim
   * was lost (the walk stops at once).
   */
  move(step: BoardStep & { via?: readonly BoardStep[] }): Promise<boolean>;
  /** What went over the wire (for the board's timeline); best effort, it never stops the walk. */
  upload?(u: UploadReport): void;
}

export interface UpdateJobInput {
  release: Release;
  /** Where a dropped attempt left the board (`pending` on a first attempt). */
  state: CampaignBoardState;
  deadlineAt: Date;
  deadlineS: number;
  confirmS: number;
  attempt: number;
}

export interface Verdict {
  to: Extract<CampaignBoardState, 'confirmed' | 'refused' | 'reverted' | 'failed' | 'timed-out'>;
  reason: string;
  detail: Record<string, unknown>;
  /** States passed just before the verdict, reported with it. */
  via?: BoardStep[];
}

/** The claim was lost: someone else works on the board now; this walk reports nothing more. */
export class ClaimLostError extends Error {
  override name = 'ClaimLostError';
}

/** How often a booted test image is asked whether it confirmed itself. */
const CONFIRM_POLL_MS = 250;
/** How often a transfer on its way is reported. */
const PROGRESS_EVERY_MS = 1000;

/** The delivery's events as upload reports: each finished transfer, and progress at most every PROGRESS_EVERY_MS. */
function uploadReports(report: UpdateReporter): ((e: UpdateEvent) => void) | undefined {
  const upload = report.upload?.bind(report);
  if (!upload) return undefined;
  let lastProgress = 0;
  return (e) => {
    const uri = e.kind === 'progress' || e.kind === 'sent' ? (e.uri !== undefined ? { uri: e.uri } : {}) : undefined;
    if (e.kind === 'sent') {
      lastProgress = 0;
      upload({ what: e.what, ...uri, bytes: e.result.bytes, ms: Math.round(e.result.elapsedMs) });
    } else if (e.kind === 'progress' && e.progress.elapsedMs - lastProgress >= PROGRESS_EVERY_MS) {
      lastProgress = e.progress.elapsedMs;
      upload({ what: e.what, ...uri, bytes: e.progress.done, ms: Math.round(e.progress.elapsedMs), total: e.progress.total });
    }
  };
}

function manifestDigest(envelope: Uint8Array): Uint8Array {
  const a = parseEnvelope(envelope).authentication;
  if (!a) throw new Error('the release envelope has no authentication wrapper');
  return a.digest.bytes;
}

class Walk {
  private last: CampaignBoardState;

  constructor(
    private readonly s: BoardSession,
    private readonly input: UpdateJobInput,
    private readonly report: UpdateReporter,
    private readonly signal: AbortSignal,
    private readonly digest: Uint8Array,
  ) {
    this.last = input.state;
  }

  get lastState(): CampaignBoardState {
    return this.last;
  }

  async move(to: CampaignBoardState, reason?: string, detail?: Record<string, unknown>, via?: BoardStep): Promise<void> {
    const step = { to, ...(reason !== undefined ? { reason } : {}), ...(detail ? { detail } : {}), ...(via ? { via: [via] } : {}) };
    if (!(await this.report.move(step))) throw new ClaimLostError(`the claim on the board was lost while it was ${this.last}`);
    this.last = to;
  }

  async run(): Promise<Verdict> {
    const before = await this.s.readState(this.signal);
    if (runsManifest(before, this.digest)) {
      if (runningConfirmed(before)) {
        const why = this.input.state === 'pending' ? 'the board already ran this release, confirmed; nothing was sent' : `the board runs the release, confirmed (found by attempt ${this.input.attempt})`;
        return { to: 'confirmed', reason: why, detail: { after: boardStatus(before) } };
      }
      await this.move('booted', 'the new image runs on test, awaiting its confirmation', { after: boardStatus(before) });
      return this.awaitConfirmation();
    }
    if (await this.acceptedEarlier()) {
      if (imagePending(before)) return this.resetAndJudge('the board accepted the release earlier and the image waits for a reset');
      return { to: 'reverted', reason: `the board accepted the release earlier, but runs ${describeRunning(before)} again with nothing pending: it went back to the previous image${describeBoot(before)}`, detail: { after: boardStatus(before) } };
    }
    await this.move('delivering', undefined, this.input.state === 'pending' ? { before: boardStatus(before) } : { redelivery: this.input.attempt });
    let out: UpdateOutcome;
    try {
      const onEvent = uploadReports(this.report);
      out = await this.s.deliver(this.input.release.envelope, this.input.release.payloads, { signal: this.signal, ...(onEvent ? { onEvent } : {}) });
    } catch (e) {
      if (e instanceof MissingPayloadError) return { to: 'failed', reason: `the board asks for the payload '${e.uri}', which the release does not have`, detail: {} };
      throw e;
    }
    const decision = { ...(out.prediction ? { predicted: out.prediction.accepted ? 'accept' : `refuse: ${out.prediction.reason} (${out.prediction.detail})` } : {}), ...(out.disagreement ? { disagreement: out.disagreement } : {}) };
    if (out.result === 'refused') return { to: 'refused', reason: out.message, detail: decision };
    return this.resetAndJudge('reset into the new image', { to: 'installed', reason: 'accepted by the board and written; not run yet', detail: decision });
  }

  /**
   * Whether an earlier attempt of this campaign got the board to accept the release: a dropped
   * attempt recorded it installed (or further), or — dropped before it could record that — the
   * board's last SUIT report is about this manifest and accepted. A first attempt delivers
   * whatever the board's history (an earlier campaign of the same release may have been reverted).
   */
  private async acceptedEarlier(): Promise<boolean> {
    if (this.input.state === 'pending') return false;
    if (this.input.state === 'installed' || this.input.state === 'rebooting' || this.input.state === 'booted') return true;
    const last = await this.s.lastReport(this.signal);
    return last !== undefined && last.result.ok && Buffer.from(last.digest.bytes).equals(Buffer.from(this.digest));
  }

  /** Reports rebooting (after `installed`, when the board has just accepted the release), resets the board and reads the verdict. */
  private async resetAndJudge(why: string, installed?: BoardStep): Promise<Verdict> {
    await this.move('rebooting', why, undefined, installed);
    const { after, ms } = await this.s.resetAndRead(this.signal);
    const detail = { after: boardStatus(after), rebootMs: Math.round(ms) };
    if (runsManifest(after, this.digest)) {
      if (runningConfirmed(after)) {
        return { to: 'confirmed', reason: `runs ${describeRunning(after)}, confirmed`, detail, via: [{ to: 'booted', reason: 'the new image runs, confirmed', detail }] };
      }
      await this.move('booted', 'the new image runs on test, awaiting its confirmation', detail);
      return this.awaitConfirmation();
    }
    if (inRecovery(after)) return { to: 'failed', reason: `the board stays in its bootloader: no image it can boot${describeBoot(after)}`, detail };
    return { to: 'reverted', reason: `the new image did not stay: the board runs ${describeRunning(after)} again${describeBoot(after)}`, detail };
  }

  /** Booted: the image must confirm itself within confirmS, else a reset shows whether the board keeps it. */
  private async awaitConfirmation(): Promise<Verdict> {
    const until = Date.now() + this.input.confirmS * 1000;
    for (;;) {
      const now = await this.s.readState(this.signal);
      if (!runsManifest(now, this.digest)) return { to: 'reverted', reason: `the new image booted, then the board went back: it runs ${describeRunning(now)}${describeBoot(now)}`, detail: { after: boardStatus(now) } };
      if (runningConfirmed(now)) return { to: 'confirmed', reason: `runs ${describeRunning(now)}, confirmed`, detail: { after: boardStatus(now) } };
      if (Date.now() >= until) break;
      await sleep(systemClock, CONFIRM_POLL_MS, this.signal);
    }
    await this.move('rebooting', `the new image did not confirm itself within ${this.input.confirmS} s: reset to see whether the board keeps it`);
    const { after, ms } = await this.s.resetAndRead(this.signal);
    const detail = { after: boardStatus(after), rebootMs: Math.round(ms) };
    if (!runsManifest(after, this.digest)) {
      if (inRecovery(after)) return { to: 'failed', reason: `the new image never confirmed itself, and after a reset the board stays in its bootloader${describeBoot(after)}`, detail };
      return { to: 'reverted', reason: `the new image booted but never confirmed itself within ${this.input.confirmS} s; after a reset the board runs ${describeRunning(after)} again${describeBoot(after)}`, detail };
    }
    if (runningConfirmed(after)) return { to: 'confirmed', reason: `runs ${describeRunning(after)}, confirmed after a further reset`, detail };
    return { to: 'failed', reason: `the new image never confirmed itself, and the board still runs it unconfirmed after a reset: its bootloader did not revert it${describeBoot(after)}`, detail };
  }
}

/**
 * Walks one board through its update; the verdict. `stop` aborts for the agent's own reasons (it
 * is shutting down): then the error propagates and the job is handed back. ClaimLostError: the
 * walk stopped because the service gave the job to someone else.
 */
export async function walkUpdate(driver: BoardDriver, input: UpdateJobInput, report: UpdateReporter, stop: AbortSignal): Promise<Verdict> {
  const digest = manifestDigest(input.release.envelope);
  const deadline = AbortSignal.timeout(Math.max(0, input.deadlineAt.getTime() - Date.now()));
  const signal = AbortSignal.any([deadline, stop]);
  let walk: Walk | undefined;
  let session: BoardSession | undefined;
  try {
    session = await driver.connect();
    walk = new Walk(session, input, report, signal, digest);
    return await walk.run();
  } catch (e) {
    if (e instanceof ClaimLostError || stop.aborted) throw e;
    const state = walk?.lastState ?? input.state;
    if (deadline.aborted) return { to: 'timed-out', reason: `no verdict within the deadline (${input.deadlineS} s from the first delivery); the board was ${state}`, detail: {} };
    return { to: 'failed', reason: `while ${state}: ${(e as Error).message}`, detail: {} };
  } finally {
    await session?.close().catch(() => undefined);
  }
}

/** The status of a board for the inventory, read on a link of its own. */
export async function readStatus(driver: BoardDriver, signal?: AbortSignal): Promise<BoardState> {
  const s = await driver.connect();
  try {
    return await s.readState(signal);
  } finally {
    await s.close().catch(() => undefined);
  }
}

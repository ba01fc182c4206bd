/**
 * Jobs on boards as the service hands them to agents (DESIGN.md "Lab service": agents take jobs
 * for their boards; issue 12: a dropped job "comes back after its lease and is retried or failed
 * by rule, never lost and never run twice at once on one board").
 *
 * - take: in one transaction, the board is checked free (claims.ts), its next job fetched from
 *   its queue and claimed, and the job's kind asked whether it may start (a campaign that was
 *   paused lets its queued jobs go by); what the kind returns travels with the job to the agent.
 * - finish: in one transaction, the kind settles the result, the job is completed and the claim
 *   dropped — only while the claim is still the caller's, so a worker that lost its claim (it was
 *   presumed dead and its job handed on) cannot overwrite what its successor does.
 * - reap: claims whose lease ran out, and claims of an agent's earlier processes, are dropped and
 *   their jobs failed back to the queue: retried by the job's rule (its retry limit), or, once the
 *   retries are used up, dead-lettered, and the kind settles them as failed.
 * - wake: a transaction that puts a job on a board's queue (sent, or failed back), or ends a
 *   lease on the board, wakes the board's workers in every service process (wake.ts), so a worker
 *   waiting for that board takes the job at once instead of at its next poll.
 */
import { EventEmitter } from 'node:events';
import { BOARD_NAME_RE } from '../../lab/port-url.js';
import type { Database, Sql } from '../db/database.js';
import { recordBoardHistory } from '../store/events.js';
import { claimBlocker, claimsOfEarlierInstances, dropClaim, expiredClaims, holdsClaim, insertClaim, renewClaim, type Claim } from './claims.js';
import type { BoardJobData } from './job-data.js';
import { JobQueue, type JobRule, type QueuedJob, type QueueOptions } from './queue.js';
import { JOBS_CHANNEL, wakeBoardWorkers } from './wake.js';

/** What a job's kind (campaign update, run) decides at the service's end. */
export interface JobKind {
  /** How a job of this kind is retried, and pg-boss's backstop expiry. */
  rule(data: BoardJobData): JobRule;
  /**
   * In the transaction that takes the job: whether it may start now and what the worker needs to
   * know (e.g. the state the board was left in by a dropped attempt), or why it is let go.
   */
  begin(tx: Sql, job: QueuedJob): Promise<{ start: true; context: Record<string, unknown> } | { start: false; why: string }>;
  /** A job whose retries are used up (its last failure in `why`): settle what it was for. */
  dead(tx: Sql, data: BoardJobData, why: string): Promise<void>;
}

export interface TakenJob {
  claim: Claim;
  job: QueuedJob;
  context: Record<string, unknown>;
}

export interface BoardJobsOptions extends QueueOptions {
  /** How long a claim lasts without renewal (default 15 s): a killed worker's job comes back after this. */
  leaseMs?: number;
}

/** Skipped jobs one take may pass over before it gives up for now. */
const MAX_SKIPS_PER_TAKE = 16;

export class BoardJobs {
  readonly leaseMs: number;
  private readonly wakeups = new EventEmitter();
  /** How many wake-ups each board has had: a wait that starts after one it has not seen returns at once. */
  private readonly wakes = new Map<string, number>();
  private queue!: JobQueue;
  private stopListening: (() => Promise<void>) | undefined;

  private constructor(
    readonly db: Database,
    private readonly kinds: Record<BoardJobData['kind'], JobKind>,
    o: BoardJobsOptions,
  ) {
    this.leaseMs = o.leaseMs ?? 15_000;
    this.wakeups.setMaxListeners(0);
  }

  static async start(db: Database, kinds: Record<BoardJobData['kind'], JobKind>, o: BoardJobsOptions = {}): Promise<BoardJobs> {
    const jobs = new BoardJobs(db, kinds, o);
    jobs.queue = await JobQueue.start(db, (data, output) => jobs.settleDead(data, output), o);
    try {
      // After a lost LISTEN connection every waiting worker looks again: a wake may have been missed.
      jobs.stopListening = await db.listen(JOBS_CHANNEL, (board) => jobs.woken(board), () => {
        for (const board of jobs.wakeups.eventNames()) jobs.woken(String(board));
      });
    } catch (e) {
      await jobs.queue.stop();
      throw e;
    }
    return jobs;
  }

  /** Creates the queue of `board` (outside any transaction: at registration, before jobs are sent). */
  ensureQueue(board: string): Promise<string> {
    return this.queue.ensureBoardQueue(board);
  }

  /** Enqueues a job in `tx`; a worker waiting for its board, in any service process, wakes when `tx` commits. */
  async send(tx: Sql, data: BoardJobData): Promise<string> {
    const id = await this.queue.send(tx, data, this.kinds[data.kind].rule(data));
    await wakeBoardWorkers(tx, data.board);
    return id;
  }

  cancelQueued(tx: Sql, queue: string, ids: string[]): Promise<void> {
    return this.queue.cancel(tx, queue, ids);
  }

  /** How many wake-ups `board` has had so far (for `waitForWork`'s `seen`). */
  wakeCount(board: string): number {
    return this.wakes.get(board) ?? 0;
  }

  /**
   * Resolves after `ms`, or earlier when `board` is woken or `signal` aborts; at once when it was
   * woken since `seen` (its wakeCount before the caller last looked at the queue).
   */
  waitForWork(board: string, ms: number, signal?: AbortSignal, seen?: number): Promise<void> {
    return new Promise((done) => {
      if (signal?.aborted || (seen !== undefined && this.wakeCount(board) !== seen)) return done();
      const finish = (): void => {
        clearTimeout(timer);
        this.wakeups.off(board, finish);
        signal?.removeEventListener('abort', finish);
        done();
      };
      const timer = setTimeout(finish, ms);
      this.wakeups.once(board, finish);
      signal?.addEventListener('abort', finish, { once: true });
    });
  }

  /**
   * The next job for `board` with the board claimed for it; when there is none, waits up to
   * `waitMs` for a job to come (woken by its notification, from any service process) and takes
   * it. Undefined when none came in that time or `signal` aborted.
   */
  async takeOrWait(agent: string, instance: string, board: string, waitMs: number, signal?: AbortSignal): Promise<TakenJob | undefined> {
    const until = Date.now() + waitMs;
    for (;;) {
      // Counted before looking: a job sent while the take runs wakes the wait that follows.
      const seen = this.wakeCount(board);
      const taken = await this.take(agent, instance, board);
      const left = until - Date.now();
      if (taken || signal?.aborted || left <= 0) return taken;
      await this.waitForWork(board, left, signal, seen);
    }
  }

  /** The next job for `board` with the board claimed for it, or undefined when there is none it may take now. */
  async take(agent: string, instance: string, board: string): Promise<TakenJob | undefined> {
    for (let skips = 0; skips < MAX_SKIPS_PER_TAKE; skips++) {
      const r = await this.db.transaction(async (tx): Promise<TakenJob | 'skipped' | undefined> => {
        if ((await claimBlocker(tx, board, agent)) !== undefined) return undefined;
        const job = await this.queue.fetch(tx, board);
        if (!job) return undefined;
        const claim: Claim = { board, jobId: job.id, queue: job.queue, kind: job.data.kind, agent, instance };
        const kind = this.kinds[job.data.kind];
        if (!kind) {
          await this.queue.fail(tx, job.queue, job.id, `unknown job kind '${String(job.data.kind)}'`);
          return 'skipped';
        }
        const begun = await kind.begin(tx, job);
        if (!begun.start) {
          await this.queue.complete(tx, job.queue, job.id, { skipped: begun.why });
          return 'skipped';
        }
        await insertClaim(tx, claim, this.leaseMs);
        return { claim, job, context: begun.context };
      });
      if (r !== 'skipped') return r;
    }
    return undefined;
  }

  /** Extends the claim's lease; false when it was lost (the worker must stop: its job was handed on). */
  renew(claim: Claim): Promise<boolean> {
    return renewClaim(this.db, claim, this.leaseMs);
  }

  /**
   * Settles a job the worker finished (`settle` records its result in the same transaction),
   * completes it and frees the board. False, with nothing changed, when the claim was lost.
   */
  async finish(claim: Claim, settle: (tx: Sql) => Promise<object>): Promise<boolean> {
    return this.whileHeld(claim, async (tx) => {
      const output = await settle(tx);
      await this.queue.complete(tx, claim.queue, claim.jobId, output);
      await dropClaim(tx, claim, `${claim.kind} job ${claim.jobId} finished`);
    });
  }

  /** Runs `fn` in a transaction that holds `claim` (a worker's progress report); false, with nothing run, when the claim was lost. */
  async whileHeld(claim: Claim, fn: (tx: Sql) => Promise<unknown>): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      if (!(await holdsClaim(tx, claim))) return false;
      await fn(tx);
      return true;
    });
  }

  /** Fails claims whose lease ran out back to the queue; how many. */
  async reapExpired(): Promise<number> {
    return this.db.transaction(async (tx) => {
      const claims = await expiredClaims(tx);
      for (const c of claims) await this.failBack(tx, c, `its worker (agent ${c.agent}) stopped renewing its claim: presumed lost`);
      return claims.length;
    });
  }

  /** A restarted agent: the claims its earlier processes held are failed back at once. */
  async takeOver(agent: string, instance: string): Promise<number> {
    return this.db.transaction(async (tx) => {
      const claims = await claimsOfEarlierInstances(tx, agent, instance);
      for (const c of claims) await this.failBack(tx, c, `agent ${c.agent} was restarted while it worked on the job: its process was lost`);
      return claims.length;
    });
  }

  /** A worker gives its job back unfinished (it is stopping): failed back to the queue, retried by its rule. */
  async handBack(claim: Claim, why: string): Promise<void> {
    await this.whileHeld(claim, (tx) => this.failBack(tx, claim, why));
  }

  /** pg-boss's state of a job (for checks and tests). */
  jobState(queue: string, id: string): Promise<string | undefined> {
    return this.queue.stateOf(queue, id);
  }

  async stop(): Promise<void> {
    await this.stopListening?.();
    this.stopListening = undefined;
    this.wakeups.removeAllListeners();
    await this.queue.stop();
  }

  private woken(board: string): void {
    // The channel is suitrig's, but anyone on the database may notify it: only board names count.
    if (!BOARD_NAME_RE.test(board)) return;
    this.wakes.set(board, this.wakeCount(board) + 1);
    this.wakeups.emit(board);
  }

  /** The job goes back to its queue (retried by its rule, or dead-lettered), the board is freed. */
  private async failBack(tx: Sql, c: Claim, why: string): Promise<void> {
    await this.queue.fail(tx, c.queue, c.jobId, why);
    await recordBoardHistory(tx, c.board, 'job', { job: c.jobId, kind: c.kind, event: 'dropped', why });
    await dropClaim(tx, c, `${c.kind} job ${c.jobId} dropped: ${why}`);
    await wakeBoardWorkers(tx, c.board);
  }

  private async settleDead(data: BoardJobData, output: unknown): Promise<void> {
    const why = (output as { message?: unknown } | null)?.message;
    const text = typeof why === 'string' ? why : 'its job failed';
    await this.db.transaction((tx) => this.kinds[data.kind].dead(tx, data, text));
  }
}

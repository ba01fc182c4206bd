/**
 * The device operator's update campaign (DESIGN.md "Lab service", campaigns; RFC 9019 §2.3):
 * rollout groups worked one after the other, each board's update a job on the board's queue.
 *
 * - A group's boards are enqueued together; the next group starts only once every board of the
 *   group has ended and the share confirmed meets the success threshold. A group that falls short
 *   pauses the campaign with the reason (the last group has nothing to hold back: the campaign
 *   is done).
 * - The campaign pauses as soon as a group's errors reach the error threshold (spec.ts), with the
 *   reason; boards already working finish, boards not started stay pending. Resuming accepts the
 *   current group as it is and goes on; cancelling ends every board not started (`cancelled`).
 * - Every move of a board, and every change of the campaign, is made in one transaction with its
 *   event and history line (store.ts), together with the queue work it implies (jobs enqueued for
 *   the next group, queued jobs cancelled).
 * - Deadlines: a board's deadline runs from its first delivery and survives retries; a board past
 *   its deadline that no agent is working on (its agent is gone) is timed-out by `sweepDeadlines`.
 */
import type { Database, Sql } from '../db/database.js';
import { StoreRefusal } from '../store/errors.js';
import type { BoardJobs, JobKind } from '../jobs/board-jobs.js';
import type { Claim } from '../jobs/claims.js';
import type { UpdateJobData } from '../jobs/job-data.js';
import { boardQueue, type QueuedJob } from '../jobs/queue.js';
import { heldOrPromised, heldOrWantedSql } from '../store/reservation-queue.js';
import { selectBoards } from '../store/select-boards.js';
import { recordReport, type BoardStatus } from '../store/boards.js';
import { MAX_CAMPAIGN_BOARDS, campaignSpec, errorThresholdReached, successThresholdMet, type CampaignRequest } from './spec.js';
import { ACTIVE_STATES, ERROR_STATES, TERMINAL_STATES, type CampaignBoardState } from './states.js';
import {
  campaignBoard,
  campaignBoards,
  campaignRow,
  insertCampaign,
  moveBoard,
  setCampaignGroups,
  setCampaignState,
  type BoardMove,
  type CampaignBoardRow,
  type CampaignRow,
} from './store.js';

/** What the worker of an update job is told when it takes the job. */
export interface UpdateJobContext {
  /** The board's campaign state when the job started: `pending`, or where a dropped attempt left it. */
  state: CampaignBoardState;
  /** ISO time by which the board must have its verdict. */
  deadlineAt: string;
  /** 1 for the first job on this board, more for retries of dropped jobs. */
  attempt: number;
  /** What the board ran before the campaign's first delivery (recorded by that delivery). */
  before?: Record<string, unknown>;
}

/** A board past its deadline with no job working on it is timed-out this long after the deadline (default). */
const DEADLINE_GRACE_S = 10;

function summary(boards: readonly CampaignBoardRow[]): string {
  const counts = new Map<string, number>();
  for (const b of boards) counts.set(b.state, (counts.get(b.state) ?? 0) + 1);
  return [...counts].map(([s, n]) => `${n} ${s}`).join(', ');
}

function errorsOf(group: readonly CampaignBoardRow[]): string {
  return group
    .filter((b) => ERROR_STATES.has(b.state))
    .map((b) => `${b.board} ${b.state}${b.reason ? `: ${b.reason}` : ''}`)
    .join('; ');
}

export class CampaignEngine {
  private jobs!: BoardJobs;

  constructor(
    private readonly db: Database,
    /** Seconds past a deadline before the sweep times a board out (its worker may be reporting just then). */
    private readonly graceS = DEADLINE_GRACE_S,
  ) {}

  /** Connects the engine to the board jobs (which need the engine's job kind to start). */
  useJobs(jobs: BoardJobs): void {
    this.jobs = jobs;
  }

  /** The job kind of a campaign board's update, for BoardJobs. */
  readonly jobKind: JobKind = {
    // A dropped update is retried twice (resuming from what the board shows), then failed;
    // pg-boss's own expiry, for a job whose worker never reports back, lies well past the deadline.
    rule: (data) => ({ retryLimit: 2, expireInSeconds: Math.min(23 * 3600, (data as UpdateJobData).deadlineS * 2 + 300) }),
    begin: (tx, job) => this.begin(tx, job),
    dead: async (tx, data, why) => {
      const d = data as UpdateJobData;
      const row = await lockedBoard(tx, d.campaign, d.board);
      if (!row || TERMINAL_STATES.has(row.state)) return;
      await moveBoard(tx, d.campaign, row, { to: 'failed', reason: `its job was given up after ${row.attempts} attempt${row.attempts === 1 ? '' : 's'}: ${why}` });
      await this.afterTerminal(tx, d.campaign, d.board);
    },
  };

  /** Starts a campaign; its id. 400 for a request that means nothing, 409 when a board is in another campaign. */
  async create(r: CampaignRequest, createdBy: number | null): Promise<number> {
    const boards = await selectBoards(this.db, r, MAX_CAMPAIGN_BOARDS);
    const spec = campaignSpec(r, boards.length);
    for (const b of boards) await this.jobs.ensureQueue(b);
    return this.db.transaction(async (tx) => {
      const [release] = await tx.query('SELECT id FROM releases WHERE id = $1', [r.release]);
      if (!release) throw new StoreRefusal('invalid', `no release '${r.release}' (GET /releases lists them)`);
      // The boards' rows are locked before they are checked: a second request for any of them,
      // through this service process or another on the same server, waits here until this one
      // has committed, then sees its campaign (checked before locking, both would pass).
      await tx.query('SELECT name FROM boards WHERE name = ANY($1::text[]) ORDER BY name FOR NO KEY UPDATE', [boards]);
      const busy = await tx.query<{ board: string; campaign: number; state: string }>(
        `SELECT cb.board, c.id AS campaign, c.state FROM campaign_boards cb JOIN campaigns c ON c.id = cb.campaign
         WHERE cb.board = ANY($1::text[]) AND c.state IN ('running', 'paused') AND cb.state NOT IN ('confirmed', 'refused', 'reverted', 'failed', 'timed-out', 'cancelled')
         ORDER BY cb.board LIMIT 5`,
        [boards],
      );
      if (busy.length > 0) throw new StoreRefusal('conflict', `${busy.map((b) => `board '${b.board}' is in campaign ${b.campaign} (${b.state})`).join('; ')}: a board takes one campaign at a time`);
      const id = await insertCampaign(tx, r.release, spec, boards, createdBy);
      await this.advance(tx, id);
      return id;
    });
  }

  /** The worker's report of a board's move while it works (not a verdict); false when its claim was lost. */
  async report(claim: Claim, campaign: number, m: BoardMove & { via?: readonly BoardMove[] }): Promise<boolean> {
    return this.jobs.whileHeld(claim, async (tx) => {
      const row = await this.ownRow(tx, campaign, claim);
      if (row) await stepThrough(tx, campaign, row, [...(m.via ?? []), m]);
    });
  }

  /** The worker's verdict on a board (a terminal state), the job completed, the next boards enqueued. */
  async finish(claim: Claim, campaign: number, m: BoardMove & { via?: readonly BoardMove[]; status?: BoardStatus }): Promise<boolean> {
    if (!TERMINAL_STATES.has(m.to)) throw new Error(`a verdict is a terminal state, not ${m.to}`);
    return this.jobs.finish(claim, async (tx) => {
      // What the board runs now, first: whoever learns the verdict finds the inventory up to date.
      // The board's row before the campaign's, as an agent taking a job locks them.
      if (m.status) await recordReport(tx, claim.board, { kind: 'status', status: m.status });
      const row = await this.ownRow(tx, campaign, claim);
      if (!row || TERMINAL_STATES.has(row.state)) return { ignored: 'the board already has its verdict' };
      await moveBoard(tx, campaign, await stepThrough(tx, campaign, row, m.via ?? []), m);
      await this.afterTerminal(tx, campaign, row.board);
      return { state: m.to };
    });
  }

  async pause(id: number): Promise<CampaignRow> {
    return this.db.transaction(async (tx) => {
      const c = await campaignRow(tx, id, true);
      if (c.state === 'running') await setCampaignState(tx, id, 'paused', 'paused by the operator');
      else if (c.state !== 'paused') throw new StoreRefusal('conflict', `campaign ${id} is ${c.state}: only a running campaign can be paused`);
      return campaignRow(tx, id);
    });
  }

  async resume(id: number): Promise<CampaignRow> {
    return this.db.transaction(async (tx) => {
      const c = await campaignRow(tx, id, true);
      if (c.state === 'running') return c;
      if (c.state !== 'paused') throw new StoreRefusal('conflict', `campaign ${id} is ${c.state}: only a paused campaign can be resumed`);
      // Resuming lets the current group through as it stands: its thresholds are not checked again.
      await setCampaignGroups(tx, id, c.currentGroup, c.currentGroup);
      await setCampaignState(tx, id, 'running', null);
      await this.advance(tx, id);
      return campaignRow(tx, id);
    });
  }

  async cancel(id: number): Promise<CampaignRow> {
    const queued: { board: string; job: string }[] = [];
    const row = await this.db.transaction(async (tx) => {
      const c = await campaignRow(tx, id, true);
      if (c.state === 'cancelled') return c;
      if (c.state === 'done') throw new StoreRefusal('conflict', `campaign ${id} is done: there is nothing left to cancel`);
      for (const b of await campaignBoards(tx, id)) {
        if (b.state !== 'pending') continue;
        if (b.jobId) queued.push({ board: b.board, job: b.jobId });
        const row = (await campaignBoard(tx, id, b.board))!;
        await moveBoard(tx, id, row, { to: 'cancelled', reason: 'the campaign was cancelled before it reached this board' });
      }
      await setCampaignState(tx, id, 'cancelled', 'cancelled by the operator; boards already being updated finish');
      return campaignRow(tx, id);
    });
    await this.cancelJobs(queued);
    return row;
  }

  /**
   * Times out boards past their deadline that no job is working on, and boards whose job no agent
   * took within the deadline (the board offline, reserved or busy); how many. Each board in a
   * transaction of its own that locks as every other does — the campaign, then its board row —
   * and checks again that it is still late and unclaimed.
   */
  async sweepDeadlines(): Promise<number> {
    const candidates = await this.db.query<{ campaign: number; board: string }>(
      `SELECT cb.campaign, cb.board FROM campaign_boards cb JOIN campaigns c ON c.id = cb.campaign
       WHERE ${LATE} ORDER BY cb.campaign, cb.board`,
      [[...ACTIVE_STATES], this.graceS],
    );
    const queued: { board: string; job: string }[] = [];
    let n = 0;
    for (const cand of candidates) {
      await this.db.transaction(async (tx) => {
        const row = await lockedBoard(tx, cand.campaign, cand.board);
        const [late] = await tx.query<{ fleet: string }>(
          `SELECT b.state AS fleet FROM campaign_boards cb JOIN campaigns c ON c.id = cb.campaign JOIN boards b ON b.name = cb.board
           WHERE cb.campaign = $3 AND cb.board = $4 AND ${LATE}`,
          [[...ACTIVE_STATES], this.graceS, cand.campaign, cand.board],
        );
        if (!row || !late) return;
        if (row.jobId) queued.push({ board: row.board, job: row.jobId });
        const reason =
          row.state === 'pending'
            ? `no agent took its job within the deadline: the board is ${(await heldOrPromised(tx, row.board))?.why ?? late.fleet}`
            : `no verdict by its deadline (${row.deadlineAt}), and no agent is working on it (last state: ${row.state})`;
        await moveBoard(tx, cand.campaign, row, { to: 'timed-out', reason });
        await this.afterTerminal(tx, cand.campaign, cand.board);
        n++;
      });
    }
    await this.cancelJobs(queued);
    return n;
  }

  /**
   * Says why a pending board's job is not taken while its board is reserved, or owed to a waiter of
   * the reservation queue (jobs/claims.ts): its reason reads "waiting: the board is reserved by H"
   * (or "promised to W, waiting since T"), with its event and history line once for each holder or
   * waiter in the way (not at every renewal of a lease); the note goes once nothing stands in the
   * way (the job is then taken at its agent's next look). How many boards' notes changed. Each board in a transaction that locks as taking its job does — the
   * board's row, then the campaign, then its board row — and leaves a board a job has claimed
   * meanwhile to that job.
   */
  async noteWaits(): Promise<number> {
    const candidates = await this.db.query<{ campaign: number; board: string }>(
      `SELECT cb.campaign, cb.board FROM campaign_boards cb JOIN campaigns c ON c.id = cb.campaign
       WHERE c.state = 'running' AND cb.state = 'pending' AND cb.job_id IS NOT NULL AND (cb.reason IS NOT NULL OR ${heldOrWantedSql('cb.board')})
       ORDER BY cb.campaign, cb.board`,
    );
    let n = 0;
    for (const cand of candidates) {
      n += await this.db.transaction(async (tx) => {
        await tx.query('SELECT 1 FROM boards WHERE name = $1 FOR NO KEY UPDATE', [cand.board]);
        if ((await tx.query('SELECT 1 FROM board_claims WHERE board = $1', [cand.board])).length > 0) return 0;
        const blocker = await heldOrPromised(tx, cand.board);
        const row = await lockedBoard(tx, cand.campaign, cand.board);
        if (row?.state !== 'pending' || row.jobId === null) return 0;
        const reason = blocker ? `waiting: the board is ${blocker.who}` : null;
        if (reason === row.reason) return 0;
        await moveBoard(tx, cand.campaign, row, { to: 'pending', reason });
        return 1;
      });
    }
    return n;
  }

  /**
   * Cancels queued jobs of boards that ended without them, each in its own transaction after the
   * board's: a job row may be locked by an agent taking it, which then waits for the campaign's
   * lock. A job missed here is let go when it is taken (its board has its verdict).
   */
  private async cancelJobs(jobs: readonly { board: string; job: string }[]): Promise<void> {
    for (const j of jobs) await this.db.transaction((tx) => this.jobs.cancelQueued(tx, boardQueue(j.board), [j.job])).catch(() => undefined);
  }

  /** The board row of the claim's job, or undefined when another job has it now (a stale worker). */
  private async ownRow(tx: Sql, campaign: number, claim: Claim): Promise<CampaignBoardRow | undefined> {
    const row = await lockedBoard(tx, campaign, claim.board);
    return row && row.jobId === claim.jobId ? row : undefined;
  }

  private async begin(tx: Sql, job: QueuedJob): Promise<{ start: true; context: Record<string, unknown> } | { start: false; why: string }> {
    const d = job.data as UpdateJobData;
    const c = await campaignRow(tx, d.campaign, true);
    const row = await campaignBoard(tx, d.campaign, d.board);
    if (!row || row.jobId !== job.id) return { start: false, why: 'another job now works on this board' };
    if (TERMINAL_STATES.has(row.state)) return { start: false, why: `the board already ended ${row.state}` };
    if (row.state === 'pending' && c.state !== 'running') {
      // Not started yet and the campaign is paused: the board waits, without a job, for a resume.
      await tx.query('UPDATE campaign_boards SET job_id = NULL WHERE campaign = $1 AND board = $2', [d.campaign, d.board]);
      return { start: false, why: `campaign ${c.id} is ${c.state}` };
    }
    const [t] = await tx.query<{ deadline_at: Date; late: boolean; attempts: number }>(
      `UPDATE campaign_boards SET attempts = attempts + 1, started_at = COALESCE(started_at, now()),
         deadline_at = COALESCE(deadline_at, now() + make_interval(secs => $3)), updated_at = now()
       WHERE campaign = $1 AND board = $2 RETURNING deadline_at, deadline_at < now() AS late, attempts`,
      [d.campaign, d.board, d.deadlineS],
    );
    if (t!.late) {
      const now = (await campaignBoard(tx, d.campaign, d.board))!;
      await moveBoard(tx, d.campaign, now, { to: 'timed-out', reason: `its deadline (${new Date(t!.deadline_at).toISOString()}) passed before a retry of its job could start (last state: ${row.state})` });
      await this.afterTerminal(tx, d.campaign, d.board);
      return { start: false, why: 'past its deadline' };
    }
    const context: UpdateJobContext = {
      state: row.state,
      deadlineAt: new Date(t!.deadline_at).toISOString(),
      attempt: t!.attempts,
      ...(row.detail.before ? { before: row.detail.before as Record<string, unknown> } : {}),
    };
    return { start: true, context: context as unknown as Record<string, unknown> };
  }

  /**
   * After a board of campaign `id` ended: the error threshold of its group, then whatever comes
   * next (advance).
   */
  private async afterTerminal(tx: Sql, id: number, board: string): Promise<void> {
    const c = await campaignRow(tx, id, true);
    const boards = await campaignBoards(tx, id);
    const g = boards.find((b) => b.board === board)!.group;
    if (c.state === 'running' && g > c.acceptedGroup) {
      const group = boards.filter((b) => b.group === g);
      const errors = group.filter((b) => ERROR_STATES.has(b.state)).length;
      const left = group.some((b) => b.state === 'pending') || g < c.spec.groups.length - 1;
      if (left && errorThresholdReached(c.spec, errors, group.length)) {
        const limit = c.spec.errorThreshold !== undefined ? `the error threshold (${pct(c.spec.errorThreshold)})` : `the success threshold (${pct(c.spec.successThreshold)}) out of reach`;
        await setCampaignState(tx, id, 'paused', `group ${g + 1}: ${errors} of ${group.length} boards ended in error, ${limit}: ${errorsOf(group)}`);
        return;
      }
    }
    await this.advance(tx, id);
  }

  /**
   * Moves a running campaign on: enqueues the current group's boards that have no job, moves to
   * the next group once the current one has ended (and met its success threshold), and ends the
   * campaign after the last. A board's job wakes its worker when `tx` commits (BoardJobs.send).
   */
  private async advance(tx: Sql, id: number): Promise<void> {
    const c = await campaignRow(tx, id, true);
    if (c.state !== 'running') return;
    const boards = await campaignBoards(tx, id);
    for (let g = c.currentGroup; g < c.spec.groups.length; g++) {
      const group = boards.filter((b) => b.group === g);
      if (g !== c.currentGroup) await setCampaignGroups(tx, id, g, c.acceptedGroup);
      for (const b of group) {
        if (b.state !== 'pending' || b.jobId !== null) continue;
        const jobId = await this.jobs.send(tx, this.jobData(c, b.board));
        await tx.query('UPDATE campaign_boards SET job_id = $3, queued_at = now() WHERE campaign = $1 AND board = $2', [id, b.board, jobId]);
      }
      if (!group.every((b) => TERMINAL_STATES.has(b.state))) return;
      if (g === c.spec.groups.length - 1) break;
      const confirmed = group.filter((b) => b.state === 'confirmed').length;
      if (g > c.acceptedGroup && !successThresholdMet(c.spec, confirmed, group.length)) {
        await setCampaignState(tx, id, 'paused', `group ${g + 1}: ${confirmed} of ${group.length} boards confirmed, below the success threshold (${pct(c.spec.successThreshold)})${errorsOf(group) ? `: ${errorsOf(group)}` : ''}; resume to go on with group ${g + 2}`);
        return;
      }
    }
    await setCampaignState(tx, id, 'done', summary(await campaignBoards(tx, id)));
  }

  private jobData(c: CampaignRow, board: string): UpdateJobData {
    return { kind: 'update', board, campaign: c.id, release: c.release, confirmS: c.spec.confirmS, deadlineS: c.spec.deadlineS };
  }
}

/**
 * The board's moves on its way, in order, each as the worker reported it: a state the row is in
 * already is not entered again, only given what the report adds (the board's detail). The row
 * as it stands after them.
 */
async function stepThrough(tx: Sql, campaign: number, row: CampaignBoardRow, steps: readonly BoardMove[]): Promise<CampaignBoardRow> {
  for (const m of steps) {
    if (row.state !== m.to) row = await moveBoard(tx, campaign, row, m);
    else if (m.detail) row = await moveBoard(tx, campaign, row, { ...m, reason: m.reason ?? row.reason });
  }
  return row;
}

/**
 * A campaign's board row, locked for the rest of `tx` — after the campaign's own row, the order
 * every transaction here takes them in (an agent taking a job locks the campaign, then the board),
 * so two of them never wait for each other.
 */
async function lockedBoard(tx: Sql, campaign: number, board: string): Promise<CampaignBoardRow | undefined> {
  await campaignRow(tx, campaign, true);
  return campaignBoard(tx, campaign, board);
}

/** A board past its deadline with no job on it, or whose job no agent took within the deadline ($1 active states, $2 grace seconds). */
const LATE = `NOT EXISTS (SELECT 1 FROM board_claims k WHERE k.board = cb.board AND k.job_id = cb.job_id)
  AND ((cb.state = ANY($1::text[]) AND cb.deadline_at < now() - make_interval(secs => $2))
    OR (cb.state = 'pending' AND cb.job_id IS NOT NULL AND cb.queued_at < now() - make_interval(secs => (c.spec->>'deadlineS')::int + $2)))`;

function pct(x: number): string {
  return `${Math.round(x * 1000) / 10}%`;
}

/**
 * QA runs through the service (DESIGN.md "Lab service": `POST /runs {suite, boards | tag, seed?}`;
 * `suitrig run --tracker URL --token T` records a run made on the command line). A run is a job
 * per board on the board's queue; its agent runs the suite on the board as `suitrig run` does
 * (rig/service/agent/board-driver.ts) and returns the board's part, and the last part completes
 * the run (store.ts). Only built-in suites run through the API: a suite module is code, and a
 * request must not make the service run code of its choosing.
 *
 * Rule for a dropped run job: retried once (the board's part starts over: every case restores the
 * board's known-good state first), then the board's part fails with the reason. A board's part
 * that no agent works on for the service's run wait (its board offline, or its agent gone) fails
 * too, so that every run ends.
 *
 * A reserved board takes no job (jobs/claims.ts), and a run does not wait for a reservation to
 * end (issue 13): a board's part still queued while someone holds the board, or while the board is
 * owed to a waiter of the reservation queue (who comes first) — when the run is created, or later
 * (the service's sweep) — is skipped, failed with who holds the board until when (or whom it is
 * promised to), which the run's report carries.
 */
import type { Database, Sql } from '../db/database.js';
import { StoreRefusal } from '../store/errors.js';
import { heldOrPromised, heldOrWantedSql } from '../store/reservation-queue.js';
import type { BoardJobs, JobKind } from '../jobs/board-jobs.js';
import type { Claim } from '../jobs/claims.js';
import type { RunJobData } from '../jobs/job-data.js';
import { boardQueue } from '../jobs/queue.js';
import { REPORT_SCHEMA, REPORT_VERSION, type JsonReport } from '../../report/json.js';
import type { BoardResult } from '../../runner/result.js';
import { selectCases } from '../../runner/runner.js';
import { randomSeed } from '../../runner/seed.js';
import type { Suite } from '../../suites/api.js';
import { builtinSuites } from '../../suites/index.js';
import { selectBoards } from '../store/select-boards.js';
import { completeRunIfDone, insertRun, insertRunBoard, runBoard, setRunBoard, setRunState, storeCliReport } from './store.js';

export interface RunRequest {
  suite: string;
  boards?: string[];
  tag?: string;
  seed?: number;
  cases?: string[];
}

/** What `suitrig run --tracker` sends: the JSON report of `run --json`, and its JUnit XML. */
export interface CliRunRecord {
  report: JsonReport;
  junit?: string;
}

const MAX_RUN_BOARDS = 256;

/** A run board's part no agent works on ($1: seconds since its last change), and no job of it holds a claim. */
const UNWORKED = `rb.state IN ('queued', 'running') AND rb.updated_at < now() - make_interval(secs => $1)
  AND NOT EXISTS (SELECT 1 FROM board_claims k WHERE k.board = rb.board AND k.job_id = rb.job_id)`;

export class RunService {
  private jobs!: BoardJobs;

  constructor(
    private readonly db: Database,
    private readonly suites: readonly Suite[] = builtinSuites,
  ) {}

  useJobs(jobs: BoardJobs): void {
    this.jobs = jobs;
  }

  readonly jobKind: JobKind = {
    rule: () => ({ retryLimit: 1, expireInSeconds: 6 * 3600 }),
    begin: async (tx, job) => {
      const d = job.data as RunJobData;
      const b = await runBoard(tx, d.run, d.board);
      if (!b || b.job_id !== job.id || b.state === 'done' || b.state === 'failed') return { start: false, why: 'the board already has its part of the run' };
      await setRunBoard(tx, d.run, d.board, 'running', { attempt: true, ...(job.retryCount > 0 ? { reason: `started again after its job was dropped (try ${job.retryCount + 1})` } : {}) });
      await tx.query("UPDATE runs SET state = 'running' WHERE id = $1 AND state = 'queued'", [d.run]);
      return { start: true, context: {} };
    },
    dead: async (tx, data, why) => {
      const d = data as RunJobData;
      const b = await runBoard(tx, d.run, d.board);
      if (!b || b.state === 'done' || b.state === 'failed') return;
      await setRunBoard(tx, d.run, d.board, 'failed', { reason: `its job was given up after ${b.attempts} attempt${b.attempts === 1 ? '' : 's'}: ${why}` });
      await completeRunIfDone(tx, d.run, this.suiteTitle(d.suite));
    },
  };

  /** The built-in suite named `name`, or a 400 naming the ones there are. */
  suite(name: string): Suite {
    const s = this.suites.find((x) => x.name === name);
    if (!s) throw new StoreRefusal('invalid', `unknown suite '${name}'; the service runs the built-in suites: ${this.suites.map((x) => x.name).join(', ')}`);
    return s;
  }

  async create(r: RunRequest, createdBy: number | null): Promise<number> {
    const suite = this.suite(r.suite);
    const cases = [...(r.cases ?? [])];
    try {
      selectCases(suite, cases);
    } catch (e) {
      throw new StoreRefusal('invalid', (e as Error).message);
    }
    if (r.seed !== undefined && (!Number.isInteger(r.seed) || r.seed < 0 || r.seed > 0xffff_ffff)) throw new StoreRefusal('invalid', `seed: expected an integer from 0 to 4294967295, got ${r.seed}`);
    const seed = r.seed ?? randomSeed();
    const boards = await selectBoards(this.db, r, MAX_RUN_BOARDS);
    for (const b of boards) await this.jobs.ensureQueue(b);
    const id = await this.db.transaction(async (tx) => {
      const id = await insertRun(tx, { origin: 'service', suite: suite.name, seed, state: 'queued', boards, cases, createdBy });
      for (const board of boards) {
        const data: RunJobData = { kind: 'run', board, run: id, suite: suite.name, seed, cases };
        await insertRunBoard(tx, id, board, await this.jobs.send(tx, data), 'queued');
      }
      return id;
    });
    await this.skipReserved(id);
    return id;
  }

  /** Skips the queued parts (of run `run`, or of every run) whose board someone holds, or a waiter is owed, now; how many. */
  async skipReserved(run?: number): Promise<number> {
    const due = await this.db.query<{ run: number; board: string }>(
      `SELECT rb.run, rb.board FROM run_boards rb
       WHERE rb.state = 'queued' AND ($1::bigint IS NULL OR rb.run = $1) AND ${heldOrWantedSql('rb.board')} ORDER BY rb.run, rb.board`,
      [run ?? null],
    );
    let n = 0;
    for (const d of due) {
      n += await this.db.transaction(async (tx) => {
        // The board first, as a worker taking its job locks it: the part is taken or skipped, not both.
        await tx.query('SELECT 1 FROM boards WHERE name = $1 FOR NO KEY UPDATE', [d.board]);
        const blocker = await heldOrPromised(tx, d.board);
        const part = await runBoard(tx, d.run, d.board);
        if (!blocker || part?.state !== 'queued') return 0;
        if (part.job_id) await this.jobs.cancelQueued(tx, boardQueue(d.board), [part.job_id]);
        await setRunBoard(tx, d.run, d.board, 'failed', { reason: `skipped: the board is ${blocker.why}` });
        const [{ suite }] = (await tx.query<{ suite: string }>('SELECT suite FROM runs WHERE id = $1', [d.run])) as [{ suite: string }];
        await completeRunIfDone(tx, d.run, this.suiteTitle(suite));
        return 1;
      });
    }
    return n;
  }

  /** A board's part of a run (or why it could not run the suite), from its worker. False when the claim was lost. */
  async boardResult(claim: Claim, run: number, r: { result: BoardResult } | { error: string }): Promise<boolean> {
    return this.jobs.finish(claim, async (tx) => {
      const b = await runBoard(tx, run, claim.board);
      const [{ suite }] = (await tx.query<{ suite: string }>('SELECT suite FROM runs WHERE id = $1', [run])) as [{ suite: string }];
      if (!b || b.job_id !== claim.jobId) return { ignored: 'another job has this board part' };
      if ('result' in r) await setRunBoard(tx, run, claim.board, 'done', { result: { ...r.result, name: claim.board } });
      else await setRunBoard(tx, run, claim.board, 'failed', { reason: r.error });
      const state = await completeRunIfDone(tx, run, this.suiteTitle(suite));
      return { board: claim.board, ...(state ? { run: state } : {}) };
    });
  }

  /** Records a run made on the command line; its id. */
  async recordCli(rec: CliRunRecord, createdBy: number | null): Promise<number> {
    const rep = rec.report;
    if (rep.schema !== REPORT_SCHEMA || rep.version !== REPORT_VERSION) throw new StoreRefusal('invalid', `report: expected schema '${REPORT_SCHEMA}' version ${REPORT_VERSION} (what 'suitrig run --json' writes), got '${String(rep.schema)}' version ${String(rep.version)}`);
    if (rep.result !== 'passed' && rep.result !== 'failed') throw new StoreRefusal('invalid', `report.result: expected 'passed' or 'failed', got '${String(rep.result)}'`);
    const outcome = rep.result;
    const boards = rep.boards.map((b) => b.name);
    return this.db.transaction(async (tx: Sql) => {
      const id = await insertRun(tx, { origin: 'cli', suite: rep.suite.name, seed: rep.seed, state: 'running', boards, cases: [], createdBy });
      await storeCliReport(tx, id, rep, rec.junit ?? null);
      const known = (await tx.query<{ name: string }>('SELECT name FROM boards WHERE name = ANY($1::text[])', [boards])).map((x) => x.name);
      for (const b of rep.boards) {
        if (!known.includes(b.name)) continue;
        await insertRunBoard(tx, id, b.name, null, 'done');
      }
      const t = rep.totals;
      await setRunState(tx, id, outcome, `recorded from the command line: ${t.passed} passed, ${t.failed} failed, ${t.error} errors, ${t.notApplicable} not applicable of ${t.cases} cases`);
      return id;
    });
  }

  /**
   * Fails the part of each board that no agent has worked on for `waitS` seconds — its job never
   * taken (the board offline, reserved or busy) or dropped and not taken again — so that every
   * run ends; how many. Each board is checked again, locked, in a transaction of its own.
   */
  async sweepDeadlines(waitS: number): Promise<number> {
    const late = await this.db.query<{ run: number; board: string }>(
      `SELECT rb.run, rb.board FROM run_boards rb JOIN runs r ON r.id = rb.run WHERE r.origin = 'service' AND ${UNWORKED} ORDER BY rb.run, rb.board`,
      [waitS],
    );
    const cancel: { board: string; job: string }[] = [];
    for (const l of late) {
      await this.db.transaction(async (tx) => {
        const [b] = await tx.query<{ job_id: string | null; fleet: string | null; suite: string }>(
          `SELECT rb.job_id, (SELECT state FROM boards WHERE name = rb.board) AS fleet, (SELECT suite FROM runs WHERE id = rb.run) AS suite
           FROM run_boards rb WHERE rb.run = $2 AND rb.board = $3 AND ${UNWORKED} FOR UPDATE OF rb`,
          [waitS, l.run, l.board],
        );
        if (!b) return;
        await setRunBoard(tx, l.run, l.board, 'failed', { reason: `no agent worked on it for ${waitS} s (the board is ${b.fleet ?? 'gone'})` });
        await completeRunIfDone(tx, l.run, this.suiteTitle(b.suite));
        if (b.job_id) cancel.push({ board: l.board, job: b.job_id });
      });
    }
    // After the boards' transactions, as the campaign engine does: a job row may be locked by an agent taking it.
    for (const c of cancel) await this.db.transaction((tx) => this.jobs.cancelQueued(tx, boardQueue(c.board), [c.job])).catch(() => undefined);
    return cancel.length;
  }

  private suiteTitle(name: string): string {
    return this.suites.find((s) => s.name === name)?.title ?? name;
  }

}

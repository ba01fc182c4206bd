/**
 * The lab service's job queue (DESIGN.md "Lab service": the job queue lives in PostgreSQL, an
 * established library, not a home-made one): pg-boss 10 on the service's Database, in its own
 * schema `pgboss`, on PGlite and on a PostgreSQL server alike.
 *
 * One queue per board (`board.<name>`) with pg-boss's `singleton` policy: its unique index lets
 * at most one job of a queue be active, so the database itself refuses a second job on a board
 * while one runs. Sending, fetching, completing and failing take the caller's transaction
 * (pg-boss's `db` option), so a job is enqueued together with the campaign or run row that wants
 * it, and taken together with the board claim that guards it (claims.ts): no state where one
 * exists without the other. A failed job is retried while its retry limit allows, then copied to
 * the dead-letter queue, whose handler (given to `start`) settles what the job was for.
 *
 * PGlite is one connection: inside a transaction only the transaction's own `Sql` may be used —
 * the Database itself would wait for the transaction to end, forever.
 */
import PgBoss from 'pg-boss';
import type { Database, Sql } from '../db/database.js';
import type { BoardJobData } from './job-data.js';

const QUEUE_SCHEMA = 'pgboss';
/** Where jobs whose retries ran out go; its handler marks what they were for as failed. */
const DEAD_LETTER_QUEUE = 'board-jobs-dead';
/** Held while pg-boss creates or migrates its schema, and while it creates a queue (Database.withLock). */
const QUEUE_START_LOCK = 'suitrig-queue-start';
const QUEUE_CREATE_LOCK = 'suitrig-queue-create';

/** The queue of one board. Board names are letters, digits, `.`, `_`, `-` (rig/lab/load.ts). */
export function boardQueue(board: string): string {
  return `board.${board}`;
}

/** A job as a worker receives it. */
export interface QueuedJob {
  id: string;
  queue: string;
  data: BoardJobData;
  /** 0 on the first try; n on the n-th retry (a worker dropped it, or it failed). */
  retryCount: number;
  retryLimit: number;
}

/** How a job may be retried and how long it may stay active before pg-boss itself fails it. */
export interface JobRule {
  /** Retries after a failure (a dropped job is failed back by the claim reaper). */
  retryLimit: number;
  /** pg-boss's own backstop: an active job older than this is failed (retried by the rule). */
  expireInSeconds: number;
}

export interface QueueOptions {
  /** How often pg-boss runs its maintenance (expiry, archiving), in seconds (default 30). */
  maintenanceIntervalSeconds?: number;
}

/** pg-boss's view of one transaction. */
function txAdapter(tx: Sql): { executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }> } {
  return {
    async executeSql(text, values) {
      return { rows: await tx.query(text, (values ?? []) as never[]) };
    },
  };
}

export class JobQueue {
  private readonly known = new Set<string>();

  private constructor(
    private readonly db: Database,
    private readonly boss: PgBoss,
  ) {}

  /** Starts pg-boss on `db` (creating or migrating its schema) and the dead-letter handler. */
  static async start(db: Database, onDeadJob: (data: BoardJobData, output: unknown) => Promise<void>, o: QueueOptions = {}): Promise<JobQueue> {
    const boss = new PgBoss({
      db: db.queueAdapter as PgBoss.Db,
      schema: QUEUE_SCHEMA,
      supervise: true,
      maintenanceIntervalSeconds: o.maintenanceIntervalSeconds ?? 30,
      // Nothing is scheduled by cron; the clock monitor would only cost queries.
      schedule: false,
    });
    // pg-boss reports errors of its timers here; without a listener an EventEmitter 'error' throws.
    boss.on('error', (e) => process.emitWarning(`job queue: ${e.message}`));
    // Several services starting at once on a fresh server: pg-boss creates its schema under an
    // advisory lock taken inside the creating transaction, and the one that waited for it still
    // sees the schema missing (its connection's catalog as cached before the wait) and fails
    // with a duplicate key. Taken here first, the lock lets the next one find the schema made.
    await db.withLock(QUEUE_START_LOCK, async () => {
      await boss.start();
      await boss.createQueue(DEAD_LETTER_QUEUE, { name: DEAD_LETTER_QUEUE, policy: 'standard', retryLimit: 5, retryDelay: 1 });
    });
    const q = new JobQueue(db, boss);
    await boss.work<{ data: BoardJobData; output: unknown }>(DEAD_LETTER_QUEUE, { pollingIntervalSeconds: 1, includeMetadata: true }, async ([job]) => {
      // A dead letter carries the job's data and its last failure as output.
      const j = job as unknown as { data: BoardJobData; output: unknown };
      await onDeadJob(j.data, j.output);
    });
    return q;
  }

  /**
   * Creates the queue of `board` (idempotent). Call outside any transaction. Two services
   * creating the same queue at once deadlock inside pg-boss (each waits for the other's queue
   * row, then for a lock on the queue table the other's insert holds), so a queue not there yet
   * is created under a lock every service takes.
   */
  async ensureBoardQueue(board: string): Promise<string> {
    const name = boardQueue(board);
    if (this.known.has(name)) return name;
    if (!(await this.boss.getQueue(name))) {
      await this.db.withLock(QUEUE_CREATE_LOCK, () => this.boss.createQueue(name, { name, policy: 'singleton', deadLetter: DEAD_LETTER_QUEUE }));
    }
    this.known.add(name);
    return name;
  }

  /** Enqueues `data` for its board in `tx`. The board's queue must exist (ensureBoardQueue). */
  async send(tx: Sql, data: BoardJobData, rule: JobRule): Promise<string> {
    const id = await this.boss.send(boardQueue(data.board), data as unknown as object, {
      db: txAdapter(tx),
      retryLimit: rule.retryLimit,
      retryDelay: 0,
      expireInSeconds: rule.expireInSeconds,
      deadLetter: DEAD_LETTER_QUEUE,
    });
    if (!id) throw new Error(`the job queue refused a job for board ${data.board}`);
    return id;
  }

  /** Takes the next job of `board` in `tx` (none while one is active: the singleton policy). */
  async fetch(tx: Sql, board: string): Promise<QueuedJob | undefined> {
    const [job] = await this.boss.fetch<BoardJobData>(boardQueue(board), { db: txAdapter(tx), includeMetadata: true, batchSize: 1 });
    if (!job) return undefined;
    return { id: job.id, queue: job.name, data: job.data, retryCount: job.retryCount, retryLimit: job.retryLimit };
  }

  async complete(tx: Sql, queue: string, id: string, output: object): Promise<void> {
    await this.boss.complete(queue, id, output, { db: txAdapter(tx) });
  }

  /** Fails the job: retried while its retry limit allows, else dead-lettered. */
  async fail(tx: Sql, queue: string, id: string, why: string): Promise<void> {
    await this.boss.fail(queue, id, { message: why }, { db: txAdapter(tx) });
  }

  /** Cancels jobs not yet taken (a cancelled campaign or run). */
  async cancel(tx: Sql, queue: string, ids: string[]): Promise<void> {
    if (ids.length > 0) await this.boss.cancel(queue, ids, { db: txAdapter(tx) });
  }

  /** The job's state in pg-boss, for tests and checks: created, retry, active, completed, cancelled, failed. */
  async stateOf(queue: string, id: string): Promise<string | undefined> {
    const j = await this.boss.getJobById(queue, id, { includeArchive: true });
    return j?.state;
  }

  async stop(): Promise<void> {
    await this.boss.stop({ graceful: true, close: false, timeout: 5_000 });
  }
}

/**
 * Waking the workers of a board (jobs/board-jobs.ts; DESIGN.md "Lab service": agents take jobs
 * for their boards): a transaction that makes a board's job takeable — enqueues one, fails one
 * back, or ends the lease that kept jobs off the board (store/reservations.ts) — notifies
 * JOBS_CHANNEL with the board's name. The notification is delivered when, and only if, that
 * transaction commits, to every service process on the database (LISTEN/NOTIFY), so a worker
 * waiting for that board in any of them looks at once instead of at its next poll. Its own module
 * so that the store may wake workers without importing the job machinery.
 */
import type { Sql } from '../db/database.js';

/** The LISTEN/NOTIFY channel; the payload is the board's name. */
export const JOBS_CHANNEL = 'suitrig_jobs';

/** Tells every service process, once `tx` commits, that `board` may have a job to take. */
export async function wakeBoardWorkers(tx: Sql, board: string): Promise<void> {
  await tx.query('SELECT pg_notify($1, $2)', [JOBS_CHANNEL, board]);
}

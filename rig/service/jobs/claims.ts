/**
 * Board claims: the guard in SQL that keeps two jobs off one board (issue 12: a job is "never run
 * twice at once on one board"). A worker takes a job only together with the claim of its board,
 * in one transaction: the claim's primary key admits one job per board, the board goes
 * idle -> busy, and only a board that is idle (not offline, not reserved by someone, not owed to
 * a waiter in the reservation queue: store/reservation-queue.ts) can be claimed. The claim
 * carries a lease its holder renews while it works; a holder that stops renewing (its process
 * was killed) loses the claim when the lease runs out, and the reaper
 * (reaper.ts) fails its job back to the queue in the same transaction that removes the claim.
 */
import type { Sql } from '../db/database.js';
import { restingState, setBoardState } from '../store/boards.js';
import { heldOrPromised } from '../store/reservation-queue.js';

export interface Claim {
  board: string;
  jobId: string;
  queue: string;
  kind: string;
  agent: string;
  instance: string;
}

interface ClaimRow {
  board: string;
  job_id: string;
  queue: string;
  kind: string;
  agent: string;
  instance: string;
}

const fromRow = (r: ClaimRow): Claim => ({ board: r.board, jobId: r.job_id, queue: r.queue, kind: r.kind, agent: r.agent, instance: r.instance });

/**
 * Why `agent` cannot take a job on `board` now (locks the board row), or undefined when it can.
 * The lock is FOR NO KEY UPDATE: rows that refer to the board (its history, its campaign rows)
 * take a key-share lock on it, which a FOR UPDATE lock would block — and the taker then waits
 * for the campaign another transaction holds while writing that history: a deadlock.
 */
export async function claimBlocker(tx: Sql, board: string, agent: string): Promise<string | undefined> {
  const [b] = await tx.query<{ agent: string; state: string }>('SELECT agent, state FROM boards WHERE name = $1 FOR NO KEY UPDATE', [board]);
  if (!b) return `no board '${board}'`;
  if (b.agent !== agent) return `board '${board}' is served by agent '${b.agent}'`;
  const [held] = await tx.query<ClaimRow>('SELECT * FROM board_claims WHERE board = $1', [board]);
  if (held) return `board '${board}' is busy with job ${held.job_id} (${held.kind})`;
  const reserved = await heldOrPromised(tx, board);
  if (reserved) return `board '${board}' is ${reserved.why}`;
  if (b.state !== 'idle') return `board '${board}' is ${b.state}`;
  return undefined;
}

/** Records the claim of `board` by a job just taken (after claimBlocker said yes, in the same transaction). */
export async function insertClaim(tx: Sql, c: Claim, leaseMs: number): Promise<void> {
  await tx.query(
    `INSERT INTO board_claims (board, job_id, queue, kind, agent, instance, lease_until)
     VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7))`,
    [c.board, c.jobId, c.queue, c.kind, c.agent, c.instance, leaseMs / 1000],
  );
  await setBoardState(tx, c.board, 'busy', `${c.kind} job ${c.jobId}`);
}

/** Extends the lease; false when the claim is no longer this holder's (it was reaped). */
export async function renewClaim(db: Sql, c: Claim, leaseMs: number): Promise<boolean> {
  const rows = await db.query(
    `UPDATE board_claims SET lease_until = now() + make_interval(secs => $4)
     WHERE board = $1 AND job_id = $2 AND instance = $3 RETURNING board`,
    [c.board, c.jobId, c.instance, leaseMs / 1000],
  );
  return rows.length === 1;
}

/** True when `c` is still held by its holder (locks the claim row until the transaction ends). */
export async function holdsClaim(tx: Sql, c: Claim): Promise<boolean> {
  const rows = await tx.query('SELECT 1 FROM board_claims WHERE board = $1 AND job_id = $2 AND instance = $3 FOR UPDATE', [c.board, c.jobId, c.instance]);
  return rows.length === 1;
}

/** Removes the claim and frees the board (busy -> idle, or reserved when reserved meanwhile; an offline board stays offline). */
export async function dropClaim(tx: Sql, c: Claim, why: string): Promise<void> {
  await tx.query('DELETE FROM board_claims WHERE board = $1 AND job_id = $2', [c.board, c.jobId]);
  const [b] = await tx.query<{ state: string }>('SELECT state FROM boards WHERE name = $1', [c.board]);
  if (b?.state === 'busy') await setBoardState(tx, c.board, await restingState(tx, c.board), why);
}

/** Claims whose lease ran out (their holder is gone), locked for the reaper; other reapers skip them. */
export async function expiredClaims(tx: Sql): Promise<Claim[]> {
  const rows = await tx.query<ClaimRow>('SELECT * FROM board_claims WHERE lease_until < now() ORDER BY board FOR UPDATE SKIP LOCKED');
  return rows.map(fromRow);
}

/** Claims left by earlier processes of `agent` (it was restarted): their holder is gone for sure. */
export async function claimsOfEarlierInstances(tx: Sql, agent: string, instance: string): Promise<Claim[]> {
  const rows = await tx.query<ClaimRow>('SELECT * FROM board_claims WHERE agent = $1 AND instance <> $2 ORDER BY board FOR UPDATE SKIP LOCKED', [agent, instance]);
  return rows.map(fromRow);
}

/**
 * Board reservations (DESIGN.md "Lab service": `POST /boards/{name}/reservations`; issue 13): a
 * person or pipeline holds a board as a lease it renews while it is alive (a heartbeat). A lease
 * its holder stops renewing expires on its own: it is ignored from `expires_at` on and removed
 * by the service's sweep (work.ts), so a holder that dies never keeps a board locked. While a
 * lease is live the board rests in state `reserved` and takes no campaign or run job
 * (jobs/claims.ts). Every reservation, release and expiry is in the board's history and the
 * event stream, in the transaction of the change.
 *
 * Taking boards (by name or tag, at once or through the fair wait queue) is
 * reservation-queue.ts; it grants each lease here. Race safety: the board's row is locked first
 * (the order every writer of a board follows), and the insert only replaces a row whose lease
 * has run out, so of two concurrent requests exactly one gets the lease and the other is told
 * who holds it until when.
 */
import { randomUUID } from 'node:crypto';
import type { Database, Sql } from '../db/database.js';
import { restingState, setBoardState, type Caller } from './boards.js';
import { StoreRefusal } from './errors.js';
import { recordBoardHistory, recordEvent } from './events.js';
import { wakeBoardWorkers } from '../jobs/wake.js';

/** Lease length when the request names none, and the longest one granted (DESIGN.md: short by default). */
export const DEFAULT_TTL_S = 60;
export const MAX_TTL_S = 24 * 3600;

export interface Lease {
  id: string;
  board: string;
  holder: string;
  created_at: Date;
  expires_at: Date;
}

const LEASE_COLUMNS = 'id, board, holder, created_at, expires_at';
export const tokenOf = (c: Caller): number | null => (c === 'internal' ? null : c.tokenId);
export const mayOverride = (c: Caller): boolean => c === 'internal' || c.role === 'admin';

/** Live leases, by board name. */
export async function listReservations(db: Sql): Promise<Lease[]> {
  return db.query<Lease>(`SELECT ${LEASE_COLUMNS} FROM reservations WHERE expires_at > now() ORDER BY board`);
}

/**
 * Locks `board`'s row, the order every writer of a board follows. FOR NO KEY UPDATE, as the job
 * claims take it (jobs/claims.ts): rows that refer to the board take a key-share lock on it,
 * which a FOR UPDATE lock would wait for.
 */
async function lockBoard(tx: Sql, board: string): Promise<string> {
  const [b] = await tx.query<{ state: string }>('SELECT state FROM boards WHERE name = $1 FOR NO KEY UPDATE', [board]);
  if (!b) throw new StoreRefusal('not-found', `no board named ${board}`);
  return b.state;
}

/**
 * Gives `board` (locked by the caller, in `state`, with no live lease: checked by the caller) to
 * `o.holder` for `o.ttlS` seconds. Only a lease that ran out is replaced; a live one is a bug of
 * the caller's and throws, rolling its transaction back.
 */
export async function grantLease(tx: Sql, board: string, state: string, o: { holder: string; ttlS: number; tokenId: number | null }): Promise<Lease> {
  const [lease] = await tx.query<Lease>(
    `INSERT INTO reservations (id, board, holder, token_id, created_at, expires_at)
     VALUES ($1, $2, $3, $4, now(), now() + make_interval(secs => $5))
     ON CONFLICT (board) DO UPDATE SET id = EXCLUDED.id, holder = EXCLUDED.holder, token_id = EXCLUDED.token_id,
       created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
       WHERE reservations.expires_at <= now()
     RETURNING ${LEASE_COLUMNS}`,
    [randomUUID(), board, o.holder, o.tokenId, o.ttlS],
  );
  if (!lease) throw new Error(`board ${board} still has a live lease: it was not free to grant`);
  // A busy board finishes its job first and rests reserved afterwards (jobs/claims.ts dropClaim).
  if (state === 'idle') await setBoardState(tx, board, 'reserved', `reserved by ${o.holder}`);
  await recordBoardHistory(tx, board, 'reservation', { action: 'reserved', holder: o.holder, expires_at: lease.expires_at.toISOString() });
  await recordEvent(tx, 'reservation', board, { action: 'reserved', holder: o.holder, expires_at: lease.expires_at.toISOString() });
  return lease;
}

/**
 * The holder's heartbeat: the lease `id` on `board` now ends `ttlS` seconds from now (with
 * `atLeast`, no earlier than it did). Only a live
 * lease, and only by the token that took it (or an admin): a lease that ran out is gone, and
 * its holder must reserve again (someone else may hold the board by now).
 */
export async function renewReservation(db: Database, board: string, id: string, o: { ttlS: number; by: Caller; atLeast?: boolean }): Promise<Lease> {
  // atLeast: never shortens it (one who works under a lease another took keeps it alive, no more).
  const [lease] = await db.query<Lease>(
    `UPDATE reservations SET expires_at = CASE WHEN $6 THEN greatest(expires_at, now() + make_interval(secs => $3)) ELSE now() + make_interval(secs => $3) END
     WHERE board = $1 AND id = $2 AND expires_at > now() AND (token_id IS NOT DISTINCT FROM $4 OR $5)
     RETURNING ${LEASE_COLUMNS}`,
    [board, id, o.ttlS, tokenOf(o.by), mayOverride(o.by), o.atLeast === true],
  );
  if (!lease) throw new StoreRefusal('not-found', `no live reservation ${id} of yours on board ${board} (it expired or was released)`);
  return lease;
}

async function endLease(tx: Sql, board: string, lease: { holder: string }, action: 'released' | 'expired'): Promise<void> {
  const [b] = await tx.query<{ state: string }>('SELECT state FROM boards WHERE name = $1', [board]);
  if (b?.state === 'reserved') await setBoardState(tx, board, await restingState(tx, board), `reservation of ${lease.holder} ${action}`);
  await recordBoardHistory(tx, board, 'reservation', { action, holder: lease.holder });
  await recordEvent(tx, 'reservation', board, { action, holder: lease.holder });
  // A job queued for the board is taken now, not at its worker's next poll (unless a waiter is owed the board).
  await wakeBoardWorkers(tx, board);
}

/** Ends the lease `id` on `board` (its holder's token, or an admin). */
export async function releaseReservation(db: Database, board: string, id: string, by: Caller): Promise<Lease> {
  return db.transaction(async (tx) => {
    await lockBoard(tx, board);
    const [lease] = await tx.query<Lease>(
      `DELETE FROM reservations WHERE board = $1 AND id = $2 AND (token_id IS NOT DISTINCT FROM $3 OR $4) RETURNING ${LEASE_COLUMNS}`,
      [board, id, tokenOf(by), mayOverride(by)],
    );
    if (!lease) throw new StoreRefusal('not-found', `no reservation ${id} of yours on board ${board}`);
    await endLease(tx, board, lease, lease.expires_at.getTime() <= Date.now() ? 'expired' : 'released');
    return lease;
  });
}

/** Removes leases that ran out (the sweep), each board in its own transaction; how many. */
export async function expireReservations(db: Database): Promise<number> {
  const due = await db.query<{ board: string }>('SELECT board FROM reservations WHERE expires_at <= now() ORDER BY board');
  let n = 0;
  for (const { board } of due) {
    n += await db.transaction(async (tx) => {
      await lockBoard(tx, board);
      const [lease] = await tx.query<{ holder: string }>('DELETE FROM reservations WHERE board = $1 AND expires_at <= now() RETURNING holder', [board]);
      if (!lease) return 0; // renewed, or swept by another instance, meanwhile
      await endLease(tx, board, lease, 'expired');
      return 1;
    });
  }
  return n;
}

/**
 * Taking boards, and the fair wait queue (DESIGN.md "Lab service": reservations; issue 13:
 * `reserve <board|tag> [--count N] [--wait]`, "--wait queues fairly, first come, first served").
 *
 * A request wants one named board, or `count` boards with a tag. It gets them at once, all or
 * none, or — when it asks to wait — joins the queue as a ticket (schema 5). A ticket lives by its
 * waiter's heartbeat (`tryTicket`, which also tries again): a waiter that dies leaves the queue
 * when its ticket runs out, so it never holds up the living.
 *
 * Fairness: a request is given only boards that no older live ticket is owed. The older tickets
 * are served first in order of arrival, each taking what it wants of the free boards (a ticket
 * that cannot be served in full keeps what it can have, so a younger, smaller request never
 * starves an older, larger one); the request gets what is left. This holds for requests that do
 * not wait as well: nobody jumps the queue, and a board promised to a waiter is refused with
 * that waiter's name. Nor do jobs: a board owed to a live ticket takes no campaign or run job
 * until that waiter has had it (heldOrPromised, asked by jobs/claims.ts), as a board with a lease
 * takes none — the job waits or is skipped by its kind's rule, saying whom for. Waiters are woken
 * by the event stream (every change here is an event, LISTEN/NOTIFY across instances), not by
 * polling; the service never grants on a waiter's behalf, so a board is never handed to a waiter
 * that died in the meantime.
 *
 * Race safety: the wanted boards' rows are locked in name order (as every multi-board writer
 * locks them), so two requests for one board are served one after the other, and the second
 * sees the first's lease. An agent token may reserve only the boards of its own agents.
 */
import { randomUUID } from 'node:crypto';
import type { Database, Sql } from '../db/database.js';
import type { Caller } from './boards.js';
import { StoreRefusal } from './errors.js';
import { recordEvent } from './events.js';
import { grantLease, mayOverride, tokenOf, type Lease } from './reservations.js';

/** How long a ticket lives without a heartbeat when the request names no time, and the longest. */
export const DEFAULT_TICKET_TTL_S = 30;
export const MAX_TICKET_TTL_S = 600;
/** Most boards one request may take at once. */
export const MAX_COUNT = 64;

export interface ReserveRequest {
  board?: string;
  tag?: string;
  /** Boards with the tag wanted at once (default 1). */
  count?: number;
  holder: string;
  /** Each lease's TTL. */
  ttlS: number;
  by: Caller;
  /** Queue when the boards are not free now, with a ticket that lives this long without a heartbeat. */
  wait?: { ticketTtlS: number };
}

export interface Ticket {
  id: string;
  board: string | null;
  tag: string | null;
  count: number;
  holder: string;
  created_at: Date;
  expires_at: Date;
  /** 1 when no live ticket older than this one wants its boards. */
  position: number;
  /** Why it waits, for people: who holds the boards, or whom they are promised to. */
  why: string;
}

/** A request's answer: the leases it got, or its ticket in the queue. */
export type Outcome = { leases: Lease[] } | { ticket: Ticket };

interface Want {
  /** Order of arrival; a new request comes after every ticket. */
  seq: number;
  board: string | null;
  tag: string | null;
  count: number;
  /** An agent token's own id: it wants only boards of agents it registered. */
  scope: number | null;
}

interface WaiterRow extends Want {
  id: string;
  holder: string;
  token_id: number | null;
  lease_ttl_s: number;
  ticket_ttl_s: number;
  created_at: Date;
  expires_at: Date;
}

interface Candidate {
  name: string;
  state: string;
  tags: string[];
  agent: string;
  agent_token: number | null;
}

interface Held {
  holder: string;
  expires_at: Date;
}

const NEWCOMER_SEQ = Number.MAX_SAFE_INTEGER;
const WAITER_COLUMNS = 'id, seq, board, tag, count, holder, token_id, scope_token AS scope, lease_ttl_s, ticket_ttl_s, created_at, expires_at';

const scopeOf = (c: Caller): number | null => (c !== 'internal' && c.role === 'agent' ? c.tokenId : null);
const iso = (d: Date): string => new Date(d).toISOString();

function wants(w: Want, b: Candidate): boolean {
  if (w.scope !== null && b.agent_token !== w.scope) return false;
  return w.board !== null ? b.name === w.board : b.tags.includes(w.tag!);
}

/**
 * Whether `b` may be given to `w` now: no live lease on it, and — for a pick by tag — a board one
 * can use at once (idle; not busy with a job, not offline). A board asked for by name is given
 * even while busy: its job finishes first, then it rests reserved.
 */
function free(w: Want, b: Candidate, held: ReadonlyMap<string, Held>): boolean {
  if (held.has(b.name)) return false;
  return w.board !== null || b.state === 'idle' || b.state === 'reserved';
}

/** The boards `w` names (by name or tag) in name order; with `lock`, their rows locked in that order. */
async function candidates(tx: Sql, w: Pick<Want, 'board' | 'tag'>, lock: boolean): Promise<Candidate[]> {
  return tx.query<Candidate>(
    `SELECT b.name, b.state, b.tags, b.agent, a.token_id AS agent_token FROM boards b JOIN agents a ON a.name = b.agent
     WHERE b.name = $1::text OR $2::text = ANY(b.tags) ORDER BY b.name${lock ? ' FOR NO KEY UPDATE OF b' : ''}`,
    [w.board, w.tag],
  );
}

/** Live leases on `mine`, and which of them the live tickets older than `seq` are owed (the fairness rule above), those tickets oldest first. */
async function owed(tx: Sql, mine: readonly Candidate[], seq: number): Promise<{ held: Map<string, Held>; promised: Map<string, WaiterRow>; ahead: WaiterRow[] }> {
  const names = mine.map((b) => b.name);
  const held = new Map(
    (await tx.query<Held & { board: string }>('SELECT board, holder, expires_at FROM reservations WHERE board = ANY($1::text[]) AND expires_at > now()', [names])).map((r) => [r.board, r]),
  );
  const older = await tx.query<WaiterRow>(
    `SELECT ${WAITER_COLUMNS} FROM reservation_waiters
     WHERE expires_at > now() AND seq < $1 AND (board = ANY($2::text[]) OR tag = ANY($3::text[])) ORDER BY seq`,
    [seq, names, [...new Set(mine.flatMap((b) => b.tags))]],
  );
  const ahead = older.filter((o) => mine.some((b) => wants(o, b)));
  const promised = new Map<string, WaiterRow>();
  for (const o of ahead) {
    for (const b of mine.filter((x) => wants(o, x) && free(o, x, held) && !promised.has(x.name)).slice(0, o.count)) promised.set(b.name, o);
  }
  return { held, promised, ahead };
}

/** Boards `me` may have now, or why not: a refusal (naming how many wait before it), and the bare reason a ticket shows with its position. */
type Allotment = { boards: Candidate[] } | { refusal: StoreRefusal; reason: string; ahead: WaiterRow[] };

/** What `me` may have now, the older tickets served first (the fairness rule above); locks the boards. */
async function allot(tx: Sql, me: Want): Promise<Allotment> {
  const all = await candidates(tx, me, true);
  const mine = all.filter((b) => wants(me, b));
  if (mine.length === 0) {
    const refusal =
      me.board !== null
        ? all.length === 0
          ? new StoreRefusal('not-found', `no board named ${me.board}`)
          : new StoreRefusal('forbidden', `board ${me.board} is served by agent ${all[0]!.agent}, which this token did not register: an agent token reserves only its own agents' boards`)
        : new StoreRefusal('not-found', all.length === 0 ? `no board has the tag ${me.tag}` : `no board of this token's agents has the tag ${me.tag}`);
    return { refusal, reason: refusal.message, ahead: [] };
  }
  const { held, promised, ahead: relevant } = await owed(tx, mine, me.seq);
  const count = me.board !== null ? 1 : me.count;
  const open = mine.filter((b) => free(me, b, held) && !promised.has(b.name));
  if (open.length >= count) return { boards: open.slice(0, count) };
  return {
    refusal: new StoreRefusal('conflict', blocked(me, mine, held, promised, relevant.length, open.length)),
    reason: blocked(me, mine, held, promised, 0, open.length),
    ahead: relevant,
  };
}

const heldText = (h: Held): string => `reserved by ${h.holder} until ${iso(h.expires_at)}`;
const promisedText = (p: WaiterRow): string => `promised to ${p.holder}, waiting since ${iso(p.created_at)}`;

/** Why `me` cannot have its boards now, naming who holds them until when (or whom they are promised to). */
function blocked(me: Want, mine: readonly Candidate[], held: ReadonlyMap<string, Held>, promised: ReadonlyMap<string, WaiterRow>, waiting: number, open: number): string {
  const why = (b: Candidate): string => {
    const h = held.get(b.name);
    if (h) return heldText(h);
    const p = promised.get(b.name);
    if (p) return promisedText(p);
    return b.state === 'reserved' ? 'reserved' : b.state;
  };
  const queue = waiting > 0 ? `${waiting} waiting before you` : undefined;
  if (me.board !== null) return `board ${me.board} is ${why(mine[0]!)}${queue ? ` (${queue})` : ''}`;
  const shown = mine.slice(0, 8).map((b) => `${b.name} ${why(b)}`);
  if (mine.length > shown.length) shown.push(`${mine.length - shown.length} more`);
  const notes = [...(me.count > 1 ? [`${me.count} wanted, ${open} free`] : []), ...(queue ? [queue] : [])];
  return `no free board with tag ${me.tag}${notes.length ? ` (${notes.join('; ')})` : ''}: ${shown.join('; ')}`;
}

/** Why no job may take a board: `why` in full, `who` the part that stays while the same holder or waiter stands in the way. */
export interface Blocker {
  why: string;
  who: string;
}

/**
 * Why no job may take `board` now (jobs/claims.ts; runs and campaigns say it in their reports):
 * someone holds it — "reserved by H until T" — or live tickets are owed it as they would be to a
 * new request — "promised to W, waiting since T" —; undefined when neither. A ticket comes before
 * every job not yet taken, whenever that job was enqueued, as a lease does: README "Waiters come
 * before jobs". Reads without locking: a caller that acts on the answer locks the board's row
 * first, as every writer of a lease or a ticket on it does.
 */
export async function heldOrPromised(tx: Sql, board: string): Promise<Blocker | undefined> {
  const mine = await candidates(tx, { board, tag: null }, false);
  if (mine.length === 0) return undefined;
  const { held, promised, ahead } = await owed(tx, mine, NEWCOMER_SEQ);
  const h = held.get(board);
  // A renewed lease moves its end: the holder alone names the wait.
  if (h) return { why: heldText(h), who: `reserved by ${h.holder}` };
  const p = promised.get(board);
  return p && { why: `${promisedText(p)}${ahead.length > 1 ? ` (${ahead.length} waiting)` : ''}`, who: promisedText(p) };
}

/**
 * SQL true for the board named by `column` when it has a live lease or a live ticket that may want
 * it (by name, or by one of its tags): the boards heldOrPromised may refuse, for sweeps to find
 * them without asking of every board.
 */
export function heldOrWantedSql(column: string): string {
  return `(EXISTS (SELECT 1 FROM reservations r WHERE r.board = ${column} AND r.expires_at > now())
    OR EXISTS (SELECT 1 FROM reservation_waiters w JOIN boards wb ON wb.name = ${column}
      WHERE w.expires_at > now() AND (w.board = wb.name OR w.tag = ANY(wb.tags))))`;
}

async function grantAll(tx: Sql, boards: readonly Candidate[], o: { holder: string; ttlS: number; tokenId: number | null }): Promise<Lease[]> {
  const leases: Lease[] = [];
  for (const b of boards) leases.push(await grantLease(tx, b.name, b.state, o));
  return leases;
}

function ticketOf(w: WaiterRow, position: number, why: string): Ticket {
  return { id: w.id, board: w.board, tag: w.tag, count: w.count, holder: w.holder, created_at: w.created_at, expires_at: w.expires_at, position, why };
}

const subjectOf = (w: { board: string | null; tag: string | null }): string => w.board ?? `tag:${w.tag}`;

/**
 * Reserves the board named, or `count` boards with the tag, all or none; when they are not free
 * now, queues a ticket (with `wait`) or is refused (409) naming who holds them until when.
 */
export async function reserve(db: Database, r: ReserveRequest): Promise<Outcome> {
  if ((r.board === undefined) === (r.tag === undefined)) throw new StoreRefusal('invalid', "name either a board ('board') or a tag ('tag'), not both or neither");
  const count = r.count ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > MAX_COUNT) throw new StoreRefusal('invalid', `count: expected 1 to ${MAX_COUNT}, got ${count}`);
  if (r.board !== undefined && count !== 1) throw new StoreRefusal('invalid', 'count is for a tag: a board named is one board');
  const me: Want = { seq: NEWCOMER_SEQ, board: r.board ?? null, tag: r.tag ?? null, count, scope: scopeOf(r.by) };
  return db.transaction(async (tx) => {
    const a = await allot(tx, me);
    if ('boards' in a) return { leases: await grantAll(tx, a.boards, { holder: r.holder, ttlS: r.ttlS, tokenId: tokenOf(r.by) }) };
    if (a.refusal.kind !== 'conflict' || !r.wait) throw a.refusal;
    const [w] = await tx.query<WaiterRow>(
      `INSERT INTO reservation_waiters (id, board, tag, count, holder, token_id, scope_token, lease_ttl_s, ticket_ttl_s, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::integer, now() + make_interval(secs => $9::integer)) RETURNING ${WAITER_COLUMNS}`,
      [randomUUID(), me.board, me.tag, count, r.holder, tokenOf(r.by), me.scope, r.ttlS, r.wait.ticketTtlS],
    );
    const position = a.ahead.length + 1;
    await recordEvent(tx, 'reservation', subjectOf(w!), { action: 'queued', holder: r.holder, position, ...(count > 1 ? { count } : {}) });
    return { ticket: ticketOf(w!, position, a.reason) };
  });
}

async function yourTicket(tx: Sql, id: string, by: Caller): Promise<WaiterRow> {
  const [w] = await tx.query<WaiterRow>(`SELECT ${WAITER_COLUMNS} FROM reservation_waiters WHERE id = $1 FOR UPDATE`, [id]);
  if (!w || !(w.token_id === tokenOf(by) || mayOverride(by))) throw new StoreRefusal('not-found', `no ticket ${id} of yours in the queue (it was granted, left, or ran out)`);
  return w;
}

/**
 * The waiter's heartbeat, and its turn: the ticket lives another `ticket_ttl_s`, and when the
 * boards it wants are free and owed to nobody older, they are its leases and the ticket is done.
 * A ticket that ran out is gone: its waiter must queue again, at the end.
 */
export async function tryTicket(db: Database, id: string, by: Caller): Promise<Outcome> {
  return db.transaction(async (tx) => {
    const w = await yourTicket(tx, id, by);
    // The sweep removes it (a refusal rolls this transaction back).
    const [live] = await tx.query('SELECT 1 FROM reservation_waiters WHERE id = $1 AND expires_at > now()', [id]);
    if (!live) throw new StoreRefusal('not-found', `ticket ${id} ran out (no heartbeat for ${w.ticket_ttl_s} s): queue again`);
    const a = await allot(tx, w);
    if ('boards' in a) {
      await tx.query('DELETE FROM reservation_waiters WHERE id = $1', [id]);
      const leases = await grantAll(tx, a.boards, { holder: w.holder, ttlS: w.lease_ttl_s, tokenId: w.token_id });
      await recordEvent(tx, 'reservation', subjectOf(w), { action: 'granted', holder: w.holder, boards: leases.map((l) => l.board) });
      return { leases };
    }
    if (a.refusal.kind !== 'conflict') throw a.refusal;
    const [renewed] = await tx.query<WaiterRow>(
      `UPDATE reservation_waiters SET expires_at = now() + make_interval(secs => ticket_ttl_s) WHERE id = $1 RETURNING ${WAITER_COLUMNS}`,
      [id],
    );
    return { ticket: ticketOf(renewed!, a.ahead.length + 1, a.reason) };
  });
}

/** The waiter gives up its place (its holder's token, or an admin). */
export async function leaveQueue(db: Database, id: string, by: Caller): Promise<void> {
  await db.transaction(async (tx) => {
    const w = await yourTicket(tx, id, by);
    await tx.query('DELETE FROM reservation_waiters WHERE id = $1', [id]);
    await recordEvent(tx, 'reservation', subjectOf(w), { action: 'left', holder: w.holder, why: 'it left the queue' });
  });
}

/** Removes tickets whose waiter stopped its heartbeat (the sweep); how many. */
export async function expireTickets(db: Database): Promise<number> {
  return db.transaction(async (tx) => {
    const gone = await tx.query<{ board: string | null; tag: string | null; holder: string }>(
      'DELETE FROM reservation_waiters WHERE expires_at <= now() RETURNING board, tag, holder',
    );
    for (const w of gone) await recordEvent(tx, 'reservation', subjectOf(w), { action: 'left', holder: w.holder, why: 'its ticket ran out' });
    return gone.length;
  });
}

export interface Waiting {
  board: string | null;
  tag: string | null;
  count: number;
  holder: string;
  created_at: Date;
  expires_at: Date;
}

/** The live tickets, oldest first (without their ids: those are their waiters'). */
export async function listWaiting(db: Sql): Promise<Waiting[]> {
  return db.query<Waiting>('SELECT board, tag, count, holder, created_at, expires_at FROM reservation_waiters WHERE expires_at > now() ORDER BY seq');
}

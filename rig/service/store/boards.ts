/**
 * The status tracker's inventory (RFC 9019 §2.3; DESIGN.md "Lab service", boards): agents and
 * the boards they serve, each board's state (idle, reserved, busy, offline) and its last report
 * of itself (what it runs: application version, SUIT sequence, slots, boot record, SUIT report),
 * and the history of every registration, state change and report. Each change records its
 * history line and event in its own transaction.
 *
 * Who may speak for a board: the token that registered its agent (or an admin); the in-process
 * agent of `serve --lab` calls these functions directly as INTERNAL.
 */
import type { Database, Sql } from '../db/database.js';
import type { Role } from '../auth/roles.js';
import { StoreRefusal } from './errors.js';
import { recordBoardHistory, recordEvent } from './events.js';

export const BOARD_STATES = ['idle', 'reserved', 'busy', 'offline'] as const;
export type BoardStateName = (typeof BOARD_STATES)[number];

export const REPORT_KINDS = ['status', 'update', 'flash', 'reboot'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

export const SLOT_FLAGS = ['active', 'confirmed', 'pending', 'permanent', 'bootable'] as const;

export interface BoardIdentity {
  vendor_id?: string;
  class_id?: string;
  device_id?: string;
}

/** What a board last said about itself, as the API shows it. */
export interface BoardStatus {
  run_state?: string;
  app_version?: string | null;
  /** JSON number up to 2^53, decimal string above (DESIGN.md "Command line"). */
  suit_sequence?: number | string | null;
  manifest_digest?: string | null;
  slots?: { image: number; slot: number; version: string; hash: string; flags: (typeof SLOT_FLAGS)[number][] }[];
  boot?: { count: number; reason: string; slot: number; outcome: string } | null;
  /** SUIT_Report CBOR, hex. */
  suit_report?: string | null;
}

/** What a command or job did to a board (update, flash, reboot). */
export interface BoardOutcome {
  result: string;
  exit_code: number;
  message: string;
  reason?: string;
  manifest_digest?: string;
  sequence?: number | string;
}

export interface BoardReport {
  kind: ReportKind;
  state?: BoardStateName;
  status?: BoardStatus;
  outcome?: BoardOutcome;
  /** The reporting command's own JSON document (e.g. `suitrig status --json`), kept in the history. */
  detail?: Record<string, unknown>;
}

export interface BoardSpec {
  name: string;
  kind: string;
  tags?: string[];
  identity?: BoardIdentity;
}

export interface BoardRecord {
  name: string;
  agent: string;
  host: string;
  kind: string;
  tags: string[];
  identity: BoardIdentity | null;
  state: BoardStateName;
  status: BoardStatus | null;
  last_seen: Date | null;
  updated_at: Date;
  /** Who holds the board and until when, while a reservation is live. */
  reservation: { holder: string; expires_at: string } | null;
  /** Who waits for it in the reservation queue (store/reservation-queue.ts): how many, and the first WAITERS_SHOWN, oldest first. */
  waiting: { count: number; first: Waiter[] };
}

/** A live ticket that wants the board: by name (tag null), or any `count` boards with `tag`. */
export interface Waiter {
  holder: string;
  tag: string | null;
  count: number;
  since: string;
}

/** Waiters a board's record names; the count says how many there are in all. */
export const WAITERS_SHOWN = 10;

export interface HistoryLine {
  id: number;
  at: Date;
  kind: string;
  detail: Record<string, unknown>;
}

/** Who asks: a token (its id and role), or the service itself (the in-process agent, the engine). */
export type Caller = { tokenId: number; role: Role } | 'internal';

export const INTERNAL: Caller = 'internal';

const isoText = (column: string): string => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

// The live reservation, if any (store/reservations.ts), without its lease id: that is its holder's.
// The live tickets that may want the board (by name, or by a tag of its, within the ticket's
// agent scope), without their ids either.
const BOARD_COLUMNS = `b.name, b.agent, a.host, b.kind, b.tags, b.identity, b.state, b.status, b.last_seen, b.updated_at,
  CASE WHEN r.board IS NULL THEN NULL ELSE json_build_object('holder', r.holder, 'expires_at', ${isoText('r.expires_at')}) END AS reservation,
  (SELECT json_build_object('count', count(*),
     'first', COALESCE(json_agg(json_build_object('holder', w.holder, 'tag', w.tag, 'count', w.count, 'since', ${isoText('w.created_at')}) ORDER BY w.seq) FILTER (WHERE w.n <= ${WAITERS_SHOWN}), '[]'))
   FROM (SELECT q.*, row_number() OVER (ORDER BY q.seq) AS n FROM reservation_waiters q
         WHERE q.expires_at > now() AND (q.board = b.name OR q.tag = ANY(b.tags)) AND (q.scope_token IS NULL OR q.scope_token = a.token_id)) w) AS waiting`;
const FROM_BOARDS = 'boards b JOIN agents a ON a.name = b.agent LEFT JOIN reservations r ON r.board = b.name AND r.expires_at > now()';

const mayOverride = (c: Caller): boolean => c === 'internal' || c.role === 'admin';
const tokenOf = (c: Caller): number | null => (c === 'internal' ? null : c.tokenId);

/**
 * Registers agent `name` (or refreshes it: host, last seen). An agent belongs to the token that
 * registered it first; another token may not speak for it (an admin may).
 */
export async function registerAgent(tx: Sql, name: string, host: string, by: Caller): Promise<void> {
  const rows = await tx.query(
    `INSERT INTO agents (name, host, token_id) VALUES ($1, $2, $3)
     ON CONFLICT (name) DO UPDATE SET host = EXCLUDED.host, last_seen = now()
       WHERE agents.token_id IS NOT DISTINCT FROM EXCLUDED.token_id OR $4
     RETURNING name`,
    [name, host, tokenOf(by), mayOverride(by)],
  );
  if (rows.length === 0) throw new StoreRefusal('forbidden', `agent ${name} was registered with another token`);
  await recordEvent(tx, 'agent', name, { host });
}

/** Sets a board's state, with its history line and event, when it changes. */
export async function setBoardState(tx: Sql, name: string, state: BoardStateName, why: string): Promise<void> {
  const [row] = await tx.query<{ old: BoardStateName }>(
    `UPDATE boards b SET state = $2, updated_at = now() FROM boards old
     WHERE b.name = $1 AND old.name = b.name RETURNING old.state AS old`,
    [name, state],
  );
  if (!row) throw new StoreRefusal('not-found', `no board named ${name}`);
  if (row.old === state) return;
  await recordBoardHistory(tx, name, 'state', { from: row.old, to: state, why });
  await recordEvent(tx, 'board', name, { state, from: row.old, why });
}

/**
 * The state of a board no job works on: reserved while someone holds a live lease on it
 * (store/reservations.ts), idle otherwise.
 */
export async function restingState(tx: Sql, name: string): Promise<'idle' | 'reserved'> {
  const rows = await tx.query('SELECT 1 FROM reservations WHERE board = $1 AND expires_at > now()', [name]);
  return rows.length > 0 ? 'reserved' : 'idle';
}

/**
 * Registers `boards` as served by `agent`. A board served by another agent is refused (409)
 * unless it is offline (it moved to this host). With `complete`, `boards` is everything the
 * agent serves: its boards not listed go offline.
 */
export async function registerBoards(db: Database, agent: string, host: string, boards: readonly BoardSpec[], by: Caller, complete: boolean): Promise<void> {
  await db.transaction((tx) => registerBoardsIn(tx, agent, host, boards, by, complete));
}

/** registerBoards within the caller's transaction (an agent process binds its name in the same one). */
export async function registerBoardsIn(tx: Sql, agent: string, host: string, boards: readonly BoardSpec[], by: Caller, complete: boolean): Promise<void> {
  await registerAgent(tx, agent, host, by);
  for (const b of boards) {
    const [row] = await tx.query<{ state: BoardStateName; created: boolean; moved_from: string | null }>(
      `WITH prev AS (SELECT agent FROM boards WHERE name = $1)
       INSERT INTO boards (name, agent, kind, tags, identity, last_seen) VALUES ($1, $2, $3, $4, $5, now())
       ON CONFLICT (name) DO UPDATE SET agent = EXCLUDED.agent, kind = EXCLUDED.kind, tags = EXCLUDED.tags,
         identity = EXCLUDED.identity, last_seen = now(), updated_at = now()
         WHERE boards.agent = EXCLUDED.agent OR boards.state = 'offline'
       RETURNING state, (xmax = 0) AS created, (SELECT agent FROM prev WHERE agent <> $2) AS moved_from`,
      [b.name, agent, b.kind, b.tags ?? [], b.identity ?? null],
    );
    if (!row) {
      const [owner] = await tx.query<{ agent: string }>('SELECT agent FROM boards WHERE name = $1', [b.name]);
      throw new StoreRefusal('conflict', `board ${b.name} is served by agent ${owner?.agent ?? '?'}, which has not gone offline: stop that agent first (a board moves to another agent once it is offline)`);
    }
    if (row.created || row.moved_from) {
      await recordBoardHistory(tx, b.name, 'registered', { agent, host, kind: b.kind, ...(row.moved_from ? { from: row.moved_from } : {}) });
      await recordEvent(tx, 'board', b.name, { registered: agent, kind: b.kind, state: row.state });
    }
    if (row.state === 'offline') {
      // Back from offline while a job still holds it (its agent was only cut off): busy, not free.
      const [claimed] = await tx.query('SELECT 1 FROM board_claims WHERE board = $1', [b.name]);
      await setBoardState(tx, b.name, claimed ? 'busy' : await restingState(tx, b.name), `registered by agent ${agent}`);
    }
  }
  if (complete) {
    const gone = await tx.query<{ name: string }>(
      `SELECT name FROM boards WHERE agent = $1 AND state <> 'offline' AND NOT (name = ANY($2::text[])) ORDER BY name`,
      [agent, boards.map((b) => b.name)],
    );
    for (const g of gone) await setBoardState(tx, g.name, 'offline', `no longer served by agent ${agent}`);
  }
}

/**
 * Refuses (403) a caller that may not speak for agent `agent`, or for the agent serving board
 * `board`: only the token that registered the agent, an admin, or the service itself. 404 when
 * there is no such agent or board (the service itself is not asked: what it records checks that).
 */
export async function assertSpeaksFor(db: Sql, who: { agent: string } | { board: string }, by: Caller): Promise<void> {
  if (by === INTERNAL) return;
  const [row] =
    'agent' in who
      ? await db.query<{ token_id: number | null }>('SELECT token_id FROM agents WHERE name = $1', [who.agent])
      : await db.query<{ token_id: number | null }>('SELECT a.token_id FROM boards b JOIN agents a ON a.name = b.agent WHERE b.name = $1', [who.board]);
  const what = 'agent' in who ? `agent ${who.agent}` : `board ${who.board}`;
  if (!row) throw new StoreRefusal('not-found', `no ${what}${'agent' in who ? ': it registers first' : ''}`);
  if (!mayOverride(by) && row.token_id !== tokenOf(by)) throw new StoreRefusal('forbidden', `${what} is spoken for by another token`);
}

/** Records a board's report of itself or of what was done to it; answers the board as it now is. */
export async function reportBoard(db: Database, name: string, report: BoardReport, by: Caller): Promise<BoardRecord> {
  return db.transaction(async (tx) => {
    const [b] = await tx.query<{ token_id: number | null }>(
      'SELECT a.token_id FROM boards b JOIN agents a ON a.name = b.agent WHERE b.name = $1 FOR UPDATE OF b',
      [name],
    );
    if (!b) throw new StoreRefusal('not-found', `no board named ${name}: its agent registers it first`);
    if (!mayOverride(by) && b.token_id !== tokenOf(by)) throw new StoreRefusal('forbidden', `board ${name} is served by an agent registered with another token`);
    await recordReport(tx, name, report);
    return (await boardIn(tx, name))!;
  });
}

/**
 * Records a report of board `name` in `tx`, from a caller already known to speak for the board
 * (reportBoard checked its token; a verdict's job holds the board's claim): its status, its
 * state, a line of its history and an event.
 */
export async function recordReport(tx: Sql, name: string, report: BoardReport): Promise<void> {
  if (report.status) {
    await tx.query('UPDATE boards SET status = $2, last_seen = now(), updated_at = now() WHERE name = $1', [name, report.status]);
  } else {
    await tx.query('UPDATE boards SET last_seen = now() WHERE name = $1', [name]);
  }
  // An agent saying its board is free does not end someone's reservation of it.
  if (report.state) await setBoardState(tx, name, report.state === 'idle' ? await restingState(tx, name) : report.state, `reported (${report.kind})`);
  const { kind, ...detail } = report;
  await recordBoardHistory(tx, name, kind, detail);
  await recordEvent(tx, 'board', name, {
    report: kind,
    ...(report.outcome ? { result: report.outcome.result } : {}),
    ...(report.status?.app_version !== undefined ? { app_version: report.status.app_version } : {}),
    ...(report.status?.suit_sequence !== undefined ? { suit_sequence: report.status.suit_sequence } : {}),
  });
}

async function boardIn(db: Sql, name: string): Promise<BoardRecord | undefined> {
  const [row] = await db.query<BoardRecord>(`SELECT ${BOARD_COLUMNS} FROM ${FROM_BOARDS} WHERE b.name = $1`, [name]);
  return row;
}

export async function getBoard(db: Sql, name: string): Promise<BoardRecord> {
  const b = await boardIn(db, name);
  if (!b) throw new StoreRefusal('not-found', `no board named ${name}`);
  return b;
}

export interface BoardFilter {
  tag?: string;
  state?: BoardStateName;
  agent?: string;
  /** Names after this one (the previous page's `next`). */
  after?: string;
  limit: number;
}

/** A page of boards in name order; `next` is the cursor of the following page, or null. */
export async function listBoards(db: Sql, f: BoardFilter): Promise<{ boards: BoardRecord[]; next: string | null }> {
  const rows = await db.query<BoardRecord>(
    `SELECT ${BOARD_COLUMNS} FROM ${FROM_BOARDS}
     WHERE ($1::text IS NULL OR $1 = ANY(b.tags)) AND ($2::text IS NULL OR b.state = $2)
       AND ($3::text IS NULL OR b.agent = $3) AND ($4::text IS NULL OR b.name > $4)
     ORDER BY b.name LIMIT $5`,
    [f.tag ?? null, f.state ?? null, f.agent ?? null, f.after ?? null, f.limit + 1],
  );
  const more = rows.length > f.limit;
  const boards = more ? rows.slice(0, f.limit) : rows;
  return { boards, next: more ? boards.at(-1)!.name : null };
}

/** A page of a board's history, newest first; `next` is the `before` of the following page. */
export async function boardHistory(db: Sql, name: string, o: { before?: number; limit: number }): Promise<{ history: HistoryLine[]; next: number | null }> {
  await getBoard(db, name);
  const rows = await db.query<HistoryLine>(
    `SELECT id, at, kind, detail FROM board_history WHERE board = $1 AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $3`,
    [name, o.before ?? null, o.limit + 1],
  );
  const more = rows.length > o.limit;
  const history = more ? rows.slice(0, o.limit) : rows;
  return { history, next: more ? history.at(-1)!.id : null };
}

export interface AgentRecord {
  name: string;
  host: string;
  started_at: Date;
  last_seen: Date;
  boards: number;
}

export async function listAgents(db: Sql): Promise<AgentRecord[]> {
  return db.query<AgentRecord>(
    `SELECT a.name, a.host, a.started_at, a.last_seen, (SELECT count(*) FROM boards b WHERE b.agent = a.name)::int AS boards
     FROM agents a ORDER BY a.name`,
  );
}

/**
 * Every state change anyone may watch (DESIGN.md "Lab service": `GET /events`) is written as a row
 * of `events` in the same transaction as the change itself, so the stream can never show a change
 * that was rolled back, nor miss one that was committed. Ids are drawn in commit order, and a
 * notification on EVENTS_CHANNEL carries the new row's id, so each service instance on one
 * PostgreSQL server (and the one PGlite process) learns of it at once; a reconnecting client
 * replays from its last id, on any instance.
 */
import type { Sql } from '../db/database.js';

/** The LISTEN/NOTIFY channel of new events; the payload is the event's id (sent by schema 6's trigger). */
export const EVENTS_CHANNEL = 'suitrig_events';

/** What changed: `board` (state, status), `campaign`, `campaign-board`, `run`, `release`, `reservation`. */
export type EventTopic = 'board' | 'campaign' | 'campaign-board' | 'run' | 'release' | 'reservation' | 'agent';

export interface ServiceEvent {
  id: number;
  at: Date;
  topic: EventTopic;
  /** The name or id of what changed (a board's name, a campaign's id, ...). */
  subject: string;
  data: Record<string, unknown>;
}

/**
 * Records an event in `tx` (the transaction of the change). Its id is drawn, and listeners are
 * notified, as `tx` commits (schema 6, migrations/006-event-order.ts): ids follow commit order.
 */
export async function recordEvent(tx: Sql, topic: EventTopic, subject: string, data: Record<string, unknown>): Promise<void> {
  await tx.query('INSERT INTO events (topic, subject, data) VALUES ($1, $2, $3)', [topic, subject, data]);
}

/** One line of a board's history (`kind`: state, status, update, campaign, run, reservation, console). */
export async function recordBoardHistory(tx: Sql, board: string, kind: string, detail: Record<string, unknown>): Promise<void> {
  await tx.query('INSERT INTO board_history (board, kind, detail) VALUES ($1, $2, $3)', [board, kind, detail]);
}

interface EventRow {
  id: number;
  at: Date;
  topic: EventTopic;
  subject: string;
  data: Record<string, unknown>;
}

const EVENT_COLUMNS = 'id, at, topic, subject, data';

/** The id of the newest event recorded (0 when none). */
export async function latestEventId(db: Sql): Promise<number> {
  const [row] = await db.query<{ id: number | null }>('SELECT max(id) AS id FROM events');
  return row?.id ?? 0;
}

/** Up to `limit` events after id `after`, oldest first (a reconnecting stream's replay). */
export async function eventsAfter(db: Sql, after: number, limit: number): Promise<ServiceEvent[]> {
  return db.query<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE id > $1 ORDER BY id LIMIT $2`, [after, limit]);
}

/**
 * The events of these ids, oldest first: the ones notifications announced (several may arrive
 * while the previous read runs).
 */
export async function eventsByIds(db: Sql, ids: readonly number[]): Promise<ServiceEvent[]> {
  if (ids.length === 0) return [];
  return db.query<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE id = ANY($1::bigint[]) ORDER BY id`, [`{${ids.join(',')}}`]);
}

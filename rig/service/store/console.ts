/**
 * What boards print on their console (DESIGN.md "Lab service": a board's page shows its console
 * log), as their agents send it: batches of lines, each line cut to CONSOLE_LINE_MAX characters,
 * each batch at most CONSOLE_BATCH_MAX lines, and per board only the newest CONSOLE_KEEP_BATCHES
 * batches kept. A board that prints without end costs a bounded amount of database, and a reader
 * gets at most what it asks for (the newest lines). Each batch is announced on the event stream
 * (topic `board`, `{console: <lines>}`) without its text: readers fetch the lines they show.
 */
import type { Database, Sql } from '../db/database.js';
import { StoreRefusal } from './errors.js';
import { recordEvent } from './events.js';

/** Characters kept of one console line (the rest is cut, marked with an ellipsis). */
export const CONSOLE_LINE_MAX = 500;
/** Lines in one batch; an agent sending more has the oldest dropped (counted). */
export const CONSOLE_BATCH_MAX = 1000;
/** Batches kept per board. */
export const CONSOLE_KEEP_BATCHES = 200;
/** Lines one read answers at most. */
export const CONSOLE_READ_MAX = 5000;

export interface ConsoleLine {
  at: Date;
  text: string;
}

export interface ConsoleTail {
  lines: ConsoleLine[];
  /** Lines the agents dropped (too many at once) within what is shown. */
  dropped: number;
  /** Older lines exist that are not in `lines`. */
  more: boolean;
}

/** One line as stored: no control characters but tab, cut to CONSOLE_LINE_MAX. */
export function cleanLine(line: string): string {
  const text = line.replace(/[\u0000-\u0008\u000a-\u001f\u007f]/g, '\ufffd');
  return text.length > CONSOLE_LINE_MAX ? `${text.slice(0, CONSOLE_LINE_MAX - 1)}…` : text;
}

/** Records a batch of a board's console lines (oldest first); `dropped` lines were lost before. */
export async function recordConsole(db: Database, board: string, lines: readonly string[], dropped = 0): Promise<void> {
  if (lines.length === 0 && dropped === 0) return;
  const over = Math.max(0, lines.length - CONSOLE_BATCH_MAX);
  const kept = lines.slice(over).map(cleanLine);
  await db.transaction((tx) => insertBatch(tx, board, kept, dropped + over));
}

async function insertBatch(db: Sql, board: string, kept: readonly string[], dropped: number): Promise<void> {
  const [row] = await db.query<{ id: number }>(
    `INSERT INTO board_console (board, lines, dropped) SELECT $1, $2::jsonb, $3 WHERE EXISTS (SELECT 1 FROM boards WHERE name = $1) RETURNING id`,
    [board, JSON.stringify(kept), dropped],
  );
  if (!row) throw new StoreRefusal('not-found', `no board named ${board}`);
  await db.query(
    `DELETE FROM board_console WHERE board = $1 AND id <= (SELECT id FROM board_console WHERE board = $1 ORDER BY id DESC OFFSET $2 LIMIT 1)`,
    [board, CONSOLE_KEEP_BATCHES],
  );
  await recordEvent(db, 'board', board, { console: kept.length, ...(dropped > 0 ? { dropped } : {}) });
}

/** The newest `limit` console lines of a board, oldest first. */
export async function consoleTail(db: Sql, board: string, limit: number): Promise<ConsoleTail> {
  const [exists] = await db.query('SELECT 1 FROM boards WHERE name = $1', [board]);
  if (!exists) throw new StoreRefusal('not-found', `no board named ${board}`);
  const want = Math.min(Math.max(1, limit), CONSOLE_READ_MAX);
  const lines: ConsoleLine[] = [];
  let dropped = 0;
  let more = false;
  let before: number | null = null;
  // Newest batches first, until enough lines are read; a batch holds at most CONSOLE_BATCH_MAX.
  for (;;) {
    const rows: { id: number; at: Date; lines: string[]; dropped: number }[] = await db.query(
      `SELECT id, at, lines, dropped FROM board_console WHERE board = $1 AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT 20`,
      [board, before],
    );
    for (const r of rows) {
      const room = want - lines.length;
      const take = r.lines.slice(Math.max(0, r.lines.length - room));
      lines.push(...take.reverse().map((text) => ({ at: r.at, text })));
      if (take.length < r.lines.length) {
        more = true;
        break;
      }
      dropped += r.dropped;
    }
    if (more || rows.length < 20) break;
    if (lines.length >= want) {
      more = (await db.query('SELECT 1 FROM board_console WHERE board = $1 AND id < $2 LIMIT 1', [board, rows.at(-1)!.id])).length > 0;
      break;
    }
    before = rows.at(-1)!.id;
  }
  return { lines: lines.reverse(), dropped, more };
}

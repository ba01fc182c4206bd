/**
 * What went over the wire to a board during an update (DESIGN.md "Lab service": a board's page
 * shows its update timeline — envelope delivered, payload progress — and runs plot upload
 * throughput): each finished transfer is a line of the board's history (`upload`: what, uri,
 * bytes, ms) with its event; progress on the way is an event only (`{progress: ...}`), at the
 * pace the agent sends it, so a slow link shows movement without filling the history.
 */
import type { Database, Sql } from '../db/database.js';
import { recordBoardHistory, recordEvent } from './events.js';

export interface UploadFigure {
  /** The campaign the transfer belongs to. */
  campaign: number;
  what: 'envelope' | 'payload';
  /** The payload's URI as the manifest names it. */
  uri?: string;
  bytes: number;
  ms: number;
}

export interface UploadProgressFigure extends UploadFigure {
  /** Bytes the whole transfer has. */
  total: number;
}

const board = (db: Sql, name: string) => db.query('SELECT 1 FROM boards WHERE name = $1', [name]).then((r) => r.length > 0);

/** A finished transfer: a history line and its event. Unknown boards are ignored (the board was removed meanwhile). */
export async function recordUpload(db: Database, name: string, u: UploadFigure): Promise<void> {
  await db.transaction(async (tx) => {
    if (!(await board(tx, name))) return;
    await recordBoardHistory(tx, name, 'upload', { ...u });
    await recordEvent(tx, 'board', name, { upload: { ...u } });
  });
}

/** A transfer on its way: an event only. */
export async function recordUploadProgress(db: Sql, name: string, p: UploadProgressFigure): Promise<void> {
  if (!(await board(db, name))) return;
  await recordEvent(db, 'board', name, { progress: { ...p } });
}

/**
 * Schema 3: what boards print (DESIGN.md "Lab service": a board's page shows its console log).
 * Console output is not a change of anything, so it is kept apart from board_history: one row per
 * batch of lines an agent sends, and only the newest batches of each board are kept
 * (store/console.ts prunes as it inserts), so a chatty or hostile board cannot fill the database.
 */
import type { Migration } from '../migrations.js';

export const CONSOLE: Migration = {
  version: 3,
  name: 'board console',
  sql: `
CREATE TABLE board_console (
  id bigserial PRIMARY KEY,
  board text NOT NULL REFERENCES boards (name),
  at timestamptz NOT NULL DEFAULT now(),
  -- The lines of one batch, oldest first, each bounded; dropped: lines the agent could not keep.
  lines jsonb NOT NULL,
  dropped integer NOT NULL DEFAULT 0
);
CREATE INDEX board_console_board ON board_console (board, id);
`,
};

/**
 * Schema 5: the fair wait queue of reservations (issue 13: `--wait` queues first come, first
 * served). A waiter is a ticket with a lease of its own, renewed by its heartbeat: a waiter
 * that dies stops renewing and leaves the queue when its ticket runs out, so a dead waiter never
 * holds up the living. `seq` is the order of arrival; a ticket wants one named board, or `count`
 * boards with a tag. `scope_token` limits an agent token's ticket to the boards of its agents.
 */
import type { Migration } from '../migrations.js';

export const RESERVATION_QUEUE: Migration = {
  version: 5,
  name: 'reservation wait queue',
  sql: `
CREATE TABLE reservation_waiters (
  id text PRIMARY KEY,
  seq bigserial UNIQUE,
  board text REFERENCES boards (name),
  tag text,
  count integer NOT NULL DEFAULT 1 CHECK (count BETWEEN 1 AND 64),
  holder text NOT NULL,
  token_id bigint REFERENCES tokens (id),
  scope_token bigint REFERENCES tokens (id),
  -- The lease each board granted to it gets, and how long the ticket lives without a heartbeat.
  lease_ttl_s integer NOT NULL,
  ticket_ttl_s integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  CHECK ((board IS NULL) <> (tag IS NULL)),
  CHECK (board IS NULL OR count = 1)
);
CREATE INDEX reservation_waiters_board ON reservation_waiters (board);
CREATE INDEX reservation_waiters_tag ON reservation_waiters (tag);
CREATE INDEX reservation_waiters_expires ON reservation_waiters (expires_at);
`,
};

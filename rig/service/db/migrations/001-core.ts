/**
 * Schema 1: the status tracker's and the firmware server's tables (RFC 9019 §2.3, §3; DESIGN.md
 * "Lab service"). Tokens are stored as SHA-256 hashes only. Firmware is content-addressed by the
 * SHA-256 of its bytes. Every change of a board's state or status is a row of board_history, and
 * every state change anyone may watch is a row of events (the server-sent event stream replays
 * from it by id, so a reconnecting client misses nothing).
 */
import type { Migration } from '../migrations.js';

export const CORE: Migration = {
  version: 1,
  name: 'core',
  sql: `
CREATE TABLE tokens (
  id bigserial PRIMARY KEY,
  name text NOT NULL,
  role text NOT NULL CHECK (role IN ('viewer', 'operator', 'agent', 'admin')),
  hash bytea NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);

-- A lab host's agent (the one inside 'serve --lab' is an agent too). token_id: the token that
-- registered it, the only one (besides admin) that may speak for it and its boards; NULL for
-- the in-process agent, which calls the store directly.
CREATE TABLE agents (
  name text PRIMARY KEY,
  host text NOT NULL DEFAULT '',
  token_id bigint REFERENCES tokens (id),
  started_at timestamptz NOT NULL DEFAULT now(),
  last_seen timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE boards (
  name text PRIMARY KEY,
  agent text NOT NULL REFERENCES agents (name),
  kind text NOT NULL,
  tags text[] NOT NULL DEFAULT '{}',
  identity jsonb,
  state text NOT NULL DEFAULT 'idle' CHECK (state IN ('idle', 'reserved', 'busy', 'offline')),
  -- The board's last report of itself: application version, SUIT sequence, slots, SUIT report, boot record.
  status jsonb,
  last_seen timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX boards_agent ON boards (agent);

CREATE TABLE board_history (
  id bigserial PRIMARY KEY,
  board text NOT NULL REFERENCES boards (name),
  at timestamptz NOT NULL DEFAULT now(),
  kind text NOT NULL,
  detail jsonb NOT NULL
);
CREATE INDEX board_history_board ON board_history (board, id);

-- Content-addressed storage: digest is the SHA-256 of bytes.
CREATE TABLE blobs (
  digest bytea PRIMARY KEY,
  size integer NOT NULL,
  bytes bytea NOT NULL
);

CREATE TABLE releases (
  id text PRIMARY KEY, -- hex SHA-256 of the envelope
  envelope bytea NOT NULL REFERENCES blobs (digest),
  sequence numeric(20, 0) NOT NULL, -- SUIT sequence numbers are uint64, beyond bigint
  -- The manifest as 'suitrig inspect --json' shows it.
  summary jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by bigint REFERENCES tokens (id)
);
CREATE INDEX releases_created ON releases (created_at, id);

CREATE TABLE release_payloads (
  release text NOT NULL REFERENCES releases (id),
  uri text NOT NULL,
  digest bytea NOT NULL REFERENCES blobs (digest),
  PRIMARY KEY (release, uri)
);

CREATE TABLE reservations (
  board text PRIMARY KEY REFERENCES boards (name),
  holder text NOT NULL,
  token_id bigint REFERENCES tokens (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);

CREATE TABLE events (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  topic text NOT NULL,
  subject text NOT NULL,
  data jsonb NOT NULL
);
`,
};

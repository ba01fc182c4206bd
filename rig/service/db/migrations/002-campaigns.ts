/**
 * Schema 2: the device operator's work on boards (RFC 9019 §2.3: the status tracker keeps track
 * of each update until the device runs it or refuses it; DESIGN.md "Lab service"): update
 * campaigns and each board's walk through one, QA runs and each board's part of one, and the
 * board claims that keep two jobs off one board at once.
 *
 * The job queue itself is pg-boss's, in its own schema (`pgboss`, created by pg-boss at start):
 * a queue per board. A board claim mirrors the one active job of that board with a lease its
 * holder renews; a claim whose lease ran out belongs to a holder that is gone, and its job is
 * failed back to the queue (retried or failed by the job's rule) in the same transaction that
 * removes the claim (rig/service/jobs/).
 */
import type { Migration } from '../migrations.js';

export const CAMPAIGNS: Migration = {
  version: 2,
  name: 'campaigns, runs and board claims',
  sql: `
-- Which process of an agent is the live one: a restarted agent (a new instance) takes over the
-- claims its dead predecessor left at once, instead of waiting out their leases.
ALTER TABLE agents ADD COLUMN instance text;

CREATE TABLE campaigns (
  id bigserial PRIMARY KEY,
  release text NOT NULL REFERENCES releases (id),
  state text NOT NULL CHECK (state IN ('running', 'paused', 'cancelled', 'done')),
  -- Why it is paused, cancelled or how it ended, for people.
  reason text,
  -- The request as validated: selector, groups, thresholds, deadline_s, confirm_s.
  spec jsonb NOT NULL,
  -- The rollout group now being worked on (0-based).
  current_group integer NOT NULL DEFAULT 0,
  -- Groups up to this one were let through by the operator (resume): their thresholds are not
  -- checked again.
  accepted_group integer NOT NULL DEFAULT -1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  created_by bigint REFERENCES tokens (id)
);

CREATE TABLE campaign_boards (
  campaign bigint NOT NULL REFERENCES campaigns (id),
  board text NOT NULL REFERENCES boards (name),
  grp integer NOT NULL,
  position integer NOT NULL,
  state text NOT NULL CHECK (state IN ('pending', 'delivering', 'installed', 'rebooting', 'booted', 'confirmed',
                                       'refused', 'reverted', 'failed', 'timed-out', 'cancelled')),
  reason text,
  -- How many times a job started on this board (a dropped job that is retried counts again).
  attempts integer NOT NULL DEFAULT 0,
  -- The queue job that now works on it; reports from any other job are stale and ignored.
  job_id text,
  -- When that job was queued: a job no agent takes within the deadline (its board offline,
  -- reserved or busy) times the board out.
  queued_at timestamptz,
  started_at timestamptz,
  -- started_at + deadline_s: a board without a verdict by then is timed-out (kept across retries).
  deadline_at timestamptz,
  finished_at timestamptz,
  -- What the board showed: sequence and app version before and after, the board's reason.
  detail jsonb NOT NULL DEFAULT '{}',
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (campaign, board)
);
CREATE INDEX campaign_boards_board ON campaign_boards (board);

CREATE TABLE runs (
  id bigserial PRIMARY KEY,
  -- service: started by POST /runs, its boards worked by agents; cli: recorded by 'suitrig run --tracker'.
  origin text NOT NULL CHECK (origin IN ('service', 'cli')),
  suite text NOT NULL,
  seed bigint NOT NULL,
  state text NOT NULL CHECK (state IN ('queued', 'running', 'passed', 'failed', 'cancelled')),
  reason text,
  spec jsonb NOT NULL,
  -- The JSON report (schema suitrig-run-report, the same as 'suitrig run --json') and the JUnit XML.
  report jsonb,
  junit text,
  created_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  created_by bigint REFERENCES tokens (id)
);

CREATE TABLE run_boards (
  run bigint NOT NULL REFERENCES runs (id),
  board text NOT NULL,
  state text NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
  reason text,
  job_id text,
  attempts integer NOT NULL DEFAULT 0,
  -- The board's part of the run result (rig/runner/result.ts BoardResult).
  result jsonb,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run, board)
);

-- The one job working on a board now (at most one: the primary key), held by an agent instance
-- that renews the lease while it works.
CREATE TABLE board_claims (
  board text PRIMARY KEY REFERENCES boards (name),
  job_id text NOT NULL,
  queue text NOT NULL,
  kind text NOT NULL,
  agent text NOT NULL,
  instance text NOT NULL,
  claimed_at timestamptz NOT NULL DEFAULT now(),
  lease_until timestamptz NOT NULL
);
`,
};

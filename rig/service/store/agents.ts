/**
 * Lab agents and the boards they serve (DESIGN.md "Lab service": an agent registers its boards,
 * takes jobs for them, heartbeats): registration, heartbeats, and a board's state in the fleet —
 * idle, busy (a job holds it), reserved, offline (its agent stopped heartbeating) — each change
 * recorded with its event and history line in the transaction that makes it.
 *
 * One agent name is one live process at a time: a second process registering under a name whose
 * agent heartbeated within the TTL is refused, unless it takes over (the in-process agent of an
 * embedded database, whose data directory lock already proves the previous process is gone). A
 * board is served by one agent: another agent claiming a board whose agent is alive is refused.
 */
import type { Database, Sql } from '../db/database.js';
import { conflict } from '../errors.js';
import { recordBoardHistory, recordEvent } from './events.js';

export type FleetState = 'idle' | 'reserved' | 'busy' | 'offline';

export interface BoardRegistration {
  name: string;
  /** virtual, serial, usb, tcp, qemu, native-sim. */
  kind: string;
  tags: string[];
  identity?: Record<string, string>;
}

export interface AgentRegistration {
  agent: string;
  /** This process of the agent (random per start). */
  instance: string;
  boards: readonly BoardRegistration[];
  /** Seconds without a heartbeat after which an agent counts as gone. */
  ttlS: number;
  /** Take the name over even if its previous process heartbeated within the TTL. */
  takeover?: boolean;
}

/** Sets a board's fleet state, with its event and history line, when it changes. */
export async function setBoardState(tx: Sql, board: string, state: FleetState, why: string): Promise<void> {
  const [row] = await tx.query<{ state: FleetState }>('SELECT state FROM boards WHERE name = $1 FOR UPDATE', [board]);
  if (!row || row.state === state) return;
  await tx.query('UPDATE boards SET state = $2, updated_at = now() WHERE name = $1', [board, state]);
  await recordBoardHistory(tx, board, 'state', { from: row.state, to: state, why });
  await recordEvent(tx, 'board', board, { state, why });
}

export async function registerAgent(db: Database, r: AgentRegistration): Promise<void> {
  await db.transaction(async (tx) => {
    const [prev] = await tx.query<{ instance: string | null; age_s: number }>(
      'SELECT instance, extract(epoch FROM now() - last_seen)::float8 AS age_s FROM agents WHERE name = $1 FOR UPDATE',
      [r.agent],
    );
    if (prev && prev.instance !== null && prev.instance !== r.instance && prev.age_s < r.ttlS && !r.takeover) {
      throw conflict(`agent '${r.agent}' is already connected (last heartbeat ${prev.age_s.toFixed(0)} s ago); stop it first, or wait ${Math.ceil(r.ttlS - prev.age_s)} s if it is gone`);
    }
    await tx.query(
      `INSERT INTO agents (name, instance, started_at, last_seen) VALUES ($1, $2, now(), now())
       ON CONFLICT (name) DO UPDATE SET instance = EXCLUDED.instance, started_at = now(), last_seen = now()`,
      [r.agent, r.instance],
    );
    for (const b of r.boards) {
      const [owner] = await tx.query<{ agent: string; state: FleetState; age_s: number }>(
        `SELECT b.agent, b.state, extract(epoch FROM now() - a.last_seen)::float8 AS age_s
         FROM boards b JOIN agents a ON a.name = b.agent WHERE b.name = $1 FOR UPDATE OF b`,
        [b.name],
      );
      if (owner && owner.agent !== r.agent && owner.age_s < r.ttlS) {
        throw conflict(`board '${b.name}' is served by agent '${owner.agent}' (last heartbeat ${owner.age_s.toFixed(0)} s ago); a board has one agent`);
      }
      await tx.query(
        `INSERT INTO boards (name, agent, kind, tags, identity, state, last_seen) VALUES ($1, $2, $3, $4, $5, 'idle', now())
         ON CONFLICT (name) DO UPDATE SET agent = EXCLUDED.agent, kind = EXCLUDED.kind, tags = EXCLUDED.tags,
           identity = EXCLUDED.identity, last_seen = now(), updated_at = now()`,
        [b.name, r.agent, b.kind, b.tags, b.identity ?? null],
      );
      if (!owner) {
        await recordBoardHistory(tx, b.name, 'state', { from: null, to: 'idle', why: `registered by agent ${r.agent}` });
        await recordEvent(tx, 'board', b.name, { state: 'idle', why: `registered by agent ${r.agent}` });
      } else if (owner.state === 'offline') {
        await setBoardState(tx, b.name, 'idle', `agent ${r.agent} is back`);
      }
    }
    await recordEvent(tx, 'agent', r.agent, { instance: r.instance, boards: r.boards.map((b) => b.name) });
  });
}

/** Records a heartbeat of `instance`; false when another process of the agent has taken its name over. */
export async function heartbeat(db: Sql, agent: string, instance: string): Promise<boolean> {
  const rows = await db.query('UPDATE agents SET last_seen = now() WHERE name = $1 AND instance = $2 RETURNING name', [agent, instance]);
  if (rows.length === 0) return false;
  await db.query('UPDATE boards SET last_seen = now() WHERE agent = $1', [agent]);
  return true;
}

/** Boards whose agent has not heartbeated for `ttlS` seconds go offline; returns their names. */
export async function markSilentBoardsOffline(db: Database, ttlS: number): Promise<string[]> {
  return db.transaction(async (tx) => {
    const rows = await tx.query<{ name: string; agent: string }>(
      `SELECT b.name, b.agent FROM boards b JOIN agents a ON a.name = b.agent
       WHERE b.state <> 'offline' AND a.last_seen < now() - make_interval(secs => $1) ORDER BY b.name`,
      [ttlS],
    );
    for (const r of rows) await setBoardState(tx, r.name, 'offline', `agent ${r.agent} sent no heartbeat for ${ttlS} s`);
    return rows.map((r) => r.name);
  });
}

/** What a board reports of itself (its agent read it), with a history line when it changed. */
export async function recordBoardStatus(db: Database, board: string, status: Record<string, unknown>): Promise<void> {
  await db.transaction(async (tx) => {
    // jsonb compares by value (its key order is its own), so only a real change is a history line.
    const changed = await tx.query(
      'UPDATE boards SET status = $2::jsonb, last_seen = now(), updated_at = now() WHERE name = $1 AND status IS DISTINCT FROM $2::jsonb RETURNING name',
      [board, status],
    );
    if (changed.length === 0) {
      await tx.query('UPDATE boards SET last_seen = now() WHERE name = $1', [board]);
      return;
    }
    await recordBoardHistory(tx, board, 'status', status);
    await recordEvent(tx, 'board', board, { status });
  });
}

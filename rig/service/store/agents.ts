/**
 * Which process an agent is, and whether it is alive (DESIGN.md "Lab service": agents heartbeat;
 * issue 13: a host that dies has its boards marked offline within the heartbeat TTL). The
 * inventory itself — agents, their boards, registration — is store/boards.ts; this adds:
 *
 * - one live process per agent name: a process binds its instance id to the name, and a second
 *   process binding a name whose agent heartbeated within the TTL is refused, unless it takes it
 *   over (the in-process agent of an embedded database, whose data directory lock already proves
 *   the previous process is gone). A process whose name was taken over learns it from its next
 *   heartbeat and stops;
 * - heartbeats, and boards of agents silent for the TTL going offline.
 */
import type { Database, Sql } from '../db/database.js';
import { setBoardState } from './boards.js';
import { StoreRefusal } from './errors.js';

/** Binds `instance` to agent name `agent` (creating the agent row if need be). */
export async function bindAgentInstance(tx: Sql, agent: string, instance: string, ttlS: number, takeover: boolean): Promise<void> {
  const [prev] = await tx.query<{ instance: string | null; age_s: number }>(
    'SELECT instance, extract(epoch FROM now() - last_seen)::float8 AS age_s FROM agents WHERE name = $1 FOR NO KEY UPDATE',
    [agent],
  );
  if (prev && prev.instance !== null && prev.instance !== instance && prev.age_s < ttlS && !takeover) {
    throw new StoreRefusal('conflict', `agent '${agent}' is already connected (last heartbeat ${prev.age_s.toFixed(0)} s ago); stop it first, or wait ${Math.ceil(ttlS - prev.age_s)} s if it is gone`);
  }
  await tx.query(
    `INSERT INTO agents (name, instance, started_at, last_seen) VALUES ($1, $2, now(), now())
     ON CONFLICT (name) DO UPDATE SET instance = EXCLUDED.instance, started_at = now(), last_seen = now()`,
    [agent, instance],
  );
}

/** A process of an agent stops serving: its boards go offline now, not after the TTL. */
export async function leaveAgent(db: Database, agent: string, instance: string): Promise<void> {
  await db.transaction(async (tx) => {
    const mine = await tx.query('UPDATE agents SET instance = NULL WHERE name = $1 AND instance = $2 RETURNING name', [agent, instance]);
    if (mine.length === 0) return;
    const boards = await tx.query<{ name: string }>("SELECT name FROM boards WHERE agent = $1 AND state <> 'offline' ORDER BY name FOR NO KEY UPDATE", [agent]);
    for (const b of boards) await setBoardState(tx, b.name, 'offline', `agent ${agent} stopped`);
  });
}

/** Records a heartbeat of `instance`; false when another process of the agent has taken its name over. */
export async function heartbeat(db: Sql, agent: string, instance: string): Promise<boolean> {
  const rows = await db.query('UPDATE agents SET last_seen = now() WHERE name = $1 AND instance = $2 RETURNING name', [agent, instance]);
  if (rows.length === 0) return false;
  await db.query('UPDATE boards SET last_seen = now() WHERE agent = $1', [agent]);
  return true;
}

/**
 * Boards whose agent has not heartbeated for `ttlS` seconds go offline; returns their names. Only
 * agents that heartbeat (a process bound to the name) are judged by it: boards reported by a
 * one-off command (`suitrig status --tracker`) stay as reported.
 */
export async function markSilentBoardsOffline(db: Database, ttlS: number): Promise<string[]> {
  return db.transaction(async (tx) => {
    const rows = await tx.query<{ name: string; agent: string }>(
      `SELECT b.name, b.agent FROM boards b JOIN agents a ON a.name = b.agent
       WHERE b.state <> 'offline' AND a.instance IS NOT NULL AND a.last_seen < now() - make_interval(secs => $1) ORDER BY b.name FOR NO KEY UPDATE OF b SKIP LOCKED`,
      [ttlS],
    );
    for (const r of rows) await setBoardState(tx, r.name, 'offline', `agent ${r.agent} sent no heartbeat for ${ttlS} s`);
    return rows.map((r) => r.name);
  });
}

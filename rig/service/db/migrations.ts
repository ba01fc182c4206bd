/**
 * Versioned schema migrations, applied in order at start (DESIGN.md "Lab service": same schema,
 * same SQL on PGlite and on a PostgreSQL server). A migration is never edited once released: a
 * change is a new one. Several `serve` instances starting at once on one server serialise on an
 * advisory lock (Database.withLock), so each migration runs exactly once. A database written by a
 * newer suitrig (a version this one does not know) is refused rather than half-understood.
 */
import { EnvironmentError } from '../../../host/util/errors.js';
import type { Database } from './database.js';
import { CORE } from './migrations/001-core.js';
import { CAMPAIGNS } from './migrations/002-campaigns.js';
import { CONSOLE } from './migrations/003-console.js';
import { RESERVATIONS } from './migrations/004-reservations.js';
import { RESERVATION_QUEUE } from './migrations/005-reservation-queue.js';
import { EVENT_ORDER } from './migrations/006-event-order.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [CORE, CAMPAIGNS, CONSOLE, RESERVATIONS, RESERVATION_QUEUE, EVENT_ORDER];

/** The lock that serialises migrations across processes on one server. */
const MIGRATION_LOCK = 'suitrig-migrations';

export interface MigrationResult {
  from: number;
  to: number;
}

export async function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): Promise<MigrationResult> {
  const latest = migrations.reduce((m, x) => Math.max(m, x.version), 0);
  // The lock is taken before the transaction starts, not inside it: a transaction that waited
  // for a lock may still judge "IF NOT EXISTS" by the catalog as its connection cached it before
  // the wait (pg-boss's schema start fails that way: jobs/queue.ts).
  return db.withLock(MIGRATION_LOCK, () => db.transaction(async (tx) => {
    await tx.exec(`CREATE TABLE IF NOT EXISTS suitrig_schema (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now())`);
    const [row] = await tx.query<{ v: number | null }>('SELECT max(version) AS v FROM suitrig_schema');
    const from = row?.v ?? 0;
    if (from > latest) {
      throw new EnvironmentError(
        `the database at ${db.where} has schema version ${from}, written by a newer suitrig; ` +
          `this one knows versions up to ${latest}: upgrade suitrig to use it`,
      );
    }
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (m.version <= from) continue;
      await tx.exec(m.sql);
      await tx.query('INSERT INTO suitrig_schema (version, name) VALUES ($1, $2)', [m.version, m.name]);
    }
    return { from, to: Math.max(from, latest) };
  }));
}

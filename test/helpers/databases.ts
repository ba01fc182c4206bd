/**
 * The two databases the lab service runs on, for tests that must hold on both: embedded PGlite
 * (always here) and a real PostgreSQL server, named by SUITRIG_TEST_POSTGRES (a URL of a role that
 * may create databases; `.ci/run` starts Debian's server and sets it). Each test gets a database
 * of its own: a fresh PGlite directory, or a fresh database on the server, dropped afterwards.
 * Without the variable, the server's tests are skipped with the reason in their names, and the
 * global setup says so once.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe } from 'vitest';

export const POSTGRES_URL = process.env.SUITRIG_TEST_POSTGRES;

export type DatabaseFlavour = 'pglite' | 'postgres';

/** A place for one test's database: `spec` is what `--db` takes; `drop` removes it. */
export interface ScratchDatabase {
  spec: string;
  drop(): Promise<void>;
}

export async function scratchDatabase(flavour: DatabaseFlavour): Promise<ScratchDatabase> {
  if (flavour === 'pglite') {
    const dir = await mkdtemp(join(tmpdir(), 'suitrig-db-'));
    return { spec: dir, drop: () => rm(dir, { recursive: true, force: true }) };
  }
  if (!POSTGRES_URL) throw new Error('SUITRIG_TEST_POSTGRES is not set');
  const name = `suitrig_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    spec: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: POSTGRES_URL });
      await c.connect();
      try {
        // FORCE cannot end an autovacuum worker without pg_signal_backend (.ci/run grants it):
        // elsewhere the worker is waited out, as it finishes on a small database within moments.
        for (let attempt = 1; ; attempt++) {
          try {
            await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
            break;
          } catch (e) {
            if ((e as { code?: string }).code !== '42501' || attempt === 20) throw e;
            await new Promise((r) => setTimeout(r, 250));
          }
        }
      } finally {
        await c.end();
      }
    },
  };
}

/** Runs `body` once per database flavour; the server's run is skipped, with the reason, without a URL. */
export function describeOnDatabases(title: string, body: (flavour: DatabaseFlavour) => void): void {
  describe(`${title} [pglite]`, () => body('pglite'));
  describe.skipIf(!POSTGRES_URL)(
    POSTGRES_URL ? `${title} [postgres]` : `${title} [postgres] (skipped: SUITRIG_TEST_POSTGRES not set)`,
    () => body('postgres'),
  );
}

/**
 * The Database seam (rig/service/db/database.ts) where several service processes meet, on PGlite
 * and on the PostgreSQL server: a queue script (pg-boss's `BEGIN; ...; COMMIT`) that fails
 * halfway must not leave its transaction open and aborted for the next query (PGlite, one
 * connection, stayed stuck for good); `withLock` holds a lock across processes, a second holder
 * waiting until the first is done (server: embedded, the data directory is one process's).
 */
import { afterEach, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../rig/service/db/database.js';
import { describeOnDatabases, scratchDatabase, type ScratchDatabase } from '../helpers/databases.js';

describeOnDatabases('the database seam', (flavour) => {
  let scratch: ScratchDatabase | undefined;
  const open: Database[] = [];
  afterEach(async () => {
    for (const db of open.splice(0)) await db.close();
    await scratch?.drop();
    scratch = undefined;
  });

  async function connect(): Promise<Database> {
    scratch ??= await scratchDatabase(flavour);
    const db = await openDatabase(scratch.spec);
    open.push(db);
    return db;
  }

  it('a queue script that fails after its BEGIN leaves the database usable', async () => {
    const db = await connect();
    await expect(db.queueAdapter.executeSql('BEGIN; SELECT 1; SELECT 1/0; COMMIT;')).rejects.toThrow(/division by zero/);
    for (let i = 0; i < 12; i++) expect(await db.query('SELECT $1::int AS n', [i])).toEqual([{ n: i }]);
    expect(await db.transaction((tx) => tx.query('SELECT 2 AS two'))).toEqual([{ two: 2 }]);
  });

  it.skipIf(flavour === 'pglite')('withLock: a second process asking for the lock waits until the first is done (server only: embedded is one process)', async () => {
    const [one, two] = [await connect(), await connect()];
    const order: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const first = one.withLock('suitrig-test-lock', async () => {
      order.push('first in');
      await held;
      order.push('first out');
    });
    while (order.length === 0) await new Promise((r) => setTimeout(r, 10));
    const second = two.withLock('suitrig-test-lock', async () => void order.push('second in'));
    await new Promise((r) => setTimeout(r, 300));
    expect(order).toEqual(['first in']);
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(['first in', 'first out', 'second in']);
    // Released when its holder threw, too.
    await expect(one.withLock('suitrig-test-lock', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await two.withLock('suitrig-test-lock', async () => 'free')).toBe('free');
  });
});

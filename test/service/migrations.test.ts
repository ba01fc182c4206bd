import { afterEach, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../rig/service/db/database.js';
import { MIGRATIONS, migrate } from '../../rig/service/db/migrations.js';
import { describeOnDatabases, scratchDatabase, type ScratchDatabase } from '../helpers/databases.js';

describeOnDatabases('schema migrations', (flavour) => {
  let scratch: ScratchDatabase | undefined;
  let db: Database | undefined;
  afterEach(async () => {
    await db?.close();
    await scratch?.drop();
    db = undefined;
    scratch = undefined;
  });

  it('applies every migration once, and a second start changes nothing', async () => {
    scratch = await scratchDatabase(flavour);
    db = await openDatabase(scratch.spec);
    const latest = Math.max(...MIGRATIONS.map((m) => m.version));
    expect(await migrate(db)).toEqual({ from: 0, to: latest });
    expect(await migrate(db)).toEqual({ from: latest, to: latest });
    const tables = await db.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
    );
    expect(tables.map((t) => t.table_name)).toEqual(expect.arrayContaining(['boards', 'releases', 'tokens', 'events']));
  });

  it('refuses a database written by a newer suitrig, naming both versions', async () => {
    scratch = await scratchDatabase(flavour);
    db = await openDatabase(scratch.spec);
    await migrate(db);
    await db.query("INSERT INTO suitrig_schema (version, name) VALUES (999, 'from the future')");
    await expect(migrate(db)).rejects.toThrow(/schema version 999, written by a newer suitrig; this one knows versions up to \d+/);
  });

  it('rolls a failing migration back whole', async () => {
    scratch = await scratchDatabase(flavour);
    db = await openDatabase(scratch.spec);
    const broken = [...MIGRATIONS, { version: 900, name: 'broken', sql: 'CREATE TABLE half (a int); SELECT no_such_function();' }];
    await expect(migrate(db, broken)).rejects.toThrow(/no_such_function/);
    const half = await db.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'half'");
    expect(half).toHaveLength(0);
    const [v] = await db.query<{ v: number | null }>('SELECT max(version) AS v FROM suitrig_schema').catch(() => [{ v: null }]);
    expect(v?.v ?? 0).toBe(0);
  });
});

it('a PGlite data directory is refused to a second opener while the first holds it, naming the holder', async () => {
  const scratch = await scratchDatabase('pglite');
  const first = await openDatabase(scratch.spec);
  try {
    await expect(openDatabase(scratch.spec)).rejects.toThrow(new RegExp(`in use by process ${process.pid};`));
  } finally {
    await first.close();
  }
  // Closed: free again.
  await (await openDatabase(scratch.spec)).close();
  await scratch.drop();
});

/**
 * Several service instances on one PostgreSQL server (issue 13: "several `suitrig serve`
 * instances on one PostgreSQL server serve the same API and dashboard, share the job queue and
 * the event stream"), in this process: each instance its own Database (its own connections, its
 * own LISTEN), its own work service (pg-boss, campaign engine, sweep) and its own API. Races
 * between them, each a regression test of one found and fixed:
 * - two instances creating campaigns on the same boards at once (both went through);
 * - two instances making the same board's queue at once (a deadlock inside pg-boss);
 * - several instances starting on a fresh database at once (pg-boss's schema creation failed in
 *   all but one with a duplicate key);
 * - a job enqueued through one instance and a worker waiting on another (it woke only at its
 *   2 s poll);
 * and the ones that held already, kept so: two engines finishing the last boards of a group at
 * once (the next group enqueued once, each campaign state recorded once), two instances resuming
 * one campaign, two sweeps reaping one dead worker's claim, and an event written through one
 * instance reaching another's stream with the same ids (event ids in commit order: events.test.ts). Server only: PGlite is one process.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../rig/service/db/database.js';
import { MIGRATIONS, migrate } from '../../rig/service/db/migrations.js';
import { buildApp, type ServiceApp } from '../../rig/service/api/app.js';
import { createToken } from '../../rig/service/auth/tokens.js';
import { WorkService } from '../../rig/service/work.js';
import { INTERNAL, registerBoards, reportBoard } from '../../rig/service/store/boards.js';
import { campaignView } from '../../rig/service/campaigns/store.js';
import type { TakenJob } from '../../rig/service/jobs/board-jobs.js';
import { APP_URI, app, envelope, es256Key } from '../board/fixtures.js';
import { POSTGRES_URL, scratchDatabase, type ScratchDatabase } from '../helpers/databases.js';
import { storeRelease } from '../helpers/service.js';
import { subscribe } from '../helpers/sse.js';
import { ALL_ROUTES } from './fixture.js';

interface Instance {
  db: Database;
  work: WorkService;
}

describe.skipIf(!POSTGRES_URL)(POSTGRES_URL ? 'several service instances on one PostgreSQL server' : 'several service instances on one PostgreSQL server (skipped: SUITRIG_TEST_POSTGRES not set)', () => {
  let scratch: ScratchDatabase | undefined;
  const instances: Instance[] = [];
  const apps: ServiceApp[] = [];
  afterEach(async () => {
    for (const a of apps.splice(0)) await a.close();
    for (const i of instances.splice(0)) {
      await i.work.stop();
      await i.db.close();
    }
    await scratch?.drop();
    scratch = undefined;
  });

  /**
   * `n` instances on one fresh database, as `serve` starts them (migrate, then the work service),
   * one after the other, or all at once with `together`; no sweep unless the test runs one.
   */
  async function cluster(n: number, o: { leaseMs?: number; together?: boolean } = {}): Promise<Instance[]> {
    scratch = await scratchDatabase('postgres');
    const start = async (db: Database): Promise<WorkService> => {
      await migrate(db);
      return WorkService.start(db, { sweepMs: 3_600_000, deadlineGraceS: 0, ...(o.leaseMs ? { leaseMs: o.leaseMs } : {}) });
    };
    const dbs = await Promise.all(Array.from({ length: n }, () => openDatabase(scratch!.spec)));
    const started: PromiseSettledResult<WorkService>[] = [];
    if (o.together) started.push(...(await Promise.allSettled(dbs.map(start))));
    else for (const db of dbs) started.push(...(await Promise.allSettled([start(db)])));
    started.forEach((s, i) => (s.status === 'fulfilled' ? instances.push({ db: dbs[i]!, work: s.value }) : void dbs[i]!.close()));
    const failed = started.flatMap((s) => (s.status === 'rejected' ? [String((s.reason as Error).message)] : []));
    expect(failed, 'every instance starts').toEqual([]);
    return instances;
  }

  async function boards(db: Database, names: string[]): Promise<void> {
    await db.query("INSERT INTO agents (name, instance) VALUES ('lab', 'first')");
    await registerBoards(db, 'lab', 'host', names.map((name) => ({ name, kind: 'virtual' })), INTERNAL, true);
  }

  async function release(db: Database, n: number): Promise<string> {
    const payload = app(`1.1.${n}`, 'healthy', 1024);
    return storeRelease(db, envelope({ sequence: 2 + n, payload, key: es256Key }), new Map([[APP_URI, payload]]), 2 + n);
  }

  const campaignEvents = async (db: Database, id: number): Promise<string[]> =>
    (await db.query<{ state: string }>("SELECT data->>'state' AS state FROM events WHERE topic = 'campaign' AND subject = $1 ORDER BY id", [String(id)])).map((r) => r.state);

  const jobsOf = async (db: Database, board: string): Promise<number> =>
    (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1', [`board.${board}`]))[0]!.n;

  it('several instances started at once on a fresh database: all start, migrations and the queue schema made once, every connection usable', async () => {
    const all = await cluster(3, { together: true });
    expect(all).toHaveLength(3);
    const [{ db }] = all as [Instance];
    expect((await db.query<{ version: number }>('SELECT version FROM suitrig_schema ORDER BY version')).map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
    for (const i of all) for (let q = 0; q < 12; q++) expect(await i.db.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it('two instances creating campaigns on the same boards at once: one gets the boards, the other is refused', async () => {
    const [a, b] = (await cluster(2)) as [Instance, Instance];
    const names = ['r1', 'r2', 'r3'];
    await boards(a.db, names);
    // The boards' queues made beforehand, one instance after the other (their race is the next test's).
    for (const i of [a, b]) for (const n of names) await i.work.jobs.ensureQueue(n);
    for (let i = 0; i < 8; i++) {
      const rel = await release(a.db, i);
      const raced = await Promise.allSettled([a.work.campaigns.create({ release: rel, boards: names }, null), b.work.campaigns.create({ release: rel, boards: names }, null)]);
      const won = raced.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      const lost = raced.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
      expect(won, `try ${i}`).toHaveLength(1);
      expect(lost[0]).toMatch(/^board 'r1' is in campaign \d+ \(running\).*: a board takes one campaign at a time$/);
      for (const n of names) expect(await jobsOf(a.db, n), `${n} after try ${i}`).toBe(i + 1);
      await a.work.campaigns.cancel(won[0]!);
    }
  });

  it('two instances making the same new board queues at once (an agent registering, a campaign starting): each made once, no deadlock', async () => {
    const [a, b] = (await cluster(2)) as [Instance, Instance];
    const names = Array.from({ length: 12 }, (_, i) => `q${i}`);
    const made = await Promise.allSettled(names.flatMap((n) => [a.work.jobs.ensureQueue(n), b.work.jobs.ensureQueue(n)]));
    expect(made.flatMap((m) => (m.status === 'rejected' ? [(m.reason as Error).message] : []))).toEqual([]);
    const queues = await a.db.query<{ name: string }>("SELECT name FROM pgboss.queue WHERE name LIKE 'board.q%' ORDER BY name");
    expect(queues.map((q) => q.name)).toEqual(names.map((n) => `board.${n}`).sort());
  });

  it("two engines finishing a group's last boards at once: the next group is enqueued once, each campaign state recorded once", async () => {
    const [a, b] = (await cluster(2)) as [Instance, Instance];
    const names = ['g1', 'g2', 'g3', 'g4'];
    await boards(a.db, names);
    const id = await a.work.campaigns.create({ release: await release(a.db, 0), boards: names, groups: [2, 2] }, null);
    // Group 1's boards, one worked through each instance, finish at the same moment.
    const t1 = (await a.work.jobs.take('lab', 'w1', 'g1'))!;
    const t2 = (await b.work.jobs.take('lab', 'w2', 'g2'))!;
    expect(await Promise.all([a.work.campaigns.finish(t1.claim, id, { to: 'confirmed', reason: 'runs it' }), b.work.campaigns.finish(t2.claim, id, { to: 'confirmed', reason: 'runs it' })])).toEqual([true, true]);
    for (const n of ['g3', 'g4']) expect(await jobsOf(a.db, n), n).toBe(1);
    // Group 2 the same way: the campaign is done once.
    const t3 = (await b.work.jobs.take('lab', 'w1', 'g3'))!;
    const t4 = (await a.work.jobs.take('lab', 'w2', 'g4'))!;
    await Promise.all([b.work.campaigns.finish(t3.claim, id, { to: 'confirmed', reason: 'runs it' }), a.work.campaigns.finish(t4.claim, id, { to: 'confirmed', reason: 'runs it' })]);
    expect(await campaignView(a.db, id)).toMatchObject({ state: 'done', reason: '4 confirmed' });
    expect(await campaignEvents(a.db, id)).toEqual(['running', 'done']);
    for (const n of names) expect(await jobsOf(a.db, n), n).toBe(1);
  });

  it('two instances resuming one paused campaign at once: resumed once, its next board enqueued once', async () => {
    const [a, b] = (await cluster(2)) as [Instance, Instance];
    await boards(a.db, ['p1', 'p2']);
    const id = await a.work.campaigns.create({ release: await release(a.db, 0), boards: ['p1', 'p2'], groups: [1, 1] }, null);
    const t1 = (await a.work.jobs.take('lab', 'w', 'p1'))!;
    await b.work.campaigns.pause(id);
    // The board already working finishes; the paused campaign starts nothing after it.
    await a.work.campaigns.finish(t1.claim, id, { to: 'confirmed', reason: 'runs it' });
    expect(await jobsOf(a.db, 'p2')).toBe(0);
    const resumed = await Promise.all([a.work.campaigns.resume(id), b.work.campaigns.resume(id)]);
    expect(resumed.map((c) => c.state)).toEqual(['running', 'running']);
    expect(await campaignEvents(a.db, id)).toEqual(['running', 'paused', 'running']);
    expect(await jobsOf(a.db, 'p2')).toBe(1);
  });

  it("two instances' sweeps reaping one dead worker's claim at once: its job goes back to the queue once, waking a worker on either", async () => {
    const [a, b] = (await cluster(2, { leaseMs: 300 })) as [Instance, Instance];
    await boards(a.db, ['d1']);
    const id = await a.work.campaigns.create({ release: await release(a.db, 0), boards: ['d1'] }, null);
    const dead = (await a.work.jobs.take('lab', 'gone', 'd1'))!;
    await new Promise((r) => setTimeout(r, 400));
    // A worker on B waits for the board (still claimed by the dead one) while both sweeps reap.
    const waiting = b.work.jobs.takeOrWait('lab', 'next', 'd1', 20_000);
    await new Promise((r) => setTimeout(r, 200));
    const reaped = performance.now();
    expect((await Promise.all([a.work.jobs.reapExpired(), b.work.jobs.reapExpired()])).sort()).toEqual([0, 1]);
    const again = (await waiting)!;
    expect(performance.now() - reaped, 'woken by the reap, not at the end of its wait').toBeLessThan(1_500);
    expect(again.claim.jobId).toBe(dead.claim.jobId);
    expect(again.job.retryCount).toBe(1);
    const dropped = await a.db.query("SELECT 1 FROM board_history WHERE board = 'd1' AND kind = 'job' AND detail->>'event' = 'dropped'");
    expect(dropped).toHaveLength(1);
    expect(await b.work.campaigns.finish(again.claim, id, { to: 'confirmed', reason: 'runs it' })).toBe(true);
  });

  it('a job enqueued through one instance wakes a worker waiting on another at once (LISTEN/NOTIFY), not at the end of its wait', async () => {
    const [a, b] = (await cluster(2)) as [Instance, Instance];
    await boards(a.db, ['w1']);
    const rel = await release(a.db, 0);
    // The worker on B waits up to 20 s for a job; the campaign is created on A meanwhile.
    const t0 = performance.now();
    const waiting = b.work.jobs.takeOrWait('lab', 'worker', 'w1', 20_000);
    await new Promise((r) => setTimeout(r, 200));
    const id = await a.work.campaigns.create({ release: rel, boards: ['w1'] }, null);
    const sent = performance.now();
    const taken = (await waiting) as TakenJob | undefined;
    const woke = performance.now();
    expect(taken?.job.data).toMatchObject({ kind: 'update', campaign: id, board: 'w1' });
    expect(woke - t0).toBeGreaterThan(150);
    expect(woke - sent, 'from the commit on A to the job taken on B').toBeLessThan(1_500);
  });

  it("an event written through one instance reaches another's stream live, and replays there from a Last-Event-ID of the first", async () => {
    const [a, b] = (await cluster(2)) as [Instance, Instance];
    for (const i of [a, b]) apps.push(await buildApp({ db: i.db, plugins: ALL_ROUTES }));
    const [appA, appB] = apps as [ServiceApp, ServiceApp];
    const [baseA, baseB] = [await appA.listen({ host: '127.0.0.1', port: 0 }), await appB.listen({ host: '127.0.0.1', port: 0 })];
    const auth = { authorization: `Bearer ${(await createToken(a.db, 'viewer', 'watcher')).token}` };
    await boards(a.db, ['e1']);
    const onB = await subscribe(baseB, auth, '?topic=board');
    await reportBoard(a.db, 'e1', { kind: 'status', status: { app_version: '1.0.0' } }, INTERNAL);
    const [live] = await onB.next(1);
    expect(live!.data).toMatchObject({ subject: 'e1', data: { report: 'status', app_version: '1.0.0' } });
    onB.close();
    // The same id on A's stream: a client moving from B to A (or back) resumes where it was.
    await reportBoard(b.db, 'e1', { kind: 'status', status: { app_version: '1.0.1' } }, INTERNAL);
    const onA = await subscribe(baseA, { ...auth, 'last-event-id': String(live!.id) }, '?topic=board');
    const [replayed] = await onA.next(1);
    onA.close();
    expect(replayed!.data).toMatchObject({ subject: 'e1', data: { app_version: '1.0.1' } });
    expect(replayed!.id).toBeGreaterThan(live!.id);
  });
});

/**
 * Jobs and the reservation wait queue (issue 13: "`--wait` queues fairly (first come, first
 * served)"; "a reserved board takes no campaign or run job"), on PGlite and on the PostgreSQL
 * server: a board released while a waiter is queued goes to the waiter, not to a campaign job
 * queued for it — even one enqueued before the waiter came —; the job says whom it waits for and
 * runs once the waiter has released the board. A waiter whose ticket ran out holds nothing back;
 * a tag waiter holds back only the board it is owed; a run skips a board owed to a waiter, naming
 * the waiter. The board's API record names who waits, since when, and how many. On the server,
 * two service instances race releases, waiters' turns, job takes and sweeps over four boards.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { INTERNAL, registerBoards, type BoardSpec } from '../../rig/service/store/boards.js';
import { releaseReservation, renewReservation, type Lease } from '../../rig/service/store/reservations.js';
import { reserve, tryTicket, type ReserveRequest, type Ticket } from '../../rig/service/store/reservation-queue.js';
import { campaignView } from '../../rig/service/campaigns/store.js';
import { runView } from '../../rig/service/runs/store.js';
import { openDatabase, type Database } from '../../rig/service/db/database.js';
import { migrate } from '../../rig/service/db/migrations.js';
import { WorkService } from '../../rig/service/work.js';
import { APP_URI, app, envelope, es256Key } from '../board/fixtures.js';
import { POSTGRES_URL, describeOnDatabases, scratchDatabase, type ScratchDatabase } from '../helpers/databases.js';
import { storeRelease } from '../helpers/service.js';
import { testService, type TestService } from './fixture.js';

const iso = (d: Date | string) => new Date(d).toISOString();
type Want = Pick<ReserveRequest, 'board' | 'tag' | 'count' | 'holder'>;

async function leases(db: Database, w: Want): Promise<Lease[]> {
  const out = await reserve(db, { ...w, ttlS: 600, by: INTERNAL });
  return 'leases' in out ? out.leases : expect.unreachable(`${w.holder}: the boards were free`);
}

async function ticket(db: Database, w: Want): Promise<Ticket> {
  const out = await reserve(db, { ...w, ttlS: 600, by: INTERNAL, wait: { ticketTtlS: 600 } });
  return 'ticket' in out ? out.ticket : expect.unreachable(`${w.holder}: the boards were not taken`);
}

async function turn(db: Database, t: Ticket): Promise<Lease[]> {
  const out = await tryTicket(db, t.id, INTERNAL);
  return 'leases' in out ? out.leases : expect.unreachable(`${t.holder}: the boards were owed to nobody older`);
}

async function release(db: Database, ls: readonly Lease[]): Promise<void> {
  for (const l of ls) await releaseReservation(db, l.board, l.id, INTERNAL);
}

async function testRelease(db: Database): Promise<string> {
  const payload = app('1.1.0', 'healthy', 1024);
  return storeRelease(db, envelope({ sequence: 2, payload, key: es256Key }), new Map([[APP_URI, payload]]), 2);
}

/** The board's reservations and state changes, in order: `reserved alice`, `idle -> busy`, ... */
async function boardLog(db: Database, board: string): Promise<string[]> {
  const rows = await db.query<{ kind: string; detail: Record<string, string> }>(
    "SELECT kind, detail FROM board_history WHERE board = $1 AND kind IN ('reservation', 'state') ORDER BY id",
    [board],
  );
  return rows.map((r) => (r.kind === 'state' ? `${r.detail.from} -> ${r.detail.to}` : `${r.detail.action} ${r.detail.holder}`));
}

describeOnDatabases('jobs behind the reservation wait queue', (flavour) => {
  // One service per database for the tests below (each on boards of its own): a fresh one costs seconds on PGlite.
  let s: TestService;
  let work: WorkService;
  beforeAll(async () => {
    s = await testService(flavour, { work: { sweepMs: 3_600_000 } });
    work = s.work!;
    await s.db.query("INSERT INTO agents (name, instance) VALUES ('lab', 'first')");
  });
  afterAll(async () => {
    await s?.close();
  });

  async function lab(boards: BoardSpec[]): Promise<{ db: Database; work: WorkService }> {
    await registerBoards(s.db, 'lab', 'host', boards, INTERNAL, false);
    for (const b of boards) await work.jobs.ensureQueue(b.name);
    return { db: s.db, work };
  }

  it('released while a waiter is queued: the waiter has the board before a campaign job enqueued earlier, which says why it waits and runs after', async () => {
    const { db } = await lab([{ name: 'q1', kind: 'virtual' }]);
    const [alice] = await leases(db, { board: 'q1', holder: 'alice' });
    const id = await work.campaigns.create({ release: await testRelease(db), boards: ['q1'] }, null);
    const bob = await ticket(db, { board: 'q1', holder: 'bob' });
    const pending = async () => (await campaignView(db, id)).boards[0]!;
    await work.sweep();
    expect(await pending()).toMatchObject({ state: 'pending', reason: 'waiting: the board is reserved by alice' });

    await release(db, [alice!]);
    // Between alice's release and bob's turn the board is idle: the job must not take it.
    expect(await work.jobs.take('lab', 'w', 'q1')).toBeUndefined();
    await work.sweep();
    expect(await pending()).toMatchObject({ state: 'pending', reason: `waiting: the board is promised to bob, waiting since ${iso(bob.created_at)}` });

    const [held] = await turn(db, bob);
    expect(await work.jobs.take('lab', 'w', 'q1')).toBeUndefined();
    await work.sweep();
    expect((await pending()).reason).toBe('waiting: the board is reserved by bob');
    // Bob's heartbeat moves his lease's end: no new note for it.
    await renewReservation(db, 'q1', held!.id, { ttlS: 900, by: INTERNAL });
    expect(await work.campaigns.noteWaits()).toBe(0);

    // A worker waits for the board; bob's release wakes it (NOTIFY), long before its wait is over.
    const waited = work.jobs.takeOrWait('lab', 'w', 'q1', 20_000);
    await release(db, [held!]);
    const released = Date.now();
    const taken = await waited;
    expect(Date.now() - released).toBeLessThan(5_000);
    expect(taken?.job.data).toMatchObject({ kind: 'update', board: 'q1', campaign: id });
    expect(await boardLog(db, 'q1')).toEqual([
      'idle -> reserved', 'reserved alice', 'reserved -> idle', 'released alice',
      'idle -> reserved', 'reserved bob', 'reserved -> idle', 'released bob', 'idle -> busy',
    ]);
    // The campaign's part of the board's history says whom it waited for, each once.
    const notes = await db.query<{ reason: string | null }>("SELECT detail->>'reason' AS reason FROM board_history WHERE board = 'q1' AND kind = 'campaign' ORDER BY id");
    expect(notes.map((n) => n.reason)).toEqual([
      null, 'waiting: the board is reserved by alice', `waiting: the board is promised to bob, waiting since ${iso(bob.created_at)}`, 'waiting: the board is reserved by bob',
    ]);
  });

  it('a waiter whose ticket ran out holds nothing back; a tag waiter only the board it is owed; a run skips a board owed to a waiter, naming it', async () => {
    const { db } = await lab([
      { name: 'd1', kind: 'virtual' },
      { name: 't1', kind: 'virtual', tags: ['rack'] },
      { name: 't2', kind: 'virtual', tags: ['rack'] },
    ]);
    const alice = await leases(db, { board: 'd1', holder: 'alice' });
    const carol = await ticket(db, { board: 'd1', holder: 'carol' });
    await release(db, alice);
    const run = await work.runs.create({ suite: 'rfc9019', boards: ['d1'] }, null);
    expect((await runView(db, run)).boards).toEqual([{ board: 'd1', state: 'failed', reason: `skipped: the board is promised to carol, waiting since ${iso(carol.created_at)}` }]);

    const id = await work.campaigns.create({ release: await testRelease(db), boards: ['d1', 't1', 't2'] }, null);
    expect(await work.jobs.take('lab', 'w', 'd1')).toBeUndefined();
    const note = async () => (await campaignView(db, id)).boards.find((b) => b.board === 'd1')!.reason;
    expect(await work.campaigns.noteWaits()).toBe(1);
    expect(await note()).toBe(`waiting: the board is promised to carol, waiting since ${iso(carol.created_at)}`);
    // Carol stops her heartbeat: her ticket runs out (as after wait_ttl_s), not yet swept.
    await db.query("UPDATE reservation_waiters SET expires_at = now() - interval '1 second' WHERE holder = 'carol'");
    expect(await work.campaigns.noteWaits()).toBe(1);
    expect(await note()).toBeNull();
    // Said on the event stream too, so a campaign page drops the note live.
    const [last] = await db.query<{ data: Record<string, unknown> }>("SELECT data FROM events WHERE topic = 'campaign-board' AND subject = $1 ORDER BY id DESC LIMIT 1", [`${id}/d1`]);
    expect(last!.data).toMatchObject({ from: 'pending', state: 'pending', reason: null });
    expect((await work.jobs.take('lab', 'w', 'd1'))?.job.data).toMatchObject({ campaign: id, board: 'd1' });

    const rack = await leases(db, { tag: 'rack', count: 2, holder: 'alice' });
    const bob = await ticket(db, { tag: 'rack', holder: 'bob' });
    await release(db, rack);
    expect(await work.jobs.take('lab', 'w', 't1')).toBeUndefined();
    expect((await turn(db, bob)).map((l) => l.board)).toEqual(['t1']);
    // Served, bob holds t1 alone: t2 is the job's.
    expect((await work.jobs.take('lab', 'w', 't2'))?.job.data).toMatchObject({ campaign: id, board: 't2' });
    expect(await work.jobs.take('lab', 'w', 't1')).toBeUndefined();
  });

  it("a board's record says who waits for it, since when and how many: by name, and by a tag of its", async () => {
    await lab([{ name: 'b1', kind: 'virtual', tags: ['shelf'] }, { name: 'b2', kind: 'virtual', tags: ['shelf'] }]);
    const post = (body: Record<string, unknown>) => s.app.inject({ method: 'POST', url: '/api/v1/reservations', headers: s.as('operator'), payload: body });
    expect((await post({ tag: 'shelf', count: 2, holder: 'alice' })).statusCode).toBe(201);
    const bob = (await post({ board: 'b1', holder: 'bob', wait: true })).json().ticket;
    const erin = (await post({ tag: 'shelf', count: 2, holder: 'erin', wait: true })).json().ticket;
    const board = async (name: string) => (await s.app.inject({ url: `/api/v1/boards/${name}`, headers: s.as('viewer') })).json();
    expect((await board('b1')).waiting).toEqual({
      count: 2,
      first: [
        { holder: 'bob', tag: null, count: 1, since: iso(bob.created_at) },
        { holder: 'erin', tag: 'shelf', count: 2, since: iso(erin.created_at) },
      ],
    });
    const list = (await s.app.inject({ url: '/api/v1/boards?tag=shelf', headers: s.as('viewer') })).json().boards;
    expect(list.map((b: { name: string; waiting: { count: number } }) => [b.name, b.waiting.count])).toEqual([['b1', 2], ['b2', 1]]);
    // A ticket that ran out is no waiter.
    await s.db.query("UPDATE reservation_waiters SET expires_at = now() WHERE holder = 'bob'");
    expect((await board('b1')).waiting).toMatchObject({ count: 1, first: [{ holder: 'erin' }] });
  });
});

describe.skipIf(!POSTGRES_URL)(POSTGRES_URL ? 'jobs behind the wait queue, two service instances' : 'jobs behind the wait queue, two service instances (skipped: SUITRIG_TEST_POSTGRES not set)', () => {
  let scratch: ScratchDatabase | undefined;
  const instances: { db: Database; work: WorkService }[] = [];
  afterEach(async () => {
    for (const i of instances.splice(0)) {
      await i.work.stop();
      await i.db.close();
    }
    await scratch?.drop();
    scratch = undefined;
  });

  it('releases and waiters served through one, takes and sweeps through the other, at once: every waiter before every job, no deadlock', async () => {
    scratch = await scratchDatabase('postgres');
    for (let i = 0; i < 2; i++) {
      const db = await openDatabase(scratch.spec);
      await migrate(db);
      instances.push({ db, work: await WorkService.start(db, { sweepMs: 3_600_000 }) });
    }
    const [a, b] = instances as [(typeof instances)[0], (typeof instances)[0]];
    const boards = ['m1', 'm2', 'm3', 'm4'];
    await a.db.query("INSERT INTO agents (name, instance) VALUES ('lab', 'first')");
    await registerBoards(a.db, 'lab', 'host', boards.map((name) => ({ name, kind: 'virtual' })), INTERNAL, true);
    const held = await Promise.all(boards.map((board) => leases(a.db, { board, holder: `alice-${board}` })));
    const id = await b.work.campaigns.create({ release: await testRelease(a.db), boards }, null);
    const waiters = await Promise.all(boards.map((board) => ticket(a.db, { board, holder: `bob-${board}` })));

    // Instance A: each holder releases and its waiter takes its turn, then releases too.
    const serve = Promise.all(
      boards.map(async (_, i) => {
        await release(a.db, held[i]!);
        await release(a.db, await turn(a.db, waiters[i]!));
      }),
    );
    // Instance B meanwhile: a worker per board takes its job as soon as it may; sweeps note the waits.
    const taken = new Set<string>();
    const take = Promise.all(
      boards.map(async (board) => {
        for (let tries = 0; tries < 400 && !taken.has(board); tries++) {
          if (await b.work.jobs.take('lab', `w-${board}`, board)) taken.add(board);
          else await new Promise((r) => setTimeout(r, 5));
        }
      }),
    );
    const sweeps = (async () => {
      for (let i = 0; i < 10; i++) await Promise.all([a.work.sweep(), b.work.sweep()]);
    })();
    await Promise.all([serve, take, sweeps]);
    // Every job was taken, each only after its board's waiter had had the board and released it.
    expect([...taken].sort()).toEqual(boards);
    for (const board of boards) {
      expect(await boardLog(a.db, board)).toEqual([
        'idle -> reserved', `reserved alice-${board}`, 'reserved -> idle', `released alice-${board}`,
        'idle -> reserved', `reserved bob-${board}`, 'reserved -> idle', `released bob-${board}`, 'idle -> busy',
      ]);
    }
    expect((await campaignView(a.db, id)).boards.every((x) => x.state === 'pending')).toBe(true);
  }, 60_000);
});

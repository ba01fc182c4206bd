/**
 * Reserving by tag and the fair wait queue (issue 13), on PGlite and on the PostgreSQL server:
 * `reserve <tag>` takes any free board with the tag (N at once, all or none) and racing takers
 * never share a board; waiters are served first come, first served, each woken by the event
 * stream; a waiter killed with SIGKILL leaves the queue when its ticket runs out and the next
 * one gets the board (the built CLI); an agent token reserves its own agents' boards only; a run
 * skips a board someone reserved — at its start or later — with who holds it in its report.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, expect, it } from 'vitest';
import { INTERNAL, registerBoards, type BoardSpec } from '../../rig/service/store/boards.js';
import { reserve } from '../../rig/service/store/reservation-queue.js';
import { runReports, runView } from '../../rig/service/runs/store.js';
import { boardQueue } from '../../rig/service/jobs/queue.js';
import { TrackerClient } from '../../rig/service/client/tracker.js';
import { reserveBoards, type Reservation } from '../../rig/service/client/reservations.js';
import { CLI } from '../helpers/board-process.js';
import { describeOnDatabases } from '../helpers/databases.js';
import { startWork, waitFor, type WorkHarness } from '../helpers/service.js';
import { workOf } from '../../rig/service/work-registry.js';
import { testService, type TestService } from './fixture.js';

const iso = (d: Date | string) => new Date(d).toISOString();

/** A `suitrig reserve` process; `queued` resolves once it says it waits in the queue. */
function reserveProcess(url: string, token: string, ...argv: string[]): { child: ChildProcess; queued: Promise<void>; exit: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [CLI, 'reserve', ...argv, '--tracker', url], { env: { ...process.env, SUITRIG_TOKEN: token }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  const exit = new Promise<{ code: number | null; stdout: string; stderr: string }>((r) => child.once('exit', (code) => r({ code, stdout, stderr })));
  const queued = new Promise<void>((done, fail) => {
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (/^waiting /m.test(stderr)) done();
    });
    void exit.then((e) => fail(new Error(`reserve ${argv.join(' ')} exited (${e.code}) before it queued: ${e.stderr}`)));
  });
  return { child, queued, exit };
}

describeOnDatabases('reservations by tag and the fair wait queue', (flavour) => {
  let s: TestService | undefined;
  let h: WorkHarness | undefined;
  const children: ChildProcess[] = [];
  afterEach(async () => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await s?.close();
    await h?.close();
    s = undefined;
    h = undefined;
  });

  async function service(boards: BoardSpec[]): Promise<TestService> {
    s = await testService(flavour);
    await registerBoards(s.db, 'lab', 'host', boards, INTERNAL, true);
    return s;
  }
  const post = (body: Record<string, unknown>, role: 'operator' | 'agent' | 'viewer' | 'admin' = 'operator') =>
    s!.app.inject({ method: 'POST', url: '/api/v1/reservations', headers: s!.as(role), payload: body });
  const release = (l: { board: string; id: string }) => s!.app.inject({ method: 'DELETE', url: `/api/v1/boards/${l.board}/reservations/${l.id}`, headers: s!.as('admin') });
  const reservedBy = async (board: string) =>
    (await s!.db.query<{ holder: string }>("SELECT detail->>'holder' AS holder FROM board_history WHERE board = $1 AND kind = 'reservation' AND detail->>'action' = 'reserved' ORDER BY id", [board])).map((r) => r.holder);

  it('reserve <tag>: any free board with the tag, N at once all or none; racing takers never share a board', async () => {
    await service([
      { name: 't1', kind: 'virtual', tags: ['rack'] },
      { name: 't2', kind: 'virtual', tags: ['rack'] },
      { name: 't3', kind: 'virtual', tags: ['rack'] },
      { name: 'x1', kind: 'virtual' },
    ]);
    const alice = await post({ board: 't1', holder: 'alice' });
    expect(alice.statusCode, alice.body).toBe(201);
    const a = alice.json().leases[0];
    const any = await post({ tag: 'rack' });
    expect(any.statusCode, any.body).toBe(201);
    const b = any.json().leases[0];
    expect(b).toMatchObject({ board: 't2', holder: 'test operator' });
    const two = await post({ tag: 'rack', count: 2 });
    expect(two.statusCode).toBe(409);
    expect(two.json().error.message).toBe(`no free board with tag rack (2 wanted, 1 free): t1 reserved by alice until ${iso(a.expires_at)}; t2 reserved by test operator until ${iso(b.expires_at)}; t3 idle`);
    expect((await post({ tag: 'nope' })).json().error).toEqual({ code: 'not-found', message: 'no board has the tag nope' });
    for (const bad of [{ board: 't1', tag: 'rack' }, {}, { board: 't1', count: 2 }, { tag: 'rack', count: 65 }, { tag: 'rack', count: 0 }]) {
      expect((await post(bad)).statusCode, JSON.stringify(bad)).toBe(400);
    }
    for (const l of [a, b]) expect((await release(l)).statusCode).toBe(200);

    // Six takers race for three boards: three get one each, never the same; the others are told why.
    const race = await Promise.all(Array.from({ length: 6 }, (_, i) => post({ tag: 'rack', holder: `u${i}` })));
    const won = race.filter((r) => r.statusCode === 201).map((r) => r.json().leases[0]);
    expect(won.map((l) => l.board).sort()).toEqual(['t1', 't2', 't3']);
    for (const r of race.filter((x) => x.statusCode !== 201)) {
      expect(r.statusCode).toBe(409);
      expect(r.json().error.message).toMatch(/^no free board with tag rack: t1 reserved by u\d until /);
    }
    const rows = await s!.db.query<{ board: string; holder: string }>('SELECT board, holder FROM reservations ORDER BY board');
    expect(rows).toEqual(won.map((l) => ({ board: l.board, holder: l.holder })).sort((x, y) => x.board.localeCompare(y.board)));
    for (const l of won) await release(l);

    // Three takers of two boards each, of three: exactly one gets two, all or none.
    const pairs = await Promise.all(Array.from({ length: 3 }, (_, i) => post({ tag: 'rack', count: 2, holder: `p${i}` })));
    const pair = pairs.filter((r) => r.statusCode === 201);
    expect(pair).toHaveLength(1);
    expect(pair[0]!.json().leases.map((l: { board: string }) => l.board)).toEqual(['t1', 't2']);
    expect(pairs.filter((r) => r.statusCode === 409)).toHaveLength(2);
    expect(await s!.db.query('SELECT count(*)::int AS n FROM reservations')).toEqual([{ n: 2 }]);
  }, 120_000);

  it('three waiters get the board in the order they came, each woken by the event stream, not its heartbeat; nobody jumps the queue', async () => {
    await service([{ name: 'b1', kind: 'virtual' }]);
    const url = await s!.app.listen({ host: '127.0.0.1', port: 0 });
    const client = new TrackerClient(url, s!.tokens.operator);
    const alice = await reserveBoards(client, { board: 'b1' }, { holder: 'alice' });
    const order: string[] = [];
    const waiter = (holder: string) => {
      let queued!: () => void;
      const q = new Promise<void>((r) => (queued = r));
      // A ticket of 60 s beats every 20 s: a turn that comes sooner came from an event.
      const held = reserveBoards(client, { board: 'b1' }, { holder, wait: true, ticketTtlS: 60, onQueued: () => queued() }).then((r) => {
        order.push(holder);
        return r;
      });
      return { queued: q, held };
    };
    const w1 = waiter('w1');
    await w1.queued;
    const w2 = waiter('w2');
    await w2.queued;
    const w3 = waiter('w3');
    await w3.queued;
    const listed = (await s!.app.inject({ url: '/api/v1/reservations', headers: s!.as('viewer') })).json();
    expect(listed.waiting.map((w: { holder: string; board: string }) => [w.holder, w.board])).toEqual([['w1', 'b1'], ['w2', 'b1'], ['w3', 'b1']]);
    const dave = await s!.app.inject({ method: 'POST', url: '/api/v1/boards/b1/reservations', headers: s!.as('operator'), payload: { holder: 'dave' } });
    expect(dave.statusCode).toBe(409);
    expect(dave.json().error.message).toBe(`board b1 is reserved by alice until ${iso(alice.leases[0]!.expires_at)} (3 waiting before you)`);

    let previous: Reservation = alice;
    for (const [name, w] of [['w1', w1], ['w2', w2], ['w3', w3]] as const) {
      const t0 = Date.now();
      await previous.release();
      previous = await w.held;
      expect(Date.now() - t0, `${name}'s turn`).toBeLessThan(10_000);
      expect(previous.leases[0]).toMatchObject({ board: 'b1', holder: name });
    }
    expect(order).toEqual(['w1', 'w2', 'w3']);
    expect(await reservedBy('b1')).toEqual(['alice', 'w1', 'w2', 'w3']);
    await previous.release();
    expect((await s!.app.inject({ url: '/api/v1/reservations', headers: s!.as('viewer') })).json()).toEqual({ reservations: [], waiting: [] });
  }, 120_000);

  it('a waiter killed (SIGKILL) leaves the queue when its ticket runs out, and the next waiter gets the board', async () => {
    await service([{ name: 'b1', kind: 'virtual' }]);
    const url = await s!.app.listen({ host: '127.0.0.1', port: 0 });
    const alice = (await post({ board: 'b1', holder: 'alice' })).json().leases[0];
    const token = s!.tokens.operator;
    const w1 = reserveProcess(url, token, 'b1', '--wait', '--ttl', '2', '--for', '1s', '--holder', 'w1');
    children.push(w1.child);
    await w1.queued;
    const w2 = reserveProcess(url, token, 'b1', '--wait', '--ttl', '2', '--holder', 'w2');
    children.push(w2.child);
    await w2.queued;
    const w3 = reserveProcess(url, token, 'b1', '--wait', '--ttl', '2', '--for', '1s', '--holder', 'w3');
    children.push(w3.child);
    await w3.queued;
    w2.child.kill('SIGKILL');
    await w2.exit;
    expect((await release(alice)).statusCode).toBe(200);
    const [e1, e3] = await Promise.all([w1.exit, w3.exit]);
    expect(e1.code, e1.stderr).toBe(0);
    expect(e1.stdout).toMatch(/^reserved b1 by w1 until \S+ \(lease [0-9a-f-]{36}\)\nreleased b1\n$/);
    expect(e3.code, e3.stderr).toBe(0);
    expect(e3.stdout).toMatch(/^reserved b1 by w3 until /);
    expect(e3.stderr).toMatch(/^waiting {3}board b1 is reserved by alice until \S+ \(place 3 in the queue\)$/m);
    expect(await reservedBy('b1')).toEqual(['alice', 'w1', 'w3']);
    expect((await s!.app.inject({ url: '/api/v1/reservations', headers: s!.as('viewer') })).json()).toEqual({ reservations: [], waiting: [] });
  }, 120_000);

  it("an agent token reserves its own agents' boards only (and by tag sees only those); a viewer reserves nothing", async () => {
    await service([{ name: 'b1', kind: 'virtual', tags: ['rack'] }]);
    const reg = await s!.app.inject({ method: 'PUT', url: '/api/v1/agents/host-a', headers: s!.as('agent'), payload: { host: 'host-a', boards: [{ name: 'a1', kind: 'virtual', tags: ['rack'] }] } });
    expect(reg.statusCode, reg.body).toBe(200);
    const own = await post({ board: 'a1' }, 'agent');
    expect(own.statusCode, own.body).toBe(201);
    const lease = own.json().leases[0];
    const other = await post({ board: 'b1' }, 'agent');
    expect(other.statusCode).toBe(403);
    expect(other.json().error.message).toBe("board b1 is served by agent lab, which this token did not register: an agent token reserves only its own agents' boards");
    // b1 is free and has the tag, but is not this agent's to take.
    const byTag = await post({ tag: 'rack' }, 'agent');
    expect(byTag.statusCode).toBe(409);
    expect(byTag.json().error.message).toBe(`no free board with tag rack: a1 reserved by test agent until ${iso(lease.expires_at)}`);
    const viewer = await post({ board: 'b1' }, 'viewer');
    expect(viewer.statusCode).toBe(403);
    expect(viewer.json().error.message).toMatch(/needs the reserve role \(operator, agent, admin\); this token is viewer$/);
    const renew = await s!.app.inject({ method: 'PUT', url: `/api/v1/boards/a1/reservations/${lease.id}`, headers: s!.as('agent'), payload: {} });
    expect(renew.statusCode, renew.body).toBe(200);
    const done = await s!.app.inject({ method: 'DELETE', url: `/api/v1/boards/a1/reservations/${lease.id}`, headers: s!.as('agent') });
    expect(done.statusCode, done.body).toBe(200);
    expect((await post({ tag: 'rack' }, 'operator')).json().leases.map((l: { board: string }) => l.board)).toEqual(['a1']);
  });

  it('a run skips a board someone reserved — when it starts, and when reserved later — with who holds it until when in its report', async () => {
    h = await startWork(flavour, { sweepMs: 3_600_000 });
    await h.db.query("INSERT INTO agents (name, instance) VALUES ('lab', 'first')");
    await registerBoards(h.db, 'lab', 'host', [{ name: 'r1', kind: 'virtual' }, { name: 'r2', kind: 'virtual' }], INTERNAL, true);
    for (const b of ['r1', 'r2']) await h.work.jobs.ensureQueue(b);
    const lease = async (board: string, holder: string) => {
      const out = await reserve(h!.db, { board, holder, ttlS: 600, by: INTERNAL });
      return 'leases' in out ? out.leases[0]! : expect.unreachable(`${board} was free`);
    };
    const alice = await lease('r2', 'alice');
    const id = await h.work.runs.create({ suite: 'rfc9019', boards: ['r1', 'r2'] }, null);
    const aliceWhy = `skipped: the board is reserved by alice until ${iso(alice.expires_at)}`;
    expect((await runView(h.db, id)).boards).toEqual([
      { board: 'r1', state: 'queued', reason: null },
      { board: 'r2', state: 'failed', reason: aliceWhy },
    ]);
    const jobs = await h.db.query<{ board: string; job_id: string }>('SELECT board, job_id FROM run_boards WHERE run = $1 ORDER BY board', [id]);
    expect(await h.work.jobs.jobState(boardQueue('r2'), jobs[1]!.job_id)).toBe('cancelled');

    // r1's job waits for an agent; bob reserves r1 first: the sweep skips it too, and the run ends.
    const bob = await lease('r1', 'bob');
    await h.work.sweep();
    const bobWhy = `skipped: the board is reserved by bob until ${iso(bob.expires_at)}`;
    const run = await runView(h.db, id);
    expect(run.state).toBe('failed');
    expect(run.boards.map((b) => [b.board, b.state, b.reason])).toEqual([
      ['r1', 'failed', bobWhy],
      ['r2', 'failed', aliceWhy],
    ]);
    const { report, junit } = await runReports(h.db, id);
    expect(report!.boards.map((b) => [b.name, b.status, b.message])).toEqual([
      ['r1', 'unavailable', bobWhy],
      ['r2', 'unavailable', aliceWhy],
    ]);
    expect(junit).toContain('reserved by bob until');
    expect(await h.work.jobs.jobState(boardQueue('r1'), jobs[0]!.job_id)).toBe('cancelled');
    // Released, the boards take no job of that run later.
    await h.db.query('DELETE FROM reservations');
    await h.db.query("UPDATE boards SET state = 'idle'");
    expect(await h.work.jobs.take('lab', 'w', 'r1')).toBeUndefined();
    expect(await h.work.jobs.take('lab', 'w', 'r2')).toBeUndefined();
  });

  it('a board granted while busy with a job keeps further jobs off, and the client has it only once that job has ended', async () => {
    s = await testService(flavour, { work: true });
    const work = workOf(s.app.ctx)!;
    await registerBoards(s.db, 'lab', 'host', [{ name: 'j1', kind: 'virtual' }], INTERNAL, true);
    await work.jobs.ensureQueue('j1');
    const run = await work.runs.create({ suite: 'rfc9019', boards: ['j1'] }, null);
    const taken = (await work.jobs.take('lab', 'first', 'j1'))!;
    expect(taken).toBeDefined();
    expect((await s.app.inject({ url: '/api/v1/boards/j1', headers: s.as('viewer') })).json().state).toBe('busy');
    const url = await s.app.listen({ host: '127.0.0.1', port: 0 });
    const busy: string[][] = [];
    let settled = false;
    const held = reserveBoards(new TrackerClient(url, s.tokens.operator), { board: 'j1' }, { holder: 'erin', onBusy: (b) => busy.push(b) }).finally(() => (settled = true));
    await waitFor(async () => busy.length, (n) => n > 0, 20_000, 'the client to say the board is busy');
    expect(busy).toEqual([['j1']]);
    expect(settled).toBe(false);
    // The lease is erin's already: the board rests reserved after its job, and takes no other.
    expect((await s.app.inject({ url: '/api/v1/boards/j1', headers: s.as('viewer') })).json()).toMatchObject({ state: 'busy', reservation: { holder: 'erin' } });
    expect(await work.runs.boardResult(taken.claim, run, { error: 'stopped for the test' })).toBe(true);
    const r = await held;
    expect(r.boards).toEqual(['j1']);
    expect((await s.app.inject({ url: '/api/v1/boards/j1', headers: s.as('viewer') })).json()).toMatchObject({ state: 'reserved', reservation: { holder: 'erin' } });
    await r.release();
  }, 120_000);

  it('a ticket is its waiter\'s alone, and one that ran out is gone: its waiter must queue again', async () => {
    await service([{ name: 'b1', kind: 'virtual' }]);
    await post({ board: 'b1', holder: 'alice' });
    const queued = await post({ board: 'b1', holder: 'bob', wait: true, wait_ttl_s: 1 });
    expect(queued.statusCode, queued.body).toBe(202);
    const ticket = queued.json().ticket;
    expect(ticket).toMatchObject({ board: 'b1', tag: null, count: 1, holder: 'bob', position: 1, why: expect.stringMatching(/^board b1 is reserved by alice until /) });
    const put = (role: 'operator' | 'agent') => s!.app.inject({ method: 'PUT', url: `/api/v1/reservations/tickets/${ticket.id}`, headers: s!.as(role), payload: {} });
    expect((await put('agent')).statusCode).toBe(404);
    expect((await put('operator')).json().ticket).toMatchObject({ id: ticket.id, position: 1 });
    await new Promise((r) => setTimeout(r, 1_300));
    expect((await put('operator')).json().error.message).toMatch(/ran out \(no heartbeat for 1 s\): queue again$/);
    expect((await s!.app.inject({ url: '/api/v1/reservations', headers: s!.as('viewer') })).json().waiting).toEqual([]);
    const left = await post({ board: 'b1', holder: 'carol', wait: true });
    const gone = await s!.app.inject({ method: 'DELETE', url: `/api/v1/reservations/tickets/${left.json().ticket.id}`, headers: s!.as('operator') });
    expect(gone.statusCode, gone.body).toBe(200);
    expect((await s!.app.inject({ url: '/api/v1/reservations', headers: s!.as('viewer') })).json().waiting).toEqual([]);
  });
});

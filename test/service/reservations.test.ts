/**
 * Board reservations (issue 13, DESIGN.md "Lab service"), on PGlite and on the PostgreSQL server:
 * leases taken, renewed and released over the API; a 409 that names who holds the board until
 * when; a lease that is not renewed expires on its own; racing requests get exactly one lease;
 * a campaign skips a reserved board and says why; `suitrig reserve` holds a lease by renewing it,
 * `--wait` gets the board once it is released, and `suitrig release` ends a lease by its id; a
 * `suitrig reserve` process killed with SIGKILL loses its lease within its TTL (the built CLI).
 */
import { spawn } from 'node:child_process';
import { afterEach, expect, it } from 'vitest';
import { CLI } from '../helpers/board-process.js';
import { INTERNAL, registerBoards } from '../../rig/service/store/boards.js';
import { expireReservations } from '../../rig/service/store/reservations.js';
import { reserve } from '../../rig/service/store/reservation-queue.js';
import { campaignView } from '../../rig/service/campaigns/store.js';
import { APP_URI, app, envelope, es256Key } from '../board/fixtures.js';
import { describeOnDatabases } from '../helpers/databases.js';
import { startWork, storeRelease, waitFor, type WorkHarness } from '../helpers/service.js';
import { runCli } from '../helpers/cli.js';
import { testService, type TestService } from './fixture.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeOnDatabases('board reservations', (flavour) => {
  let s: TestService | undefined;
  let h: WorkHarness | undefined;
  afterEach(async () => {
    await s?.close();
    await h?.close();
    s = undefined;
    h = undefined;
  });

  async function service(): Promise<TestService> {
    s = await testService(flavour);
    await registerBoards(s.db, 'lab', 'host', [{ name: 'b1', kind: 'virtual' }], INTERNAL, true);
    return s;
  }

  const post = (body: Record<string, unknown>, role: 'operator' | 'admin' | 'viewer' = 'operator') =>
    s!.app.inject({ method: 'POST', url: '/api/v1/boards/b1/reservations', headers: s!.as(role), payload: body });
  const board = async () => (await s!.app.inject({ url: '/api/v1/boards/b1', headers: s!.as('viewer') })).json();
  const history = async () =>
    (await s!.app.inject({ url: '/api/v1/boards/b1/history', headers: s!.as('viewer') })).json().history.filter((l: { kind: string }) => l.kind === 'reservation').map((l: { detail: { action: string } }) => l.detail.action);

  it('reserve, renew, release: the board shows reserved by whom until when, then idle again, all in its history', async () => {
    await service();
    const r = await post({ ttl_s: 30, holder: 'ci pipeline 7' });
    expect(r.statusCode, r.body).toBe(201);
    const lease = r.json();
    expect(lease).toMatchObject({ board: 'b1', holder: 'ci pipeline 7', id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    const left = Date.parse(lease.expires_at) - Date.now();
    expect(left).toBeGreaterThan(25_000);
    expect(left).toBeLessThanOrEqual(31_000);
    expect(await board()).toMatchObject({ state: 'reserved', reservation: { holder: 'ci pipeline 7', expires_at: new Date(lease.expires_at).toISOString() } });

    // The board's agent reporting it idle does not end the reservation.
    const report = await s!.app.inject({ method: 'POST', url: '/api/v1/boards/b1/reports', headers: s!.as('admin'), payload: { kind: 'status', state: 'idle' } });
    expect(report.statusCode, report.body).toBe(201);
    expect(report.json()).toMatchObject({ state: 'reserved', reservation: { holder: 'ci pipeline 7' } });

    const renewed = await s!.app.inject({ method: 'PUT', url: `/api/v1/boards/b1/reservations/${lease.id}`, headers: s!.as('operator'), payload: { ttl_s: 600 } });
    expect(renewed.statusCode, renewed.body).toBe(200);
    expect(Date.parse(renewed.json().expires_at) - Date.now()).toBeGreaterThan(590_000);
    // Another token may neither renew nor release it.
    const stranger = await s!.app.inject({ method: 'DELETE', url: `/api/v1/boards/b1/reservations/${lease.id}`, headers: s!.as('viewer') });
    expect(stranger.statusCode).toBe(403);
    const list = (await s!.app.inject({ url: '/api/v1/reservations', headers: s!.as('viewer') })).json();
    expect(list.reservations).toHaveLength(1);
    expect(list.reservations[0]).not.toHaveProperty('id');

    const released = await s!.app.inject({ method: 'DELETE', url: `/api/v1/boards/b1/reservations/${lease.id}`, headers: s!.as('operator') });
    expect(released.statusCode, released.body).toBe(200);
    expect(await board()).toMatchObject({ state: 'idle', reservation: null });
    const again = await s!.app.inject({ method: 'PUT', url: `/api/v1/boards/b1/reservations/${lease.id}`, headers: s!.as('operator'), payload: {} });
    expect(again.statusCode).toBe(404);
    expect(await history()).toEqual(['released', 'reserved']);
    const states = (await s!.db.query<{ to: string }>("SELECT detail->>'to' AS to FROM board_history WHERE board = 'b1' AND kind = 'state' ORDER BY id")).map((x) => x.to);
    expect(states).toEqual(['reserved', 'idle']);
  });

  it('a held board is refused with 409 naming the holder and until when; a missing board is 404; a bad ttl is 400', async () => {
    await service();
    const first = (await post({ ttl_s: 120, holder: 'alice' })).json();
    const second = await post({ holder: 'bob' }, 'admin');
    expect(second.statusCode).toBe(409);
    expect(second.json().error.message).toBe(`board b1 is reserved by alice until ${new Date(first.expires_at).toISOString()}`);
    expect((await s!.app.inject({ method: 'POST', url: '/api/v1/boards/nope/reservations', headers: s!.as('operator'), payload: {} })).statusCode).toBe(404);
    for (const ttl of [0, 86_401, 1.5]) expect((await post({ ttl_s: ttl })).statusCode).toBe(400);
  });

  it('a lease not renewed expires on its own: ignored at once, removed by the sweep, and the board is free for the next', async () => {
    await service();
    const lease = (await post({ ttl_s: 1, holder: 'gone' })).json();
    await sleep(1_300);
    expect((await board()).reservation).toBeNull();
    const renew = await s!.app.inject({ method: 'PUT', url: `/api/v1/boards/b1/reservations/${lease.id}`, headers: s!.as('operator'), payload: {} });
    expect(renew.statusCode).toBe(404);
    expect(await expireReservations(s!.db)).toBe(1);
    expect(await board()).toMatchObject({ state: 'idle', reservation: null });
    expect(await history()).toEqual(['expired', 'reserved']);
    // An expired lease not yet swept does not stand in the way either.
    await post({ ttl_s: 1, holder: 'gone too' });
    await sleep(1_300);
    const next = await post({ ttl_s: 60, holder: 'next' });
    expect(next.statusCode, next.body).toBe(201);
    expect(await board()).toMatchObject({ state: 'reserved', reservation: { holder: 'next' } });
    expect(await expireReservations(s!.db)).toBe(0);
  });

  it('racing requests for one board: exactly one lease, the others are told who holds it', async () => {
    await service();
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => post({ ttl_s: 60, holder: `user-${i}` })));
    const won = answers.filter((a) => a.statusCode === 201);
    expect(won).toHaveLength(1);
    const holder = won[0]!.json().holder;
    for (const a of answers.filter((x) => x.statusCode !== 201)) {
      expect(a.statusCode).toBe(409);
      expect(a.json().error.message).toMatch(new RegExp(`^board b1 is reserved by ${holder} until `));
    }
    expect(await s!.db.query('SELECT holder FROM reservations')).toEqual([{ holder }]);
  });

  it('a campaign skips a reserved board: no job taken, timed-out at its deadline with "reserved by H until T"', async () => {
    h = await startWork(flavour, { leaseMs: 400, sweepMs: 3_600_000, deadlineGraceS: 0 });
    await h.db.query("INSERT INTO agents (name, instance) VALUES ('lab', 'first')");
    await registerBoards(h.db, 'lab', 'host', [{ name: 'r1', kind: 'virtual' }, { name: 'r2', kind: 'virtual' }], INTERNAL, true);
    for (const b of ['r1', 'r2']) await h.work.jobs.ensureQueue(b);
    const out = await reserve(h.db, { board: 'r2', holder: 'alice', ttlS: 600, by: INTERNAL });
    const lease = 'leases' in out ? out.leases[0]! : expect.unreachable('r2 was free');
    const payload = app('1.1.0', 'healthy', 1024);
    const rel = await storeRelease(h.db, envelope({ sequence: 2, payload, key: es256Key }), new Map([[APP_URI, payload]]), 2);
    const id = await h.work.campaigns.create({ release: rel, boards: ['r1', 'r2'], deadline_s: 1, success_threshold: 0 }, null);
    const first = (await h.work.jobs.take('lab', 'w', 'r1'))!;
    expect(first).toBeDefined();
    expect(await h.work.jobs.take('lab', 'w', 'r2')).toBeUndefined();
    for (let i = 0; i < 6; i++) {
      await sleep(200);
      expect(await h.work.jobs.renew(first.claim)).toBe(true);
    }
    await h.work.sweep();
    const c = await campaignView(h.db, id);
    expect(c.boards.map((b) => [b.board, b.state, b.reason])).toEqual([
      ['r1', 'pending', null],
      ['r2', 'timed-out', `no agent took its job within the deadline: the board is reserved by alice until ${lease.expires_at.toISOString()}`],
    ]);
    // The lease outlived the campaign's attempt; the board is still reserved, untouched.
    expect(await h.db.query("SELECT state FROM boards WHERE name = 'r2'")).toEqual([{ state: 'reserved' }]);
  });

  it('suitrig reserve holds the lease past its TTL by renewing it; a second reserve is refused naming the holder, --wait gets it after', async () => {
    await service();
    const url = await s!.app.listen({ host: '127.0.0.1', port: 0 });
    const cli = (...argv: string[]) => runCli([...argv, '--tracker', url, '--token', s!.tokens.operator], { env: {} });
    const alice = cli('reserve', 'b1', '--for', '7s', '--ttl', '2', '--holder', 'alice');
    await waitFor(board, (b) => b.reservation?.holder === 'alice', 10_000, "alice's lease");
    const since = Date.now();
    const refused = await cli('reserve', 'b1', '--holder', 'bob');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/reserved by alice until \d{4}-/);
    const bob = cli('reserve', 'b1', '--wait', '--for', '1s', '--ttl', '5', '--holder', 'bob');
    await sleep(3_000 - (Date.now() - since));
    // 3 s in: past alice's 2 s TTL, so held only because reserve renewed it.
    expect((await board()).reservation).toMatchObject({ holder: 'alice' });
    const a = await alice;
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toMatch(/^reserved b1 by alice until \S+ \(lease [0-9a-f-]{36}\)\nreleased b1\n$/);
    const b = await bob;
    expect(b.code, b.stderr).toBe(0);
    expect(b.stdout).toMatch(/^reserved b1 by bob until /);
    expect(b.stderr).toMatch(/waiting .*reserved by alice/);
    expect(await board()).toMatchObject({ state: 'idle', reservation: null });

    const lease = (await post({ ttl_s: 60, holder: 'carol' })).json();
    expect(await cli('release', 'b1', '--id', '00000000-0000-4000-8000-000000000000')).toMatchObject({ code: 1 });
    expect(await cli('release', 'b1', '--id', lease.id)).toMatchObject({ code: 0, stdout: 'released b1\n' });
    expect(await board()).toMatchObject({ state: 'idle', reservation: null });
    expect(await runCli(['reserve', 'b1'], { env: {} })).toMatchObject({ code: 2 });
    expect((await cli('reserve', 'b1', '--for', '5x')).code).toBe(2);
  });

  it('the holder killed (SIGKILL): nobody renews, the lease expires within its TTL and the board is free', async () => {
    await service();
    const url = await s!.app.listen({ host: '127.0.0.1', port: 0 });
    const child = spawn(process.execPath, [CLI, 'reserve', 'b1', '--tracker', url, '--ttl', '2', '--holder', 'doomed'], {
      env: { ...process.env, SUITRIG_TOKEN: s!.tokens.operator },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(out);
      });
      child.once('exit', (code) => reject(new Error(`reserve exited ${code} before printing its lease`)));
    });
    expect(line).toMatch(/^reserved b1 by doomed until /);
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    expect((await board()).reservation).toMatchObject({ holder: 'doomed' });
    const killedAt = Date.now();
    while ((await board()).reservation !== null) {
      expect(Date.now() - killedAt, 'the lease to run out').toBeLessThan(5_000);
      await sleep(100);
    }
    expect(await expireReservations(s!.db)).toBe(1);
    expect(await board()).toMatchObject({ state: 'idle', reservation: null });
    expect(await history()).toEqual(['expired', 'reserved']);
  });
});

/**
 * `run`, `update` and `flash` with `--tracker` hold the boards they work on for their duration
 * (issue 13; rig/cli/board-hold.ts), against a running service and a virtual board on TCP: the
 * board is reserved while the command runs and released after; a board someone else holds is
 * not touched (exit 2, naming the holder and until when) unless `--wait` queues for it; a
 * service that cannot be reached is a warning and the command goes on unreserved.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { PrivateKey } from '../../host/keys/index.js';
import { createImage } from '../../host/mcuboot/create.js';
import { parseVersion } from '../../host/mcuboot/format.js';
import { buildAppImage, parseAppVersion } from '../../rig/virtual/app/app-image.js';
import { APP_URI, appUpdateEnvelope } from '../../rig/suites/app-update.js';
import { INTERNAL, registerBoards } from '../../rig/service/store/boards.js';
import { runCli } from '../helpers/cli.js';
import { describeOnDatabases } from '../helpers/databases.js';
import { virtualLab, waitFor } from '../helpers/service.js';
import { freePort, serviceWithBoard, type TestService } from './fixture.js';
import { authorKey } from './releases-fixture.js';

const app = (version: string) => buildAppImage({ behaviour: 'healthy', version: parseAppVersion(version), size: 24_000 });
const iso = (d: string) => new Date(d).toISOString();

describeOnDatabases('run, update and flash --tracker hold their boards', (flavour) => {
  let s: TestService, url: string, port: string, dir: string, close: (() => Promise<void>) | undefined;
  beforeAll(async () => ({ s, url, port, dir, close } = await serviceWithBoard(flavour, 'suitrig-hold-')));
  afterAll(() => close?.());

  const tracked = (token = s.tokens.agent) => ['--tracker', url, '--token', token, '--tracker-board', 'desk-2'];
  const get = async (path: string) => (await s.app.inject({ url: `/api/v1${path}`, headers: s.as('viewer') })).json();
  const reserveAs = async (board: string, holder: string) => {
    const r = await s.app.inject({ method: 'POST', url: '/api/v1/reservations', headers: s.as('operator'), payload: { board, holder } });
    expect(r.statusCode, r.body).toBe(201);
    return r.json().leases[0] as { id: string; board: string; expires_at: string };
  };
  const release = (l: { id: string; board: string }) => s.app.inject({ method: 'DELETE', url: `/api/v1/boards/${l.board}/reservations/${l.id}`, headers: s.as('operator') });
  /** The board's history, oldest first: reservations (who, what) and reports. */
  const story = async (name: string) =>
    (await s.db.query<{ kind: string; detail: { action?: string; holder?: string } }>("SELECT kind, detail FROM board_history WHERE board = $1 AND kind IN ('reservation', 'update', 'flash') ORDER BY id", [name])).map((h) =>
      h.kind === 'reservation' ? `${h.detail.action} ${h.detail.holder}` : h.kind,
    );

  it('a board the service does not know yet needs no reservation; flash goes on and registers it', async () => {
    const file = join(dir, 'app-2.0.0.bin');
    writeFileSync(file, createImage(app('2.0.0'), { key: authorKey as PrivateKey, version: parseVersion('2.0.0'), securityCounter: 1 }));
    const r = await runCli(['flash', '--port', port, file, ...tracked()]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('tracker   board desk-2 is not in the service yet: no job can reach it, nothing to reserve');
    expect(await get('/boards/desk-2')).toMatchObject({ state: 'idle', reservation: null, status: { app_version: '2.0.0' } });
  });

  it('update holds the board while it runs; held by someone else it is not touched (exit 2), and --wait queues for it', async () => {
    const env = join(dir, 'app-2.1.0.suit');
    const payload = join(dir, 'app-2.1.0.bin');
    const bytes = app('2.1.0');
    writeFileSync(payload, bytes);
    writeFileSync(env, appUpdateEnvelope({ sequence: 3n, payload: bytes }, authorKey));
    const update = (...more: string[]) => runCli(['update', '--port', port, env, '--payload', `${APP_URI}=${payload}`, ...tracked(), ...more]);

    const alice = await reserveAs('desk-2', 'alice');
    const refused = await update();
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`board desk-2 is reserved by alice until ${iso(alice.expires_at)}: update stopped before touching it (--wait queues for it)`);
    expect(refused.stdout).toBe('');
    // Not touched: the board still runs what flash left, and the service saw no update.
    expect((await get('/boards/desk-2')).status).toMatchObject({ app_version: '2.0.0' });
    expect(await story('desk-2')).toEqual(['flash', 'reserved alice']);

    const waiting = update('--wait');
    await waitFor(() => get('/reservations'), (r) => r.waiting.length === 1, 20_000, 'the update to queue');
    expect((await release(alice)).statusCode).toBe(200);
    const w = await waiting;
    expect(w.code, w.stderr).toBe(0);
    expect(w.stderr).toMatch(/^waiting {3}board desk-2 is reserved by alice until \S+ \(place 1 in the queue\)$/m);
    expect(w.stderr).toMatch(/^tracker {3}reserved desk-2 until \S+, renewed while this update runs$/m);
    expect(w.stderr).toMatch(/^tracker {3}released desk-2$/m);
    const who = (await story('desk-2')).find((x) => x.startsWith('reserved') && x.endsWith('suitrig update'))?.slice('reserved '.length);
    expect(who).toMatch(/^\S+@\S+ suitrig update$/);
    // Reserved before the update reported, released after.
    expect(await story('desk-2')).toEqual(['flash', 'reserved alice', 'released alice', `reserved ${who}`, 'update', `released ${who}`]);
    expect(await get('/boards/desk-2')).toMatchObject({ state: 'idle', reservation: null, status: { suit_sequence: 3 } });
    expect(await get('/reservations')).toEqual({ reservations: [], waiting: [] });
  });

  it('flash held by someone else stops naming the holder; an unreachable service is a warning and flash goes on unreserved; --wait needs --tracker', async () => {
    const file = join(dir, 'app-2.2.0.bin');
    writeFileSync(file, createImage(app('2.2.0'), { key: authorKey as PrivateKey, version: parseVersion('2.2.0'), securityCounter: 3 }));
    const bob = await reserveAs('desk-2', 'bob');
    const refused = await runCli(['flash', '--port', port, file, ...tracked()]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`board desk-2 is reserved by bob until ${iso(bob.expires_at)}: flash stopped before touching it`);
    await release(bob);

    const closed = await freePort();
    const down = await runCli(['flash', '--port', port, file, '--tracker', `http://127.0.0.1:${closed}`, '--token', s.tokens.agent, '--tracker-board', 'desk-2']);
    expect(down.code, down.stderr + down.stdout).toBe(0);
    expect(down.stderr).toContain(`warning: tracker http://127.0.0.1:${closed}: ECONNREFUSED; desk-2 is not reserved while this flash runs`);
    expect(down.stderr).not.toContain(s.tokens.agent);

    const stray = await runCli(['flash', '--port', port, file, '--wait']);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toMatch(/--wait goes with --tracker/);
  });

  it("flash --lease works under a lease this token took (kept, never shortened, left held after); another token's lease stops it", async () => {
    const file = join(dir, 'app-2.3.0.bin');
    writeFileSync(file, createImage(app('2.3.0'), { key: authorKey as PrivateKey, version: parseVersion('2.3.0'), securityCounter: 3 }));
    const dana = await reserveAs('desk-2', 'dana');
    const foreign = await runCli(['flash', '--port', port, file, ...tracked(), '--lease', dana.id]);
    expect(foreign.code).toBe(2);
    expect(foreign.stderr).toContain(`--lease ${dana.id}: no live reservation ${dana.id} of yours on board desk-2`);
    await release(dana);

    const taken = await s.app.inject({ method: 'POST', url: '/api/v1/reservations', headers: s.as('agent'), payload: { board: 'desk-2', holder: 'bench session', ttl_s: 600 } });
    expect(taken.statusCode, taken.body).toBe(201);
    const mine = taken.json().leases[0];
    const r = await runCli(['flash', '--port', port, file, ...tracked(), '--lease', mine.id]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`tracker   working under lease ${mine.id} of desk-2 (bench session, until `);
    const after = await get('/boards/desk-2');
    expect(after).toMatchObject({ state: 'reserved', reservation: { holder: 'bench session' }, status: { app_version: '2.3.0' } });
    expect(Date.parse(after.reservation.expires_at)).toBeGreaterThanOrEqual(Date.parse(mine.expires_at));
    expect((await s.app.inject({ method: 'DELETE', url: `/api/v1/boards/desk-2/reservations/${mine.id}`, headers: s.as('agent') })).statusCode).toBe(200);
    for (const [argv, why] of [
      [['--lease', mine.id], /--lease goes with --tracker/],
      [[...tracked(), '--lease', 'nope'], /--lease nope: expected a lease id/],
      [[...tracked(), '--lease', mine.id, '--wait'], /--lease and --wait exclude each other/],
    ] as const) {
      const bad = await runCli(['flash', '--port', port, file, ...argv]);
      expect(bad.code, bad.stderr).toBe(2);
      expect(bad.stderr).toMatch(why);
    }
  });

  it('run reserves its lab boards while the suite runs and releases them; held by someone else, nothing runs', async () => {
    const lab = virtualLab([{ name: 'v1' }]);
    await registerBoards(s.db, 'lab', 'host', [{ name: 'v1', kind: 'virtual' }], INTERNAL, true);
    const run = () => runCli(['run', 'rfc9019', '--board', 'v1', '--lab', lab.file, '--case', 'untrusted-key-rejected', '--seed', '5', '--tracker', url, '--token', s.tokens.operator], { cwd: dir });
    const carol = await reserveAs('v1', 'carol');
    const refused = await run();
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`board v1 is reserved by carol until ${iso(carol.expires_at)}: run stopped before touching it`);
    expect((await get('/runs')).runs).toEqual([]);
    await release(carol);

    const r = await run();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^tracker {3}reserved v1 until \S+, renewed while this run runs$/m);
    const lines = (await s.db.query<{ detail: { action: string; holder: string } }>("SELECT detail FROM board_history WHERE board = 'v1' AND kind = 'reservation' ORDER BY id")).map((h) => `${h.detail.action} ${h.detail.holder}`);
    expect(lines).toEqual(['reserved carol', 'released carol', expect.stringMatching(/^reserved \S+@\S+ suitrig run$/), expect.stringMatching(/^released \S+@\S+ suitrig run$/)]);
    expect(await get('/boards/v1')).toMatchObject({ state: 'idle', reservation: null });
  });
});

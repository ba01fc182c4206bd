/**
 * `--tracker URL --token T` on status, update and flash (rig/cli/tracker-options.ts) against a
 * running service and a virtual board on TCP: what the board runs and what was done to it is
 * recorded (status, outcome, history); a service that cannot be reached or refuses the token is
 * a warning, and the command's own verdict and exit status are unchanged; bad tracker options
 * are usage errors before any board is opened.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { PrivateKey } from '../../host/keys/index.js';
import { createImage } from '../../host/mcuboot/create.js';
import { parseVersion } from '../../host/mcuboot/format.js';
import { buildAppImage, parseAppVersion } from '../../rig/virtual/app/app-image.js';
import { APP_URI, appUpdateEnvelope } from '../../rig/suites/app-update.js';
import { runCli } from '../helpers/cli.js';
import { describeOnDatabases } from '../helpers/databases.js';
import { freePort, serviceWithBoard, type TestService } from './fixture.js';
import { authorKey } from './releases-fixture.js';

const app = (version: string) => buildAppImage({ behaviour: 'healthy', version: parseAppVersion(version), size: 24_000 });

describeOnDatabases('--tracker on status, update and flash', (flavour) => {
  let s: TestService, url: string, port: string, dir: string, close: (() => Promise<void>) | undefined;
  beforeAll(async () => ({ s, url, port, dir, close } = await serviceWithBoard(flavour, 'suitrig-tracker-')));
  afterAll(() => close?.());

  const tracked = (token = s.tokens.agent) => ['--tracker', url, '--token', token, '--tracker-board', 'desk-1'];
  const get = async (path: string) => (await s.app.inject({ url: `/api/v1${path}`, headers: s.as('viewer') })).json();

  it('flash reports its outcome and the image that runs', async () => {
    const file = join(dir, 'app-2.0.0.bin');
    writeFileSync(file, createImage(app('2.0.0'), { key: authorKey as PrivateKey, version: parseVersion('2.0.0'), securityCounter: 1 }));
    const r = await runCli(['flash', '--port', port, file, '--json', ...tracked()]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ booted: true });
    expect(r.stderr).toContain(`tracker   reported flash of desk-1 to ${url}`);
    const b = await get('/boards/desk-1');
    expect(b).toMatchObject({ kind: 'tcp', state: 'idle', status: { app_version: '2.0.0' } });
    const h = await get('/boards/desk-1/history');
    expect(h.history[0]).toMatchObject({ kind: 'flash', detail: { outcome: { result: 'booted', exit_code: 0 } } });
  });

  it('status reports what the board runs: slots, SUIT state', async () => {
    const r = await runCli(['status', '--port', port, '--json', ...tracked()]);
    expect(r.code, r.stderr).toBe(0);
    expect(() => JSON.parse(r.stdout)).not.toThrow();
    const b = await get('/boards/desk-1');
    expect(b.status).toMatchObject({ run_state: 'application', app_version: '2.0.0' });
    expect(b.status.slots[0]).toMatchObject({ image: 0, slot: 0, version: '2.0.0', flags: expect.arrayContaining(['active']) });
    const h = await get('/boards/desk-1/history?limit=1');
    expect(h.history[0]).toMatchObject({ kind: 'status', detail: { detail: { port } } });
  });

  it('update reports the outcome and the state after it, with the exit status unchanged', async () => {
    const env = join(dir, 'app-2.1.0.suit');
    const payload = join(dir, 'app-2.1.0.bin');
    const bytes = app('2.1.0');
    writeFileSync(payload, bytes);
    writeFileSync(env, appUpdateEnvelope({ sequence: 3n, payload: bytes }, authorKey));
    const r = await runCli(['update', '--port', port, env, '--payload', `${APP_URI}=${payload}`, ...tracked()]);
    expect(r.code, r.stderr).toBe(0);
    // Newest first: the reservation update took for its duration (board-hold.ts) ends after its report.
    const h = await get('/boards/desk-1/history?limit=8');
    const lines = h.history.filter((l: { kind: string }) => l.kind === 'update' || l.kind === 'reservation');
    expect(lines.slice(0, 3).map((l: { kind: string; detail: { action?: string } }) => l.detail.action ?? l.kind)).toEqual(['released', 'update', 'reserved']);
    expect(lines[1]).toMatchObject({ kind: 'update', detail: { outcome: { exit_code: 0, sequence: 3 } } });
    const b = await get('/boards/desk-1');
    expect(b.status).toMatchObject({ suit_sequence: 3, app_version: expect.stringMatching(/^2\.1\.0/) });
  });

  it('an unreachable service or a refused token is a warning; the verdict stands', async () => {
    const closed = await freePort();
    const down = await runCli(['status', '--port', port, '--tracker', `http://127.0.0.1:${closed}`, '--token', s.tokens.agent, '--tracker-board', 'desk-1']);
    expect(down.code).toBe(0);
    expect(down.stderr).toContain(`warning: tracker http://127.0.0.1:${closed}: ECONNREFUSED; the result above stands`);
    const viewer = await runCli(['status', '--port', port, ...tracked(s.tokens.viewer)]);
    expect(viewer.code).toBe(0);
    expect(viewer.stderr).toMatch(/warning: tracker .* answered 403 forbidden: .*needs the agent role/);
    expect(viewer.stderr).not.toContain(s.tokens.viewer);
  });

  it('refuses tracker options that cannot work, before opening the board (exit 2)', async () => {
    const noToken = await runCli(['status', '--port', port, '--tracker', url, '--tracker-board', 'x'], { env: { ...process.env, SUITRIG_TOKEN: '' } });
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toMatch(/--tracker needs a token/);
    const noName = await runCli(['status', '--port', port, '--tracker', url, '--token', s.tokens.agent]);
    expect(noName.code).toBe(2);
    expect(noName.stderr).toMatch(/--tracker-board NAME/);
    const badUrl = await runCli(['status', '--port', port, '--tracker', 'ftp://x', '--token', 't', '--tracker-board', 'x']);
    expect(badUrl.code).toBe(2);
    const stray = await runCli(['status', '--port', port, '--token', 't']);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toMatch(/--token and --tracker-board go with --tracker/);
  });
});

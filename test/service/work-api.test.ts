/**
 * The campaign and run routes over HTTP (issue 12 "Must show"), on PGlite and on the PostgreSQL
 * server, with the in-process agent serving virtual boards of a lab file:
 * - a campaign started with POST /campaigns, followed with GET, paused, resumed and cancelled;
 *   requests that mean nothing are 400 naming the problem, and create nothing;
 * - POST /runs of rfc9019 cases on a board: the run's JSON report (as `run --json`) and JUnit XML
 *   are served; `suitrig run --tracker URL --token T` records a command-line run, the same report.
 */
import { afterEach, expect, it } from 'vitest';
import { APP_URI, app, envelope, es256Key } from '../board/fixtures.js';
import { runCli } from '../helpers/cli.js';
import { describeOnDatabases } from '../helpers/databases.js';
import { storeRelease, virtualLab, waitFor } from '../helpers/service.js';
import { tempDir } from '../rig/helpers/lab-files.js';
import { testService, type TestService } from './fixture.js';

interface CampaignJson {
  id: number;
  state: string;
  reason: string | null;
  current_group: number;
  counts: Record<string, number>;
  boards: { board: string; group: number; state: string; reason: string | null; attempts: number }[];
}

describeOnDatabases('campaign and run routes', (flavour) => {
  let s: TestService | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  async function serve(boards: string[]): Promise<TestService> {
    s = await testService(flavour, { work: { leaseMs: 3_000, sweepMs: 250 }, agent: virtualLab(boards.map((name) => ({ name, tags: ['rack'] }))) });
    return s;
  }

  async function release(version: string, sequence: number): Promise<string> {
    const payload = app(version, 'healthy', 8 * 1024);
    return storeRelease(s!.db, envelope({ sequence, payload, key: es256Key }), new Map([[APP_URI, payload]]), sequence);
  }

  const get = async (url: string, role: 'viewer' | 'operator' = 'viewer') => s!.app.inject({ method: 'GET', url: `/api/v1${url}`, headers: s!.as(role) });
  const post = async (url: string, payload?: object) => s!.app.inject({ method: 'POST', url: `/api/v1${url}`, headers: s!.as('operator'), ...(payload ? { payload } : {}) });
  const campaign = async (id: number): Promise<CampaignJson> => (await get(`/campaigns/${id}`)).json() as CampaignJson;
  const quiet = (c: CampaignJson): boolean => c.state !== 'running' && c.boards.every((b) => ['pending', 'confirmed', 'refused', 'reverted', 'failed', 'timed-out', 'cancelled'].includes(b.state));

  it('starts, follows, pauses, resumes and cancels a campaign; refuses requests that mean nothing', async () => {
    await serve(['b1', 'b2', 'b3']);
    const rel = await release('1.1.0', 2);
    const bad: [object, number, RegExp][] = [
      [{ release: rel, boards: ['b1', 'b9'] }, 400, /no board 'b9' \(did you mean 'b1'\?\)/],
      [{ release: rel, tag: 'nothing' }, 400, /no board has the tag 'nothing'/],
      [{ release: rel, boards: ['b1'], tag: 'rack' }, 400, /either by name .* or by tag/],
      [{ release: rel, boards: ['b1', 'b1'] }, 400, /board 'b1' is named twice/],
      [{ release: rel, tag: 'rack', groups: [2, 2] }, 400, /groups add up to 4 boards, but the campaign has 3/],
      [{ release: rel, tag: 'rack', error_threshold: 0 }, 400, /error_threshold: 0 would pause/],
      [{ release: rel, tag: 'rack', deadline_s: 10, confirm_s: 20 }, 400, /confirm_s: expected whole seconds from 0 to 10/],
      [{ release: 'ab'.repeat(32), tag: 'rack' }, 400, /no release 'abab/],
      [{ release: rel, tag: 'rack', success_threshold: 1.5 }, 400, /success_threshold/],
      [{ release: rel, tag: 'rack', extra: 1 }, 400, /unknown field 'extra'/],
    ];
    for (const [body, status, msg] of bad) {
      const r = await post('/campaigns', body);
      expect(r.statusCode, JSON.stringify(body)).toBe(status);
      expect((r.json() as { error: { message: string } }).error.message).toMatch(msg);
    }
    expect(await s!.db.query('SELECT id FROM campaigns')).toEqual([]);
    expect((await get('/campaigns/99')).statusCode).toBe(404);

    // One group per board, paused at once: the first board may have started (it finishes), the rest wait.
    const created = await post('/campaigns', { release: rel, tag: 'rack', groups: [1, 1, 1], deadline_s: 60 });
    expect(created.statusCode).toBe(201);
    const id = (created.json() as CampaignJson).id;
    expect((await post(`/campaigns/${id}/pause`)).json()).toMatchObject({ state: 'paused', reason: 'paused by the operator' });
    expect((await post('/campaigns', { release: rel, boards: ['b2'] })).json()).toMatchObject({ error: { code: 'conflict', message: expect.stringMatching(new RegExp(`board 'b2' is in campaign ${id} \\(paused\\)`)) } });
    const paused = await waitFor(() => campaign(id), quiet, 30_000, 'the paused campaign to be quiet');
    expect(paused.state).toBe('paused');
    expect(paused.boards.slice(1).map((b) => [b.board, b.state, b.attempts])).toEqual([
      ['b2', 'pending', 0],
      ['b3', 'pending', 0],
    ]);
    await new Promise((r) => setTimeout(r, 700));
    expect((await campaign(id)).boards.slice(1).map((b) => b.state)).toEqual(['pending', 'pending']);
    expect((await post(`/campaigns/${id}/resume`)).json()).toMatchObject({ state: 'running', reason: null });
    const done = await waitFor(() => campaign(id), (c) => c.state === 'done', 60_000, 'the resumed campaign to end');
    expect(done.boards.map((b) => [b.board, b.group, b.state, b.attempts])).toEqual([
      ['b1', 1, 'confirmed', 1],
      ['b2', 2, 'confirmed', 1],
      ['b3', 3, 'confirmed', 1],
    ]);
    expect(done.counts).toMatchObject({ confirmed: 3, pending: 0, installed: 0 });
    expect((await post(`/campaigns/${id}/pause`)).statusCode).toBe(409);

    // Cancelled at once: boards not reached end cancelled, nothing is left running.
    const next = (await post('/campaigns', { release: await release('1.2.0', 3), tag: 'rack', groups: [1, 2] })).json() as CampaignJson;
    const cancelRes = await post(`/campaigns/${next.id}/cancel`);
    expect(cancelRes.statusCode, cancelRes.body).toBe(200);
    const cancelled = cancelRes.json() as CampaignJson;
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.boards.slice(1).map((b) => b.state)).toEqual(['cancelled', 'cancelled']);
    const after = await waitFor(() => campaign(next.id), quiet, 30_000, 'the cancelled campaign to be quiet');
    expect(['confirmed', 'cancelled']).toContain(after.boards[0]!.state);
    const list = (await get('/campaigns')).json() as { campaigns: CampaignJson[] };
    expect(list.campaigns.map((c) => [c.id, c.state])).toEqual([
      [next.id, 'cancelled'],
      [id, 'done'],
    ]);
    expect((await get('/campaigns?state=done')).json()).toMatchObject({ campaigns: [{ id, counts: { confirmed: 3 } }] });

    // The same from the command line.
    await s!.app.listen({ host: '127.0.0.1', port: 0 });
    const tracker = ['--tracker', `http://127.0.0.1:${(s!.app.server.address() as { port: number }).port}`];
    const env = { ...process.env, SUITRIG_TOKEN: s!.tokens.operator };
    const cli = await runCli(['campaign', 'start', await release('1.3.0', 4), '--tag', 'rack', '--groups', '1,2', '--wait', ...tracker], { env });
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/^campaign \d+: done \(3 confirmed\);/);
    expect(cli.stdout).toMatch(/\n {2}b3 {5}group 2 {2}confirmed {3}runs sequence 4 \(app 1\.3\.0\), confirmed\n/);
    const missing = await runCli(['campaign', 'show', '999', ...tracker], { env });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/answered 404 not-found: no campaign 999/);
    const viewer = await runCli(['campaign', 'start', await release('1.4.0', 5), '--tag', 'rack', ...tracker], { env: { ...process.env, SUITRIG_TOKEN: s!.tokens.viewer } });
    expect(viewer.code).toBe(2);
    expect(viewer.stderr).toMatch(/answered 403 forbidden: POST \/api\/v1\/campaigns needs the operator role/);
  }, 180_000);

  it('POST /runs: the report and JUnit of rfc9019 cases on a board; run --tracker records a command-line run', async () => {
    await serve(['r1']);
    const cases = ['trusted-author-accepted', 'untrusted-key-rejected'];
    expect((await post('/runs', { suite: 'nosuch', boards: ['r1'] })).json()).toMatchObject({ error: { message: expect.stringMatching(/unknown suite 'nosuch'; the service runs the built-in suites: rfc9019/) } });
    expect((await post('/runs', { suite: 'rfc9019', boards: ['r1'], cases: ['no-such-case'] })).json()).toMatchObject({ error: { message: expect.stringMatching(/has no case 'no-such-case'/) } });
    expect((await post('/runs', { suite: '../evil.js', boards: ['r1'] })).statusCode).toBe(400);
    const started = await post('/runs', { suite: 'rfc9019', boards: ['r1'], seed: 7, cases });
    expect(started.statusCode).toBe(201);
    const id = (started.json() as { id: number }).id;
    const pending = await get(`/runs/${id}`);
    expect([200, 202]).toContain(pending.statusCode);
    const finished = await waitFor(() => get(`/runs/${id}`), (r) => r.statusCode === 200, 90_000, 'the run to finish');
    const report = finished.json() as { schema: string; seed: number; result: string; totals: object; boards: { name: string; cases: { id: string; outcome: string }[] }[]; run: { state: string; origin: string } };
    expect(report).toMatchObject({ schema: 'suitrig-run-report', version: 1, seed: 7, result: 'passed', suite: { name: 'rfc9019' }, totals: { cases: 2, passed: 2 }, run: { id, state: 'passed', origin: 'service' } });
    expect(report.boards.map((b) => [b.name, b.cases.map((c) => [c.id, c.outcome])])).toEqual([['r1', cases.map((c) => [c, 'passed'])]]);
    const junit = await get(`/runs/${id}/junit.xml`);
    expect(junit.statusCode).toBe(200);
    expect(junit.headers['content-type']).toMatch(/^application\/xml/);
    expect(junit.body).toMatch(/<testsuite name="rfc9019 on r1"[^>]* tests="2" failures="0" errors="0"/);
    const history = await s!.db.query<{ detail: { run: number; state: string } }>("SELECT detail FROM board_history WHERE board = 'r1' AND kind = 'run' ORDER BY id");
    expect(history.map((h) => [h.detail.run, h.detail.state])).toEqual([
      [id, 'running'],
      [id, 'done'],
    ]);

    // The command line's own run, recorded through the HTTP API.
    await s!.app.listen({ host: '127.0.0.1', port: 0 });
    const addr = s!.app.server.address() as { port: number };
    const cli = await runCli(['run', 'rfc9019', '--board', 'virtual', '--case', cases[1]!, '--seed', '9', '--json', '--tracker', `http://127.0.0.1:${addr.port}`], { cwd: tempDir(), env: { ...process.env, SUITRIG_TOKEN: s!.tokens.operator } });
    expect(cli.code, cli.stderr).toBe(0);
    const m = /tracker {3}recorded as run (\d+): /.exec(cli.stderr);
    expect(m, cli.stderr).not.toBeNull();
    const recorded = (await get(`/runs/${m![1]}`)).json() as { run: object };
    const { run, ...same } = recorded;
    expect(run).toMatchObject({ origin: 'cli', state: 'passed', seed: 9, suite: 'rfc9019' });
    expect(same).toEqual(JSON.parse(cli.stdout));
    expect((await get(`/runs/${m![1]}/junit.xml`)).body).toMatch(/<testsuite name="rfc9019 on virtual"/);
    const noToken = await runCli(['run', 'rfc9019', '--board', 'virtual', '--case', cases[1]!, '--tracker', `http://127.0.0.1:${addr.port}`], { cwd: tempDir(), env: { ...process.env, SUITRIG_TOKEN: '' } });
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toMatch(/--tracker needs a token/);
  }, 180_000);
});

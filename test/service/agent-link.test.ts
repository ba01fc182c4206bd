/**
 * The agent link over HTTP (issue 13), on PGlite and on the PostgreSQL server: the agent routes
 * behind a listening service and rig/service/agent/http-link.ts in front of them.
 * - an agent over HTTP works a QA run (its board's part checked against the route's schema and
 *   rendered into the run's report) and a campaign update (progress, verdict, upload figures,
 *   console lines, the release downloaded and checked); one cut off for longer than the TTL
 *   registers again once its heartbeat names its boards offline, and they come back;
 * - the routes refuse what is not the caller's: another token's agent and boards (403), a
 *   process whose name was taken over (heartbeat not held, no job), a job claimed by another
 *   process (held false, nothing changed), a move the state machine does not make (409), a wait
 *   beyond the bound (400);
 * - a request for the next job stops waiting when its client goes away (it takes no job), is
 *   answered as soon as a job comes, and at once when the service stops.
 * And without a database: the link's retries are bounded and only for calls that got no answer,
 * refusals name the service's reason and never the token, releases are checked against their
 * digests and bounded; `suitrig agent` and `serve`'s new options refuse bad usage (exit 2).
 */
import { createServer, type Server } from 'node:http';
import { randomUUID, createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import { afterEach, describe, expect, it } from 'vitest';
import { BoardResultSchema, fitBoardResult } from '../../rig/service/api/board-result-schema.js';
import type { BoardResult } from '../../rig/runner/result.js';
import { Agent } from '../../rig/service/agent/agent.js';
import { HttpLink } from '../../rig/service/agent/http-link.js';
import { createToken } from '../../rig/service/auth/tokens.js';
import { markSilentBoardsOffline } from '../../rig/service/store/agents.js';
import { TrackerClient, TrackerError } from '../../rig/service/client/tracker.js';
import { APP_URI, app, envelope, es256Key } from '../board/fixtures.js';
import { runCli } from '../helpers/cli.js';
import { describeOnDatabases } from '../helpers/databases.js';
import { tempDir, writeFile } from '../rig/helpers/lab-files.js';
import { storeRelease, virtualLab, waitFor } from '../helpers/service.js';
import { testService, type TestService } from './fixture.js';

interface CampaignJson {
  state: string;
  boards: { board: string; state: string; attempts: number; reason: string | null }[];
}

describeOnDatabases('the agent link over HTTP', (flavour) => {
  let s: TestService | undefined;
  let agent: Agent | undefined;
  afterEach(async () => {
    await agent?.stop();
    await s?.close();
    agent = s = undefined;
  });

  /**
   * The service listening on a free port, its work started with a fast sweep; its URL. The TTL is
   * long: links driven by hand here send no heartbeats.
   */
  async function serve(): Promise<string> {
    s = await testService(flavour, { work: { leaseMs: 10_000, sweepMs: 250, agentTtlS: 30 } });
    await s.app.listen({ host: '127.0.0.1', port: 0 });
    return `http://127.0.0.1:${(s.app.server.address() as AddressInfo).port}`;
  }

  const link = (url: string, token = s!.tokens.agent) => new HttpLink(new TrackerClient(url, token));
  const api = async (method: string, path: string, body?: object, role: 'operator' | 'viewer' = 'operator') =>
    s!.app.inject({ method: method as 'GET', url: `/api/v1${path}`, headers: s!.as(role), ...(body ? { payload: body } : {}) });
  async function release(): Promise<string> {
    const payload = app('1.1.0', 'healthy', 8 * 1024);
    return storeRelease(s!.db, envelope({ sequence: 2, payload, key: es256Key }), new Map([[APP_URI, payload]]), 2);
  }

  it('an agent over HTTP works a QA run and a campaign update: report, progress, verdict, uploads, console', async () => {
    const url = await serve();
    agent = await Agent.start({ name: 'remote', lab: virtualLab([{ name: 'h1', tags: ['rack'] }]), link: link(url), pollMs: 1_000 });
    const cases = ['trusted-author-accepted', 'untrusted-key-rejected'];
    const run = (await api('POST', '/runs', { suite: 'rfc9019', boards: ['h1'], seed: 11, cases })).json() as { id: number };
    const finished = await waitFor(() => api('GET', `/runs/${run.id}`, undefined, 'viewer'), (r) => r.statusCode === 200, 60_000, 'the run over HTTP');
    const report = finished.json() as { result: string; boards: { name: string; target: { kind: string }; cases: { id: string; outcome: string }[] }[] };
    expect(report.result).toBe('passed');
    expect(report.boards.map((b) => [b.name, b.target.kind, b.cases.map((c) => [c.id, c.outcome])])).toEqual([['h1', 'virtual', cases.map((c) => [c, 'passed'])]]);

    const rel = await release();
    const c = (await api('POST', '/campaigns', { release: rel, boards: ['h1'] })).json() as { id: number };
    const done = await waitFor(async () => (await api('GET', `/campaigns/${c.id}`, undefined, 'viewer')).json() as CampaignJson, (x) => x.state !== 'running', 60_000, 'the campaign over HTTP');
    expect(done.boards.map((b) => [b.board, b.state])).toEqual([['h1', 'confirmed']]);
    const h = (await api('GET', '/boards/h1/history?limit=500', undefined, 'viewer')).json() as { history: { kind: string; detail: Record<string, unknown> }[] };
    const walk = h.history.filter((l) => l.kind === 'campaign').map((l) => l.detail.state).reverse();
    expect(walk).toEqual(['pending', 'delivering', 'installed', 'rebooting', 'booted', 'confirmed']);
    // The status the verdict carried is recorded before it: whoever sees the verdict finds the inventory current.
    const oldestFirst = [...h.history].reverse();
    const newStatus = oldestFirst.findIndex((l) => l.kind === 'status' && /^1\.1\.0/.test(String((l.detail.status as { app_version?: string } | undefined)?.app_version)));
    const verdict = oldestFirst.findIndex((l) => l.kind === 'campaign' && l.detail.state === 'confirmed');
    expect(newStatus).toBeGreaterThan(-1);
    expect(newStatus).toBeLessThan(verdict);
    expect(h.history.filter((l) => l.kind === 'upload').map((l) => l.detail.what)).toContain('payload');
    const status = (await api('GET', '/boards/h1', undefined, 'viewer')).json() as { status: { app_version: string } };
    expect(status.status.app_version).toMatch(/^1\.1\.0/);
    await agent.stop();
    agent = undefined;
    // The console relay's last batch went out as the agent stopped.
    const lines = (await api('GET', '/boards/h1/console', undefined, 'viewer')).json() as { lines: { text: string }[] };
    expect(lines.lines.length).toBeGreaterThan(0);
  }, 120_000);

  it('an agent cut off for longer than the TTL registers again when its heartbeat names its boards offline', async () => {
    const url = await serve();
    agent = await Agent.start({ name: 'remote', lab: virtualLab([{ name: 'k1' }]), link: link(url), heartbeatMs: 200, pollMs: 1_000 });
    // What the sweep does to an agent it has not heard from for its TTL (here: at once).
    expect(await markSilentBoardsOffline(s!.db, 0)).toEqual(['k1']);
    const state = async () => ((await api('GET', '/boards/k1', undefined, 'viewer')).json() as { state: string }).state;
    await waitFor(state, (x) => x === 'idle', 10_000, 'k1 back');
    const h = (await api('GET', '/boards/k1/history?limit=50', undefined, 'viewer')).json() as { history: { kind: string; detail: { to?: string; why?: string } }[] };
    const states = h.history.filter((l) => l.kind === 'state').map((l) => `${l.detail.to}: ${l.detail.why}`).reverse();
    expect(states.slice(-2)).toEqual(['offline: agent remote sent no heartbeat for 0 s', 'idle: registered by agent remote']);
  }, 60_000);

  it("refuses what is not the caller's: other tokens, taken-over processes, lost claims, impossible moves, unbounded waits", async () => {
    const url = await serve();
    const first = link(url);
    const i1 = randomUUID();
    const terms = await first.register('lab-a', i1, [{ name: 'r1', kind: 'virtual', tags: ['rack'] }]);
    expect(terms).toEqual({ heartbeatMs: 3_333, ttlS: 30, leaseMs: 10_000 });

    // Another agent token may not speak for lab-a, its process or its boards.
    const other = (await createToken(s!.db, 'agent', 'another lab')).token;
    const stranger = new TrackerClient(url, other);
    const refused = async (p: Promise<unknown>, status: number, msg: RegExp) => {
      const e = (await p.then(() => undefined, (x: unknown) => x)) as TrackerError;
      expect(e, String(msg)).toBeInstanceOf(TrackerError);
      expect(e.status).toBe(status);
      expect(e.message).toMatch(msg);
      expect(e.message).not.toContain(other);
    };
    await refused(stranger.call('PUT', `/agents/lab-a/processes/${randomUUID()}`, { boards: [] }), 403, /agent lab-a was registered with another token/);
    await refused(stranger.call('POST', `/agents/lab-a/processes/${i1}/heartbeat`), 403, /agent lab-a is spoken for by another token/);
    await refused(stranger.call('POST', '/boards/r1/console', { lines: ['x'], dropped: 0 }), 403, /board r1 is spoken for by another token/);
    await refused(stranger.call('POST', '/boards/r1/uploads', { campaign: 1, what: 'envelope', bytes: 1, ms: 1 }), 403, /board r1 is spoken for/);
    // A wait beyond the bound, and a board of another agent.
    const agentClient = new TrackerClient(url, s!.tokens.agent);
    await refused(agentClient.call('POST', `/agents/lab-a/processes/${i1}/boards/r1/next-job`, { wait_ms: 30_001 }), 400, /wait_ms/);
    await new HttpLink(new TrackerClient(url, other)).register('lab-b', randomUUID(), [{ name: 'r2', kind: 'virtual' }]);
    await refused(agentClient.call('POST', `/agents/lab-a/processes/${i1}/boards/r2/next-job`, {}), 409, /board r2 is served by agent lab-b/);

    // A second process takes lab-a over: the first is told at its heartbeat, and gets no job.
    const second = link(url);
    const i2 = randomUUID();
    await second.register('lab-a', i2, [{ name: 'r1', kind: 'virtual', tags: ['rack'] }]);
    expect(await first.heartbeat('lab-a', i1)).toEqual({ held: false, offline: [] });
    expect(await second.heartbeat('lab-a', i2)).toEqual({ held: true, offline: [] });
    const never = new AbortController();
    await refused(first.nextJob('lab-a', i1, 'r1', 0, never.signal), 409, /this process of agent lab-a is not its live one/);

    // A job of the live process: another process's reports find no claim; impossible moves are refused.
    const c = (await api('POST', '/campaigns', { release: await release(), boards: ['r1'] })).json() as { id: number };
    const job = (await second.nextJob('lab-a', i2, 'r1', 5_000, never.signal))!;
    expect(job.data).toMatchObject({ kind: 'update', board: 'r1', campaign: c.id });
    expect(await first.updateProgress(job.claim, c.id, { to: 'delivering' })).toBe(false);
    expect(await first.renew(job.claim)).toBe(false);
    const base = `/agents/lab-a/processes/${i2}/boards/r1/jobs/${job.claim.jobId}`;
    await refused(agentClient.call('POST', `${base}/progress`, { campaign: c.id, to: 'booted' }), 409, /pending -> booted is not a move a board makes/);
    await refused(agentClient.call('POST', `${base}/verdict`, { campaign: c.id, to: 'delivering', reason: 'x' }), 400, /to/);
    const view = async () => ((await api('GET', `/campaigns/${c.id}`, undefined, 'viewer')).json() as CampaignJson).boards[0]!;
    expect((await view()).state).toBe('pending');
    // States passed on the way are one transaction with the move: an impossible one refuses it all.
    await refused(agentClient.call('POST', `${base}/progress`, { campaign: c.id, to: 'delivering', via: [{ to: 'delivering' }, { to: 'installed' }] }), 409, /installed -> delivering is not a move a board makes/);
    await refused(agentClient.call('POST', `${base}/progress`, { campaign: c.id, to: 'rebooting', via: [{ to: 'confirmed' }] }), 400, /via/);
    expect((await view()).state).toBe('pending');
    expect(await second.updateProgress(job.claim, c.id, { to: 'delivering', detail: { note: 'over http' } })).toBe(true);
    expect(await second.renew(job.claim)).toBe(true);
    // Handed back: the claim is gone, later reports change nothing.
    await second.handBack(job.claim, 'the test stops');
    expect(await second.renew(job.claim)).toBe(false);
    expect(await second.updateVerdict(job.claim, c.id, { to: 'confirmed', reason: 'too late' })).toBe(false);
    expect(await view()).toMatchObject({ state: 'delivering', attempts: 1 });
    const boardState = (await api('GET', '/boards/r1', undefined, 'viewer')).json() as { state: string };
    expect(boardState.state).toBe('idle');

    // Leaving: the boards go offline at once; a later heartbeat is not held.
    await second.leave('lab-a', i2);
    expect(((await api('GET', '/boards/r1', undefined, 'viewer')).json() as { state: string }).state).toBe('offline');
    expect((await second.heartbeat('lab-a', i2)).held).toBe(false);
  }, 60_000);

  it('a request for the next job stops waiting when its client goes away, is answered when a job comes, and when the service stops', async () => {
    const url = await serve();
    const l = link(url);
    const me = randomUUID();
    await l.register('lab-a', me, [{ name: 'w1', kind: 'virtual' }]);

    // A client that goes away: its request takes no job that comes later.
    const gone = new AbortController();
    const waiting = l.nextJob('lab-a', me, 'w1', 20_000, gone.signal);
    await new Promise((r) => setTimeout(r, 500));
    gone.abort();
    expect(await waiting).toBeUndefined();
    await new Promise((r) => setTimeout(r, 300));
    const c = (await api('POST', '/campaigns', { release: await release(), boards: ['w1'] })).json() as { id: number };
    await new Promise((r) => setTimeout(r, 1_500));
    const board = ((await api('GET', `/campaigns/${c.id}`, undefined, 'viewer')).json() as CampaignJson).boards[0]!;
    expect(board).toMatchObject({ state: 'pending', attempts: 0 });
    expect(((await api('GET', '/boards/w1', undefined, 'viewer')).json() as { state: string }).state).toBe('idle');

    // A job that comes while a request waits: answered at once, not after the wait.
    await api('POST', `/campaigns/${c.id}/cancel`);
    const never = new AbortController();
    const later = l.nextJob('lab-a', me, 'w1', 20_000, never.signal);
    await new Promise((r) => setTimeout(r, 500));
    let t = Date.now();
    const c2 = (await api('POST', '/campaigns', { release: await release(), boards: ['w1'] })).json() as { id: number };
    const woken = await later;
    expect(woken?.data).toMatchObject({ kind: 'update', campaign: c2.id });
    expect(Date.now() - t).toBeLessThan(5_000);
    await l.handBack(woken!.claim, 'the test takes it back');
    await api('POST', `/campaigns/${c2.id}/cancel`);

    // The service stopping ends a wait at once.
    const stopping = l.nextJob('lab-a', me, 'w1', 20_000, never.signal).then(
      (j) => j,
      (e: Error) => e,
    );
    await new Promise((r) => setTimeout(r, 500));
    t = Date.now();
    // s.close() stops it again after the test, which then does nothing.
    const stopped = s!.work!.stop();
    expect(await stopping).toBeUndefined();
    expect(Date.now() - t).toBeLessThan(5_000);
    await stopped;
  }, 60_000);
});

describe('the HTTP link without a service behind it', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    server = undefined;
  });

  /** A tiny server answering each request with `answer`; its URL and how many requests came. */
  async function fake(answer: (path: string) => { status: number; body: string | Buffer }): Promise<{ url: string; hits: string[] }> {
    const hits: string[] = [];
    server = createServer((req, res) => {
      hits.push(req.url!);
      const a = answer(req.url!);
      res.writeHead(a.status, { 'content-type': typeof a.body === 'string' ? 'application/json' : 'application/octet-stream' });
      res.end(a.body);
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
  }

  const TOKEN = 'suitrig_secret-token-never-shown';

  it('retries a call that got no answer a bounded number of times, never a refusal, and never names the token', async () => {
    const closed = await fake(() => ({ status: 200, body: '{}' }));
    await new Promise((r) => server!.close(r));
    const unreachable = new HttpLink(new TrackerClient(closed.url, TOKEN), { backoffMs: [20, 20] });
    const e1 = (await unreachable.heartbeat('lab', randomUUID()).catch((e: unknown) => e)) as TrackerError;
    expect(e1).toBeInstanceOf(TrackerError);
    expect(e1.message).toBe(`${closed.url}: ECONNREFUSED`);
    expect(e1.message).not.toContain(TOKEN);

    const busy = await fake(() => ({ status: 503, body: JSON.stringify({ error: { code: 'unavailable', message: 'starting' } }) }));
    const e2 = (await new HttpLink(new TrackerClient(busy.url, TOKEN), { backoffMs: [20, 20] }).heartbeat('lab', randomUUID()).catch((e: unknown) => e)) as TrackerError;
    expect(e2.status).toBe(503);
    expect(busy.hits.length).toBe(3);
    await new Promise((r) => server!.close(r));

    const refusing = await fake(() => ({ status: 409, body: JSON.stringify({ error: { code: 'conflict', message: 'board x1 is served by agent lab-b, which has not gone offline' } }) }));
    const e3 = (await new HttpLink(new TrackerClient(refusing.url, TOKEN), { backoffMs: [20, 20] }).register('lab', randomUUID(), []).catch((e: unknown) => e)) as TrackerError;
    expect(e3.message).toMatch(/PUT \/agents\/lab\/processes\/\S+ answered 409 conflict: board x1 is served by agent lab-b/);
    expect(e3.message).not.toContain(TOKEN);
    expect(refusing.hits.length).toBe(1);
  });

  it('downloads a release only when the envelope hashes to its id and each payload to its digest, within their sizes', async () => {
    const env = Buffer.from('an envelope');
    const payload = Buffer.from('a payload of some bytes');
    const id = createHash('sha256').update(env).digest('hex');
    const digest = createHash('sha256').update(payload).digest('hex');
    let served = { env: env as Buffer, payload: payload as Buffer };
    const srv = await fake((path) => {
      if (path === `/api/v1/releases/${id}`) return { status: 200, body: JSON.stringify({ payloads: [{ uri: 'file://app.bin', size: payload.length, digest }] }) };
      if (path === `/api/v1/releases/${id}/envelope`) return { status: 200, body: served.env };
      return { status: 200, body: served.payload };
    });
    const l = new HttpLink(new TrackerClient(srv.url, TOKEN));
    const r = await l.release(id);
    expect(Buffer.from(r.envelope)).toEqual(env);
    expect(Buffer.from(r.payloads.get('file://app.bin')!)).toEqual(payload);
    expect(srv.hits).toContain(`/api/v1/releases/${id}/payloads/${encodeURIComponent('file://app.bin')}`);

    served = { env: Buffer.from('another envelope'), payload };
    await expect(l.release(id)).rejects.toThrow(/the envelope served does not hash to the release id/);
    served = { env, payload: Buffer.from('a payload of SOME bytes') };
    await expect(l.release(id)).rejects.toThrow(/payload file:\/\/app\.bin served does not match its digest/);
    served = { env, payload: Buffer.concat([payload, Buffer.alloc(1_000_000)]) };
    await expect(l.release(id)).rejects.toThrow(/answered more than the 23 bytes expected/);
  });

  it('suitrig agent and serve: usage errors exit 2 with the reason on stderr, before anything starts', async () => {
    const dir = tempDir('suitrig-agent-cli-');
    writeFile(dir, 'rig.yaml', 'version: 1\nboards:\n  v1:\n    port: virtual\n');
    const env = { ...process.env, SUITRIG_TOKEN: '' };
    const cases: [string[], RegExp][] = [
      [['agent'], /--tracker http:\/\/HOST:PORT is required/],
      [['agent', '--tracker', 'ftp://x'], /--tracker ftp:\/\/x: expected the lab service's address/],
      [['agent', '--tracker', 'http://127.0.0.1:9'], /--tracker needs a token: --token T or SUITRIG_TOKEN/],
      [['agent', '--tracker', 'http://127.0.0.1:9', '--token', TOKEN, '--name', '../x'], /--name: '\.\.\/x' is not an agent name/],
      [['agent', '--tracker', 'http://127.0.0.1:9', '--token', TOKEN, '--grace', '3 weeks'], /--grace 3 weeks: expected a duration such as 0, 30s, 5m or 1h/],
      [['agent', '--tracker', 'http://127.0.0.1:9', '--token', TOKEN, '--lab', 'nothing.yaml'], /lab file .*nothing\.yaml/],
      [['agent', '--tracker', 'http://127.0.0.1:9', '--token', TOKEN, 'extra'], /unexpected argument 'extra'/],
      [['serve', '--agent-ttl', '0'], /--agent-ttl 0: expected whole seconds from 1 to 3600/],
      [['serve', '--job-lease', '2.5'], /--job-lease 2\.5: expected whole seconds from 1 to 3600/],
    ];
    for (const [argv, msg] of cases) {
      const r = await runCli(argv, { cwd: dir, env });
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr, argv.join(' ')).toMatch(msg);
      expect(r.stderr).not.toContain(TOKEN);
      expect(r.stdout).toBe('');
    }
  });

  it("cuts a board's part of a run to the route's bounds instead of having it refused", () => {
    const check = TypeBoxValidatorCompiler({ schema: BoardResultSchema, httpPart: 'body', method: 'POST', url: '/' } as Parameters<typeof TypeBoxValidatorCompiler>[0]) as (v: unknown) => { error?: unknown };
    const step = { name: 'deliver', outcome: 'failed' as const, durationMs: 12.5, message: 'm'.repeat(10_000) };
    const result: BoardResult = {
      name: 'h1',
      target: { kind: 'virtual', url: 'virtual', baud: 115200 },
      seed: 3,
      status: 'completed',
      logPath: '/tmp/x',
      startedAt: new Date(0).toISOString(),
      durationMs: 1.5,
      cases: [
        {
          id: 'c1',
          title: 't',
          tags: ['a'],
          seed: 3,
          outcome: 'failed',
          message: 'why '.repeat(3_000),
          startedAt: new Date(0).toISOString(),
          durationMs: 2.25,
          expected: { decision: { reject: ['digest-mismatch'] } },
          actual: { decision: { kind: 'reject', reason: 'digest-mismatch', message: 'x'.repeat(9_000) }, source: 'board' },
          steps: Array.from({ length: 300 }, () => step),
          cleanup: [],
        },
      ],
    };
    expect(check(result).error).toBeDefined();
    const fitted = fitBoardResult(result);
    expect(check(fitted).error).toBeUndefined();
    expect(fitted.cases[0]!.message).toBe('why '.repeat(3_000).slice(0, 4_000));
    expect(fitted.cases[0]!.steps.length).toBe(200);
    expect(fitted.cases[0]!.actual.decision).toMatchObject({ kind: 'reject', reason: 'digest-mismatch' });
    expect(fitted.cases[0]!.expected.decision).toEqual({ reject: ['digest-mismatch'] });
    // What was within bounds is left as it was.
    expect(fitBoardResult({ ...result, cases: [] })).toEqual({ ...result, cases: [] });
  });
});

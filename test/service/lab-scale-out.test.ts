/**
 * The lab at scale (issue 13 "Must show"), on the PostgreSQL server: two `suitrig serve`
 * instances on one database, three `suitrig agent` processes on it with two virtual boards each
 * (their own processes over tcp, as boards behind a lab host's ser2net). A campaign over all six
 * boards is started through instance A; mid-campaign one agent is SIGKILLed and instance A is
 * SIGKILLed too. The killed agent's boards go offline within the heartbeat TTL; instance B goes
 * on serving the agents and finishes the campaign once the agent is back: every board confirmed,
 * each updated and reset exactly once (read from the boards), every move in its history.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES_URL, scratchDatabase, type ScratchDatabase } from '../helpers/databases.js';
import type { BoardProcess } from '../helpers/board-process.js';
import { LabProcesses, ServiceCalls, bootCount, type Served } from '../helpers/lab-service.js';
import { waitFor } from '../helpers/service.js';
import { tempDir, writeFile } from '../rig/helpers/lab-files.js';

const TTL_S = 3;
const SERVE_ARGS = ['--trust', 'author=keys/author.pub.pem', '--agent-ttl', String(TTL_S), '--job-lease', '4'];
const HOSTS: Record<string, string[]> = { 'host-a': ['s1', 's2'], 'host-b': ['s3', 's4'], 'host-c': ['s5', 's6'] };
const BOARDS = Object.values(HOSTS).flat();
const ACTIVE = ['delivering', 'installed', 'rebooting', 'booted'];
const title = 'two serve instances, three agents with two boards each, on one PostgreSQL server';

describe.skipIf(!POSTGRES_URL)(POSTGRES_URL ? title : `${title} (skipped: SUITRIG_TEST_POSTGRES not set)`, () => {
  let scratch: ScratchDatabase;
  let lab: LabProcesses;
  let boards: BoardProcess[];
  let a: Served;
  let b: Served;
  let auth: { authorization: string };
  let agentToken: string;

  beforeAll(async () => {
    scratch = await scratchDatabase('postgres');
    lab = new LabProcesses(tempDir('suitrig-scale-out-'), scratch.spec);
    boards = await lab.tcpBoards(BOARDS);
    auth = lab.token('operator');
    agentToken = lab.token('agent').authorization.replace(/^Bearer /, '');
    [a, b] = await Promise.all([lab.serve('A', SERVE_ARGS), lab.serve('B', SERVE_ARGS)]);
  }, 180_000);

  afterAll(async () => {
    await lab?.stopAll();
    await scratch?.drop();
  });

  /** `suitrig agent` for `host`'s boards, talking to the service at `url`, once it serves them. */
  function agent(host: string, url: string) {
    const lines = ['version: 1', 'boards:', ...HOSTS[host]!.flatMap((n) => [`  ${n}:`, '    tags: [rack]', `    port: ${boards[BOARDS.indexOf(n)]!.where}`])];
    const file = writeFile(lab.cwd, `${host}.yaml`, lines.join('\n') + '\n');
    return lab.start(host, ['agent', '--tracker', url, '--token', agentToken, '--lab', file, '--name', host], new RegExp(`^agent ${host}: serving `, 'm'));
  }

  it('a campaign over six boards of three agents, one agent and one instance SIGKILLed mid-campaign: the other instance finishes it, each board updated once', async () => {
    await Promise.all(Object.keys(HOSTS).map((h) => agent(h, b.url)));
    const viaA = new ServiceCalls(a.url, auth);
    const viaB = viaA.at(b.url);
    const bootsBefore = await Promise.all(boards.map((x) => bootCount(x.where)));
    const id = await viaA.startCampaign({ release: await viaA.release('1.1.0', 2, 64 * 1024), tag: 'rack', deadline_s: 180 });

    // host-c's boards under way: then host-c and instance A go, at once.
    const state = (c: { boards: { board: string; state: string }[] }, n: string) => c.boards.find((x) => x.board === n)!.state;
    await waitFor(() => viaB.campaign(id), (c) => HOSTS['host-c']!.every((n) => ACTIVE.includes(state(c, n))), 60_000, "host-c's boards to be updated");
    const killedAt = Date.now();
    await Promise.all([lab.kill('host-c'), lab.kill('A')]);

    // Through B: host-c's boards offline within the TTL (plus the sweep's period and the load's slack).
    await waitFor(
      () => viaB.json<{ boards: { state: string }[] }>('/boards?agent=host-c'),
      (x) => x.boards.every((y) => y.state === 'offline'),
      20_000,
      "host-c's boards offline",
    );
    const offlineMs = Date.now() - killedAt;
    console.log(`lab-scale-out: a SIGKILLed agent's boards offline ${offlineMs} ms after the kill (TTL ${TTL_S} s)`);
    expect(offlineMs).toBeLessThan(TTL_S * 1000 + 6_000);
    expect((await viaB.campaign(id)).state).toBe('running');

    // host-c back, on B: its dropped jobs are retried; B finishes the campaign.
    await agent('host-c', b.url);
    const done = await waitFor(() => viaB.campaign(id), (c) => c.state !== 'running', 150_000, 'the campaign to finish on B');
    expect(done.state, JSON.stringify(done)).toBe('done');
    expect(done.boards.map((x) => [x.board, x.state])).toEqual(BOARDS.map((n) => [n, 'confirmed']));
    for (const x of done.boards) expect(x.attempts, x.board).toBe(HOSTS['host-c']!.includes(x.board) ? 2 : 1);
    // Updated once and reset once: what the boards themselves say.
    expect(await Promise.all(boards.map((x) => bootCount(x.where)))).toEqual(bootsBefore.map((n) => n + 1));
    for (const n of BOARDS) {
      const walk = await viaB.walk(n, id);
      expect(walk[0], n).toBe('pending');
      expect(walk.at(-1), n).toBe('confirmed');
      expect(walk.filter((s) => s === 'installed').length, `${n}: ${walk.join(' ')}`).toBeLessThanOrEqual(1);
    }
    const h = await viaB.json<{ history: { kind: string; detail: { to?: string; why?: string; event?: string } }[] }>('/boards/s5/history?limit=500');
    expect(h.history.filter((l) => l.kind === 'state').map((l) => `${l.detail.to}: ${l.detail.why}`)).toContain(`offline: agent host-c sent no heartbeat for ${TTL_S} s`);
    expect(h.history.some((l) => l.kind === 'job' && l.detail.event === 'dropped')).toBe(true);
  }, 300_000);
});

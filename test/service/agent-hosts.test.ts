/**
 * Agents on other hosts (issue 13 "Must show"), on PGlite and on the PostgreSQL server, with real
 * processes only: a `suitrig serve` child (short heartbeat TTL and job lease), `suitrig agent`
 * children over HTTP, each serving a lab file of virtual boards that run as their own processes
 * over tcp (as boards behind a lab host's ser2net: they live on when an agent dies).
 *
 * - a campaign over the boards of two agents confirms on all; a third agent naming a board of the
 *   first is refused, naming the holder; a second process with the first one's name takes it
 *   over (the first stops, exit 1); SIGTERM makes an agent leave: its boards offline at once.
 * - mid-campaign, one agent is SIGKILLed and the other stopped with SIGTERM (no grace): the
 *   killed one's boards go offline within the TTL (measured), the stopped one hands its jobs back;
 *   started again, both finish the campaign: every board confirmed, each updated once and reset
 *   once (read from the board itself), every state change in the board's history.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { SmpClient } from '../../host/smp/client.js';
import { createToken } from '../../rig/service/auth/tokens.js';
import { openDatabase } from '../../rig/service/db/database.js';
import { migrate } from '../../rig/service/db/migrations.js';
import { openPort } from '../../host/transport/open.js';
import { APP_URI, app, envelope, es256Key } from '../board/fixtures.js';
import { CLI, startBoardProcess } from '../helpers/board-process.js';
import { describeOnDatabases, scratchDatabase, type ScratchDatabase } from '../helpers/databases.js';
import { exited, lineOn, listeningOn } from '../helpers/process.js';
import { waitFor } from '../helpers/service.js';
import { tempDir, writeFile } from '../rig/helpers/lab-files.js';
import { multipart } from './releases-fixture.js';

const TTL_S = 3;
const LEASE_S = 4;
const ACTIVE = ['delivering', 'installed', 'rebooting', 'booted'];

interface BoardJson {
  name: string;
  agent: string;
  state: string;
}
interface Campaign {
  state: string;
  boards: { board: string; state: string; attempts: number; reason: string | null }[];
}
interface History {
  history: { kind: string; at: string; detail: { state?: string; from?: string; to?: string; why?: string; campaign?: number; event?: string } }[];
}

async function bootCount(url: string): Promise<number> {
  const client = SmpClient.over(await openPort(url, { baudRate: 1_000_000 }), {});
  try {
    return (await client.rig.lastReport()).boot.count;
  } finally {
    await client.close();
  }
}

describeOnDatabases('agents on other hosts', (flavour) => {
  const children: ChildProcess[] = [];
  let scratch: ScratchDatabase | undefined;
  afterEach(async () => {
    for (const c of children.splice(0)) {
      if (c.exitCode === null && c.signalCode === null) {
        c.kill('SIGKILL');
        await exited(c);
      }
    }
    await scratch?.drop();
    scratch = undefined;
  });

  /** Board processes, the service, tokens and a release: what every test starts from. */
  async function lab(boards: string[], boardArgs: string[] = []) {
    const dir = tempDir('suitrig-hosts-');
    const where = new Map<string, string>();
    // Started together: each is a node process of its own, slow to start on a loaded machine.
    await Promise.all(
      boards.map(async (b) => {
        const p = await startBoardProcess(dir, ['--listen', 'tcp://127.0.0.1:0', '--state', join(dir, `state-${b}`), ...boardArgs]);
        children.push(p.child);
        where.set(b, p.where);
      }),
    );
    scratch = await scratchDatabase(flavour);
    // Tokens made here rather than by `suitrig token create`: two processes opening the database
    // cost more than the rest of the test on a loaded machine. (An embedded database is closed
    // before serve opens it.)
    const db = await openDatabase(scratch.spec);
    const [operatorToken, agentToken] = await (async () => {
      try {
        await migrate(db);
        return [(await createToken(db, 'operator', 'operator')).token, (await createToken(db, 'agent', 'lab hosts')).token];
      } finally {
        await db.close();
      }
    })();
    const operator = { authorization: `Bearer ${operatorToken}` };
    const serve = spawn(process.execPath, [CLI, 'serve', '--db', scratch.spec, '--listen', 'http://127.0.0.1:0', '--trust', `author=${join(dir, 'author.pub.pem')}`, '--agent-ttl', String(TTL_S), '--job-lease', String(LEASE_S)], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(serve);
    const { where: url } = await listeningOn(serve, 'serve', 60_000);

    /** A lab file of some of the boards, for one agent. */
    const labFile = (file: string, names: string[]): string =>
      writeFile(dir, file, ['version: 1', 'boards:', ...names.flatMap((b) => [`  ${b}:`, '    tags: [rack]', `    port: ${where.get(b)}`])].join('\n') + '\n');
    /** `suitrig agent` serving `names`, once it says it serves them. */
    const agent = async (name: string, names: string[], extra: string[] = []) => {
      const child = spawn(process.execPath, [CLI, 'agent', '--tracker', url, '--lab', labFile(`${name}.yaml`, names), '--name', name, ...extra], {
        cwd: dir,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, SUITRIG_TOKEN: agentToken },
      });
      children.push(child);
      const { stderr } = await lineOn(child, new RegExp(`^agent ${name}: serving `), `agent ${name}`, 30_000);
      return { child, stderr };
    };
    const get = async <T>(path: string): Promise<T> => (await fetch(`${url}/api/v1${path}`, { headers: operator })).json() as Promise<T>;
    const campaign = async (body: object): Promise<number> => {
      const payload = app('1.1.0', 'healthy', 16 * 1024);
      const form = multipart([{ name: 'envelope', bytes: envelope({ sequence: 2, payload, key: es256Key }) }, { name: APP_URI, bytes: payload }]);
      const up = await fetch(`${url}/api/v1/releases`, { method: 'POST', headers: { ...operator, ...form.headers }, body: form.payload });
      expect(up.status, await up.clone().text()).toBe(201);
      const release = ((await up.json()) as { id: string }).id;
      const started = await fetch(`${url}/api/v1/campaigns`, { method: 'POST', headers: { ...operator, 'content-type': 'application/json' }, body: JSON.stringify({ release, ...body }) });
      expect(started.status, await started.clone().text()).toBe(201);
      return ((await started.json()) as { id: number }).id;
    };
    const boots = () => Promise.all(boards.map((b) => bootCount(where.get(b)!)));
    const history = async (board: string) => (await get<History>(`/boards/${board}/history?limit=500`)).history.reverse();
    return { dir, url, serve, agent, get, campaign, boots, history, labFile, agentToken };
  }

  it('a campaign over the boards of two agents confirms on all; a board already served is refused; the same name takes over; SIGTERM leaves', async () => {
    const l = await lab(['a1', 'a2', 'b1']);
    const before = await l.boots();
    const [a, b] = await Promise.all([l.agent('host-a', ['a1', 'a2']), l.agent('host-b', ['b1'])]);
    const boards = await l.get<{ boards: BoardJson[] }>('/boards');
    expect(boards.boards.map((x) => [x.name, x.agent, x.state])).toEqual([
      ['a1', 'host-a', 'idle'],
      ['a2', 'host-a', 'idle'],
      ['b1', 'host-b', 'idle'],
    ]);

    // Another agent naming a board that a live agent serves (started while the campaign runs):
    // refused, naming the holder, and nothing of it registered.
    const c = spawn(process.execPath, [CLI, 'agent', '--tracker', l.url, '--token', l.agentToken, '--lab', l.labFile('host-c.yaml', ['a1']), '--name', 'host-c'], { cwd: l.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(c);
    let cErr = '';
    c.stderr!.on('data', (d: Buffer) => (cErr += d.toString()));
    const id = await l.campaign({ tag: 'rack' });
    expect(await exited(c)).toBe(2);
    expect(cErr).toMatch(/agent host-c not registered: .*409 conflict: board a1 is served by agent host-a, which has not gone offline/);
    expect(cErr).not.toContain(l.agentToken);
    expect((await l.get<BoardJson>('/boards/a1')).agent).toBe('host-a');
    expect((await l.get<{ agents: { name: string }[] }>('/agents')).agents.map((x) => x.name)).toEqual(['host-a', 'host-b']);

    const done = await waitFor(() => l.get<Campaign>(`/campaigns/${id}`), (x) => x.state !== 'running', 45_000, 'the campaign over two agents');
    expect(done.state, `${a.stderr()}\n${b.stderr()}`).toBe('done');
    expect(done.boards.map((x) => [x.board, x.state, x.attempts])).toEqual(['a1', 'a2', 'b1'].map((n) => [n, 'confirmed', 1]));
    expect(await l.boots()).toEqual(before.map((n) => n + 1));

    // A second process with host-a's name takes it over: the first stops (exit 1), the boards stay served.
    const a2 = await l.agent('host-a', ['a1', 'a2']);
    expect(await exited(a.child)).toBe(1);
    expect(a.stderr()).toMatch(/another process took this agent's name over/);
    expect((await l.get<{ boards: BoardJson[] }>('/boards?agent=host-a')).boards.map((x) => x.state)).toEqual(['idle', 'idle']);

    // SIGTERM: the agent leaves, its boards go offline at once (not after the TTL), exit 0.
    a2.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
    expect(await exited(a2.child)).toBe(0);
    expect(await exited(b.child)).toBe(0);
    const after = await l.get<{ boards: BoardJson[] }>('/boards');
    expect(after.boards.map((x) => x.state)).toEqual(['offline', 'offline', 'offline']);
    const last = (await l.history('b1')).filter((h) => h.kind === 'state').at(-1)!;
    expect(last.detail).toMatchObject({ to: 'offline', why: 'agent host-b stopped' });
    l.serve.kill('SIGTERM');
    expect(await exited(l.serve)).toBe(0);
  }, 120_000);

  it('mid-campaign: a SIGKILLed agent has its boards offline within the TTL, a SIGTERMed one hands its job back; started again, both finish with every board updated once', async () => {
    // Paced boards, so that the updates are under way when the agents go.
    const l = await lab(['a1', 'b1', 'b2'], ['--baud', '230400']);
    const before = await l.boots();
    const [a, b] = await Promise.all([l.agent('host-a', ['a1'], ['--grace', '0']), l.agent('host-b', ['b1', 'b2'])]);
    const id = await l.campaign({ tag: 'rack', deadline_s: 120 });

    const read = () => l.get<Campaign>(`/campaigns/${id}`);
    const active = (c: Campaign, board: string) => ACTIVE.includes(c.boards.find((x) => x.board === board)!.state);
    await waitFor(read, (c) => active(c, 'a1') && active(c, 'b1') && active(c, 'b2'), 30_000, 'a1, b1 and b2 to be updated');
    b.child.kill('SIGKILL');
    const killedAt = Date.now();
    a.child.kill('SIGTERM');
    expect(await exited(a.child)).toBe(0);
    expect(a.stderr()).toMatch(/board a1: job \S+ handed back/);

    // The killed agent's boards: offline within the TTL (plus the sweep's period and the load's slack).
    await waitFor(() => l.get<{ boards: BoardJson[] }>('/boards?agent=host-b'), (x) => x.boards.every((y) => y.state === 'offline'), 15_000, "host-b's boards offline");
    const offlineMs = Date.now() - killedAt;
    console.log(`agent-hosts [${flavour}]: a SIGKILLed agent's boards offline ${offlineMs} ms after the kill (TTL ${TTL_S} s)`);
    expect(offlineMs).toBeLessThan(TTL_S * 1000 + 4_000);
    // No board of theirs got a verdict meanwhile: nobody works on them.
    const meanwhile = await read();
    expect(meanwhile.state).toBe('running');
    for (const x of meanwhile.boards) expect(ACTIVE, x.board).toContain(x.state);

    // Back again: the jobs are retried and the campaign finishes.
    await Promise.all([l.agent('host-b', ['b1', 'b2']), l.agent('host-a', ['a1'])]);
    const done = await waitFor(read, (c) => c.state !== 'running', 60_000, 'the campaign after the agents came back');
    expect(done.state).toBe('done');
    expect(done.boards.map((x) => [x.board, x.state, x.attempts])).toEqual(['a1', 'b1', 'b2'].map((n) => [n, 'confirmed', 2]));
    // Updated once, reset once: what the boards themselves say.
    expect(await l.boots()).toEqual(before.map((n) => n + 1));

    for (const board of ['a1', 'b1', 'b2']) {
      const h = await l.history(board);
      const walk = h.filter((x) => x.kind === 'campaign' && x.detail.campaign === id).map((x) => x.detail.state);
      expect(walk[0], board).toBe('pending');
      expect(walk.at(-1), board).toBe('confirmed');
      expect(walk.filter((s) => s === 'installed').length, `${board}: ${walk.join(' ')}`).toBeLessThanOrEqual(1);
      const states = h.filter((x) => x.kind === 'state').map((x) => `${x.detail.to}: ${x.detail.why}`);
      const dropped = h.filter((x) => x.kind === 'job' && x.detail.event === 'dropped').map((x) => x.detail.why);
      if (board === 'a1') {
        expect(dropped, board).toEqual([expect.stringMatching(/agent host-a stopped while the job ran/)]);
        expect(states, board).toContain('offline: agent host-a stopped');
      } else {
        expect(dropped, board).toEqual([expect.stringMatching(/agent host-b was restarted|presumed lost/)]);
        expect(states, board).toContain(`offline: agent host-b sent no heartbeat for ${TTL_S} s`);
      }
      // Back with its agent: free, or still held by the lost process's claim until it is failed back.
      expect(states.filter((s) => /^(idle|busy): registered by agent host-[ab]$/.test(s)).length, `${board}: ${states.join('; ')}`).toBeGreaterThanOrEqual(1);
    }
  }, 150_000);
});

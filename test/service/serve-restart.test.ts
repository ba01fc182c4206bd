/**
 * The service killed mid-campaign (issue 12 "Must show": "the service killed (SIGKILL)
 * mid-campaign and started again finishes the campaign with no board updated twice and no state
 * lost"), on PGlite and on the PostgreSQL server: a real `suitrig serve --lab` child (built CLI)
 * serving 4 virtual boards that run as their own processes over tcp (as boards on a lab's
 * ser2net would: they live on when the service dies), a release uploaded and a campaign started
 * over HTTP, the service SIGKILLed while a board is being updated, then started again on the same
 * database. The campaign finishes: every board confirmed, each accepted the release exactly once
 * and went through exactly one reset (its boot count, read from the board itself), every board's
 * walk in its history, and the interrupted boards resumed by a retry of their job.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { publicKeyPem, verificationKeyOf, type PublicKey } from '../../host/keys/index.js';
import { SmpClient } from '../../host/smp/client.js';
import { openPort } from '../../host/transport/open.js';
import { APP_URI, app, envelope, es256Key } from '../board/fixtures.js';
import { CLI, startBoardProcess, type BoardProcess } from '../helpers/board-process.js';
import { describeOnDatabases, scratchDatabase, type ScratchDatabase } from '../helpers/databases.js';
import { waitFor } from '../helpers/service.js';
import { tempDir, writeFile } from '../rig/helpers/lab-files.js';
import { multipart } from './releases-fixture.js';
import { listeningOn } from '../helpers/process.js';

const BOARDS = ['t1', 't2', 't3', 't4'];
const ACTIVE = ['delivering', 'installed', 'rebooting', 'booted'];

interface Served {
  child: ChildProcess;
  url: string;
  stderr: () => string;
}

async function startServe(args: string[], cwd: string): Promise<Served> {
  const child = spawn(process.execPath, [CLI, 'serve', '--listen', 'http://127.0.0.1:0', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const { where: url, stderr } = await listeningOn(child, 'serve', 60_000);
  return { child, url, stderr };
}

async function bootCount(url: string): Promise<number> {
  const client = SmpClient.over(await openPort(url, { baudRate: 1_000_000 }), {});
  try {
    return (await client.rig.lastReport()).boot.count;
  } finally {
    await client.close();
  }
}

describeOnDatabases('the service killed mid-campaign', (flavour) => {
  const children: ChildProcess[] = [];
  let scratch: ScratchDatabase | undefined;
  afterEach(async () => {
    for (const c of children.splice(0)) {
      if (c.exitCode === null && c.signalCode === null) {
        c.kill('SIGKILL');
        await new Promise((r) => c.once('exit', r));
      }
    }
    await scratch?.drop();
    scratch = undefined;
  });

  it('finishes the campaign when started again: every board confirmed once, with one reset, nothing lost', async () => {
    const dir = tempDir('suitrig-restart-');
    const boards: BoardProcess[] = [];
    for (const b of BOARDS) {
      const p = await startBoardProcess(dir, ['--listen', 'tcp://127.0.0.1:0', '--state', join(dir, `state-${b}`), '--baud', '230400']);
      children.push(p.child);
      boards.push(p);
    }
    writeFile(dir, 'keys/author.pub.pem', publicKeyPem(verificationKeyOf(es256Key) as PublicKey));
    const lab = ['version: 1', 'defaults:', '  trust: [author=keys/author.pub.pem]', 'boards:'];
    BOARDS.forEach((b, i) => lab.push(`  ${b}:`, '    tags: [rack]', `    port: ${boards[i]!.where}`));
    writeFile(dir, 'rig.yaml', lab.join('\n') + '\n');
    const bootsBefore = await Promise.all(boards.map((b) => bootCount(b.where)));

    scratch = await scratchDatabase(flavour);
    const db = scratch.spec;
    const token = spawnSync(process.execPath, [CLI, 'token', 'create', '--db', db, '--role', 'operator'], { cwd: dir, encoding: 'utf8' });
    expect(token.status, token.stderr).toBe(0);
    const auth = { authorization: `Bearer ${token.stdout.trim()}` };
    const serveArgs = ['--db', db, '--lab', 'rig.yaml', '--trust', 'author=keys/author.pub.pem'];

    let serve = await startServe(serveArgs, dir);
    children.push(serve.child);
    const payload = app('1.1.0', 'healthy', 32 * 1024);
    const body = multipart([
      { name: 'envelope', bytes: envelope({ sequence: 2, payload, key: es256Key }) },
      { name: APP_URI, bytes: payload },
    ]);
    const up = await fetch(`${serve.url}/api/v1/releases`, { method: 'POST', headers: { ...auth, ...body.headers }, body: body.payload });
    expect(up.status, await up.clone().text()).toBe(201);
    const release = ((await up.json()) as { id: string }).id;
    const started = await fetch(`${serve.url}/api/v1/campaigns`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ release, tag: 'rack', groups: [2, 2], deadline_s: 120 }),
    });
    expect(started.status, await started.clone().text()).toBe(201);
    const id = ((await started.json()) as { id: number }).id;
    type Campaign = { state: string; boards: { board: string; state: string; attempts: number }[] };
    const read = async (): Promise<Campaign> => (await fetch(`${serve.url}/api/v1/campaigns/${id}`, { headers: auth })).json() as Promise<Campaign>;

    // Killed while a board is being updated.
    const before = await waitFor(read, (c) => c.boards.some((b) => ACTIVE.includes(b.state)), 30_000, 'a board to be updated');
    serve.child.kill('SIGKILL');
    await new Promise((r) => serve.child.once('exit', r));
    // Taken by the agent when last seen (a board taken since is only known to the database).
    const taken = before.boards.filter((b) => b.attempts > 0).map((b) => b.board);
    expect(before.boards.some((b) => ACTIVE.includes(b.state))).toBe(true);

    serve = await startServe(serveArgs, dir);
    children.push(serve.child);
    const done = await waitFor(read, (c) => c.state !== 'running', 90_000, 'the campaign to finish after the restart');
    expect(done.state, serve.stderr()).toBe('done');
    expect(done.boards.map((b) => [b.board, b.state])).toEqual(BOARDS.map((b) => [b, 'confirmed']));
    // The boards that were being updated got their job again (a retry of the dropped job); the others once.
    for (const b of done.boards) {
      if (taken.includes(b.board)) expect(b.attempts, b.board).toBe(2);
      else expect([1, 2], b.board).toContain(b.attempts);
    }

    // Each board: accepted the release once, went through exactly one reset.
    const bootsAfter = await Promise.all(boards.map((b) => bootCount(b.where)));
    expect(bootsAfter).toEqual(bootsBefore.map((n) => n + 1));
    for (const b of BOARDS) {
      const h = (await (await fetch(`${serve.url}/api/v1/boards/${b}/history?limit=500`, { headers: auth })).json()) as { history: { kind: string; detail: { state?: string; campaign?: number } }[] };
      const walk = h.history.filter((l) => l.kind === 'campaign' && l.detail.campaign === id).map((l) => l.detail.state).reverse();
      expect(walk[0], b).toBe('pending');
      expect(walk.at(-1), b).toBe('confirmed');
      expect(walk.filter((s) => s === 'installed').length, `${b}: ${walk.join(' ')}`).toBeLessThanOrEqual(1);
      expect(walk.indexOf('delivering'), b).toBeGreaterThan(0);
    }
    serve.child.kill('SIGTERM');
    expect(await new Promise((r) => serve.child.once('exit', (code) => r(code)))).toBe(0);
  }, 240_000);
});

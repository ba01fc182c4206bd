/**
 * The lab service as processes, for tests that kill them (serve-restart.test.ts,
 * serve-instances.test.ts): `suitrig serve` children of the built CLI on one database — several
 * on one PostgreSQL server, or one at a time on a PGlite directory — and any other suitrig child
 * that works with them (an agent: `start` waits for the line it names), all ended by `stopAll`;
 * virtual boards as their own processes over tcp, as boards on a lab's ser2net would be (they
 * live on when a service dies), in a lab file; and the HTTP calls the tests make.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'vitest';
import { publicKeyPem, verificationKeyOf, type PublicKey } from '../../host/keys/index.js';
import { SmpClient } from '../../host/smp/client.js';
import { openPort } from '../../host/transport/open.js';
import { APP_URI, app, envelope, es256Key } from '../board/fixtures.js';
import { multipart } from '../service/releases-fixture.js';
import { writeFile } from '../rig/helpers/lab-files.js';
import { CLI, startBoardProcess, type BoardProcess } from './board-process.js';
import { lineOn } from './process.js';

export interface Child {
  name: string;
  child: ChildProcess;
  /** The match of the line `start` waited for (`serve`: the URL it listens on). */
  ready: RegExpExecArray;
  stderr: () => string;
}

export interface Served extends Child {
  url: string;
}

/** Children started in `cwd`; `serve` ones on database `db`. */
export class LabProcesses {
  private readonly children = new Map<string, Child>();
  private readonly others: ChildProcess[] = [];

  constructor(
    readonly cwd: string,
    readonly db: string,
  ) {}

  /** `suitrig serve --db <db> --listen http://127.0.0.1:0 ...args`, once it listens. */
  async serve(name: string, args: readonly string[]): Promise<Served> {
    const c = await this.start(name, ['serve', '--db', this.db, '--listen', 'http://127.0.0.1:0', ...args], /^listening on (\S+)\n/);
    return { ...c, url: c.ready[1]! };
  }

  /** `suitrig <argv>`, once a line of its stdout matches `ready` (within 60 s). */
  async start(name: string, argv: readonly string[], ready: RegExp): Promise<Child> {
    if (this.children.has(name)) throw new Error(`a child named ${name} runs already`);
    const child = spawn(process.execPath, [CLI, ...argv], { cwd: this.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    this.others.push(child);
    const { match, stderr } = await lineOn(child, ready, `${name} (suitrig ${argv[0]})`, 60_000);
    const c = { name, child, ready: match, stderr };
    this.children.set(name, c);
    return c;
  }

  /** Virtual boards as processes over tcp, each keeping its flash in `state-<name>`, and `rig.yaml` listing them (tag `rack`) with the test key trusted. */
  async tcpBoards(names: readonly string[], baud = 230_400): Promise<BoardProcess[]> {
    const boards: BoardProcess[] = [];
    for (const b of names) {
      const p = await startBoardProcess(this.cwd, ['--listen', 'tcp://127.0.0.1:0', '--state', join(this.cwd, `state-${b}`), '--baud', String(baud)]);
      this.others.push(p.child);
      boards.push(p);
    }
    writeFile(this.cwd, 'keys/author.pub.pem', publicKeyPem(verificationKeyOf(es256Key) as PublicKey));
    const lab = ['version: 1', 'defaults:', '  trust: [author=keys/author.pub.pem]', 'boards:'];
    names.forEach((b, i) => lab.push(`  ${b}:`, '    tags: [rack]', `    port: ${boards[i]!.where}`));
    writeFile(this.cwd, 'rig.yaml', lab.join('\n') + '\n');
    return boards;
  }

  /** `suitrig token create --db <db> --role <role>`: the Authorization header of the new token. */
  token(role: 'operator' | 'viewer' | 'agent' | 'admin'): { authorization: string } {
    const r = spawnSync(process.execPath, [CLI, 'token', 'create', '--db', this.db, '--role', role], { cwd: this.cwd, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    return { authorization: `Bearer ${r.stdout.trim()}` };
  }

  /** Sends `signal` to child `name` and waits for it to exit; its exit code. */
  async kill(name: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    const c = this.children.get(name);
    if (!c) throw new Error(`no child named ${name}`);
    this.children.delete(name);
    if (c.child.exitCode !== null || c.child.signalCode !== null) return c.child.exitCode;
    const exited = new Promise<number | null>((r) => c.child.once('exit', (code) => r(code)));
    c.child.kill(signal);
    return exited;
  }

  /** Every child still running is killed (SIGKILL) and awaited. */
  async stopAll(): Promise<void> {
    this.children.clear();
    for (const c of this.others.splice(0)) {
      if (c.exitCode === null && c.signalCode === null) {
        const exited = new Promise((r) => c.once('exit', r));
        c.kill('SIGKILL');
        await exited;
      }
    }
  }
}

/** How many times the board at `url` has booted, read from the board itself (its rig group). */
export async function bootCount(url: string): Promise<number> {
  const client = SmpClient.over(await openPort(url, { baudRate: 1_000_000 }), {});
  try {
    return (await client.rig.lastReport()).boot.count;
  } finally {
    await client.close();
  }
}

export interface CampaignJson {
  id: number;
  state: string;
  reason: string | null;
  boards: { board: string; state: string; attempts: number }[];
}

/** The calls of a test to a service at `url` (any instance: they share the database) with `auth`. */
export class ServiceCalls {
  constructor(
    readonly url: string,
    readonly auth: { authorization: string },
  ) {}

  /** The same calls to another instance. */
  at(url: string): ServiceCalls {
    return new ServiceCalls(url, this.auth);
  }

  async json<T>(path: string, init: { method?: string; body?: unknown } = {}, status = 200): Promise<T> {
    const res = await fetch(`${this.url}/api/v1${path}`, {
      method: init.method ?? 'GET',
      headers: { ...this.auth, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
    const text = await res.text();
    expect(res.status, `${init.method ?? 'GET'} ${path}: ${text}`).toBe(status);
    return JSON.parse(text) as T;
  }

  /** Uploads a healthy application `version` signed with the test key at `sequence`; the release id. */
  async release(version: string, sequence: number, size = 32 * 1024): Promise<string> {
    const payload = app(version, 'healthy', size);
    const body = multipart([
      { name: 'envelope', bytes: envelope({ sequence, payload, key: es256Key }) },
      { name: APP_URI, bytes: payload },
    ]);
    const up = await fetch(`${this.url}/api/v1/releases`, { method: 'POST', headers: { ...this.auth, ...body.headers }, body: body.payload });
    expect(up.status, await up.clone().text()).toBe(201);
    return ((await up.json()) as { id: string }).id;
  }

  /** POST /campaigns; the new campaign's id. */
  async startCampaign(request: Record<string, unknown>): Promise<number> {
    return (await this.json<{ id: number }>('/campaigns', { method: 'POST', body: request }, 201)).id;
  }

  campaign(id: number): Promise<CampaignJson> {
    return this.json<CampaignJson>(`/campaigns/${id}`);
  }

  /** The states board `board` went through in campaign `id`, oldest first, from its history. */
  async walk(board: string, id: number): Promise<string[]> {
    const h = await this.json<{ history: { kind: string; detail: { state?: string; campaign?: number } }[] }>(`/boards/${board}/history?limit=500`);
    return h.history
      .filter((l) => l.kind === 'campaign' && l.detail.campaign === id)
      .map((l) => l.detail.state!)
      .reverse();
  }
}

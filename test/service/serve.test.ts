/**
 * `suitrig serve` and `suitrig token` end to end: a token is printed once and only its SHA-256
 * is stored; the service runs as its own process (the built CLI), its first stdout line is
 * `listening on http://HOST:PORT`, it answers with that token, and SIGTERM stops it with exit 0,
 * leaving an embedded data directory free for the next opener. Usage errors exit 2.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { publicKeyPem, verificationKeyOf, type PublicKey } from '../../host/keys/index.js';
import { openDatabase } from '../../rig/service/db/database.js';
import { CLI } from '../helpers/board-process.js';
import { runCli } from '../helpers/cli.js';
import { describeOnDatabases, scratchDatabase, type ScratchDatabase } from '../helpers/databases.js';
import { authorKey } from './releases-fixture.js';

describeOnDatabases('suitrig serve and token', (flavour) => {
  let scratch: ScratchDatabase;
  let dir: string;
  beforeAll(async () => {
    scratch = await scratchDatabase(flavour);
    dir = mkdtempSync(join(tmpdir(), 'suitrig-serve-'));
    writeFileSync(join(dir, 'author.pub.pem'), publicKeyPem(verificationKeyOf(authorKey) as PublicKey));
  });
  afterAll(async () => {
    await scratch?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('token create prints the token once, alone on stdout; only its SHA-256 is stored', async () => {
    const r = await runCli(['token', 'create', '--db', scratch.spec, '--role', 'operator', '--name', 'ci bot']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^suitrig_[A-Za-z0-9_-]{43}\n$/);
    expect(r.stderr).toMatch(/token \d+ \(operator, 'ci bot'\) created: shown only now/);
    const token = r.stdout.trim();
    const db = await openDatabase(scratch.spec);
    try {
      const rows = await db.query<{ row: string; hash: Uint8Array }>("SELECT t::text AS row, hash FROM tokens t WHERE name = 'ci bot'");
      expect(rows).toHaveLength(1);
      expect(Buffer.from(rows[0]!.hash).toString('hex')).toBe(createHash('sha256').update(token).digest('hex'));
      expect(rows[0]!.row).not.toContain(token.slice(8));
    } finally {
      await db.close();
    }
    const list = await runCli(['token', 'list', '--db', scratch.spec]);
    expect(list.stdout).toMatch(/operator\s+live\s+ci bot/);
    expect(list.stdout).not.toContain(token);
  });

  it('token create refuses a bad role or name (exit 2, nothing stored)', async () => {
    const bad = await runCli(['token', 'create', '--db', scratch.spec, '--role', 'root']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--role: expected one of viewer, operator, agent, admin, got 'root'/);
    const badName = await runCli(['token', 'create', '--db', scratch.spec, '--role', 'viewer', '--name', '\u0007bell']);
    expect(badName.code).toBe(2);
    const list = await runCli(['token', 'list', '--db', scratch.spec, '--json']);
    expect(JSON.parse(list.stdout)).toHaveLength(1);
  });

  it('runs as a process: first line listening on, answers with the token, SIGTERM exits 0', { timeout: 90_000 }, async () => {
    const token = (await runCli(['token', 'create', '--db', scratch.spec, '--role', 'viewer'])).stdout.trim();
    const child = spawn(process.execPath, [CLI, 'serve', '--db', scratch.spec, '--listen', 'http://127.0.0.1:0', '--trust', join(dir, 'author.pub.pem')], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    try {
      const url = await new Promise<string>((done, fail) => {
        const timer = setTimeout(() => fail(new Error(`no 'listening on' line in 60 s: ${err}`)), 60_000);
        child.stdout.on('data', () => {
          const m = /^listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(out);
          if (m) {
            clearTimeout(timer);
            done(m[1]!);
          }
        });
        void exited.then((code) => fail(new Error(`serve exited (${code}) before listening: ${err}`)));
      });
      const ok = await fetch(`${url}/api/v1/boards`, { headers: { authorization: `Bearer ${token}` } });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ boards: [], next: null });
      const refused = await fetch(`${url}/api/v1/boards`);
      expect(refused.status).toBe(401);
      const doc = await fetch(`${url}/api/v1/openapi.json`);
      expect(((await doc.json()) as { openapi: string }).openapi).toMatch(/^3\./);
      // Logged after the 'listening on' line, on stderr: it may arrive a moment after the answers above.
      for (let i = 0; i < 50 && !/releases are verified against these keys/.test(err); i++) await new Promise((r) => setTimeout(r, 100));
      expect(err).toMatch(/releases are verified against these keys/);
      expect(err).not.toContain(token);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(out.split('\n').filter(Boolean)).toHaveLength(1);
    expect(err).toMatch(/"msg":"stopping"/);
    expect(err).not.toMatch(/\n\s+at /); // no stack trace
    // The embedded data directory is free again (its lock went with the process).
    const db = await openDatabase(scratch.spec);
    await db.close();
  });
});

it('serve refuses bad options with exit 2', async () => {
  const listen = await runCli(['serve', '--listen', 'ftp://127.0.0.1:1']);
  expect(listen.code).toBe(2);
  expect(listen.stderr).toMatch(/--listen ftp:\/\/127\.0\.0\.1:1: expected http:\/\/HOST:PORT/);
  const trust = await runCli(['serve', '--trust', '/nonexistent/key.pem']);
  expect(trust.code).toBe(2);
  expect(trust.stderr).toMatch(/--trust/);
  const db = await runCli(['serve', '--db', 'mysql://x']);
  expect(db.code).toBe(2);
  expect(db.stderr).toMatch(/expected a directory or a postgres:\/\/ URL/);
});

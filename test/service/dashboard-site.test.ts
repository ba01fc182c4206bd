/**
 * The dashboard's HTTP side without a browser (issue 14): the page shell at every page URL with
 * no data in it and the security headers (CSP with Trusted Types, nosniff, no framing); the
 * client's files from an allow-list only — chart.js's browser build resolved from node_modules —
 * with revalidation; `GET /whoami`; an event stream of a token revoked meanwhile ends; `GET /boards/{name}/console` and the console store's bounds
 * (line length, batch size, batches kept, lines read); the agent's console relay (batches,
 * bounded with the dropped lines counted).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type ServiceApp } from '../../rig/service/api/app.js';
import { ConsoleRelay } from '../../rig/service/agent/console-relay.js';
import type { BoardDriver } from '../../rig/service/agent/board-driver.js';
import { createToken, revokeToken } from '../../rig/service/auth/tokens.js';
import { SSE_HEARTBEAT_MS } from '../../rig/service/api/limits.js';
import { openDatabase, type Database } from '../../rig/service/db/database.js';
import { migrate } from '../../rig/service/db/migrations.js';
import { chartJsFile } from '../../rig/service/dashboard/assets.js';
import { CONTENT_SECURITY_POLICY, PAGE_PATHS, dashboardPages } from '../../rig/service/dashboard/site.js';
import { CONSOLE_BATCH_MAX, CONSOLE_KEEP_BATCHES, CONSOLE_LINE_MAX, consoleTail, recordConsole } from '../../rig/service/store/console.js';
import { INTERNAL, registerBoards } from '../../rig/service/store/boards.js';
import { scratchDatabase, type ScratchDatabase } from '../helpers/databases.js';
import { ALL_ROUTES } from './fixture.js';

describe('dashboard site and its API routes [pglite]', () => {
  // One service for these tests: they read, or write to boards of their own.
  let scratch: ScratchDatabase;
  let db: Database;
  let app: ServiceApp;
  let viewer: string;
  let operator: string;
  beforeAll(async () => {
    scratch = await scratchDatabase('pglite');
    db = await openDatabase(scratch.spec);
    await migrate(db);
    app = await buildApp({ db, plugins: ALL_ROUTES, pages: [dashboardPages] });
    viewer = (await createToken(db, 'viewer', 'v')).token;
    operator = (await createToken(db, 'operator', 'o')).token;
  });
  afterAll(async () => {
    await app?.close();
    await db?.close();
    await scratch?.drop();
  });

  it('serves the page shell, without data and with its security headers, at every page URL', async () => {
    const shell = await app.inject({ url: '/' });
    expect(shell.statusCode).toBe(200);
    expect(shell.headers['content-type']).toMatch(/^text\/html/);
    expect(shell.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).toMatch(/script-src 'self'/);
    expect(CONTENT_SECURITY_POLICY).toMatch(/require-trusted-types-for 'script'/);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe/);
    expect(shell.headers['x-content-type-options']).toBe('nosniff');
    expect(shell.headers['x-frame-options']).toBe('DENY');
    expect(shell.headers['referrer-policy']).toBe('no-referrer');
    // The shell holds code and the log-in's place, nothing from the database; no inline script or style.
    expect(shell.body).not.toMatch(/<script>|<style|\sstyle=|\son[a-z]+=/i);
    expect(shell.body).toContain('<script type="module" src="/ui/main.js"></script>');
    for (const path of ['/boards/bench-1', '/campaigns', '/campaigns/3', '/runs', '/runs/7', '/releases', `/releases/${'ab'.repeat(32)}`, '/?tag=bench&state=idle']) {
      const r = await app.inject({ url: path });
      expect(r.statusCode, path).toBe(200);
      expect(r.body, path).toBe(shell.body);
    }
    expect(PAGE_PATHS.length).toBe(7);
    // Unknown query parameters and paths: the API's error shape, not the shell.
    expect((await app.inject({ url: '/?token=abc' })).statusCode).toBe(400);
    expect((await app.inject({ url: '/nowhere' })).statusCode).toBe(404);
    // Revalidation: same bytes, 304.
    const again = await app.inject({ url: '/', headers: { 'if-none-match': shell.headers.etag as string } });
    expect(again.statusCode).toBe(304);
    // The page routes are not part of the API description.
    const paths = Object.keys((await app.inject({ url: '/api/v1/openapi.json' })).json().paths);
    expect(paths.filter((p) => !p.startsWith('/api/v1/'))).toEqual([]);
    expect(paths).toEqual(expect.arrayContaining(['/api/v1/whoami', '/api/v1/boards/{name}/console']));
  });

  it("serves the client's files from its allow-list only, chart.js from node_modules", async () => {
    const main = await app.inject({ url: '/ui/main.js' });
    expect(main.statusCode).toBe(200);
    expect(main.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await app.inject({ url: '/ui/style.css' })).headers['content-type']).toBe('text/css; charset=utf-8');
    const chart = await app.inject({ url: '/ui/vendor/chart.umd.min.js' });
    expect(chart.statusCode).toBe(200);
    expect(chart.rawPayload.equals(readFileSync(chartJsFile()))).toBe(true);
    expect(chartJsFile()).toMatch(/node_modules\/chart\.js\/dist\/chart\.umd\.min\.js$/);
    for (const path of ['/ui/../package.json', '/ui/%2e%2e/package.json', '/ui/index.html', '/ui/nothing.js', '/ui/pages/', '/ui/main.js/']) {
      const r = await app.inject({ url: path });
      expect([400, 404], path).toContain(r.statusCode);
      expect(r.json().error.code, path).toMatch(/not-found|bad-request/);
    }
  });

  it('GET /whoami names the token and what its role grants', async () => {
    expect((await app.inject({ url: '/api/v1/whoami', headers: { authorization: `Bearer ${viewer}` } })).json()).toEqual({ name: 'v', role: 'viewer', grants: ['viewer'] });
    expect((await app.inject({ url: '/api/v1/whoami', headers: { authorization: `Bearer ${operator}` } })).json()).toEqual({ name: 'o', role: 'operator', grants: ['viewer', 'operator'] });
    expect((await app.inject({ url: '/api/v1/whoami' })).statusCode).toBe(401);
  });

  it('ends an open event stream at the next heartbeat once its token is revoked', async () => {
    const t = await createToken(db, 'viewer', 'soon revoked');
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const r = await fetch(`${url}/api/v1/events`, { headers: { authorization: `Bearer ${t.token}` } });
    expect(r.status).toBe(200);
    const reader = r.body!.getReader();
    await reader.read(); // connected
    await revokeToken(db, t.id);
    const revokedAt = Date.now();
    // Heartbeats may still arrive; the stream ends within one heartbeat period.
    for (;;) {
      const { done } = await reader.read();
      if (done) break;
    }
    expect(Date.now() - revokedAt).toBeLessThanOrEqual(SSE_HEARTBEAT_MS + 2_000);
    expect((await fetch(`${url}/api/v1/events`, { headers: { authorization: `Bearer ${t.token}` } })).status).toBe(401);
  }, SSE_HEARTBEAT_MS + 30_000);

  it("keeps a board's console bounded: lines cut, batches capped, old batches dropped; reads the newest lines", async () => {
    await registerBoards(db, 'a1', 'host', [{ name: 'b1', kind: 'virtual' }], INTERNAL, true);
    await recordConsole(db, 'b1', ['short', `long ${'y'.repeat(CONSOLE_LINE_MAX * 3)}`, 'bell\u0007 and\nnewline']);
    let tail = await consoleTail(db, 'b1', 10);
    expect(tail.lines.map((l) => l.text)).toEqual(['short', `long ${'y'.repeat(CONSOLE_LINE_MAX - 6)}…`, 'bell\ufffd and\ufffdnewline']);
    expect(tail.lines[1]!.text.length).toBe(CONSOLE_LINE_MAX);
    // A batch beyond the cap keeps its newest lines and counts the rest as dropped.
    await recordConsole(db, 'b1', Array.from({ length: CONSOLE_BATCH_MAX + 5 }, (_, i) => `line ${i}`), 2);
    tail = await consoleTail(db, 'b1', 3);
    expect(tail.lines.map((l) => l.text)).toEqual([`line ${CONSOLE_BATCH_MAX + 2}`, `line ${CONSOLE_BATCH_MAX + 3}`, `line ${CONSOLE_BATCH_MAX + 4}`]);
    expect(tail.more).toBe(true);
    const [{ dropped }] = await db.query<{ dropped: number }>("SELECT dropped FROM board_console WHERE board = 'b1' ORDER BY id DESC LIMIT 1");
    expect(dropped).toBe(7);
    // Only the newest batches are kept.
    for (let i = 0; i < CONSOLE_KEEP_BATCHES + 10; i++) await recordConsole(db, 'b1', [`batch ${i}`]);
    const [{ n }] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM board_console WHERE board = 'b1'");
    expect(n).toBe(CONSOLE_KEEP_BATCHES);
    // Across batches, oldest first, through the API.
    const r = await app.inject({ url: '/api/v1/boards/b1/console?limit=3', headers: { authorization: `Bearer ${viewer}` } });
    expect(r.json().lines.map((l: { text: string }) => l.text)).toEqual([`batch ${CONSOLE_KEEP_BATCHES + 7}`, `batch ${CONSOLE_KEEP_BATCHES + 8}`, `batch ${CONSOLE_KEEP_BATCHES + 9}`]);
    expect(r.json().more).toBe(true);
    const all = await app.inject({ url: '/api/v1/boards/b1/console?limit=5000', headers: { authorization: `Bearer ${viewer}` } });
    expect(all.json().lines.length).toBe(CONSOLE_KEEP_BATCHES);
    expect(all.json().more).toBe(false);
    expect((await app.inject({ url: '/api/v1/boards/b1/console?limit=5001', headers: { authorization: `Bearer ${viewer}` } })).statusCode).toBe(400);
    expect((await app.inject({ url: '/api/v1/boards/nope/console', headers: { authorization: `Bearer ${viewer}` } })).statusCode).toBe(404);
    await expect(recordConsole(db, 'nope', ['x'])).rejects.toThrow(/no board named nope/);
  });
});

describe("the agent's console relay", () => {
  function fakeDriver(name: string): BoardDriver & { print(line: string): void } {
    const listeners = new Set<(l: string) => void>();
    return {
      name,
      onConsole(l: (line: string) => void) {
        listeners.add(l);
        return () => listeners.delete(l);
      },
      print: (line: string) => listeners.forEach((l) => l(line)),
    } as unknown as BoardDriver & { print(line: string): void };
  }

  it('sends what each board printed in one batch per flush, keeps at most maxLines and counts the dropped ones', async () => {
    const sent: [string, string[], number][] = [];
    const relay = new ConsoleRelay(async (board, lines, dropped) => void sent.push([board, [...lines], dropped]), { flushMs: 60_000, maxLines: 3 });
    const a = fakeDriver('a');
    const b = fakeDriver('b');
    relay.attach(a);
    relay.attach(b);
    for (const l of ['1', '2', '3', '4', '5']) a.print(l);
    b.print('hello');
    await relay.flush();
    expect(sent).toEqual([
      ['a', ['3', '4', '5'], 2],
      ['b', ['hello'], 0],
    ]);
    await relay.flush();
    expect(sent.length).toBe(2);
    // A failed send loses that batch only; stop sends what is left and stops listening.
    let fail = true;
    const relay2 = new ConsoleRelay(async (board, lines) => {
      if (fail) throw new Error('service away');
      sent.push([board, [...lines], 0]);
    }, { flushMs: 60_000 });
    relay2.attach(a);
    a.print('lost');
    await relay2.flush();
    fail = false;
    a.print('kept');
    await relay2.stop();
    a.print('after stop');
    await relay2.flush();
    expect(sent.slice(2)).toEqual([['a', ['kept'], 0]]);
    await relay.stop();
  });
});

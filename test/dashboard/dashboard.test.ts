/**
 * The lab dashboard in a real headless Chromium (issue 14 "Must show"), on a lab service started
 * in this process as `suitrig serve --lab` runs it, with four virtual boards:
 * - nothing but the log-in form without a token; log in; the fleet shows the 4 boards;
 * - a campaign started from the page moves each board through its states live (no reload),
 *   ending confirmed; the board's timeline shows the envelope, payload, decision, reset, boot;
 * - a board whose new image never confirms shows the revert on its timeline, with the reason;
 * - a QA run started from the page: the failed case shows its failing step and message; charts;
 * - every page has its fields labelled, is reached by keyboard and fits a phone's width;
 * - a viewer token sees no operator controls, and the API refuses the action anyway;
 * - bad data (HTML in a board name, a huge console log, an oversized answer) is shown as text,
 *   bounded, and the page stays usable;
 * - the page shows a lost connection when the service restarts, and recovers by itself;
 * - a board reserved while the fleet is open shows, live, who holds it until when, and who waits
 *   for it in the reservation queue, since when and how many (on its page too).
 * Screenshots of every page go to screenshotFolder() (pages.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { browserMissing, launchChromium } from '../helpers/browser.js';
import { INTERNAL, registerBoards, reportBoard } from '../../rig/service/store/boards.js';
import { recordConsole } from '../../rig/service/store/console.js';
import { startLab, type DashboardLab } from './lab.js';
import { LAPTOP, LOW_CONTRAST, PHONE, eventually, logIn, openPage, screenshot, textOf, type DashboardPage } from './pages.js';

const missing = browserMissing();

describe.skipIf(missing !== undefined)(missing ? `dashboard in a browser (skipped: ${missing})` : 'dashboard in a browser', () => {
  let lab: DashboardLab;
  let browser: Browser;
  const pages: DashboardPage[] = [];
  const open = async (path = '/', viewport?: { width: number; height: number }) => {
    const p = await openPage(browser, `${lab.url}${path}`, viewport ? { viewport } : {});
    pages.push(p);
    return p;
  };

  /** A page logged in with `role`'s token, at `path`. */
  const loggedIn = async (role: 'viewer' | 'operator', path = '/', viewport?: { width: number; height: number }) => {
    const p = await open('/', viewport);
    await logIn(p, lab.tokens[role]);
    if (path !== '/') await p.page.goto(`${lab.url}${path}`);
    return p;
  };

  beforeAll(async () => {
    [lab, browser] = await Promise.all([startLab(), launchChromium()]);
  });
  afterAll(async () => {
    for (const p of pages) await p.close().catch(() => undefined);
    await browser?.close();
    await lab?.close();
  });

  it('shows only the log-in form without a token; logs in; the fleet shows the 4 virtual boards', async () => {
    const p = await open('/');
    const { page } = p;
    await page.getByLabel('Token').waitFor();
    // Nothing of the lab before a token is accepted: no navigation, no table, no request to the API.
    expect(await page.locator('#nav').isHidden()).toBe(true);
    expect(await page.locator('table').count()).toBe(0);
    expect(p.requests.filter((u) => u.includes('/api/'))).toEqual([]);
    expect(p.requests.every((u) => u.startsWith(lab.url))).toBe(true);
    await screenshot(page, 'login');

    await page.getByLabel('Token').fill('not-a-token');
    await page.getByRole('button', { name: 'Log in' }).click();
    await textOf(page.getByRole('alert'), 'does not accept this token');
    expect(await page.evaluate('sessionStorage.length')).toBe(0);

    await logIn(p, lab.tokens.operator);
    const rows = page.locator('table.boards tbody tr');
    await eventually(() => rows.count(), (n) => n === 4, 'the 4 boards');
    expect(await rows.locator('td:first-child').allTextContents()).toEqual(['bench-1', 'bench-2', 'bench-3', 'bench-4']);
    await textOf(page.locator('#live'), 'Live');
    // The token: in this tab's session storage only — not in the URL, a cookie or local storage.
    expect(page.url()).not.toContain(lab.tokens.operator);
    expect(await page.evaluate("[localStorage.length, document.cookie, sessionStorage.getItem('suitrig.token')]")).toEqual([0, '', lab.tokens.operator]);
    expect((await p.context.cookies()).length).toBe(0);
    await screenshot(page, 'fleet');
    expect(p.errors).toEqual([]);
  });

  it('a campaign started from the page moves each board through its states live, ending confirmed', async () => {
    await lab.release('1.0.0', 1);
    const p = await loggedIn('operator');
    const { page } = p;
    await page.getByRole('link', { name: 'Campaigns' }).click();
    await page.getByRole('heading', { name: 'Start a campaign' }).waitFor();
    // Every state each board's row shows, in order, from now on — and proof the page never reloads.
    await page.evaluate(`
      window.__noReload = true;
      window.__moves = {};
      new MutationObserver(() => {
        for (const tr of document.querySelectorAll('tr[data-key^="cb-"]')) {
          const badge = tr.querySelector('.badge');
          if (!badge) continue;
          const moves = (window.__moves[tr.getAttribute('data-key').slice(3)] ??= []);
          if (moves.at(-1) !== badge.textContent) moves.push(badge.textContent);
        }
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    `);
    for (const b of ['bench-1', 'bench-2', 'bench-3', 'bench-4']) await page.getByLabel(b, { exact: true }).check();
    await page.getByLabel('Rollout groups').fill('2, 2');
    await page.getByRole('button', { name: 'Start campaign' }).click();
    await page.waitForURL(/\/campaigns\/\d+$/);
    const id = page.url().split('/').at(-1)!;
    const states = () => page.locator('table.campaign-boards tbody tr td:nth-child(2)').allTextContents();
    await eventually(states, (s) => s.length === 4 && s.every((x) => x === 'confirmed'), 'all 4 boards confirmed', 40_000);
    await textOf(page.locator('.campaign-state'), 'done');
    await textOf(page.locator('.counts-text'), '4 confirmed');
    const moves = (await page.evaluate('window.__moves')) as Record<string, string[]>;
    const WALK = ['pending', 'delivering', 'installed', 'rebooting', 'booted', 'confirmed'];
    for (const b of ['bench-1', 'bench-2', 'bench-3', 'bench-4']) {
      const seen = moves[b] ?? [];
      // In walk order, ending confirmed, with the moves on the way drawn as they happened.
      expect(seen.map((x) => WALK.indexOf(x)), `${b}: ${seen.join(' -> ')}`).toEqual([...seen.map((x) => WALK.indexOf(x))].sort((x, y) => x - y));
      expect(seen.at(-1), b).toBe('confirmed');
      expect(seen.length, `${b}: ${seen.join(' -> ')}`).toBeGreaterThanOrEqual(3);
    }
    // Group 2 waited for group 1: its boards were seen pending, then walked.
    for (const b of ['bench-3', 'bench-4']) expect(moves[b]![0], `${b}: ${moves[b]!.join(' -> ')}`).toBe('pending');
    expect(await page.evaluate('window.__noReload')).toBe(true);
    await screenshot(page, 'campaign');

    // The board's timeline: each step of its update, with times.
    await page.getByRole('link', { name: 'bench-3', exact: true }).click();
    const timeline = page.locator(`article.timeline[data-key="campaign-${id}"] li`);
    const steps = await eventually(() => timeline.allTextContents(), (t) => t.some((x) => x.includes('confirmed')), 'the timeline');
    for (const step of ['envelope delivered', 'payload file://app.bin delivered', 'decision: accepted, installed', 'reset', 'booted', 'confirmed']) {
      expect(steps.some((x) => x.includes(step)), `${step} in ${steps.join(' | ')}`).toBe(true);
    }
    await textOf(page.locator('pre.console'), 'Booting Zephyr');
    expect(await page.evaluate('window.__noReload')).toBe(true);
    await screenshot(page, 'board');
    expect(p.errors).toEqual([]);
  });

  it('a board whose new image never confirms itself shows the revert on its timeline, with the reason', async () => {
    const release = await lab.release('1.1.0', 2, 'never-confirms');
    const p = await loggedIn('operator', '/boards/bench-1');
    const { page } = p;
    await page.getByRole('heading', { name: 'Update timeline' }).waitFor();
    await page.evaluate('window.__noReload = true');
    const c = await lab.api('operator', 'POST', '/campaigns', { release, boards: ['bench-1'], confirm_s: 1 });
    expect(c.status).toBe(201);
    const reverted = page.locator(`article.timeline[data-key="campaign-${c.json.id}"] li[data-state="reverted"]`);
    const text = await textOf(reverted, 'reverted', 30_000);
    expect(text).toMatch(/never confirmed itself within 1 s; after a reset the board runs sequence 1 \(app 1\.0\.0\) again \(boot \d+: revert, reset reason soft-reset\)/);
    // Drawn live, and in order: booted on test before it went back.
    const steps = await page.locator(`article.timeline[data-key="campaign-${c.json.id}"] li strong`).allTextContents();
    expect(steps.indexOf('booted')).toBeGreaterThan(-1);
    expect(steps.indexOf('booted')).toBeLessThan(steps.indexOf('reverted'));
    expect(await page.evaluate('window.__noReload')).toBe(true);
    await screenshot(page, 'board-reverted');
    expect(p.errors).toEqual([]);
  });

  it('a QA run started from the page: the failed case shows its failing step and message; throughput and durations are plotted', async () => {
    const p = await loggedIn('operator');
    const { page } = p;
    await page.getByRole('link', { name: 'Runs' }).click();
    await page.getByRole('heading', { name: 'Start a run' }).waitFor();
    await page.getByLabel('bench-3', { exact: true }).check();
    // bench-4 is a board with a bootloader quirk: it takes a replayed older manifest.
    await page.getByLabel('bench-4', { exact: true }).check();
    await page.getByLabel('Seed').fill('7');
    await page.getByLabel('Cases').fill('rollback-replay-rejected');
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.waitForURL(/\/runs\/\d+$/);
    const row = (board: string) => page.locator(`tr[data-key="case-${board}-rollback-replay-rejected"] td`);
    const failed = await eventually(() => row('bench-4').allTextContents(), (t) => t.length === 5, 'the cases of the finished run', 40_000);
    expect(failed[1]).toBe('failed');
    expect(failed[3]).toBe('replay the old manifest');
    expect(failed[4]).toMatch(/^expected reject \(rollback\), board accepted/);
    const passed = await row('bench-3').allTextContents();
    expect([passed[1], passed[3]]).toEqual(['passed', '—']);
    // Both charts are drawn by chart.js, the throughput one with a point per payload transfer.
    const charts = (await page.evaluate("[...document.querySelectorAll('figure.chart canvas')].map((c) => { const ch = Chart.getChart(c); return ch ? [c.width > 0, ch.config.type, ch.data.datasets.map((d) => d.data.length)] : null; })")) as unknown[];
    expect(charts).toEqual([
      [true, 'line', [1, 1]],
      [true, 'bar', [1, 1]],
    ]);
    const rates = await page.locator('figure.chart').first().locator('tbody tr td:last-child').allTextContents();
    expect(rates.length).toBe(2);
    for (const r of rates) expect(Number(r)).toBeGreaterThan(0);
    await screenshot(page, 'run');
    await page.getByRole('link', { name: 'Runs' }).click();
    await page.locator('table tbody tr').first().waitFor();
    await screenshot(page, 'runs');
    expect(p.errors).toEqual([]);
  });

  it('every page: keyboard and labels, readable on a laptop and a phone (screenshots)', async () => {
    const [release] = (await lab.api('viewer', 'GET', '/releases')).json.releases;
    const PAGES: [string, string, string][] = [
      ['fleet', '/', 'table.boards tbody tr'],
      ['board', '/boards/bench-1', 'pre.console'],
      ['campaigns', '/campaigns', 'table tbody tr'],
      ['campaign', '/campaigns/1', 'table.campaign-boards tbody tr'],
      ['runs', '/runs', 'table tbody tr'],
      ['run', '/runs/1', 'figure.chart canvas'],
      ['releases', '/releases', 'table tbody tr'],
      ['release', `/releases/${release.id}`, 'table tbody tr'],
    ];
    for (const [viewport, size] of [['laptop', LAPTOP], ['phone', PHONE]] as const) {
      const p = await loggedIn('operator', '/', size);
      const { page } = p;
      for (const [name, path, ready] of PAGES) {
        await page.goto(`${lab.url}${path}`);
        await page.locator(ready).first().waitFor();
        // Every field has a label; nothing is wider than the screen (tables scroll inside their box).
        expect(await page.evaluate("[...document.querySelectorAll('main input, main select')].filter((e) => e.labels.length === 0).map((e) => e.outerHTML)"), `${name}: unlabelled fields`).toEqual([]);
        expect(await page.evaluate('document.documentElement.scrollWidth'), `${name} on a ${viewport}`).toBeLessThanOrEqual(size.width);
        expect(await page.evaluate(LOW_CONTRAST), `${name}: text below 4.5:1 contrast`).toEqual([]);
        // On a phone, the first screen of the main pages (a whole page is several screens long).
        if (viewport === 'laptop') await screenshot(page, name);
        else if (['fleet', 'board', 'campaign', 'run'].includes(name)) await screenshot(page, `${name}-phone`, { fullPage: false });
      }
      // The keyboard: the first Tab reaches the skip link; Enter on a board's link opens its page.
      await page.goto(`${lab.url}/`);
      await page.locator('table.boards tbody tr').first().waitFor();
      await page.keyboard.press('Tab');
      expect(await page.evaluate('document.activeElement.textContent')).toBe('Skip to content');
      await page.getByRole('link', { name: 'bench-2', exact: true }).focus();
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/boards\/bench-2$/);
      expect(await page.evaluate('document.activeElement.tagName')).toBe('H1');
      expect(p.errors).toEqual([]);
    }
  });

  it('a viewer token sees no operator controls, and the API refuses the action anyway', async () => {
    // A paused campaign: bench-3 waits in group 2 while the campaign is paused.
    const [rel] = (await lab.api('viewer', 'GET', '/releases')).json.releases.filter((r: { sequence: number }) => r.sequence === 1);
    const c = await lab.api('operator', 'POST', '/campaigns', { release: rel.id, boards: ['bench-2', 'bench-3'], groups: [1] });
    expect((await lab.api('operator', 'POST', `/campaigns/${c.json.id}/pause`)).status).toBe(200);
    const path = `/campaigns/${c.json.id}`;

    const op = await loggedIn('operator', path);
    await op.page.getByRole('button', { name: 'Resume' }).waitFor();
    expect(await op.page.getByRole('button', { name: 'Cancel campaign' }).count()).toBe(1);

    const v = await loggedIn('viewer', path);
    const { page } = v;
    await textOf(page.locator('.campaign-state'), 'paused');
    expect(await page.locator('main button').count()).toBe(0);
    await page.getByRole('link', { name: 'Campaigns' }).click();
    await page.locator('table tbody tr').first().waitFor();
    expect(await page.getByRole('heading', { name: 'Start a campaign' }).count()).toBe(0);
    expect(await page.locator('main form, main button').count()).toBe(0);
    await page.getByRole('link', { name: 'Runs' }).click();
    await page.locator('table tbody tr').first().waitFor();
    expect(await page.locator('main form, main button:not(:has-text("Download"))').count()).toBe(0);

    // The same request the operator's button sends, with this page's token: refused, nothing changed.
    const refused = (await page.evaluate(`fetch('/api/v1${path}/resume', { method: 'POST', headers: { authorization: 'Bearer ' + sessionStorage.getItem('suitrig.token') } }).then(async (r) => [r.status, (await r.json()).error.message])`)) as [number, string];
    expect(refused[0]).toBe(403);
    expect(refused[1]).toMatch(/needs the operator role .* this token is viewer/);
    expect((await lab.api('viewer', 'GET', path)).json.state).toBe('paused');

    // The operator's page cancels it through its buttons; the viewer's page sees it live.
    await page.goto(`${lab.url}${path}`);
    await textOf(page.locator('.campaign-state'), 'paused');
    await op.page.getByRole('button', { name: 'Cancel campaign' }).click();
    await op.page.getByRole('button', { name: 'Yes, cancel it' }).click();
    await textOf(op.page.locator('.campaign-state'), 'cancelled');
    await textOf(page.locator('.campaign-state'), 'cancelled');
    expect(await page.locator('tr[data-key="cb-bench-3"] td:nth-child(2)').textContent()).toBe('cancelled');
    expect(v.errors).toEqual([]);
    expect(op.errors).toEqual([]);
  });

  it('a token revoked while its page is open brings the log-in form back', async () => {
    const created = await lab.api('admin', 'POST', '/tokens', { role: 'viewer', name: 'short-lived' });
    const p = await open('/');
    await logIn(p, created.json.token);
    await p.page.locator('table.boards tbody tr').first().waitFor();
    const revoke = await fetch(`${lab.url}/api/v1/tokens/${created.json.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${lab.tokens.admin}` } });
    expect(revoke.status).toBe(204);
    await p.page.getByRole('link', { name: 'Runs' }).click();
    await textOf(p.page.locator('main'), 'no longer accepts this token');
    await p.page.getByLabel('Token').waitFor();
    expect(await p.page.evaluate('sessionStorage.length')).toBe(0);
    expect(await p.page.locator('#nav').isHidden()).toBe(true);
  });

  it('bad data from the API is shown as text and bounded: HTML in a board name, a huge console log, an oversized answer', async () => {
    const db = lab.service.db;
    const EVIL = '<img src=x onerror="window.__pwned=1">';
    const SCRIPT = '<script>window.__pwned=2</script>';
    await registerBoards(db, 'stray-agent', 'stray<b>host</b>', [{ name: EVIL, kind: 'virtual', tags: ['<i>tag</i>'] }], INTERNAL, false);
    await reportBoard(db, EVIL, { kind: 'status', status: { app_version: SCRIPT } }, INTERNAL);
    // 5000 lines of 3000 characters each, some of them markup: stored cut, and read back bounded.
    const line = (i: number) => `${i} <b>bold</b> ${'x'.repeat(3000)}`;
    for (let batch = 0; batch < 5; batch++) await recordConsole(db, 'bench-2', Array.from({ length: 1000 }, (_, i) => line(batch * 1000 + i)));

    const p = await loggedIn('operator');
    const { page } = p;
    const evilRow = page.locator('table.boards tbody tr').filter({ hasText: 'stray' });
    const cells = await eventually(() => evilRow.locator('td').allTextContents(), (t) => t.length > 0, 'the stray board');
    expect(cells[0]).toBe(EVIL);
    expect(cells[1]).toBe('stray<b>host</b>');
    expect(cells[5]).toBe(SCRIPT);
    expect(await page.locator('main img, main script, main b, main i').count()).toBe(0);
    await screenshot(page, 'bad-data');

    // Its page: the name in a path the API refuses (not a board name it accepts), said as text.
    await evilRow.getByRole('link').click();
    await textOf(page.locator('.page-error'), 'params.name');
    expect(await page.locator('h1').textContent()).toBe(`Board ${EVIL}`);

    // The huge console: the newest 1000 lines, each cut, drawn at once.
    const t0 = Date.now();
    await page.goto(`${lab.url}/boards/bench-2`);
    const text = await textOf(page.locator('pre.console'), '4999 <b>bold</b>');
    const lines = text.split('\n');
    expect(lines.length).toBe(1000);
    expect(lines[0]!.startsWith('4000 <b>bold</b> xxx')).toBe(true);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(500);
    expect(Date.now() - t0).toBeLessThan(10_000);
    await textOf(page.locator('.console-box'), 'older lines are not shown');

    // An answer larger than the page reads (a broken or hostile service): refused, the rest drawn.
    await page.route('**/api/v1/boards/bench-2/console?*', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: `{"lines":[${'"x",'.repeat(5_000_000)}"x"],"more":false,"dropped":0}` }));
    await page.reload();
    await textOf(page.locator('.page-error'), 'bytes this page reads');
    await textOf(page.locator('.facts'), 'bench-2');
    await page.unroute('**/api/v1/boards/bench-2/console?*');
    // 50,000 short lines in a valid answer: still only the newest 1000 drawn.
    await page.route('**/api/v1/boards/bench-2/console?*', (route) =>
      route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ lines: Array.from({ length: 50_000 }, (_, i) => ({ at: new Date().toISOString(), text: `line ${i}` })), more: false, dropped: 0 }) }),
    );
    await page.reload();
    const many = await textOf(page.locator('pre.console'), 'line 49999');
    expect(many.split('\n').length).toBe(1000);
    await page.unroute('**/api/v1/boards/bench-2/console?*');
    expect(await page.evaluate('window.__pwned')).toBeUndefined();
    expect(p.errors).toEqual([]);
  });

  it('shows a lost connection while the service restarts, and recovers by itself', async () => {
    const p = await loggedIn('operator');
    const { page } = p;
    await textOf(page.locator('#live'), 'Live');
    await page.evaluate(`
      window.__noReload = true;
      window.__live = [];
      const live = document.getElementById('live');
      new MutationObserver(() => window.__live.push(live.textContent)).observe(live, { subtree: true, childList: true, characterData: true });
    `);
    await lab.restart();
    const seen = await eventually(
      async () => (await page.evaluate('window.__live')) as string[],
      (l) => l.some((x) => x.startsWith('Connection lost')) && l.at(-1) === 'Live',
      'the connection lost, then live again',
      40_000,
    );
    expect(seen.findIndex((x) => x.startsWith('Connection lost'))).toBeLessThan(seen.lastIndexOf('Live'));
    // Live again: a board registered now appears without a reload.
    const reg = await fetch(`${lab.url}/api/v1/agents/remote-1/boards/late-1`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${lab.tokens.agent}`, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'tcp', tags: ['bench'] }),
    });
    expect(reg.status).toBe(200);
    await textOf(page.locator('table.boards'), 'late-1');
    expect(await page.evaluate('window.__noReload')).toBe(true);
    expect(p.errors.filter((e) => !/ERR_CONNECTION_REFUSED|network error|Failed to fetch/.test(e))).toEqual([]);
  });

  it('a board reserved while the fleet is open shows, live, who holds it until when, and who waits for it since when; its page too', async () => {
    const p = await loggedIn('viewer');
    const { page } = p;
    const row = page.locator('table.boards tbody tr', { hasText: 'bench-4' });
    await textOf(row, 'idle');
    const r = await lab.api('operator', 'POST', '/boards/bench-4/reservations', { ttl_s: 600, holder: 'alice' });
    expect(r.status).toBe(201);
    await textOf(row, 'reserved by alice until');
    expect(await row.locator('.reservation time').getAttribute('datetime')).toBe(new Date(r.json.expires_at).toISOString());

    // Two wait in the queue (reserve --wait): bob for this board, erin for any board tagged bench (carol takes the others).
    const others = (await lab.api('viewer', 'GET', '/boards?tag=bench')).json.boards.map((b: { name: string }) => b.name).filter((n: string) => n !== 'bench-4');
    expect((await lab.api('operator', 'POST', '/reservations', { tag: 'bench', count: others.length, holder: 'carol' })).status).toBe(201);
    const bob = await lab.api('operator', 'POST', '/reservations', { board: 'bench-4', holder: 'bob', wait: true, wait_ttl_s: 600 });
    const erin = await lab.api('operator', 'POST', '/reservations', { tag: 'bench', holder: 'erin', wait: true, wait_ttl_s: 600 });
    expect([bob.status, erin.status]).toEqual([202, 202]);
    expect(await textOf(row, 'erin (1 with tag bench) since')).toMatch(/reserved by alice until .+; 2 waiting: bob since .+, erin \(1 with tag bench\) since /);
    const since = await row.locator('.waiting time').evaluateAll((ts) => ts.map((t) => t.getAttribute('datetime')));
    expect(since).toEqual([bob.json.ticket.created_at, erin.json.ticket.created_at].map((d: string) => new Date(d).toISOString()));

    await row.getByRole('link', { name: 'bench-4', exact: true }).click();
    const queue = page.locator('.facts .queue');
    expect(await textOf(queue, 'erin')).toMatch(/^by alice until .+; 2 waiting: bob since .+, erin \(1 with tag bench\) since /);
    await screenshot(page, 'board-waiting');
    // Bob leaves the queue: the page follows (the event stream), erin alone waits.
    const left = await fetch(`${lab.url}/api/v1/reservations/tickets/${bob.json.ticket.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${lab.tokens.operator}` } });
    expect(left.status).toBe(200);
    expect(await textOf(queue, '; 1 waiting: erin')).not.toContain('bob');
    expect(p.errors).toEqual([]);
  });
});

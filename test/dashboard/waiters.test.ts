/**
 * The reservation wait queue on the dashboard (issue 13: the fleet view shows who holds a board
 * until when; `--wait` queues fairly), in a real headless Chromium on a lab service started in
 * this process with one virtual board: while the fleet is open, a board held by one person and
 * waited for by two — one by its name, one by its tag — shows, live, how many wait, who and since
 * when; the board's page says the same, and follows a waiter leaving the queue.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { browserMissing, launchChromium } from '../helpers/browser.js';
import { startLab, type DashboardLab } from './lab.js';
import { logIn, openPage, screenshot, textOf, type DashboardPage } from './pages.js';

const missing = browserMissing();

describe.skipIf(missing !== undefined)(missing ? `the wait queue on the dashboard (skipped: ${missing})` : 'the wait queue on the dashboard', () => {
  let lab: DashboardLab;
  let browser: Browser;
  let p: DashboardPage | undefined;

  beforeAll(async () => {
    [lab, browser] = await Promise.all([startLab([{ name: 'queue-1', tags: ['bench'] }]), launchChromium()]);
  });
  afterAll(async () => {
    await p?.close().catch(() => undefined);
    await browser?.close();
    await lab?.close();
  });

  it('a board held and waited for shows, live, who waits, since when and how many, on the fleet and on its page', async () => {
    p = await openPage(browser, lab.url);
    await logIn(p, lab.tokens.viewer);
    const { page } = p;
    const row = page.locator('table.boards tbody tr', { hasText: 'queue-1' });
    await textOf(row, 'idle');

    const alice = await lab.api('operator', 'POST', '/boards/queue-1/reservations', { ttl_s: 600, holder: 'alice' });
    expect(alice.status).toBe(201);
    const bob = await lab.api('operator', 'POST', '/reservations', { board: 'queue-1', holder: 'bob', wait: true, wait_ttl_s: 600 });
    const erin = await lab.api('operator', 'POST', '/reservations', { tag: 'bench', holder: 'erin', wait: true, wait_ttl_s: 600 });
    expect([bob.status, erin.status]).toEqual([202, 202]);

    const text = await textOf(row, 'erin (1 with tag bench) since');
    expect(text).toMatch(/reserved by alice until .+; 2 waiting: bob since .+, erin \(1 with tag bench\) since /);
    const since = await row.locator('.waiting time').evaluateAll((ts) => ts.map((t) => t.getAttribute('datetime')));
    expect(since).toEqual([bob.json.ticket.created_at, erin.json.ticket.created_at].map((d: string) => new Date(d).toISOString()));

    await row.getByRole('link', { name: 'queue-1', exact: true }).click();
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

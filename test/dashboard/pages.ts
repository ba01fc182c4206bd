/**
 * The dashboard in a browser page for tests: a page per role that logs in through the form, the
 * console errors and page errors it collected (a Content-Security-Policy or Trusted Types
 * violation shows up there), and screenshots written where SUITRIG_SCREENSHOTS says (the
 * committed docs/screenshots/ are made with SUITRIG_SCREENSHOTS=docs/screenshots), else into a
 * temporary folder, so a test run leaves the work tree as it was.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import type { Role } from '../../rig/service/auth/roles.js';

let folder: string | undefined;

/** Where screenshots go, made when the first is taken. */
export function screenshotFolder(): string {
  if (!folder) {
    folder = process.env.SUITRIG_SCREENSHOTS ? resolve(process.env.SUITRIG_SCREENSHOTS) : mkdtempSync(join(tmpdir(), 'suitrig-screenshots-'));
    mkdirSync(folder, { recursive: true });
  }
  return folder;
}

export interface DashboardPage {
  page: Page;
  context: BrowserContext;
  /** Errors the page reported (console errors, uncaught exceptions, refused requests). */
  errors: string[];
  /** Every URL the page requested, in order. */
  requests: string[];
  close(): Promise<void>;
}

export const LAPTOP = { width: 1366, height: 900 };
export const PHONE = { width: 390, height: 844 };

export async function openPage(browser: Browser, url: string, o: { viewport?: { width: number; height: number } } = {}): Promise<DashboardPage> {
  const context = await browser.newContext({ viewport: o.viewport ?? LAPTOP, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    // A refused request the page itself shows (a 4xx on purpose) is logged by Chromium as an error too.
    if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) errors.push(`console: ${m.text()}`);
  });
  await page.goto(url);
  return { page, context, errors, requests, close: () => context.close() };
}

/** Logs in through the form with `token`; resolves when the fleet's table is drawn. */
export async function logIn(p: DashboardPage, token: string): Promise<void> {
  await p.page.getByLabel('Token').fill(token);
  await p.page.getByRole('button', { name: 'Log in' }).click();
  await p.page.locator('#who').getByRole('button', { name: 'Log out' }).waitFor();
}

export async function screenshot(page: Page, name: string, o: { fullPage?: boolean } = {}): Promise<string> {
  const file = join(screenshotFolder(), `${name}.png`);
  await page.screenshot({ path: file, fullPage: o.fullPage ?? true });
  return file;
}

export type { Role };

/** Reads `read` until `ok` holds (every 50 ms, at most `ms`), for what a page shows a moment later. */
export async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  let v = await read();
  while (!ok(v)) {
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}; last: ${JSON.stringify(v)?.slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 50));
    v = await read();
  }
  return v;
}

/** Waits until `locator`'s text contains `text`; the text. */
export function textOf(locator: Locator, text: string | RegExp, ms?: number): Promise<string> {
  return eventually(
    async () => (await locator.allTextContents()).join('\n'),
    (t) => (typeof text === 'string' ? t.includes(text) : text.test(t)),
    `text ${String(text)}`,
    ms,
  );
}

/**
 * Text on the page whose contrast with its background is below WCAG AA (4.5:1), as
 * `tag.class: ratio "text"`; the background is the nearest one that is not transparent.
 */
export const LOW_CONTRAST = `(() => {
  const lum = (rgb) => {
    const [r, g, b] = rgb.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const parse = (s) => { const m = /rgba?\\(([^)]+)\\)/.exec(s); if (!m) return undefined; const p = m[1].split(',').map(Number); return { rgb: p.slice(0, 3), a: p[3] ?? 1 }; };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor); if (c && c.a > 0.5) return c.rgb; }
    return [255, 255, 255];
  };
  const low = [];
  const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (!el || seen.has(el) || !walker.currentNode.textContent.trim()) continue;
    seen.add(el);
    if (el.closest('[hidden], .visually-hidden, noscript') || el.getClientRects().length === 0 || getComputedStyle(el).visibility === 'hidden') continue;
    const [hi, lo] = [lum(parse(getComputedStyle(el).color).rgb), lum(background(el))].sort((x, y) => y - x);
    const ratio = (hi + 0.05) / (lo + 0.05);
    if (ratio < 4.5) low.push(el.tagName + '.' + el.className + ': ' + ratio.toFixed(2) + ' "' + el.textContent.slice(0, 40) + '"');
  }
  return low;
})()`;

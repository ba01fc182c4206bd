/**
 * A headless Chromium for the dashboard's browser tests (issue 14): Debian's `chromium` (installed
 * by `.ci/run`), or the one SUITRIG_CHROMIUM names, driven by playwright-core (which downloads no
 * browser of its own). Without one, the browser tests are skipped with the reason in their names
 * and the global setup says so once. The flags keep Chromium from reaching for the network on
 * its own (on a closed network its connections would be refused and slow everything down).
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

/** The browser to drive, or undefined. */
export const CHROMIUM: string | undefined = process.env.SUITRIG_CHROMIUM || CANDIDATES.find((p) => existsSync(p));

/** Why the browser tests cannot run here, or undefined when they can. */
export function browserMissing(): string | undefined {
  if (CHROMIUM === undefined) return `no Chromium found (looked for ${CANDIDATES.join(', ')}; set SUITRIG_CHROMIUM, or apt-get install chromium)`;
  if (!existsSync(CHROMIUM)) return `SUITRIG_CHROMIUM=${CHROMIUM} does not exist`;
  return undefined;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM!,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

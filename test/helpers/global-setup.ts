/**
 * vitest global setup: says once per test run, visibly, when the real-firmware tests, the
 * PostgreSQL-server tests or the dashboard's browser tests cannot run here and what is missing
 * (they are then skipped, each with the reason in its name).
 */
import { POSTGRES_URL } from './databases.js';
import { peersMissing } from './peers.js';
import { browserMissing } from './browser.js';

export default function warnIfMissing(): void {
  const missing = peersMissing();
  if (missing) console.warn(`\nreal-firmware tests (QEMU, native_sim) are skipped: missing ${missing}\n`);
  const browser = browserMissing();
  if (browser) console.warn(`\ndashboard browser tests are skipped: ${browser}\n`);
  if (!POSTGRES_URL) {
    console.warn('\nlab service tests on a PostgreSQL server are skipped: SUITRIG_TEST_POSTGRES is not set (they run on PGlite)\n');
  }
}

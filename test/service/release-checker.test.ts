/**
 * The release check runs in a worker thread (rig/service/releases/checker.ts): the service's
 * event loop keeps turning while a 16 MiB release is verified, the thread gives the same verdicts
 * as the check itself, and checks queued together each get their own answer.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, expect, it } from 'vitest';
import { ReleaseChecker } from '../../rig/service/releases/checker.js';
import { APP_URI, release, releaseTrust, strangerKey } from './releases-fixture.js';

let checker: ReleaseChecker | undefined;
afterEach(async () => {
  await checker?.close();
  checker = undefined;
});

it('the event loop keeps turning while a 16 MiB release is checked in the thread', async () => {
  checker = new ReleaseChecker();
  const r = release({ payload: new Uint8Array(randomBytes(16 * 1024 * 1024)) });
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  const check = await checker.check(r.envelope, new Map([[APP_URI, r.payload]]), releaseTrust);
  clearInterval(timer);
  expect(check.ok).toBe(true);
  // On the event loop itself this check (about 1 s) lets no timer run at all.
  expect(ticks).toBeGreaterThan(10);
});

it('the thread refuses what the check refuses, each queued check with its own answer', async () => {
  checker = new ReleaseChecker();
  const good = release({ sequence: 7n });
  const stranger = release({ key: strangerKey });
  const [a, b, c] = await Promise.all([
    checker.check(good.envelope, new Map([[APP_URI, good.payload]]), releaseTrust),
    checker.check(stranger.envelope, new Map([[APP_URI, stranger.payload]]), releaseTrust),
    checker.check(good.envelope, new Map(), releaseTrust),
  ]);
  expect(a).toMatchObject({ ok: true, sequence: 7n });
  expect(b).toMatchObject({ ok: false, code: 'release-rejected' });
  expect(c).toMatchObject({ ok: false, code: 'missing-payload' });
});

it('a closed checker takes no more releases', async () => {
  checker = new ReleaseChecker();
  await checker.close();
  const r = release();
  await expect(checker.check(r.envelope, new Map([[APP_URI, r.payload]]), releaseTrust)).rejects.toThrow(/closed/);
});

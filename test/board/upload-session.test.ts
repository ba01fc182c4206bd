/**
 * One upload session per board: two clients on one board (two connections) cannot interleave
 * their writes into one slot — while one has an image-group upload or a SUIT update in
 * progress, the other's uploads (and SUIT cleanup) are answered EBUSY naming another client,
 * until the first completes, its connection closes, or it stays idle past the timeout. The
 * host reports EBUSY as "the board is busy with another client's upload" (exit 2), and an
 * update whose session a reset by someone else wiped out says so instead of "did not process
 * the envelope".
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runUpdate, UpdateError } from '../../host/operator/update.js';
import type { SmpClient } from '../../host/smp/client.js';
import { MgmtErr, SmpRcError } from '../../host/smp/errors.js';
import { GroupId, ImageCmd, SuitCmd } from '../../host/smp/ids.js';
import { BoardBusyError } from '../../host/smp/upload/engine.js';
import type { InProcessLink } from '../../host/smp/in-process.js';
import { VirtualBoard, type VirtualBoardOptions } from '../../rig/virtual/board/board.js';
import { policyIdentity } from '../../rig/virtual/suit/trust.js';
import { runCli } from '../helpers/cli.js';
import { createImage, parseVersion } from '../../host/mcuboot/index.js';
import { APP_URI, app, envelope, es256Key, identity, trust } from './fixtures.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

const v1 = app('1.0.0');
const v2 = app('1.1.0');
const v3 = app('1.2.0');
// Image-group uploads carry MCUboot images: Zephyr refuses a first chunk without the header magic.
const image2 = createImage(v2, { key: es256Key, version: parseVersion('1.1.0'), securityCounter: 1 });
const image3 = createImage(v3, { key: es256Key, version: parseVersion('1.2.0'), securityCounter: 1 });
const env1 = envelope({ sequence: 1, payload: v1 });
const env2 = envelope({ sequence: 2, payload: v2 });
const env3 = envelope({ sequence: 3, payload: v3 });
const payloads = (p: Uint8Array) => new Map([[APP_URI, p]]);

/**
 * A board running env1's image, and two clients on it, each over its own connection: unpaced,
 * or paced at `baudRate` where a transfer must outlast the 250 ms the application serves on
 * after answering a reset, as Zephyr's does.
 */
async function twoClients(o: VirtualBoardOptions = {}, baudRate?: number) {
  const board = await VirtualBoard.open({ trust: trust(), identity: policyIdentity(identity), seed: 6, ...o });
  const links: InProcessLink[] = [];
  closers.push(async () => {
    for (const l of links) await l.close();
    await board.close();
  });
  for (const seed of [1, 2]) links.push(await board.connect(baudRate ? { baudRate, seed } : { pace: false, seed }));
  const [a, b] = links.map((l) => l.client) as [SmpClient, SmpClient];
  expect((await runUpdate(a, env1, { payloads: payloads(v1) })).result).toBe('updated');
  return { board, a, b, links };
}

/** One image-group upload chunk, sent as is (the test interleaves two clients' chunks). */
function chunk(c: SmpClient, image: Uint8Array, off: number, len = 512) {
  const data = image.subarray(off, off + len);
  const first = off === 0 ? { image: 0, len: image.length, sha: createHash('sha256').update(image).digest() } : {};
  return c.write(GroupId.IMAGE, ImageCmd.UPLOAD, { ...first, off, data });
}

async function busy(p: Promise<unknown>): Promise<SmpRcError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(SmpRcError);
  expect((e as SmpRcError).rc).toBe(MgmtErr.EBUSY);
  expect((e as SmpRcError).reason).toMatch(/^another client holds this board's upload session/);
  return e as SmpRcError;
}

describe('one upload session per board', () => {
  it("a second client's image upload is refused EBUSY while the first one's is in progress; the first image arrives whole", async () => {
    const { a, b } = await twoClients();
    const mine = image2;
    const theirs = image3;
    expect(await chunk(a, mine, 0)).toMatchObject({ off: 512 });
    const e = await busy(chunk(b, theirs, 0));
    expect(e.reason).toMatch(/\(an image upload, from .*\)/);
    await busy(chunk(b, theirs, 512));
    let last = {};
    for (let off = 512; off < mine.length; off += 512) last = await chunk(a, mine, off);
    // The board read the slot back and it hashes to this client's SHA-256: nothing of the other's in it.
    expect(last).toMatchObject({ off: mine.length, match: true });
    // Completed: the session is free for the other client.
    expect((await b.image.upload(theirs)).match).toBe(true);
  });

  it("while one client's SUIT update is in progress, another client's envelope, payload and cleanup are refused EBUSY; the update completes", async () => {
    const { board, a, b } = await twoClients();
    await a.suit.uploadEnvelope(env2);
    const m = (await b.suit.missingImage())!;
    expect(m.uri).toBe(APP_URI);
    const refused = await b.suit.uploadEnvelope(env3).catch((x: unknown) => x);
    expect(refused).toBeInstanceOf(BoardBusyError);
    expect((refused as Error).message).toMatch(/^the board is busy with another client's upload: it refused SUIT envelope at 0\/\d+ bytes \(board answered rc 10 \(EBUSY: busy\): another client holds this board's upload session \(a SUIT update/);
    await expect(b.suit.uploadMissingImage(m.sessionId, v3)).rejects.toThrow(BoardBusyError);
    await busy(b.write(GroupId.SUIT, SuitCmd.CLEANUP, {}));
    await a.suit.uploadMissingImage(m.sessionId, v2);
    expect(await a.suit.missingImage()).toBeUndefined();
    expect(board.firmware.reports.lastUpdate?.report).toBeDefined();
    // The run ended: the other client may start its own.
    expect((await b.suit.uploadEnvelope(env3)).bytes).toBe(env3.length);
  });

  it('the session is released when its connection closes, and after the idle timeout', async () => {
    const { a, b, links } = await twoClients({ uploadIdleMs: 300 });
    await chunk(a, image2, 0);
    await busy(chunk(b, image3, 0));
    await new Promise((r) => setTimeout(r, 350));
    // Idle past the timeout: the other client takes the board, and now the first one waits.
    expect(await chunk(b, image3, 0)).toMatchObject({ off: 512 });
    await busy(chunk(a, image2, 512));
    await links[1]!.close();
    expect(await chunk(a, image2, 0)).toMatchObject({ off: 512 });
  });
});

describe('the host side of a board shared by two clients', () => {
  it('suitrig update reports EBUSY as "the board is busy with another client\'s upload" (exit 2): it is not the board\'s decision', async () => {
    const { board, a } = await twoClients();
    const dir = mkdtempSync(join(tmpdir(), 'suitrig-busy-'));
    closers.push(async () => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'app.suit'), env3);
    writeFileSync(join(dir, 'app.bin'), v3);
    const l = await board.listenTcp();
    closers.push(() => l.close());
    await a.suit.uploadEnvelope(env2);
    const r = await runCli(['update', '--port', l.url, 'app.suit', '--payload', `${APP_URI}=app.bin`], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the board is busy with another client's upload/);
    expect(board.firmware.consumer.fetching?.request.uri).toBe(APP_URI);
  });

  for (const when of ['after the envelope', 'in the middle of the payload'] as const) {
    it(`a reset by another client ${when} is named as such by the update in progress`, async () => {
      // At 460800 baud the payload takes about a second: the reset lands in the middle of it.
      const { a, b } = await twoClients({}, 460_800);
      let reset: Promise<unknown> | undefined;
      const out = runUpdate(a, env2, {
        payloads: payloads(v2),
        onEvent: (e) => {
          if (reset) return;
          const now = when === 'after the envelope' ? e.kind === 'sent' && e.what === 'envelope' : e.kind === 'progress' && e.what === 'payload' && e.progress.done > v2.length / 3;
          if (now) reset = b.os.reset();
        },
      });
      const err = await out.then(
        () => undefined,
        (x: unknown) => x,
      );
      await reset;
      expect(err).toBeInstanceOf(UpdateError);
      expect((err as Error).message).toMatch(/^the board was reset by another client \(or its own watchdog\) during the update: it went from boot \d+ to boot \d+ \(reset reason soft-reset\) before deciding/);
      expect((err as Error).message).not.toMatch(/did not process the envelope/);
    });
  }
});

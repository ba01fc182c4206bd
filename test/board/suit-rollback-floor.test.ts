/**
 * One rollback floor for both ways onto a SUIT board (issue 11, finding 2): an MCUboot image
 * that bypasses SUIT — flashed through the image group, or written by serial recovery — boots
 * only when its security counter (SEC_CNT) is at least the stored SUIT sequence number, and a
 * SUIT install raises that floor for such images. The refusal is the bootloader's, at boot, as
 * MCUboot with MCUBOOT_HW_ROLLBACK_PROT does it; `suitrig flash` reports it (exit 1, the
 * bootloader's reason) and `suitrig status` shows the SUIT image still running.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createImage } from '../../host/mcuboot/create.js';
import { parseVersion } from '../../host/mcuboot/format.js';
import { runUpdate } from '../../host/operator/update.js';
import { VirtualBoard } from '../../rig/virtual/board/board.js';
import { CounterId } from '../../rig/virtual/bootloader/index.js';
import { policyIdentity } from '../../rig/virtual/suit/trust.js';
import { runCli } from '../helpers/cli.js';
import { APP_URI, app, envelope, es256Key, identity, trust } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'suitrig-rollback-floor-'));
const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of closers) await c();
});

/** An MCUboot image signed by the board's author key (the key its SUIT manifests are signed with). */
function imageFile(name: string, version: string, counter: number): string {
  const file = join(dir, name);
  writeFileSync(file, createImage(app(version), { key: es256Key, version: parseVersion(version), securityCounter: counter }));
  return file;
}

/** A board that trusts the author, has installed (and confirmed) SUIT manifests up to `sequence`, served over TCP. */
async function suitBoard(sequence: number) {
  const board = await VirtualBoard.open({ trust: trust(es256Key), identity: policyIdentity(identity), seed: 11 });
  const link = await board.connect({ pace: false, seed: 5 });
  const tcp = await board.listenTcp();
  closers.push(async () => {
    await link.close();
    await tcp.close();
    await board.close();
  });
  const install = async (seq: number, version: string) => {
    const payload = app(version);
    const out = await runUpdate(link.client, envelope({ sequence: seq, payload, key: es256Key }), { payloads: new Map([[APP_URI, payload]]) });
    expect(out.result, out.message).toBe('updated');
  };
  await install(sequence, '1.0.0');
  expect(board.firmware.storedSequence()).toBe(BigInt(sequence));
  return { board, url: tcp.url, install };
}

async function status(url: string) {
  const s = await runCli(['status', '--port', url, '--json']);
  expect(s.code, s.stderr).toBe(0);
  return JSON.parse(s.stdout) as { suit: { sequenceNumber: number } | null; trust: { sequence: number } | null; images: { slot: number; version: string; active: boolean }[] };
}

describe('a SUIT board keeps one rollback floor for SUIT and raw MCUboot images', () => {
  it('stored sequence 20: flash of an author-signed image with an older security counter is refused by the bootloader (exit 1 with its reason), the SUIT image keeps running, and status agrees', async () => {
    const { board, url } = await suitBoard(20);
    // The MCUboot counter itself never moved: the image's SEC_CNT equals it.
    expect(board.firmware.device.counters.get(CounterId.mcubootImage0)).toBe(0n);
    const old = await runCli(['flash', '--port', url, imageFile('old-0.9.0.bin', '0.9.0', 0)]);
    expect(old.code, old.stderr).toBe(1);
    expect(old.stdout).toMatch(/result    the board runs 1\.0\.0\.20 \(sha256 [0-9a-f]{64}\), not the new image: reverted or refused by the bootloader/);
    expect(old.stdout).toMatch(/the bootloader said: "E: Image in the secondary slot is not valid! \(secondary slot: image security counter 0 is below the stored counter 20\)"/);
    expect(board.firmware.running?.sequence).toBe(20n);
    const s = await status(url);
    expect(s.suit?.sequenceNumber).toBe(20);
    expect(s.trust?.sequence).toBe(20);
    expect(s.images.filter((i) => i.active)).toMatchObject([{ slot: 0, version: '1.0.0.20' }]);
    // The one just under the floor is refused too, marked permanent as well as for a test.
    for (const mark of ['--test', '--confirm']) {
      const under = await runCli(['flash', '--port', url, imageFile('under-2.0.0.bin', '2.0.0', 19), mark]);
      expect(under.code, under.stderr).toBe(1);
      expect(under.stderr).toMatch(mark === '--test' ? /^mark +test: /m : /^mark +permanent: /m);
      expect(under.stdout).toContain('image security counter 19 is below the stored counter 20');
      expect(board.firmware.running?.sequence).toBe(20n);
    }
  });

  it('an image whose security counter reaches the stored sequence still boots through the image group', async () => {
    const { board, url } = await suitBoard(20);
    const newer = await runCli(['flash', '--port', url, imageFile('newer-2.0.0.bin', '2.0.0', 21), '--json']);
    expect(newer.code, newer.stderr).toBe(0);
    expect(JSON.parse(newer.stdout)).toMatchObject({ booted: true, marked: 'test' });
    expect(board.firmware.device.state).toMatchObject({ kind: 'running', confirmed: true, image: { version: '2.0.0+0' } });
    // MCUboot's own counter follows the image that bypassed SUIT (raised at the next boot, once confirmed).
    await board.reset();
    expect(board.firmware.device.counters.get(CounterId.mcubootImage0)).toBe(21n);
    // Equal to the floor is allowed, as MCUboot allows an equal SEC_CNT.
    const equal = await runCli(['flash', '--port', url, imageFile('equal-2.1.0.bin', '2.1.0', 21)]);
    expect(equal.code, equal.stdout + equal.stderr).toBe(0);
  });

  it('a SUIT install raises the floor raw images are checked against: an image above the MCUboot counter but below the new sequence is refused', async () => {
    const { board, url, install } = await suitBoard(1);
    const raw = await runCli(['flash', '--port', url, imageFile('raw-2.0.0.bin', '2.0.0', 5)]);
    expect(raw.code, raw.stdout + raw.stderr).toBe(0);
    await board.reset();
    expect(board.firmware.device.counters.get(CounterId.mcubootImage0)).toBe(5n);
    await install(30, '3.0.0');
    expect(board.firmware.storedSequence()).toBe(30n);
    const below = await runCli(['flash', '--port', url, imageFile('below-4.0.0.bin', '4.0.0', 29)]);
    expect(below.code).toBe(1);
    expect(below.stdout).toContain('image security counter 29 is below the stored counter 30');
    expect(board.firmware.running?.sequence).toBe(30n);
    expect((await status(url)).suit?.sequenceNumber).toBe(30);
  });

  it('serial recovery: an image below the stored sequence written into the primary slot is not booted (the board stays in its bootloader)', async () => {
    const { board, url } = await suitBoard(20);
    const reboot = await runCli(['reboot', '--port', url, '--bootloader']);
    expect(reboot.code, reboot.stderr).toBe(0);
    expect(board.mode).toBe('bootloader');
    const old = await runCli(['flash', '--port', url, imageFile('recovery-0.9.0.bin', '0.9.0', 3)]);
    expect(old.code).toBe(1);
    // MCUboot's image list shows only images its bootutil_img_validate passes, counter
    // included: the upload is not listed, and the board is never reset into it.
    expect(old.stdout).toContain('the board does not list the uploaded image');
    expect(board.mode).toBe('bootloader');
    // What recovers it: an image at the floor.
    const good = await runCli(['flash', '--port', url, imageFile('recovery-2.0.0.bin', '2.0.0', 20)]);
    expect(good.code, good.stdout + good.stderr).toBe(0);
    expect(board.mode).toBe('application');
  });
});

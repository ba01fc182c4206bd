/**
 * `suitrig flash` end to end with the virtual board (rig/virtual) served over TCP: a fresh
 * board in serial recovery gets its first image written to the primary slot; the next image
 * goes to the secondary slot, is tested and boots; an image signed with a key the board does
 * not trust is refused by its bootloader (exit 1).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSigningKey, type PrivateKey } from '../../host/keys/index.js';
import { createImage } from '../../host/mcuboot/create.js';
import { parseVersion } from '../../host/mcuboot/format.js';
import { buildAppImage, parseAppVersion } from '../../rig/virtual/app/app-image.js';
import { VirtualBoard } from '../../rig/virtual/board/board.js';
import { anchor } from '../board/fixtures.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'suitrig-flash-virtual-'));
const key = generateSigningKey('es256') as PrivateKey;
const stranger = generateSigningKey('es256') as PrivateKey;

function imageFile(name: string, version: string, counter: number, signer = key, size = 24_000): string {
  const app = buildAppImage({ behaviour: 'healthy', version: parseAppVersion(version), size });
  const file = join(dir, name);
  writeFileSync(file, createImage(app, { key: signer, version: parseVersion(version), securityCounter: counter }));
  return file;
}

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of closers) await c();
});

describe('suitrig flash against the virtual board', () => {
  it('recovery write, then test update; an untrusted image is refused by the bootloader', async () => {
    const board = await VirtualBoard.open({ trust: { anchors: [anchor(key)], require: [] } });
    const l = await board.listenTcp();
    closers.push(async () => {
      await l.close();
      await board.close();
    });
    const first = await runCli(['flash', '--port', l.url, imageFile('a-2.0.0.bin', '2.0.0', 1), '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('serial recovery');
    expect(JSON.parse(first.stdout)).toMatchObject({ booted: true, marked: 'none' });

    const second = await runCli(['flash', '--port', l.url, imageFile('a-2.1.0.bin', '2.1.0', 2), '--json']);
    expect(second.code, second.stderr).toBe(0);
    const j = JSON.parse(second.stdout);
    expect(j).toMatchObject({ booted: true, marked: 'test' });
    expect(j.upload.match).toBe(true);

    const bad = await runCli(['flash', '--port', l.url, imageFile('evil-3.0.0.bin', '3.0.0', 3, stranger)]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/result    the board runs 2\.1\.0 \(sha256 [0-9a-f]{64}\), not the new image: reverted or refused by the bootloader/);
    // The reason, which the bootloader gives on its console only, comes with the verdict.
    expect(bad.stdout).toMatch(/; the bootloader said: "E: Image in the secondary slot is not valid! \(.*\)"/);
  });

  it('an image larger than the board\'s slot: exit 1, the board cannot take it (nothing sent)', async () => {
    const board = await VirtualBoard.open({ trust: { anchors: [anchor(key)], require: [] } });
    const l = await board.listenTcp();
    closers.push(async () => {
      await l.close();
      await board.close();
    });
    // The application answers slot info; a fresh board waits in MCUboot's serial recovery, which does not.
    const first = await runCli(['flash', '--port', l.url, imageFile('b-2.0.0.bin', '2.0.0', 1), '--json']);
    expect(first.code, first.stderr).toBe(0);
    const big = await runCli(['flash', '--port', l.url, imageFile('huge-9.0.0.bin', '9.0.0', 9, key, 2 * 1024 * 1024), '--json']);
    expect(big.code, big.stderr).toBe(1);
    expect(JSON.parse(big.stdout)).toMatchObject({ booted: false });
    expect(JSON.parse(big.stdout).upload).toBeUndefined();
    expect(JSON.parse(big.stdout).message).toMatch(/^the image \(\d+ bytes\) is larger than the board's slot \(\d+ bytes\): it cannot take it$/);
  });
});

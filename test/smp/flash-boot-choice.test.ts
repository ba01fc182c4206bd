/**
 * `suitrig flash` on boards whose bootloader does not take test/confirm marks, played by the
 * virtual board model with another bootloader's choice over TCP (helpers/fake-boards.ts): a RAM-load board that reports its mode (bootloader info 6), one that
 * does not (as the QEMU peer, whose image state write answers rc 8 and whose image carries
 * RAM_LOAD; test/e2e/qemu-peer.test.ts runs the real one), a swap board whose image manager
 * cannot mark, one that does not report its mode, and MCUboot serial recovery (no slot active). The messages say what the board is;
 * the verdicts follow what boots. Also where a board is (run-state.ts) and the version outlook
 * (boot-choice.ts) alone.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IMAGE_F, parseVersion } from '../../host/mcuboot/format.js';
import { highestVersionBootloader, versionOutlook } from '../../host/operator/boot-choice.js';
import { whereIsBoard } from '../../host/operator/run-state.js';
import type { ImageSlotState } from '../../host/smp/image-state.js';
import type { TcpListener } from '../../host/transport/tcp.js';
import { runCli } from '../helpers/cli.js';
import { peerImage } from '../helpers/smp-peer.js';
import { fakeBoard } from './helpers/fake-boards.js';

const dir = mkdtempSync(join(tmpdir(), 'suitrig-flash-boot-'));
const image = (version: string, flags = 0): Uint8Array => peerImage(version, { size: 8_000, flags, ...(flags & IMAGE_F.RAM_LOAD ? { loadAddr: 0x20240000 } : {}) });
const running = image('1.0.0', IMAGE_F.RAM_LOAD);
function file(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}
const newerRam = file('app-1.1.0-ram.bin', image('1.1.0', IMAGE_F.RAM_LOAD));
const olderRam = file('app-0.9.0-ram.bin', image('0.9.0', IMAGE_F.RAM_LOAD));
const newerXip = file('app-1.1.0.bin', image('1.1.0'));

const listeners: TcpListener[] = [];
afterAll(async () => {
  await Promise.all(listeners.map((l) => l.close()));
});

describe('flash: boards that boot the highest valid version', () => {
  it('a RAM-load board that reports its mode: nothing is marked, the newer image boots (exit 0)', async () => {
    const b = await fakeBoard(running, listeners, { mode: 6, canMark: false, bootsHighest: true });
    const r = await runCli(['flash', '--port', b.url, newerRam, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(b.marks).toBe(0);
    expect(r.stderr).toContain('board     application: its image manager runs slot 0 and it answers OS info; MCUboot RAM load (mode 6)');
    expect(r.stderr).toContain('slot      the image is in slot 1');
    expect(r.stderr).toContain(
      'mark      not possible: MCUboot RAM load (mode 6, as the board reports) boots the valid image with the highest version, nothing is tested or confirmed; 1.1.0 is newer than 1.0.0 in slot 0: it boots at the reset if it is valid',
    );
    expect(r.stderr).not.toMatch(/serial recovery/);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ booted: true, marked: 'none', board: { state: 'application', bootloaderMode: 6 } });
    expect(j.message).toBe('running 1.1.0+0 (booted as the highest valid version: there is no test boot to confirm)');
  });

  it('the same board and an older image: said before the reset, and exit 1 saying why it kept the running one', async () => {
    const b = await fakeBoard(running, listeners, { mode: 6, canMark: false, bootsHighest: true });
    const r = await runCli(['flash', '--port', b.url, olderRam]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('0.9.0 is not newer than 1.0.0 in slot 0: the bootloader keeps booting that one');
    expect(r.stdout).toMatch(/^result {4}the board runs 1\.0\.0 \(sha256 [0-9a-f]{64}\), not the new image: MCUboot RAM load \(mode 6, as the board reports\) boots the valid image with the highest version, and 0\.9\.0 is not newer than 1\.0\.0 in slot 0/);
  });

  it('a board that reports no mode and cannot mark (the QEMU peer): the RAM_LOAD image says what boots', async () => {
    const b = await fakeBoard(running, listeners, { canMark: false, bootsHighest: true });
    const r = await runCli(['flash', '--port', b.url, newerRam]);
    expect(r.code, r.stderr).toBe(0);
    expect(b.marks).toBe(1);
    expect(r.stderr).toContain('bootloader mode not reported (the board answered os error 3, QUERY_YIELDS_NO_ANSWER)');
    expect(r.stderr).toContain(
      'mark      not needed: the board cannot mark images (image state write: not supported by this build: rc 8), but a RAM-load MCUboot (the image is built for RAM load, header flag RAM_LOAD; the board does not report its bootloader mode) boots the valid image with the highest version; 1.1.0 is newer than 1.0.0 in slot 0',
    );
    expect(r.stderr).not.toMatch(/serial recovery/);
  });

  it('a newer image that does not boot under such a bootloader: the bootloader found it invalid', async () => {
    const b = await fakeBoard(running, listeners, { mode: 4, canMark: false, bootsHighest: false });
    const r = await runCli(['flash', '--port', b.url, newerXip]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('not possible: MCUboot direct XIP (mode 4, as the board reports)');
    expect(r.stdout).toContain('and 1.1.0 is newer and still in slot 1, so the bootloader found it invalid (hash, signature or load address)');
  });
});

describe('flash: boards where marks decide', () => {
  it('a swap board whose image manager cannot mark: exit 1, the image was never marked', async () => {
    const b = await fakeBoard(running, listeners, { mode: 3, canMark: false, bootsHighest: false });
    const r = await runCli(['flash', '--port', b.url, newerXip]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'mark      the board cannot mark images (image state write: not supported by this build: rc 8); its MCUboot swap using move boots an uploaded image only once it is marked: what boots after the reset is up to its bootloader',
    );
    expect(r.stdout).toMatch(/not the new image: it was never marked for boot \(the board cannot mark images/);
  });

  it('no mode reported, no RAM_LOAD flag, no marks: it says it cannot tell', async () => {
    const b = await fakeBoard(running, listeners, { canMark: false, bootsHighest: false });
    const r = await runCli(['flash', '--port', b.url, newerXip]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the board cannot mark images (image state write: not supported by this build: rc 8), and does not report its bootloader mode: what boots after the reset is up to its bootloader');
  });

  it('a board in MCUboot serial recovery: it is named as such, and nothing is marked', async () => {
    const b = await fakeBoard(running, listeners, { mode: 3, canMark: true, bootsHighest: true, recovery: true });
    const r = await runCli(['flash', '--port', b.url, newerXip, '--json']);
    expect(b.marks).toBe(0);
    expect(r.stderr).toContain(
      'board     MCUboot serial recovery: its image list marks no slot active, as MCUboot serial recovery answers; MCUboot swap using move (mode 3)',
    );
    expect(r.stderr).toContain('mark      not needed: MCUboot serial recovery wrote slot 1 directly; the image boots at the reset');
    expect(JSON.parse(r.stdout).board).toEqual({ state: 'serial-recovery', bootloaderMode: 3 });
    // still in recovery after the reset (the fake never leaves it): no image runs
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('after the reset the board marks no image active: it stayed in its bootloader (MCUboot serial recovery)');
  });
});

describe('where a board is; what a highest-version bootloader picks', () => {
  const slot = (s: number, version: string, active: boolean): ImageSlotState => ({ image: 0, slot: s, version, hash: Uint8Array.of(s), active, bootable: active, confirmed: active, pending: false, permanent: false });

  it('application when a slot is active or OS info answers; recovery on an image list without an active slot', () => {
    expect(whereIsBoard({ images: [slot(0, '1.0.0', true)], unreported: {} }).state).toBe('application');
    expect(whereIsBoard({ os: { text: 'Zephyr', format: 'a' }, unreported: { images: 'x' } })).toEqual({ state: 'application', evidence: 'it answers OS info' });
    expect(whereIsBoard({ images: [slot(0, '0.0.0', false)], unreported: { os: 'not supported by this build: rc 8' } }).state).toBe('serial-recovery');
    expect(whereIsBoard({ os: { text: 'Zephyr', format: 'a' }, images: [], unreported: {} })).toEqual({ state: 'serial-recovery', evidence: 'its image list is empty: no application runs, as MCUboot serial recovery answers' });
    expect(whereIsBoard({ unreported: { os: 'not supported by this build: rc 8' } }).state).toBe('unknown');
  });

  it('compares versions as MCUboot does (major.minor.revision), naming the slot to beat', () => {
    const images = [slot(0, '1.2.3.9', true), slot(1, '1.3.0', false)];
    expect(versionOutlook(parseVersion('1.3.0+5'), Uint8Array.of(7), images, 0)).toEqual({ newest: false, text: '1.3.0.5 is not newer than 1.3.0 in slot 1: the bootloader keeps booting that one' });
    expect(versionOutlook(parseVersion('1.3.1'), Uint8Array.of(1), images, 0).text).toBe('1.3.1 is newer than 1.2.3.9 in slot 0: it boots at the reset if it is valid');
    expect(versionOutlook(parseVersion('1.0.0'), Uint8Array.of(0), [slot(0, '1.0.0', true)], 0).newest).toBe(true);
    expect(versionOutlook(parseVersion('1.0.0'), Uint8Array.of(9), [slot(0, 'v1', true)], 0)).toEqual({ newest: false, text: "slot 0 reports version 'v1', which cannot be compared with 1.0.0" });
  });

  it('only direct-XIP and RAM-load modes boot the highest version; RAM_LOAD speaks only when the board is silent', () => {
    const m = (mode: number) => ({ mode, name: 'x', noDowngrade: false });
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].filter((n) => highestVersionBootloader(m(n), 0) !== undefined)).toEqual([4, 6, 8]);
    expect(highestVersionBootloader(m(3), IMAGE_F.RAM_LOAD)).toBeUndefined();
    expect(highestVersionBootloader(undefined, IMAGE_F.RAM_LOAD)).toMatch(/^a RAM-load MCUboot/);
    expect(highestVersionBootloader(undefined, 0)).toBeUndefined();
  });
});

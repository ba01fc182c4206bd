/**
 * `suitrig status`, `reboot` and `flash` end to end against an SMP board served over TCP (the
 * SMP peer: the virtual board model behind the OS and image groups): real MCUboot images, the JSON and text outputs, exit
 * statuses, `--trace`, and errors that say what is wrong.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { osGroup } from '../../host/smp/server/os-group.js';
import { SmpServer } from '../../host/smp/server/server.js';
import { runCli } from '../helpers/cli.js';
import { progressBar, progressText } from '../../rig/cli/upload-progress.js';
import { openSmpPeer, peerImage, type SmpPeer } from '../helpers/smp-peer.js';
import { serve } from './helpers/serve-tcp.js';

const dir = mkdtempSync(join(tmpdir(), 'suitrig-cli-smp-'));
const app = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
const v1 = peerImage('1.0.0', { size: 20_000, seed: 1 });
const v2 = peerImage('1.1.0+7', { size: 30_000, seed: 2 });
/** Larger than the nRF52840-like part's 400 KiB slots. */
const TOO_LARGE = 420_000;
const v2file = join(dir, 'app-1.1.0.bin');
writeFileSync(v2file, v2);

const peers: SmpPeer[] = [];
let peer: SmpPeer;
let url: string;
beforeEach(async () => {
  peer = await openSmpPeer({ running: v1 });
  peers.push(peer);
  url = await serve(peer.server);
});
afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
});

describe('suitrig status', () => {
  it('--json: OS info, buffers, bootloader mode, slots with version and TLV hash', async () => {
    const r = await runCli(['status', '--port', url, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.port).toBe(url);
    expect(j.os).toMatch(/^suitrig smp-peer /);
    expect(j.smp).toEqual({ bufSize: 2048, bufCount: 4 });
    expect(j.bootloader).toEqual({ name: 'MCUboot', mode: 3, modeName: 'swap using move', noDowngrade: false });
    expect(j.images).toHaveLength(1);
    expect(j.images[0]).toMatchObject({ image: 0, slot: 0, version: '1.0.0', active: true, confirmed: true, bootable: true });
    expect(j.images[0].hash).toMatch(/^[0-9a-f]{64}$/);
    expect(j.suit).toBeNull();
  });

  it('text: one line per item', async () => {
    const r = await runCli(['status', '--port', url]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`board      ${url}`);
    expect(r.stdout).toContain('smp        buffers 2048 bytes x 4');
    expect(r.stdout).toContain('bootloader MCUboot, swap using move (mode 3)');
    expect(r.stdout).toMatch(/image 0 +slot 0 +1\.0\.0 +active confirmed bootable +sha256 [0-9a-f]{64}/);
  });

  it('a port with nothing behind it is an environment error (exit 2) that says so', async () => {
    const r = await runCli(['status', '--port', 'tcp://127.0.0.1:1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot connect to tcp:\/\/127\.0\.0\.1:1: ECONNREFUSED/);
  });

  it('bad --timeout is a usage error', async () => {
    const r = await runCli(['status', '--port', url, '--timeout', 'soon']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--timeout: expected seconds/);
  });

  it('--trace shows every packet as hex and CBOR on stderr; stdout stays one JSON document', async () => {
    const r = await runCli(['status', '--port', url, '--trace', '--json']);
    expect(r.code).toBe(0);
    expect(() => JSON.parse(r.stdout)).not.toThrow();
    expect(r.stderr).toMatch(/smp >> read os\/params \(group 0 cmd 6\) seq \d+ v2, 1 bytes\n    08 00 00 01 00 00 [0-9a-f]{2} 06 a0\n    \{\}/);
    // The answer's hex runs over two lines: zcbor's indefinite-length map (bf ... ff).
    expect(r.stderr).toMatch(/smp << read-rsp os\/params .*\n    09 00 00 19 [0-9a-f ]+ bf [0-9a-f ]+\n    ff\n    \{"buf_size": 2048, "buf_count": 4\}/);
  });
});

describe('suitrig reboot', () => {
  it('resets the board and waits until it answers again', async () => {
    const r = await runCli(['reboot', '--port', url]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('SMP reset');
    // The peer answers the reset and resets 250 ms later, then prints its banner: only that counts.
    expect(r.stdout).toMatch(/rebooted  the board went through the reset \(the boot banner '\*\*\* Booting' on the console\) and answered again after \d+\.\d s/);
    expect(peer.boots).toBe(1);
  });

  it('--bootloader asks for boot_mode 1', async () => {
    const modes: number[] = [];
    const server = new SmpServer();
    server.register(
      osGroup({
        params: { bufSize: 1024, bufCount: 1 },
        reset: ({ bootMode }) => {
          modes.push(bootMode);
          // MCUboot in serial recovery: deaf while it restarts, then its log line.
          server.listening = false;
          setTimeout(() => {
            server.listening = true;
            void server.print('I: Starting bootloader');
          }, 100);
        },
      }),
    );
    const r = await runCli(['reboot', '--port', await serve(server), '--bootloader']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stderr).toContain('boot_mode 1');
    expect(modes).toEqual([1]);
  });

  it('a board that answers the reset but never goes through it: exit 1, says so (its answers are not believed)', async () => {
    const server = new SmpServer();
    let resets = 0;
    server.register(osGroup({ params: { bufSize: 1024, bufCount: 1 }, reset: () => void resets++ }));
    const r = await runCli(['reboot', '--port', await serve(server)]);
    expect(resets).toBe(1);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^rebooted  no: the board acknowledged the reset but answered for 5\.0 s without going through it \(it never went quiet, the link stayed up and no boot banner appeared\)/);
  });

  it('a board without reset refuses: exit 1 with its answer', async () => {
    const server = new SmpServer();
    server.register(osGroup({ params: { bufSize: 1024, bufCount: 1 } }));
    const r = await runCli(['reboot', '--port', await serve(server)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/refused the reset: .*rc 8/);
  });
});

describe('suitrig flash', () => {
  it('uploads, marks for test, resets and reports the new image running unconfirmed; a reboot reverts it', async () => {
    const r = await runCli(['flash', '--port', url, v2file, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ booted: true, marked: 'test', image: { version: '1.1.0+7', size: v2.length } });
    // boards write versions as Zephyr's img_mgmt does: the build number after a dot
    expect(j.running).toMatchObject({ slot: 0, version: '1.1.0.7', active: true, confirmed: false });
    expect(j.upload).toMatchObject({ bytes: v2.length, match: true });
    expect(j.message).toBe('running 1.1.0+7, test image awaiting its confirmation');
    expect(r.stderr).toMatch(new RegExp(`upload    ${(v2.length / 1024).toFixed(1)} KiB in .* SHA-256 verified by the board`));
    // not confirmed: MCUboot reverts at the next reset
    expect((await runCli(['reboot', '--port', url])).code).toBe(0);
    const s = JSON.parse((await runCli(['status', '--port', url, '--json'])).stdout);
    expect(s.images.find((i: { active: boolean }) => i.active).version).toBe('1.0.0');
  });

  it('--confirm makes it permanent', async () => {
    const r = await runCli(['flash', '--port', url, v2file, '--confirm']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('result    running 1.1.0+7, confirmed\n');
    expect(r.stderr).toContain('mark      permanent');
    expect((await runCli(['reboot', '--port', url])).code).toBe(0);
    const s = JSON.parse((await runCli(['status', '--port', url, '--json'])).stdout);
    expect(s.images.find((i: { active: boolean }) => i.active).version).toBe('1.1.0.7');
  });

  it('a board that still runs the old image after the reset: exit 1, says what runs', async () => {
    peer.storage.setPending = async () => undefined; // the bootloader ignores the mark
    const r = await runCli(['flash', '--port', url, v2file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/result    the board runs 1\.0\.0 \(sha256 [0-9a-f]{64}\), not the new image/);
  });

  it('refuses a file that is not an MCUboot image, and contradictory flags', async () => {
    const junk = join(dir, 'junk.bin');
    writeFileSync(junk, app(100, 3));
    const r = await runCli(['flash', '--port', url, junk]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/junk\.bin is not an MCUboot image: bad image magic/);
    const b = await runCli(['flash', '--port', url, v2file, '--test', '--confirm']);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain('--test and --confirm exclude each other');
    const c = await runCli(['flash', '--port', url, join(dir, 'missing.bin')]);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain('cannot read');
  });

  it('an image too large for the slot: the board cannot take it, exit 1 (a negative answer, not a broken link) naming both sizes', async () => {
    const big = join(dir, 'big.bin');
    writeFileSync(big, peerImage('2.0.0', { size: TOO_LARGE, seed: 4 }));
    const r = await runCli(['flash', '--port', url, big]);
    expect(r.code).toBe(1);
    const slot = peer.board.firmware.areas.secondary.size;
    expect(r.stdout).toMatch(new RegExp(`^result    the image \\(\\d+ bytes\\) is larger than the board's slot \\(${slot} bytes\\): it cannot take it$`, 'm'));
  });

  it('a board that reports no slot sizes and refuses the upload itself: exit 1 with its reason', async () => {
    // Zephyr without CONFIG_MCUMGR_GRP_IMG_SLOT_INFO: slot info answers rc 8.
    delete (peer.image.commands as Record<number, unknown>)[6];
    const big = join(dir, 'big2.bin');
    writeFileSync(big, peerImage('2.0.0', { size: TOO_LARGE, seed: 5 }));
    const r = await runCli(['flash', '--port', await serve(peer.server), big]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^result    the board refused the image: .*INVALID_IMAGE_TOO_LARGE/m);
  });
});

describe('upload progress bar', () => {
  const p = { done: 80_000, total: 98_304, chunkSize: 2020, elapsedMs: 10_000, bytesPerSecond: 7_900, etaMs: 2_300 };
  it('shows bytes, percentage, rate and time left', () => {
    expect(progressText('payload   app.bin', p, 10)).toBe('payload   app.bin  [########--]  81%  78.1 KiB/96.0 KiB  7.9 KB/s  0:02 left');
  });
  it('draws only on a terminal and never with --json', () => {
    const out: string[] = [];
    const io = (isTTY: boolean) => ({ stdout: { write: () => true }, stderr: { write: (s: string) => out.push(s), isTTY }, env: {}, cwd: '/' });
    progressBar(io(false), 'x', false).update(p);
    progressBar(io(true), 'x', true).update(p);
    expect(out).toEqual([]);
    const bar = progressBar(io(true), 'x', false);
    bar.update(p);
    bar.update({ ...p, done: 81_000 }); // within 100 ms: not redrawn
    bar.update({ ...p, done: p.total, etaMs: 0 }); // the last one always
    bar.clear();
    expect(out).toHaveLength(3);
    expect(out[0]).toMatch(/^\r\x1b\[Kx  \[/);
    expect(out[1]).toContain('100%');
    expect(out[2]).toBe('\r\x1b[K');
  });
});

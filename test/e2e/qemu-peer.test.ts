/**
 * `suitrig status` and `flash` against real firmware under QEMU (../shared/peers,
 * test/helpers/qemu-peer.ts). MCUboot + Zephyr's smp_server: in its application it answers OS
 * info but not bootloader info (rc 8), runs a RAM-load image and answers rc 8 to image state
 * write; after `reboot --bootloader` it is in MCUboot serial recovery (OS info and parameters
 * rc 8, an image list without flags). The native_sim build has no image group and 384-byte
 * buffers. Skipped, with the reason printed, where the peers or QEMU are missing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { nativeSimUnavailable, peerAppWithVersion, qemuPeerUnavailable, startNativeSimPeer, startQemuPeer, type QemuPeer } from '../helpers/qemu-peer.js';

const REASON = qemuPeerUnavailable();
if (REASON) console.warn(`SKIPPED QEMU peer tests: ${REASON}`);
const SIM_REASON = nativeSimUnavailable();
if (SIM_REASON) console.warn(`SKIPPED native_sim peer test: ${SIM_REASON}`);

let peer: Pick<QemuPeer, 'close'> | undefined;
afterEach(async () => {
  await peer?.close();
  peer = undefined;
});

const statusOf = async (url: string) => {
  const r = await runCli(['status', '--port', url, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
};

describe.skipIf(REASON !== undefined)(`the MCUboot + Zephyr peer under QEMU${REASON ? ` [skipped: ${REASON}]` : ''}`, () => {
  it('status: its application, with what the build does not report named; then serial recovery', async () => {
    const qemu = await startQemuPeer();
    peer = qemu;
    const app = await statusOf(qemu.url);
    expect(app.state).toEqual({ state: 'application', evidence: 'its image manager runs slot 0 and it answers OS info' });
    expect(app.os).toMatch(/^Zephyr .* 4\.4\.0 .*mps2\/an385/);
    expect(app.smp).toEqual({ bufSize: 1024, bufCount: 4 });
    expect(app.bootloader).toBeNull();
    expect(app.notReported).toMatchObject({ bootloader: 'not supported by this build: rc 8', suit: 'not supported by this build: rc 8' });
    expect(app.images).toHaveLength(1);
    expect(app.images[0]).toMatchObject({ slot: 0, version: '0.0.0', active: true });

    const reboot = await runCli(['reboot', '--port', qemu.url, '--bootloader']);
    expect(reboot.code, reboot.stderr).toBe(0);
    const rec = await statusOf(qemu.url);
    expect(rec.state.state).toBe('serial-recovery');
    expect(rec.state.evidence).toBe('its image list marks no slot active, and it does not support OS info (rc 8), as MCUboot serial recovery answers');
    expect(rec.os).toBeNull();
    expect(rec.notReported).toMatchObject({ os: 'not supported by this build: rc 8', params: 'not supported by this build: rc 8' });
    expect(rec.images[0]).toMatchObject({ slot: 0, active: false, confirmed: false });
    const text = await runCli(['status', '--port', qemu.url]);
    expect(text.stdout).toContain('state      MCUboot serial recovery (its image list marks no slot active');
  });

  it('flash of a newer RAM-load image: named as what it is, nothing marked, the newer version boots', async () => {
    const qemu = await startQemuPeer();
    peer = qemu;
    const file = join(mkdtempSync(join(tmpdir(), 'suitrig-qemu-')), 'app-0.0.1.bin');
    writeFileSync(file, peerAppWithVersion(0, 0, 1));
    const r = await runCli(['flash', '--port', qemu.url, file, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('board     application: its image manager runs slot 0 and it answers OS info; bootloader mode not reported (not supported by this build: rc 8)');
    expect(r.stderr).toContain('slot      the image is in slot 1');
    expect(r.stderr).toContain(
      'mark      not needed: the board cannot mark images (image state write: not supported by this build: rc 8), but a RAM-load MCUboot (the image is built for RAM load, header flag RAM_LOAD; the board does not report its bootloader mode) boots the valid image with the highest version; 0.0.1 is newer than 0.0.0 in slot 0',
    );
    expect(r.stderr).not.toMatch(/serial recovery/);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ board: { state: 'application', bootloaderMode: null }, marked: 'none', booted: true });
    expect(j.message).toBe('running 0.0.1+0 (booted as the highest valid version: there is no test boot to confirm)');
    const after = await statusOf(qemu.url);
    expect(after.images.find((i: { active: boolean }) => i.active)).toMatchObject({ slot: 1, version: '0.0.1' });
  });
});

describe.skipIf(SIM_REASON !== undefined)(`the Zephyr native_sim peer${SIM_REASON ? ` [skipped: ${SIM_REASON}]` : ''}`, () => {
  it('status: an application without the image group, its 384-byte buffers, what it lacks named', async () => {
    const sim = await startNativeSimPeer();
    peer = sim;
    const r = await runCli(['status', '--port', sim.path]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('state      application (it answers OS info)');
    expect(r.stdout).toMatch(/os {9}Zephyr .* 4\.4\.0 .*native_sim/);
    expect(r.stdout).toContain('smp        buffers 384 bytes x 4');
    expect(r.stdout).toContain('bootloader not reported (not supported by this build: rc 8)');
    expect(r.stdout).toContain('images     not reported (not supported by this build: rc 8)');
  });
});

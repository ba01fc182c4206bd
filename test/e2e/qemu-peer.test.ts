/**
 * Where a board is and what its bootloader boots, on real firmware: MCUboot + Zephyr's
 * smp_server under QEMU (../shared/peers; the lab's `an385` board of test/helpers/peers.ts,
 * started by the rig). In its application it answers OS info but not bootloader info (rc 8),
 * runs a RAM-load image and answers rc 8 to image state write; after `reboot --bootloader` it is
 * in MCUboot serial recovery (OS info and parameters rc 8, an image list without flags).
 * Skipped, with the reason in the name, where the peers or QEMU are missing.
 */
import { expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { reversionImage } from '../../host/mcuboot/reversion.js';
import { loadLab } from '../../rig/lab/load.js';
import { startEmulatedBoard } from '../../rig/emulator/start.js';
import { runCli } from '../helpers/cli.js';
import { describeWithPeers, PEERS, peersLab } from '../helpers/peers.js';
import { tempDir, writeFile } from '../rig/helpers/lab-files.js';

const statusOf = async (port: string, cwd: string) => {
  const r = await runCli(['status', '--port', port, '--json'], { cwd });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
};

describeWithPeers('the MCUboot + Zephyr peer under QEMU: application, serial recovery, RAM load', () => {
  it('status: its application, with what the build does not report named; then serial recovery', async () => {
    const dir = tempDir();
    const lab = loadLab(writeFile(dir, 'rig.yaml', peersLab()));
    const port = lab.boards.find((b) => b.name === 'an385')!.port;
    if (port.kind !== 'emulator') throw new Error('an385 is not an emulated board');
    // One QEMU for both states: its UART is a TCP port the commands reach like ser2net's.
    const board = await startEmulatedBoard('an385', port.emulator, () => undefined);
    try {
      const url = /UART (tcp:\/\/127\.0\.0\.1:\d+)/.exec(board.description)![1]!;
      const app = await statusOf(url, dir);
      expect(app.state).toEqual({ state: 'application', evidence: 'its image manager runs slot 0 and it answers OS info' });
      expect(app.os).toMatch(/^Zephyr .* 4\.4\.0 .*mps2\/an385/);
      expect(app.bootloader).toBeNull();
      expect(app.notReported).toMatchObject({ bootloader: 'not supported by this build: rc 8', suit: 'not supported by this build: rc 8' });
      expect(app.images[0]).toMatchObject({ slot: 0, version: '0.0.0', active: true });

      const reboot = await runCli(['reboot', '--port', url, '--bootloader'], { cwd: dir });
      expect(reboot.code, reboot.stderr).toBe(0);
      const rec = await statusOf(url, dir);
      expect(rec.state).toEqual({ state: 'serial-recovery', evidence: 'its image list marks no slot active, and it does not support OS info (rc 8), as MCUboot serial recovery answers' });
      expect(rec.os).toBeNull();
      expect(rec.notReported).toMatchObject({ os: 'not supported by this build: rc 8', params: 'not supported by this build: rc 8' });
      expect(rec.images[0]).toMatchObject({ slot: 0, active: false, confirmed: false });
    } finally {
      await board.close();
    }
  });

  it('flash of a newer RAM-load image: named as what it is, nothing marked, the newer version boots', async () => {
    const dir = tempDir();
    writeFile(dir, 'rig.yaml', peersLab());
    const file = writeFile(dir, 'app-0.0.1.bin', reversionImage(new Uint8Array(readFileSync(PEERS.qemuApp)), { major: 0, minor: 0, revision: 1, build: 0 }));
    const r = await runCli(['flash', '--port', 'an385', file, '--json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('board     application: its image manager runs slot 0 and it answers OS info; bootloader mode not reported (not supported by this build: rc 8)');
    expect(r.stderr).toContain('slot      the image is in slot 1');
    expect(r.stderr).toContain(
      'mark      not needed: the board cannot mark images (image state write: not supported by this build: rc 8), but a RAM-load MCUboot (the image is built for RAM load, header flag RAM_LOAD; the board does not report its bootloader mode) boots the valid image with the highest version; 0.0.1 is newer than 0.0.0 in slot 0',
    );
    expect(r.stderr).not.toMatch(/serial recovery/);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ board: { state: 'application', bootloaderMode: null }, marked: 'none', booted: true });
    expect(j.running).toMatchObject({ slot: 1, version: '0.0.1', active: true });
    expect(j.message).toBe('running 0.0.1+0 (booted as the highest valid version: there is no test boot to confirm)');
  });
});

/**
 * `suitrig status --port <lab board>` on the real firmware in its emulators: a QEMU board
 * (MCUboot + Zephyr smp_server on mps2-an385) and a native_sim board (Zephyr smp_server as a
 * Linux process), both started by the rig from a lab file, report what the firmware says.
 */
import { expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { describeWithPeers, peersLab } from '../../helpers/peers.js';
import { tempDir, writeFile } from '../helpers/lab-files.js';

describeWithPeers('suitrig status on emulated boards', () => {
  it('QEMU board: the MCUboot application answers with its OS, buffers and image slot', async () => {
    const dir = tempDir();
    writeFile(dir, 'rig.yaml', peersLab());
    const r = await runCli(['status', '--port', 'an385', '--json'], { cwd: dir });
    expect(r.stderr).toMatch(/emulator  QEMU pid \d+ \(start 1\): mps2-an385, UART on tcp:\/\/127\.0\.0\.1:\d+/);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.port).toMatch(/^QEMU mps2-an385 \(cortex-m3\)/);
    expect(s.os).toMatch(/Zephyr .* mps2\/an385/);
    expect(s.smp).toEqual({ bufSize: 1024, bufCount: 4 });
    expect(s.images).toHaveLength(1);
    expect(s.images[0]).toMatchObject({ slot: 0, active: true, confirmed: true });
    expect(s.suit).toBeNull();
  });

  it('native_sim board: the Zephyr process answers with its OS and buffers and has no image group', async () => {
    const dir = tempDir();
    writeFile(dir, 'rig.yaml', peersLab());
    const r = await runCli(['status', '--port', 'sim'], { cwd: dir });
    expect(r.stderr).toMatch(/emulator  native_sim pid \d+ \(start 1\) in .*, UART \/dev\/pts\/\d+/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^board      native_sim \S+_native_sim_serial\.exe \(pid \d+, UART \/dev\/pts\/\d+, state \/\S+\)\n/);
    expect(r.stdout).toMatch(/\nos         Zephyr .*native_sim/);
    expect(r.stdout).toContain('\nsmp        buffers 384 bytes x 4\n');
    expect(r.stdout).toContain('\nimages     not reported (not supported by this build: rc 8)\n');
    expect(r.stdout).toContain('\nstate      application (it answers OS info)\n');
  });
});

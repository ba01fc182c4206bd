/**
 * `suitrig reboot --port <emulated lab board>`: the rig must not declare the board rebooted on an
 * answer from firmware that has not reset yet (Zephyr answers `os reset`, then resets some 250 ms
 * later). The emulators show the reset for themselves — native_sim's process exits and the rig
 * starts it again; QEMU emits a RESET event — and the rig prints each as it sees it, so the
 * order of those lines and "rebooted" (timestamped as they are written) shows whether the rig
 * waited for the reset.
 */
import { expect, it } from 'vitest';
import { commands } from '../../../rig/cli/commands/index.js';
import { dispatch } from '../../../rig/cli/dispatch.js';
import { describeWithPeers, peersLab } from '../../helpers/peers.js';
import { tempDir, writeFile } from '../helpers/lab-files.js';

/** Runs `suitrig` in-process, recording when each line is written. */
async function timedCli(argv: string[], cwd: string) {
  const lines: { at: number; stream: 'stdout' | 'stderr'; text: string }[] = [];
  const sink = (stream: 'stdout' | 'stderr') => ({ write: (s: string) => void lines.push(...s.split('\n').filter(Boolean).map((text) => ({ at: performance.now(), stream, text }))), isTTY: false });
  const code = await dispatch(argv, commands, { stdout: sink('stdout'), stderr: sink('stderr'), env: process.env, cwd });
  const at = (re: RegExp) => lines.find((l) => re.test(l.text))?.at;
  return { code, lines, at, text: lines.map((l) => `${l.stream} ${l.text}`).join('\n') };
}

describeWithPeers('suitrig reboot on emulated boards waits for the reset itself', () => {
  it('native_sim: the process exited and was started again before the rig said "rebooted"', async () => {
    const dir = tempDir();
    writeFile(dir, 'rig.yaml', peersLab());
    const r = await timedCli(['reboot', '--port', 'sim'], dir);
    expect(r.code, r.text).toBe(0);
    const restarted = r.at(/^emulator  reset seen: native_sim process exited and was started again$/);
    const rebooted = r.at(/^rebooted  the board went through the reset \(native_sim process exited and was started again\) and answered again/);
    expect(restarted, `no restart seen before the command ended:\n${r.text}`).toBeDefined();
    expect(rebooted, r.text).toBeDefined();
    expect(restarted!, `"rebooted" came before the restart:\n${r.text}`).toBeLessThan(rebooted!);
    expect(r.text).toMatch(/native_sim pid \d+ \(start 2\)/);
  });

  it('QEMU: the guest reset (QMP RESET event) came before the rig said "rebooted"', async () => {
    const dir = tempDir();
    writeFile(dir, 'rig.yaml', peersLab());
    const r = await timedCli(['reboot', '--port', 'an385'], dir);
    expect(r.code, r.text).toBe(0);
    const reset = r.at(/^emulator  reset seen: QEMU reported a guest reset \(QMP RESET event/);
    const rebooted = r.at(/^rebooted  the board went through the reset \(QEMU reported a guest reset \(QMP RESET event, guest-reset\)\) and answered again/);
    expect(reset, `no guest reset seen before the command ended:\n${r.text}`).toBeDefined();
    expect(reset!, `"rebooted" came before the reset:\n${r.text}`).toBeLessThan(rebooted!);
  });
});

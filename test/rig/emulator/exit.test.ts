/**
 * No emulator outlives the rig: a process that started an emulated board and then exits without
 * closing it, or is terminated (SIGTERM), takes its emulator with it. Runs the built modules
 * (dist/, made by `npm run build` before the tests) in a child Node process.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { loadLab } from '../../../rig/lab/load.js';
import { describeWithPeers, peersLab } from '../../helpers/peers.js';
import { tempDir, writeFile } from '../helpers/lab-files.js';

const START = fileURLToPath(new URL('../../../dist/rig/emulator/start.js', import.meta.url));

/** Whether `pid` still runs: a killed process whose parent is gone may linger as a zombie until init reaps it, and counts as dead. */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** A Node process that starts board `name` of the peers' lab, prints the emulator's pid, then `then`s. */
async function rigWithBoard(name: 'an385', then: 'exit' | 'wait') {
  const lab = loadLab(writeFile(tempDir(), 'rig.yaml', peersLab()));
  const port = lab.boards.find((b) => b.name === name)!.port;
  const script = `
    const { startEmulatedBoard } = await import(${JSON.stringify(START)});
    const board = await startEmulatedBoard('t', ${JSON.stringify((port as { emulator: unknown }).emulator)}, () => {});
    console.log(board.pid);
    ${then === 'exit' ? 'process.exit(0);' : 'setInterval(() => {}, 1000);'}
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const pid = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    child.once('exit', (code) => reject(new Error(`the rig process exited (${code}) before it printed the emulator's pid`)));
  });
  const exited = new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
  return { child, pid, exited };
}

async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 20));
  return !alive(pid);
}

describeWithPeers('emulators never outlive the rig', () => {
  it('the rig exits without closing its QEMU board: QEMU is killed', async () => {
    const { pid, exited } = await rigWithBoard('an385', 'exit');
    await exited;
    expect(await gone(pid)).toBe(true);
  });

  // QEMU, which runs on whatever happens to its parent (native_sim through qemu-user may end when its output pipe closes).
  it('the rig is terminated (SIGTERM) with a QEMU board open: QEMU is killed, and the rig still dies of the signal', async () => {
    const { child, pid, exited } = await rigWithBoard('an385', 'wait');
    expect(alive(pid)).toBe(true);
    child.kill('SIGTERM');
    await exited;
    expect(child.signalCode).toBe('SIGTERM');
    expect(await gone(pid)).toBe(true);
  });
});

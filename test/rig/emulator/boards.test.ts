/**
 * The emulated boards themselves (rig/emulator), on the real firmware: one link that survives the
 * firmware's own reset (native_sim exits and is started again on its flash file, the link
 * re-attaches to the new pty; QEMU resets the guest in place) and a power cycle, every reset
 * reported to the board's witness, and nothing left behind on close (process, temporary files).
 */
import { existsSync } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { SmpClient } from '../../../host/smp/client.js';
import type { EmulatedBoard } from '../../../rig/emulator/emulated-board.js';
import { startEmulatedBoard } from '../../../rig/emulator/start.js';
import { EmulatorMissingError } from '../../../rig/emulator/programs.js';
import { loadLab } from '../../../rig/lab/load.js';
import type { EmulatorSpec } from '../../../rig/lab/types.js';
import { describeWithPeers, peersLab } from '../../helpers/peers.js';
import { tempDir, writeFile } from '../helpers/lab-files.js';
import { alive } from '../../helpers/process.js';

const open: EmulatedBoard[] = [];
afterEach(async () => {
  for (const b of open.splice(0)) await b.close();
});

function spec(board: 'an385' | 'sim', o: { simState?: string; dir?: string } = {}): EmulatorSpec {
  const dir = o.dir ?? tempDir();
  const lab = loadLab(writeFile(dir, 'rig.yaml', peersLab(o)));
  const port = lab.boards.find((b) => b.name === board)!.port;
  if (port.kind !== 'emulator') throw new Error('not an emulated board');
  return port.emulator;
}

async function start(s: EmulatorSpec) {
  const log: string[] = [];
  const board = await startEmulatedBoard('test', s, (m, kind) => log.push(`${kind} ${m}`));
  open.push(board);
  return { board, log, client: SmpClient.over(await board.connect()) };
}


const within = <T>(ms: number, p: Promise<T>) => Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`not within ${ms} ms`)), ms))]);

describeWithPeers('emulated boards on the real firmware', () => {
  it('native_sim: os reset makes it exit; it is started again on its flash, the witness sees it, and the same link answers', async () => {
    // The state directory lies under the lab file's folder, as a lab file's must.
    const dir = tempDir();
    const state = `${dir}/sim-state`;
    const { board, client, log } = await start(spec('sim', { simState: state, dir }));
    const first = board.pid!;
    expect(await client.os.echo('before')).toBe('before');
    // Once it answers it has booted, and made its flash file in the lab's state directory.
    expect(existsSync(`${state}/flash.bin`)).toBe(true);
    await client.os.reset();
    expect(await within(10_000, board.witness.nextReset(0))).toBe('native_sim process exited and was started again');
    expect(board.pid).not.toBe(first);
    expect(alive(first)).toBe(false);
    // The link is the same transport, now on the new pty.
    expect(await client.os.echo('after', { timeoutMs: 2_000 })).toBe('after');
    expect(log.join('\n')).toMatch(/event native_sim pid \d+ exited \(.*\): starting it again on the same flash/);
    expect(log.join('\n')).toMatch(/output native_sim: .*Booting Zephyr/);
    const second = board.pid!;
    await board.close();
    expect(alive(second)).toBe(false);
    expect(existsSync(`${state}/flash.bin`)).toBe(true); // the lab's state directory stays
  });

  it('QEMU: the guest reset is a QMP RESET event; a power cycle restarts QEMU; close leaves nothing running', async () => {
    const { board, client } = await start(spec('an385'));
    await client.os.reset();
    expect(await within(5_000, board.witness.nextReset(0))).toMatch(/^QEMU reported a guest reset \(QMP RESET event, guest-reset\)$/);
    const before = board.pid!;
    await board.powerOff();
    expect(alive(before)).toBe(false);
    await board.powerOn();
    expect(board.witness.resets).toBe(2);
    expect(board.pid).not.toBe(before);
    expect(await client.os.echo('after a power cycle', { timeoutMs: 2_000, retries: 3 })).toBe('after a power cycle');
    const pid = board.pid!;
    await board.close();
    expect(alive(pid)).toBe(false);
  });

  it('a missing emulator is named with the Debian package to install', async () => {
    const s = spec('an385');
    if (s.kind !== 'qemu') throw new Error('expected QEMU');
    await expect(startEmulatedBoard('x', { ...s, program: 'qemu-system-nonesuch' }, () => undefined)).rejects.toThrow(EmulatorMissingError);
    const sim = spec('sim');
    if (sim.kind !== 'native-sim') throw new Error('expected native_sim');
    await expect(startEmulatedBoard('x', { ...sim, runner: ['/nonexistent/qemu-i386-static'] }, () => undefined)).rejects.toThrow(
      "board x: /nonexistent/qemu-i386-static is not installed or not executable (Debian/Ubuntu: apt-get install qemu-user-static (and for 32-bit native_sim builds: dpkg --add-architecture i386 && apt-get update && apt-get install libc6:i386 libgcc-s1:i386))",
    );
  });

  it('a QEMU that cannot start says why, in its own words', async () => {
    const s = spec('an385');
    if (s.kind !== 'qemu') throw new Error('expected QEMU');
    await expect(startEmulatedBoard('x', { ...s, machine: 'nonesuch' }, () => undefined)).rejects.toThrow(
      /^board x: QEMU exited as it started \(exit status 1\); its output:\nqemu-system-arm: unsupported machine type/,
    );
  });

  it('a native_sim that never prints its pty is stopped after the bound, with its output in the error', async () => {
    const dir = tempDir();
    const fake = writeFile(dir, 'fake-sim.sh', '#!/bin/sh\necho "this is not native_sim"\nexit 3\n');
    const sim = spec('sim');
    if (sim.kind !== 'native-sim') throw new Error('expected native_sim');
    await expect(startEmulatedBoard('x', { ...sim, runner: ['/bin/sh'], program: fake }, () => undefined)).rejects.toThrow(
      /^board x: native_sim ended before it printed its pty \(exit status 3\); its output:\nthis is not native_sim$/,
    );
  });
});

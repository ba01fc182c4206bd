/**
 * Console sessions on the real firmware in its emulators, opened as a run opens lab boards: the
 * QEMU board (MCUboot + Zephyr on mps2-an385), whose console is its second UART (lab
 * `console-uart: 1`), and the native_sim board, whose console is its process's stdout. After a
 * reset the session sees the boot banners in order; the QEMU board's console is read from the
 * guest's first instruction, so the first boot is there too. Skipped, with the reason, where
 * the firmware or the emulators are missing. And QEMU as a lab serves a board with a console
 * port of its own (`port:` its SMP UART, `console:` its console UART, each a tcp port as ser2net
 * gives them): the boot banner on the console port is what proves the board's reset.
 */
import { createServer } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { EmulatorChild } from '../../../rig/emulator/child.js';
import { ConsoleSession } from '../../../rig/dut/console/session.js';
import { createRigProvider } from '../../../rig/dut/provider.js';
import type { Dut } from '../../../rig/dut/types.js';
import { loadLab } from '../../../rig/lab/load.js';
import { resolveBoardWord } from '../../../rig/lab/resolve.js';
import { QEMU_APP_ADDR } from '../../../rig/emulator/peers.js';
import { describeWithPeers, PEERS, peersLab } from '../../helpers/peers.js';
import { tempDir, writeFile } from '../helpers/lab-files.js';

const open: { dut: Dut; session: ConsoleSession }[] = [];
const stops: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    o.session.close();
    await o.dut.close();
  }
  for (const stop of stops.splice(0)) await stop();
});

/** A tcp port nobody listens on now (QEMU binds it next). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** The peers' MCUboot + Zephyr on QEMU as a lab would serve it: UART 0 (SMP) and UART 1 (its console) each on a tcp port. */
async function qemuOnTcp(): Promise<{ smp: string; console: string }> {
  const [smp, con] = [await freePort(), await freePort()];
  const chardev = (id: string, port: number) => ['-chardev', `socket,id=${id},host=127.0.0.1,port=${port},server=on,wait=off`, '-serial', `chardev:${id}`];
  const child = new EmulatorChild({
    argv: ['qemu-system-arm', '-machine', 'mps2-an385', '-cpu', 'cortex-m3', '-nographic', '-monitor', 'none', ...chardev('smp', smp), ...chardev('con', con), '-device', `loader,file=${PEERS.qemuHex}`, '-device', `loader,file=${PEERS.qemuApp},addr=0x${QEMU_APP_ADDR.toString(16)}`],
  });
  stops.push(() => child.stop(2_000, 'SIGTERM'));
  return { smp: `tcp://127.0.0.1:${smp}`, console: `tcp://127.0.0.1:${con}` };
}

/** Opens lab board `name` of the peers' lab, with a console session started before it boots (QEMU) or right after. */
async function openPeer(name: 'an385' | 'sim'): Promise<{ dut: Dut; session: ConsoleSession; log: string[] }> {
  const dir = tempDir();
  const lab = loadLab(writeFile(dir, 'rig.yaml', peersLab()));
  const board = await resolveBoardWord(name, { cwd: dir, lab });
  const log: string[] = [];
  const dut = await createRigProvider().open(board, { signal: new AbortController().signal, log: (e) => log.push(e.kind === 'note' ? e.message : e.kind === 'console' ? e.line : e.summary), seed: 1, workDir: dir });
  const session = new ConsoleSession(dut.console, { name });
  open.push({ dut, session });
  return { dut, session, log };
}

describeWithPeers('console sessions on the real firmware', () => {
  it('QEMU: the console UART shows MCUboot, then the application, after a reset; the first boot was read too', async () => {
    const { dut, session, log } = await openPeer('an385');
    expect(dut.console.description).toMatch(/^QEMU console UART 1 \(tcp:\/\/127\.0\.0\.1:\d+\) and text between SMP frames on QEMU mps2-an385/);
    // The first boot happened before the session began; the board log has it from its first line.
    expect(log.join('\n')).toMatch(/\| qemu console: \*\*\* Booting MCUboot [0-9a-f]+ \*\*\*\n(.*\n)*\| qemu console: \*\*\* Booting Zephyr OS build/);
    await dut.reset();
    const mcuboot = await session.expect(/\*\*\* Booting MCUboot (\S+) \*\*\*/, { timeout: 15_000 });
    const app = await session.expect(/\*\*\* Booting Zephyr OS build (\S+) \*\*\*/, { timeout: 15_000 });
    expect(app.before).toMatch(/I: Jumping to the first image slot/);
    expect(app.at.getTime()).toBeGreaterThanOrEqual(mcuboot.at.getTime());
    await session.expect(/<inf> smp_sample: build time: /, { timeout: 15_000 });
    expect(session.formatLog()).toMatch(/^\d\d:\d\d:\d\d\.\d{3} < \*\*\* Booting Zephyr OS build \S+ \*\*\*$/m);
  });

  it('native_sim: its stdout shows the banner after a reset (the process was started again), and its log lines', async () => {
    const { dut, session } = await openPeer('sim');
    expect(dut.console.description).toMatch(/^native_sim's stdout and text between SMP frames on native_sim /);
    await dut.reset();
    await session.expect('uart connected to pseudotty: /dev/pts/', { timeout: 20_000 });
    const banner = await session.expect(/\*\*\* Booting Zephyr OS build (\S+) \*\*\*\n/, { timeout: 20_000 });
    expect((banner.match as RegExpExecArray)[1]).toMatch(/^[0-9a-f]+$/);
    await session.expect(/<inf> smp_sample: build time: [^\n]+\n/, { timeout: 20_000 });
    // It reads no console input of its own: what is typed goes onto its UART, which its SMP transport ignores; SMP still answers.
    await session.writeLine('help');
    await session.expectNot('Available commands', { timeout: 500 });
    expect((await dut.readStatus()).mode).toBe('application');
  });

  it('QEMU served as a lab board on tcp with a console port of its own: the banner on the console port proves its reset', async () => {
    const uarts = await qemuOnTcp();
    const dir = tempDir();
    const lab = loadLab(writeFile(dir, 'rig.yaml', ['version: 1', 'boards:', '  an385-tcp:', `    port: ${uarts.smp}`, `    console: ${uarts.console}`, ''].join('\n')));
    const log: string[] = [];
    // QEMU binds its ports as it starts: the open is tried until it listens.
    let dut: Dut | undefined;
    for (let i = 0; !dut; i++) {
      try {
        dut = await createRigProvider().open(await resolveBoardWord('an385-tcp', { cwd: dir, lab }), { signal: new AbortController().signal, log: (e) => log.push(e.kind === 'note' ? e.message : e.kind === 'console' ? e.line : e.summary), seed: 1, workDir: dir });
      } catch (e) {
        if (i >= 50) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const session = new ConsoleSession(dut.console, { name: 'an385-tcp' });
    open.push({ dut, session });
    await dut.reset();
    // Its SMP UART carries no console text and a tcp link does not drop: without the console port the proof would be its statistics going back.
    expect(log.find((l) => l.startsWith('reset:'))).toMatch(new RegExp(`^reset: the board went through it \\(the boot banner '(\\*\\*\\* Booting|Starting bootloader)' on console port ${uarts.console.replace(/[./]/g, '\\$&')}\\) and answered after \\d+\\.\\d\\d s$`));
    await session.expect(/\*\*\* Booting Zephyr OS build \S+ \*\*\*/, { timeout: 15_000 });
  });
});

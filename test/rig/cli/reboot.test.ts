/**
 * `suitrig reboot` on lab boards: the lab's reset method (rig.yaml `reset:`) is used — a DTR
 * pulse on the serial line resets the virtual board behind a paired link through its reset pin,
 * with no SMP reset sent; a reset command runs instead of the SMP reset; `--bootloader` and
 * `--smp` fall back to the SMP reset and say so.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createImage, parseVersion } from '../../../host/mcuboot/index.js';
import { SmpClient } from '../../../host/smp/client.js';
import { openPort } from '../../../host/transport/open.js';
import { listenTcp } from '../../../host/transport/tcp.js';
import type { Transport } from '../../../host/transport/transport.js';
import { createPtyPair, findSocat } from '../../../host/transport/pty.js';
import { SerialPortTransport } from '../../../host/transport/serialport.js';
import type { CliIo } from '../../../rig/cli/command.js';
import { planReboot, rebootBoard } from '../../../rig/cli/commands/reboot.js';
import type { BoardLink } from '../../../rig/dut/board-link.js';
import { app, es256Key, trust } from '../../board/fixtures.js';
import { runCli } from '../../helpers/cli.js';
import { openSmpPeer, type SmpPeer } from '../../helpers/smp-peer.js';
import { tempDir, writeFile } from '../helpers/lab-files.js';
import { benchLabEntry, openPairedBoard } from '../helpers/paired-board.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const DTR = { method: 'dtr', pulseMs: 20, waitMs: 30, invert: false } as const;

function captureIo(): CliIo & { out: { stdout: string; stderr: string } } {
  const out = { stdout: '', stderr: '' };
  return { out, stdout: { write: (s: string) => (out.stdout += s), isTTY: false }, stderr: { write: (s: string) => (out.stderr += s), isTTY: false }, env: {}, cwd: process.cwd() };
}

/** The lab board `bench` (DTR reset) on the host end of the paired link, as `connectBoard` would open it. */
async function pairedLabBoard(o: Parameters<typeof openPairedBoard>[0] = {}) {
  const paired = await openPairedBoard(o);
  cleanups.push(() => paired.close());
  const open = async () => SmpClient.over(await openPort(paired.link.pathA, { baudRate: 1_000_000 }));
  let client = await open();
  const lab = benchLabEntry({ reset: DTR });
  const conn: BoardLink = {
    client,
    description: `${paired.link.pathA} @ 1000000`,
    reconnect: async () => (client = await open()),
    close: () => client.close(),
    lab,
  };
  cleanups.push(() => conn.close());
  return { ...paired, conn, lab };
}

describe('suitrig reboot on a lab board with a DTR reset line', () => {
  it('pulses DTR as the lab says: the board reboots through its reset pin, no SMP reset is sent, and it answers again', async () => {
    const { board, conn, lab } = await pairedLabBoard();
    const before = board.bootRecord.count;
    const io = captureIo();
    const plan = planReboot(lab, { bootloader: false, smp: false });
    expect(plan).toEqual({ how: 'hard', method: DTR });
    expect(await rebootBoard(conn, plan, io)).toBe(0);
    expect(board.bootRecord).toMatchObject({ count: before + 1, reason: 'pin-reset' });
    expect(io.out.stderr).toBe(`reset     ${conn.description}: pulse DTR for 20 ms, then wait 30 ms (lab reset method)\n`);
    expect(io.out.stdout).toMatch(/^rebooted  the board went through the reset \((the rig's own dtr reset|the boot banner '\*\*\* Booting' on the console)\) and answered again after \d+\.\d s\n$/);
  });

  it('--bootloader resets over SMP with boot_mode 1 instead, and says why', async () => {
    const { board, conn, lab } = await pairedLabBoard({ trust: trust(es256Key) });
    // An application that knows boot_mode (MCUboot's serial recovery, where a fresh board waits, does not).
    await conn.client.image.upload(createImage(app('1.0.0'), { key: es256Key, version: parseVersion('1.0.0'), securityCounter: 1 }));
    await board.reset();
    expect(board.mode).toBe('application');
    const io = captureIo();
    expect(await rebootBoard(conn, planReboot(lab, { bootloader: true, smp: false }), io)).toBe(0);
    expect(board.bootRecord.reason).toBe('boot-mode');
    expect(io.out.stderr).toMatch(/^reset     the lab's dtr reset cannot ask for the bootloader: using the SMP reset with boot_mode 1 instead\nreset     .*: SMP reset with boot_mode 1 \(stay in the bootloader\)\n$/);
  });

  it('--smp resets over SMP whatever the lab says', async () => {
    const { board, conn, lab } = await pairedLabBoard();
    const before = board.bootRecord.count;
    const io = captureIo();
    expect(await rebootBoard(conn, planReboot(lab, { bootloader: false, smp: true }), io)).toBe(0);
    expect(board.bootRecord).toMatchObject({ count: before + 1, reason: 'soft-reset' });
    expect(io.out.stderr).toMatch(/: SMP reset\n$/);
    // The virtual board resets after its answer and prints its boot banner: that is what the rig believed.
    expect(io.out.stdout).toMatch(/^rebooted  the board went through the reset \(the boot banner '\*\*\* Booting' on the console\)/);
  });

  it('boards without a lab hard reset, and virtual lab boards, reset over SMP', () => {
    expect(planReboot(undefined, { bootloader: false, smp: false })).toEqual({ how: 'smp', bootloader: false });
    expect(planReboot(benchLabEntry({}), { bootloader: true, smp: false })).toEqual({ how: 'smp', bootloader: true });
    expect(planReboot(benchLabEntry({ reset: DTR, port: { kind: 'virtual', virtual: { quirks: [] } } }), { bootloader: false, smp: false })).toMatchObject({ how: 'smp', note: /virtual board resets over SMP/ });
  });
});

const socat = findSocat();
describe.skipIf(!socat)(`suitrig reboot with a DTR reset on a port without modem lines${socat ? '' : ' [skipped: socat is not installed]'}`, () => {
  it('a pty cannot pulse DTR: exit 2 naming the reset method and what to use instead, no stack trace', async () => {
    const pty = await createPtyPair();
    cleanups.push(() => pty.close());
    const peer = await openSmpPeer();
    peer.server.serve(await SerialPortTransport.open({ path: pty.b, baudRate: 115200 }));
    cleanups.push(() => peer.close());
    const dir = tempDir('suitrig-reboot-pty-');
    writeFile(dir, 'rig.yaml', ['boards:', '  bench:', `    port: ${pty.a}`, '    reset: { method: dtr, pulse-ms: 20, wait-ms: 0 }'].join('\n') + '\n');
    const r = await runCli(['reboot', '--port', 'bench'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/reset method dtr: .*cannot set DTR\/RTS.*; this port cannot pulse a reset line \(use reset: smp or a reset command in the lab file\)/);
    expect(r.stderr).not.toMatch(/internal error|    at /);
    expect(peer.boots).toBe(0);
  });
});

describe('suitrig reboot --port <lab board> with a reset command', () => {
  async function labWithCommand(command: (dir: string) => string[]): Promise<{ dir: string; peer: SmpPeer }> {
    const peer = await openSmpPeer();
    cleanups.push(() => peer.close());
    const listener = await listenTcp({}, (t) => void peer.server.serve(t));
    cleanups.push(() => listener.close());
    const dir = tempDir('suitrig-reboot-');
    writeFile(dir, 'rig.yaml', ['boards:', '  bench:', `    port: ${listener.url}`, `    reset: { method: command, command: ${JSON.stringify(command(dir))}, wait-ms: 0 }`].join('\n') + '\n');
    return { dir, peer };
  }

  it('runs the command instead of the SMP reset, then waits for the board', async () => {
    const { dir, peer } = await labWithCommand((dir) => ['touch', join(dir, 'relay-pulsed')]);
    const r = await runCli(['reboot', '--port', 'bench'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(dir, 'relay-pulsed'))).toBe(true);
    expect(peer.boots).toBe(0);
    expect(r.stderr).toMatch(/^reset     tcp:\/\/127\.0\.0\.1:\d+: run `touch \S+\/relay-pulsed` \(timeout 30000 ms\), then wait 0 ms \(lab reset method\)\n$/);
    expect(r.stdout).toMatch(/^rebooted  the board went through the reset \(the rig's own command reset\)/);
    const smp = await runCli(['reboot', '--port', 'bench', '--smp'], { cwd: dir });
    expect(smp.code, smp.stderr).toBe(0);
    expect(peer.boots).toBe(1);
  });

  it('a failing reset command is an environment error (exit 2) naming the command and what it said', async () => {
    const { dir } = await labWithCommand(() => ['sh', '-c', 'echo relay stuck >&2; exit 3']);
    const r = await runCli(['reboot', '--port', 'bench'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/reset command: `sh -c 'echo relay stuck >&2; exit 3'` failed \(exit status 3\); it said: relay stuck/);
  });

  it('--help documents the lab reset methods, --bootloader and --smp', async () => {
    const r = await runCli(['reboot', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--port <url|name> [--bootloader] [--smp]');
    expect(r.stdout).toMatch(/`reset: dtr`, `rts` or `command` is reset that way/);
    expect(r.stdout).toMatch(/--smp +reset over SMP even when the lab gives another reset method/);
  });
});

describe('suitrig reboot --port <lab board> with a console port of its own', () => {
  it("the board's boot banner on its console port proves the reset, where its SMP port shows none", async () => {
    // The console adapter (as ser2net serves a second USB-serial adapter): the board model prints there alone.
    const consoles: Transport[] = [];
    const adapter = await listenTcp({}, (t) => void consoles.push(t));
    cleanups.push(() => adapter.close());
    const peer = await openSmpPeer({ console: (line) => void consoles.at(-1)?.write(new TextEncoder().encode(`${line}\r\n`)) });
    cleanups.push(() => peer.close());
    const smp = await listenTcp({}, (t) => void peer.server.serve(t));
    cleanups.push(() => smp.close());
    const dir = tempDir('suitrig-reboot-console-');
    writeFile(dir, 'rig.yaml', ['boards:', '  bench:', `    port: ${smp.url}`, `    console: ${adapter.url}`].join('\n') + '\n');
    const r = await runCli(['reboot', '--port', 'bench'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(peer.boots).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`^rebooted  the board went through the reset \\(the boot banner .* on console port ${adapter.url.replace(/[./]/g, '\\$&')}\\)`));
  });
});

/**
 * A lab board with a console port of its own (rig.yaml `console:`), apart from its SMP port: the
 * SMP side is the virtual board behind a paired serial link, the console side a tcp port the
 * test plays (as ser2net would serve a second adapter). What the console port carries is
 * expected, what the test writes arrives there, a console adapter that went away is opened
 * again, and one that cannot be opened fails the board's open naming it. A board whose console
 * is on that port alone (the SMP peer's board model printing there, as a board with a console
 * UART of its own does): its boot banner there is what proves a reset, for the rig's reset and
 * for an update's. A console port named by its adapter's USB identity (lab `console: {usb: ...}`)
 * is found among the ports listed (a fake sysfs, as the port-resolution tests list them, its
 * device a pty) as a board's own port is, and found again after the adapter re-enumerated.
 */
import { rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createPtyPair, findSocat, type PtyPair } from '../../../host/transport/pty.js';
import { SerialPortTransport } from '../../../host/transport/serialport.js';
import { readSysfsPorts } from '../../../rig/ports/sysfs.js';
import type { SerialPortInfo, UsbIdentity } from '../../../rig/ports/types.js';
import { FakeSysfs, standardBench } from '../helpers/fake-sysfs.js';
import { tempDir } from '../helpers/lab-files.js';
import { listenTcp, type TcpListener } from '../../../host/transport/tcp.js';
import type { Transport } from '../../../host/transport/transport.js';
import { EnvironmentError } from '../../../host/util/errors.js';
import { ConsoleSession } from '../../../rig/dut/console/session.js';
import { PortBoard } from '../../../rig/dut/port-board.js';
import { openBoardDriver } from '../../../rig/service/agent/board-driver.js';
import { SmpDut } from '../../../rig/dut/smp-dut.js';
import type { ResolvedBoard } from '../../../rig/lab/resolve.js';
import type { ConsolePortSpec } from '../../../rig/lab/types.js';
import { resetAndWait } from '../../../host/operator/session.js';
import { openSmpPeer } from '../../helpers/smp-peer.js';
import { benchLabEntry, openPairedBoard, pairedLinkTo } from '../helpers/paired-board.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The console adapter: a tcp port whose connections the test holds, and what they received. */
async function consoleAdapter(): Promise<{ listener: TcpListener; spec: ConsolePortSpec; connections: Transport[]; received: () => string }> {
  const connections: Transport[] = [];
  let got = '';
  const listener = await listenTcp({}, (t) => {
    connections.push(t);
    t.onData((b) => (got += new TextDecoder().decode(b)));
  });
  cleanups.push(() => listener.close());
  return { listener, spec: { kind: 'tcp', url: listener.url, host: '127.0.0.1', port: listener.port }, connections, received: () => got };
}

/** The SMP peer's board model behind a paired link, printing its console on the adapter alone; opened as a lab board with that console port. */
async function peerWithConsolePort(adapter: Awaited<ReturnType<typeof consoleAdapter>>): Promise<{ dut: SmpDut; board: PortBoard; notes: string[] }> {
  const peer = await openSmpPeer({ console: (line) => void adapter.connections[0]?.write(new TextEncoder().encode(`${line}\r\n`)) });
  cleanups.push(() => peer.close());
  const paired = await pairedLinkTo((t) => void peer.server.serve(t));
  cleanups.push(() => paired.close());
  const resolved: ResolvedBoard = { name: 'bench', target: { kind: 'serial', url: paired.link.pathA, path: paired.link.pathA, baud: 1_000_000 }, board: benchLabEntry({ console: adapter.spec }) };
  const board = await PortBoard.open(resolved);
  const dut = await SmpDut.open('bench', board);
  cleanups.push(() => dut.close());
  const notes: string[] = [];
  dut.subscribe((e) => e.kind === 'note' && notes.push(e.message));
  return { dut, board, notes };
}

async function boardWithConsole(spec: ConsolePortSpec): Promise<SmpDut> {
  const paired = await openPairedBoard();
  cleanups.push(() => paired.close());
  const resolved: ResolvedBoard = { name: 'bench', target: { kind: 'serial', url: paired.link.pathA, path: paired.link.pathA, baud: 1_000_000 }, board: benchLabEntry({ console: spec }) };
  const dut = await SmpDut.open('bench', await PortBoard.open(resolved));
  cleanups.push(() => dut.close());
  return dut;
}

const until = async (what: string, ok: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!ok()) throw new Error(`not within 2 s: ${what}`);
};

describe('a console port of its own', () => {
  it('reads what the console port carries, and writes what the test types to it', async () => {
    const adapter = await consoleAdapter();
    const dut = await boardWithConsole(adapter.spec);
    expect(dut.console.description).toMatch(new RegExp(`^console port ${adapter.listener.url.replace(/\./g, '\\.')} \\(and text between SMP frames on .+\\)$`));
    await until('the console port is connected', () => adapter.connections.length === 1);
    const s = new ConsoleSession(dut.console, { name: 'bench' });
    cleanups.push(() => s.close());
    const conn = adapter.connections[0]!;
    const p = s.expect(/\*\*\* Booting Zephyr OS build (\S+) \*\*\*/);
    await conn.write(new TextEncoder().encode('*** Booting Zeph'));
    await conn.write(new TextEncoder().encode('yr OS build v9.9.9 ***\r\nshell> '));
    expect((await p).match[1]).toBe('v9.9.9');
    await s.expect('shell> ');
    await s.writeLine('status');
    await until('the console port received the command', () => adapter.received() === 'status\n');
    // The SMP link is untouched by it: the board still answers.
    expect((await dut.readStatus()).mode).toBeDefined();
  });

  it('opens the console port again when it went away, at the next write', async () => {
    const adapter = await consoleAdapter();
    const dut = await boardWithConsole(adapter.spec);
    await until('connected', () => adapter.connections.length === 1);
    await adapter.connections[0]!.close();
    const s = new ConsoleSession(dut.console);
    cleanups.push(() => s.close());
    // The board's end noticed the close before we write.
    await new Promise((r) => setTimeout(r, 50));
    await s.write('again\n');
    await until('a second connection received the write', () => adapter.connections.length === 2 && adapter.received() === 'again\n');
  });

  it('a console port that cannot be opened fails the open of the board, naming it', async () => {
    const e = await boardWithConsole({ kind: 'tcp', url: 'tcp://127.0.0.1:1', host: '127.0.0.1', port: 1 }).then(
      () => undefined,
      (x: unknown) => x as Error,
    );
    expect(e).toBeInstanceOf(EnvironmentError);
    expect(e!.message).toMatch(/^board bench: its console port tcp:\/\/127\.0\.0\.1:1 cannot be opened: .*ECONNREFUSED/);
  });

  it('a board whose console is on its console port alone: the boot banner there proves its reset, and the reset of an update', async () => {
    const adapter = await consoleAdapter();
    const { dut, board, notes } = await peerWithConsolePort(adapter);
    await until('the console port is connected', () => adapter.connections.length === 1);
    const where = `console port ${adapter.listener.url}`;
    expect(dut.console.apart?.description).toBe(where);
    await dut.reset();
    // Nothing shows on the link (no banner, no drop), and the board model has no statistics: without the console port, only its going quiet for a second would prove it.
    const banner = `the boot banner '(\\*\\*\\* Booting|Starting bootloader)' on ${where.replace(/[./]/g, '\\$&')}`;
    expect(notes.find((n) => n.startsWith('reset:'))).toMatch(new RegExp(`^reset: the board went through it \\(${banner}\\) and answered after 0\\.\\d\\d s$`));
    // The update's reset (host/operator: runUpdate, the fixture's dut.update, the agent) is told the same console.
    const s = { client: board.link.client, options: { payloads: new Map(), reconnect: () => board.link.reopen(), console: board.console.apart! } };
    expect((await resetAndWait(s)).proof).toMatch(new RegExp(`^${banner}$`));
  });

  it("the lab service agent's board driver proves the reset of a campaign update by the console port too", async () => {
    const adapter = await consoleAdapter();
    const peer = await openSmpPeer({ console: (line) => void adapter.connections[0]?.write(new TextEncoder().encode(`${line}\r\n`)) });
    cleanups.push(() => peer.close());
    // Its SMP port over tcp (as ser2net serves the board's own adapter), where nothing shows a reset.
    const smp = await listenTcp({}, (t) => void peer.server.serve(t));
    cleanups.push(() => smp.close());
    const driver = await openBoardDriver(benchLabEntry({ port: { kind: 'tcp', url: smp.url, host: '127.0.0.1', port: smp.port }, console: adapter.spec }));
    cleanups.push(() => driver.close());
    const session = await driver.connect();
    cleanups.push(() => session.close());
    await until('the console port is connected', () => adapter.connections.length === 1);
    const { proof } = await session.resetAndRead();
    expect(proof).toMatch(new RegExp(`^the boot banner .* on console port ${adapter.listener.url.replace(/[./]/g, '\\$&')}$`));
  });
});

const socat = findSocat();
const NO_SOCAT = 'socat is not installed (apt-get install socat; .ci/run installs it)';

describe.skipIf(!socat)(`a console port named by its adapter's USB identity${socat ? '' : ` [skipped: ${NO_SOCAT}]`}`, () => {
  /** A pty pair, closed after the test: `a` stands for the adapter's device, `b` for the board's wire. */
  async function pty(): Promise<PtyPair> {
    const p = await createPtyPair();
    cleanups.push(() => p.close());
    return p;
  }

  /** The ports a fake sysfs lists, its device `tty` being the pty end `device` (a link, as udev's nodes are found). */
  function listed(fs: FakeSysfs, tty: string, device: string): SerialPortInfo[] {
    rmSync(join(fs.dev, tty));
    symlinkSync(device, join(fs.dev, tty));
    return readSysfsPorts({ sysRoot: fs.sys, devRoot: fs.dev });
  }

  // The 3-port debug probe of the standard bench: its interface 2 is the board's console UART.
  const usb: UsbIdentity = { serial: '001050012345', interface: 2 };

  it('is found among the ports listed, as the SMP port is, read, and found again at its new device after it re-enumerated', async () => {
    const first = await pty();
    const bench = standardBench(join(tempDir(), 'bench'));
    let ports = listed(bench, 'ttyACM2', first.a);
    const paired = await openPairedBoard();
    cleanups.push(() => paired.close());
    const resolved: ResolvedBoard = { name: 'bench', target: { kind: 'serial', url: paired.link.pathA, path: paired.link.pathA, baud: 1_000_000 }, board: benchLabEntry({ console: { kind: 'usb', usb, baud: 115200 } }) };
    const dut = await SmpDut.open('bench', await PortBoard.open(resolved, { lister: async () => ports }));
    cleanups.push(() => dut.close());
    expect(dut.console.description).toBe(`console port ${join(bench.dev, 'ttyACM2')} @ 115200 (and text between SMP frames on ${paired.link.pathA} @ 1000000)`);
    const s = new ConsoleSession(dut.console, { name: 'bench' });
    cleanups.push(() => s.close());
    const wire = await SerialPortTransport.open({ path: first.b, baudRate: 115200 });
    cleanups.push(() => wire.close());
    const seen = s.expect(/\*\*\* Booting Zephyr OS build (\S+) \*\*\*/);
    await wire.write(new TextEncoder().encode('*** Booting Zephyr OS build v4.4.0 ***\r\n'));
    expect((await seen).match[1]).toBe('v4.4.0');
    // Unplugged and plugged in again: another pty, listed as ttyACM7 with the same identity.
    await wire.close();
    await first.close();
    const second = await pty();
    const again = new FakeSysfs(join(tempDir(), 'bench-again'));
    again.addUsb({ tty: 'ttyACM7', location: '1-5', idVendor: '1366', idProduct: '1055', serial: '001050012345', manufacturer: 'SEGGER', product: 'J-Link', interface: 2, driver: 'cdc_acm' });
    ports = listed(again, 'ttyACM7', second.a);
    const wire2 = await SerialPortTransport.open({ path: second.b, baudRate: 115200 });
    cleanups.push(() => wire2.close());
    let got = '';
    wire2.onData((b) => (got += new TextDecoder().decode(b)));
    // The first write after the adapter went away opens the console port again: looked up again, at its new device.
    await new Promise((r) => setTimeout(r, 50));
    await s.writeLine('kernel version');
    await until('the re-enumerated adapter received the command', () => got === 'kernel version\n');
    expect(dut.console.description).toMatch(new RegExp(`^console port ${join(again.dev, 'ttyACM7').replace(/[./]/g, '\\$&')} @ 115200 `));
  });

  it('an adapter that is not plugged in fails the open of the board, naming its identity and the ports present', async () => {
    const paired = await openPairedBoard();
    cleanups.push(() => paired.close());
    const resolved: ResolvedBoard = { name: 'bench', target: { kind: 'serial', url: paired.link.pathA, path: paired.link.pathA, baud: 1_000_000 }, board: benchLabEntry({ console: { kind: 'usb', usb: { serial: 'NOT-THERE' } } }) };
    const bench = standardBench(join(tempDir(), 'bench'));
    const e = await PortBoard.open(resolved, { lister: async () => readSysfsPorts({ sysRoot: bench.sys, devRoot: bench.dev }) }).then(
      () => undefined,
      (x: unknown) => x as Error,
    );
    expect(e?.message).toMatch(/^board bench: its console port: no serial port matches serial NOT-THERE \(ports present: .*ttyACM0 1366:1015 serial 000683123456/);
  });
});

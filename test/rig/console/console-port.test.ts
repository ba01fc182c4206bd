/**
 * A lab board with a console port of its own (rig.yaml `console:`), apart from its SMP port: the
 * SMP side is the virtual board behind a paired serial link, the console side a tcp port the
 * test plays (as ser2net would serve a second adapter). What the console port carries is
 * expected, what the test writes arrives there, a console adapter that went away is opened
 * again, and one that cannot be opened fails the board's open naming it. A board whose console
 * is on that port alone (the SMP peer's board model printing there, as a board with a console
 * UART of its own does): its boot banner there is what proves a reset, for the rig's reset and
 * for an update's.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { listenTcp, type TcpListener } from '../../../host/transport/tcp.js';
import type { Transport } from '../../../host/transport/transport.js';
import { EnvironmentError } from '../../../host/util/errors.js';
import { ConsoleSession } from '../../../rig/dut/console/session.js';
import { PortBoard } from '../../../rig/dut/port-board.js';
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
});

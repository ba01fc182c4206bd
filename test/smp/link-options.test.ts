/**
 * How the host speaks SMP to a board — framing, SMP version, console line length — from the
 * command line (`--framing`, `--smp-version`, `--line-length`) and from rig.yaml (`smp:`),
 * observed on the wire at a board over TCP; the lab board of `suitrig run` opens its
 * client the same way; bad values and contradictions are refused naming the option or field.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { RawFraming } from '../../host/smp/framing/raw.js';
import { ConsoleFraming } from '../../host/smp/framing/console.js';
import { base64PerLine, DEFAULT_LINK_SETTINGS, framingFor, LINE_LENGTH } from '../../host/smp/link-settings.js';
import type { Framing } from '../../host/smp/framing/framing.js';
import { listenTcp, type TcpListener } from '../../host/transport/tcp.js';
import { PortBoard } from '../../rig/dut/port-board.js';
import { LabError, parseLab } from '../../rig/lab/load.js';
import { runCli } from '../helpers/cli.js';
import { benchLabEntry } from '../rig/helpers/paired-board.js';
import { tempDir, writeFile } from '../rig/helpers/lab-files.js';
import { openSmpPeer, type SmpPeer } from '../helpers/smp-peer.js';

const listeners: TcpListener[] = [];
const peers: SmpPeer[] = [];
afterAll(async () => {
  await Promise.all(listeners.map((l) => l.close()));
  await Promise.all(peers.map((p) => p.close()));
});

/** A board with the given framing over TCP, recording every byte it receives. */
async function board(framing: () => Framing = () => new ConsoleFraming()): Promise<{ url: string; port: number; wire: () => Buffer }> {
  const peer = await openSmpPeer({ framing });
  peers.push(peer);
  const chunks: Uint8Array[] = [];
  const l = await listenTcp({}, (t) => {
    t.onData((c) => chunks.push(c));
    peer.server.serve(t);
  });
  listeners.push(l);
  return { url: l.url, port: Number(new URL(l.url).port), wire: () => Buffer.concat(chunks) };
}

const lines = (wire: Buffer): Buffer[] => {
  const out: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < wire.length; i++) if (wire[i] === 0x0a) (out.push(wire.subarray(start, i + 1)), (start = i + 1));
  return out;
};
/** Byte 0 of the first request on the wire (raw framing: the SMP header itself). */
const versionBits = (b0: number): number => (b0 >> 3) & 3;

describe('defaults: what stock Zephyr and MCUboot builds accept', () => {
  it('console framing, SMP v2, lines of at most 128 bytes (124 base64 characters, as the captures)', async () => {
    expect(DEFAULT_LINK_SETTINGS).toEqual({ framing: 'console', version: 2, lineLength: 128 });
    const f = framingFor(DEFAULT_LINK_SETTINGS) as ConsoleFraming;
    expect(f.lineLength).toBe(124);
    const wire = Buffer.from(f.encode(new Uint8Array(600).fill(7)));
    expect(Math.max(...lines(wire).map((l) => l.length))).toBe(127);
    const b = await board();
    const r = await runCli(['status', '--port', b.url]);
    expect(r.code, r.stderr).toBe(0);
    const first = lines(b.wire())[0]!;
    expect([...first.subarray(0, 2)]).toEqual([0x06, 0x09]);
    const packet = Buffer.from(first.subarray(2, first.length - 1).toString('latin1'), 'base64').subarray(2);
    expect(versionBits(packet[0]!)).toBe(1); // v2
  });

  it('line lengths map to whole base64 groups: 7 bytes of markers, newline and one group at the least', () => {
    expect(base64PerLine(LINE_LENGTH.min)).toBe(4);
    expect(base64PerLine(130)).toBe(124);
    expect(base64PerLine(131)).toBe(128);
  });
});

describe('--framing, --smp-version, --line-length reach the wire', () => {
  it('--framing raw --smp-version 1: bare v1 packets, no console lines, and the raw board answers', async () => {
    const b = await board(() => new RawFraming());
    const r = await runCli(['status', '--port', b.url, '--framing', 'raw', '--smp-version', '1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).smp).toEqual({ bufSize: 2048, bufCount: 4 });
    const wire = b.wire();
    expect(wire.includes(Buffer.from([0x06, 0x09]))).toBe(false);
    expect(versionBits(wire[0]!)).toBe(0); // v1
    expect(wire[0]! & 7).toBe(0); // a read
  });

  it('a board that does not speak the framing asked for answers nothing: exit 2, and the message names the framing', async () => {
    const b = await board();
    const r = await runCli(['status', '--port', b.url, '--framing', 'raw', '--timeout', '0.2']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no answer from .* to os\/info .*speaking raw framing\?/);
  });

  it('--line-length 8: every request is cut into lines of at most 8 bytes that the board reassembles', async () => {
    const b = await board();
    const r = await runCli(['status', '--port', b.url, '--line-length', '8', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).images).toHaveLength(1);
    const ls = lines(b.wire());
    expect(ls.length).toBeGreaterThan(20);
    expect(Math.max(...ls.map((l) => l.length))).toBe(7);
    expect(ls.filter((l) => l[0] === 0x04).length).toBeGreaterThan(ls.filter((l) => l[0] === 0x06).length);
  });

  it('refuses bad values and contradictions, naming the option', async () => {
    const b = await board();
    const cases: [string[], RegExp][] = [
      [['--framing', 'xml'], /--framing: expected console or raw, got 'xml'/],
      [['--smp-version', '3'], /--smp-version: expected 1 or 2, got '3'/],
      [['--line-length', '4'], /--line-length: expected the longest line the board takes, in bytes .* 8\.\.16384, got 4/],
      [['--line-length', '100k'], /--line-length: expected a number of bytes, got '100k'/],
      [['--framing', 'raw', '--line-length', '128'], /--line-length: raw framing has no lines \(--framing raw\)/],
    ];
    for (const [extra, message] of cases) {
      const r = await runCli(['status', '--port', b.url, ...extra]);
      expect(r.code, extra.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(b.wire().length).toBe(0); // refused before anything was sent
    // checked before the port is looked up
    const early = await runCli(['status', '--port', '/dev/no-such-port', '--smp-version', 'two']);
    expect(early.stderr).toContain("--smp-version: expected 1 or 2, got 'two'");
    const v = await runCli(['status', '--port', 'virtual', '--framing', 'raw']);
    expect(v.code).toBe(2);
    expect(v.stderr).toContain('--framing raw: a virtual board speaks console framing');
  });
});

describe('rig.yaml smp:', () => {
  it("a lab board's smp: reaches the wire; the command line overrides it field by field", async () => {
    const b = await board(() => new RawFraming());
    const dir = tempDir();
    const lab = writeFile(dir, 'rig.yaml', `boards:\n  raw-1:\n    port: ${b.url}\n    smp: {framing: raw, version: 1}\n`);
    const r = await runCli(['status', '--port', 'raw-1', '--lab', lab]);
    expect(r.code, r.stderr).toBe(0);
    expect(versionBits(b.wire()[0]!)).toBe(0);
    const before = b.wire().length;
    const v2 = await runCli(['status', '--port', 'raw-1', '--lab', lab, '--smp-version', '2']);
    expect(v2.code, v2.stderr).toBe(0);
    expect(versionBits(b.wire()[before]!)).toBe(1);
    const bad = await runCli(['status', '--port', 'raw-1', '--lab', lab, '--line-length', '64']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--line-length: raw framing has no lines \(board 'raw-1' uses raw framing \(.*rig\.yaml:2\)\)/);
  });

  it('the lab board of suitrig run opens its link with the board settings', async () => {
    const b = await board(() => new RawFraming());
    const lab = benchLabEntry({ port: { kind: 'tcp', url: b.url, host: '127.0.0.1', port: b.port }, smp: { framing: 'raw', version: 1 } });
    const port = await PortBoard.open({ name: 'bench', target: { kind: 'tcp', url: b.url, host: '127.0.0.1', port: b.port, baud: 115200 }, board: lab });
    try {
      expect(port.settings).toEqual({ framing: 'raw', version: 1, lineLength: 128 });
      const client = port.link.client;
      expect(await client.os.echo('hi')).toBe('hi');
      expect(client.version).toBe(1);
      expect(client.link.framing.kind).toBe('raw');
    } finally {
      await port.close();
    }
  });

  it('checks each field, and refuses lines with raw framing and raw framing for virtual boards', () => {
    const dir = tempDir();
    const text = [
      'defaults:', //                                               1
      '  smp: {framing: console, line-length: 256}', //              2
      'boards:', //                                                  3
      '  a:', //                                                     4
      '    port: /dev/null', //                                      5
      '  b:', //                                                     6
      '    port: /dev/null', //                                      7
      '    smp: {framing: xml, version: 3, line-length: 4}', //      8
      '  c:', //                                                     9
      '    port: /dev/null', //                                      10
      '    smp: {framing: raw, line-length: 128, lines: 2}', //      11
      '  d:', //                                                     12
      '    port: virtual', //                                        13
      '    smp: {framing: raw}', //                                  14
    ].join('\n');
    let issues: LabError['issues'] = [];
    try {
      parseLab(text, join(dir, 'rig.yaml'));
    } catch (e) {
      if (!(e instanceof LabError)) throw e;
      issues = e.issues;
    }
    const at = (line: number) => issues.filter((i) => i.line === line).map((i) => `${i.path}: ${i.message}`);
    expect(at(8)).toEqual([
      "boards.b.smp.framing: expected one of console, raw, got 'xml'",
      'boards.b.smp.version: expected an SMP version (1 or 2) from 1 to 2, got 3',
      'boards.b.smp.line-length: expected the longest line the board takes, in bytes (markers and newline included) from 8 to 16384, got 4',
    ]);
    expect(at(11).join('\n')).toMatch(/unknown field 'lines'/);
    expect(at(11).join('\n')).toMatch(/boards\.c\.smp\.line-length: raw framing has no lines/);
    expect(at(14)).toEqual(['boards.d.smp: a virtual board speaks console framing, not raw']);
    expect(issues).toHaveLength(6);
    const ok = parseLab('defaults:\n  smp: {line-length: 256}\nboards:\n  a:\n    port: /dev/null\n  b:\n    port: /dev/null\n    smp: {version: 1}\n', join(dir, 'rig.yaml'));
    expect(ok.boards.map((x) => x.smp)).toEqual([{ lineLength: 256 }, { version: 1 }]);
  });
});

/**
 * ConsoleSession (rig/dut/console/session.ts) on consoles fed by hand: a pattern split across
 * reads; a pattern split by SMP frames on one stream (the real frame encoder, the real link
 * decoding both); expect's pexpect semantics (consumes through the match, `before`, `at`); a
 * timeout that names what was expected and shows the last lines seen, escaped and bounded;
 * expectNot; aborts; writes; and bounded memory on an endless console, measured.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { encodeCbor } from '../../../host/smp/cbor.js';
import { ConsoleFraming } from '../../../host/smp/framing/console.js';
import { encodePacket, Op } from '../../../host/smp/header.js';
import { SmpLink } from '../../../host/smp/link.js';
import type { ConsoleText } from '../../../host/transport/text.js';
import { TransportBase } from '../../../host/transport/transport.js';
import { ConsoleSession, ConsoleTimeoutError, ConsoleUnexpectedError } from '../../../rig/dut/console/session.js';
import { TextConsole } from '../../../rig/dut/console/text-console.js';
import { DutUnsupportedError } from '../../../rig/dut/errors.js';

/** A console whose text the test prints, and which keeps what is written to it (when `input`). */
function fakeConsole(o: { input?: boolean } = {}) {
  const listeners = new Set<(t: ConsoleText) => void>();
  const written: string[] = [];
  const console = new TextConsole({
    describe: () => 'the test console',
    sources: [{ subscribe: (l) => (listeners.add(l), () => void listeners.delete(l)) }],
    ...(o.input ? { input: async (b: Uint8Array) => void written.push(new TextDecoder().decode(b)) } : {}),
  });
  const print = (text: string, at = Date.now()) => listeners.forEach((l) => l({ text, at }));
  return { console, print, written, listeners };
}

/** A transport whose received bytes the test hands in. */
class FedTransport extends TransportBase {
  readonly description = 'fed transport';
  readonly baudRate = undefined;
  feed(bytes: Uint8Array): void {
    this.emitData(bytes);
  }
  protected async rawWrite(): Promise<void> {}
  protected async rawClose(): Promise<void> {}
}

describe('expect', () => {
  it('finds a string split across reads, and gives what came before it and when its last piece arrived', async () => {
    const c = fakeConsole();
    const s = new ConsoleSession(c.console, { name: 'b1' });
    const p = s.expect('*** Booting Zephyr');
    c.print('I: Jumping to the first image slot\r\n*** Boo', 1000);
    c.print('ting Zep', 2000);
    c.print('hyr OS build v4.4.0 ***\r\n', 3000);
    const m = await p;
    expect(m.match).toBe('*** Booting Zephyr');
    expect(m.before).toBe('I: Jumping to the first image slot\r\n');
    expect(m.at.getTime()).toBe(3000);
    // Consumed through the match: the rest stays for the next expect.
    expect(s.buffer).toBe(' OS build v4.4.0 ***\r\n');
  });

  it('matches a RegExp split across reads with its groups; g and y flags do not carry state between calls', async () => {
    const c = fakeConsole();
    const s = new ConsoleSession(c.console);
    const re = /version (\d+)\.(\d+)\.(\d+)\r\n/gy;
    const p = s.expect(re);
    for (const piece of ['app version 1', '.', '2', '.3', '\r', '\nuart:~$ ']) c.print(piece);
    const m = await p;
    expect([...(m.match as RegExpExecArray)].slice(1)).toEqual(['1', '2', '3']);
    expect(m.before).toBe('app ');
    // A prompt without a newline is matched as it sits there.
    expect((await s.expect('uart:~$ ')).before).toBe('');
    c.print('version 2.0.0\r\n');
    expect((await s.expect(re)).match[1]).toBe('2');
  });

  it('finds what was already printed before it was called; a second expect while one waits is refused', async () => {
    const c = fakeConsole();
    const s = new ConsoleSession(c.console);
    c.print('ready\r\n');
    await expect(s.expect('ready', { timeout: 0 })).resolves.toMatchObject({ match: 'ready' });
    const waiting = s.expect('never', { timeout: 100 });
    await expect(s.expect('other')).rejects.toThrow('console of the board: expect called while another expect is waiting; await that one first');
    await expect(waiting).rejects.toBeInstanceOf(ConsoleTimeoutError);
    await expect(s.expect('')).rejects.toThrow('expect: the pattern is an empty string');
    await expect(s.expect('x', { timeout: -1 })).rejects.toThrow(/timeout must be a number of milliseconds >= 0/);
  });

  it('finds a prompt split by SMP frames on one stream; the frames still reach the link whole', async () => {
    for (const framing of [new ConsoleFraming(), new ConsoleFraming({ style: 'zephyr' })]) {
      const t = new FedTransport();
      const link = new SmpLink(t, { framing });
      const packets: number[] = [];
      link.onPacket((p) => packets.push(p.header.seq));
      const s = new ConsoleSession(new TextConsole({ describe: () => 'link', sources: [{ subscribe: (l) => link.onText(l) }] }));
      const frame = (seq: number) => framing.encode(encodePacket({ op: Op.WRITE_RSP, version: 1, group: 0, seq, command: 0 }, encodeCbor({ r: 'x'.repeat(200) })));
      const p = s.expect(/uart:~\$ $/);
      const enc = new TextEncoder();
      // The prompt is cut by a frame (it follows the text on its line) and by a read boundary inside the next frame.
      const f2 = frame(2);
      for (const chunk of [enc.encode('log line\r\nuart:'), frame(1), enc.encode('~'), f2.subarray(0, 5), f2.subarray(5), enc.encode('$ ')]) t.feed(chunk);
      const m = await p;
      expect(m.before).toBe('log line\r\n');
      expect(packets).toEqual([1, 2]);
      expect(s.buffer).toBe('');
      expect(s.log().entries.map((e) => e.text)).toEqual(['log line', 'uart:~$ ']);
    }
  });

  it('times out naming the pattern and showing the last lines seen, escaped and bounded', async () => {
    const c = fakeConsole();
    const s = new ConsoleSession(c.console, { name: 'nrf-1', errorLines: 3 });
    await expect(s.expect(/Booting/, { timeout: 20 })).rejects.toThrow('console of nrf-1: expected /Booting/ within 20 ms; not seen: nothing unconsumed on the console (the test console) since the session began');
    c.print('line 1\r\nline 2\r\n\x1b[1;31mE: flash error\x1b[0m\r\n');
    c.print(`${'y'.repeat(300)}\r\nuart:~$ `);
    const e = await s.expect('*** Booting', { timeout: 30 }).then(
      () => undefined,
      (x: unknown) => x as ConsoleTimeoutError,
    );
    expect(e).toBeInstanceOf(ConsoleTimeoutError);
    expect(e!.message).toBe(
      [
        'console of nrf-1: expected "*** Booting" within 30 ms; not seen; the last 3 of 5 lines seen since the session began:',
        '  | \\x1b[1;31mE: flash error\\x1b[0m',
        `  | ${'y'.repeat(200)}... (100 more characters)`,
        '  | uart:~$ ',
      ].join('\n'),
    );
    expect(e!.lastLines).toHaveLength(3);
    await s.expect('uart:~$ ');
    await expect(s.expect('never', { timeout: 10 })).rejects.toThrow(/not seen: nothing unconsumed on the console \(the test console\) since the last match$/);
  });

  it('gives up with the signal, at once and when it fires; close ends a waiting expect', async () => {
    const c = fakeConsole();
    const s = new ConsoleSession(c.console);
    const ac = new AbortController();
    ac.abort(new Error('step overran'));
    await expect(s.expect('x', { signal: ac.signal })).rejects.toThrow('step overran');
    const later = new AbortController();
    const p = s.expect('x', { signal: later.signal, timeout: 5_000 });
    setTimeout(() => later.abort(new Error('case aborted')), 10);
    await expect(p).rejects.toThrow('case aborted');
    const q = s.expect('x', { timeout: 5_000 });
    s.close();
    await expect(q).rejects.toThrow('console of the board: the console session was closed while an expect waited');
    expect(c.listeners.size).toBe(0);
    await expect(s.expect('x')).rejects.toThrow('the console session is closed');
  });
});

describe('expectNot', () => {
  it('passes when the pattern does not show within its time, consuming nothing', async () => {
    const c = fakeConsole();
    const s = new ConsoleSession(c.console);
    const p = s.expectNot(/E: /, { timeout: 50 });
    c.print('I: all is well\r\n');
    await p;
    expect(s.buffer).toBe('I: all is well\r\n');
  });

  it('fails as soon as the pattern shows (also when it is already there), with the line and when', async () => {
    const c = fakeConsole();
    const s = new ConsoleSession(c.console, { name: 'b2' });
    const t0 = Date.now();
    const p = s.expectNot('FATAL', { timeout: 10_000 });
    c.print('I: ok\r\n[00:00:01] FA', 5_000);
    c.print('TAL: watchdog\r\n', 6_000);
    const e = (await p.then(() => undefined, (x: unknown) => x)) as ConsoleUnexpectedError;
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(e).toBeInstanceOf(ConsoleUnexpectedError);
    expect(e.message).toBe('console of b2: "FATAL" showed at 1970-01-01T00:00:06.000Z though it was not expected, in: [00:00:01] FATAL: watchdog');
    await expect(s.expectNot('I: ok', { timeout: 1_000 })).rejects.toBeInstanceOf(ConsoleUnexpectedError);
  });
});

describe('write and the log', () => {
  it("writes to the console's input and logs what was written between the lines printed", async () => {
    const c = fakeConsole({ input: true });
    const s = new ConsoleSession(c.console);
    c.print('uart:~$ ', Date.UTC(2026, 0, 1, 12, 0, 0, 5));
    await s.writeLine('kernel version');
    expect(c.written).toEqual(['kernel version\n']);
    c.print('kernel version\r\nZephyr version 4.4.0\r\nuart:~$ ', Date.UTC(2026, 0, 1, 12, 0, 1, 0));
    expect(s.log().entries.map((e) => [e.dir, e.text])).toEqual([
      ['rx', 'uart:~$ '],
      ['tx', 'kernel version'],
      ['rx', 'kernel version'],
      ['rx', 'Zephyr version 4.4.0'],
      ['rx', 'uart:~$ '],
    ]);
    expect(s.formatLog().split('\n')[0]).toBe('12:00:00.005 < uart:~$ ');
    expect(s.formatLog().split('\n')[1]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} > kernel version$/);
  });

  it('a console without input says so, as a board that lacks the capability', async () => {
    const s = new ConsoleSession(fakeConsole().console, { name: 'sim' });
    await expect(s.write('help\n')).rejects.toThrow(new DutUnsupportedError('console of sim: the console (the test console) takes no input'));
  });
});

describe('bounded memory on an endless console', () => {
  it('keeps the window and the log within their bounds over 64 MiB of output, measured', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const c = fakeConsole();
    const s = new ConsoleSession(c.console, { windowChars: 64 * 1024, logChars: 256 * 1024 });
    // Nothing ever matches: the session must let the oldest text go.
    const waiting = s.expect('THE END', { timeout: 60_000 });
    const chunk = Array.from({ length: 512 }, (_, i) => `[${String(i).padStart(4, '0')}] <inf> app: tick ${'.'.repeat(100)}\r\n`).join('');
    // A line that never ends, too.
    const endless = 'z'.repeat(64 * 1024);
    gc();
    const before = process.memoryUsage().heapUsed;
    let maxWindow = 0;
    let maxLog = 0;
    let printed = 0;
    for (let i = 0; printed < 64 * 1024 * 1024; i++) {
      const text = i % 16 === 15 ? endless : chunk;
      c.print(text);
      printed += text.length;
      const st = s.stats();
      maxWindow = Math.max(maxWindow, st.windowChars);
      maxLog = Math.max(maxLog, st.logChars);
    }
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    const st = s.stats();
    expect(st.receivedChars).toBe(printed);
    expect(maxWindow).toBeLessThanOrEqual(1.5 * 64 * 1024 + chunk.length);
    expect(st.discardedChars).toBeGreaterThan(printed - 2 * 64 * 1024);
    expect(maxLog).toBeLessThanOrEqual(256 * 1024 + 4096);
    expect(st.droppedLogEntries).toBeGreaterThan(0);
    // The whole session holds a few hundred KiB of its 64 MiB, whatever V8 keeps around it.
    expect(grown).toBeLessThan(8 * 1024 * 1024);
    console.log(`endless console: ${printed} characters printed; window at most ${maxWindow}, log at most ${maxLog} characters; heap grew ${(grown / 1024).toFixed(0)} KiB`);
    c.print('THE END');
    await expect(waiting).resolves.toMatchObject({ match: 'THE END' });
    // The log says what it dropped.
    expect(s.formatLog().split('\n')[0]).toMatch(/^\(\d+ earlier entries dropped: the log keeps about 262144 characters\)$/);
    expect(s.log().entries.every((e) => e.text.length <= 4096)).toBe(true);
  });
});

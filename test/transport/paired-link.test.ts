import { describe, expect, it } from 'vitest';
import { ManualClock, settleAsync } from '../../host/transport/clock.js';
import { PairedLink } from '../../host/transport/paired/paired-link.js';
import { lineMs } from '../../host/transport/line-rate.js';
import { SerialPortTransport } from '../../host/transport/serialport.js';
import { PortOpenError, TransportClosedError, TransportTimeoutError } from '../../host/transport/transport.js';
import { collect, openPair, waitFor } from './helpers.js';

const bytes = (n: number, seed = 1): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

describe('paired link (serialport binding)', () => {
  it('carries bytes both ways, in order, through the serialport stream', async () => {
    const { a, b } = await openPair({ pace: false, seed: 1 });
    const gotB = collect(b);
    const gotA = collect(a);
    const ab = bytes(70_000, 3);
    await a.write(ab);
    await b.write(Uint8Array.of(1, 2, 3));
    await waitFor(() => gotB.count() === ab.length && gotA.count() === 3);
    expect(gotB.bytes()).toEqual(ab);
    expect(gotA.bytes()).toEqual(Uint8Array.of(1, 2, 3));
    await a.close();
    await b.close();
  });

  it('paces bytes at baud/10 bytes per second (8N1) on the injected clock', async () => {
    const clock = new ManualClock();
    const { a, b } = await openPair({ clock, seed: 1, baud: 115200 });
    const got = collect(b);
    const data = bytes(1152); // 100 ms of line time at 115200 baud
    expect(lineMs(data.length, 115200)).toBeCloseTo(100, 6);
    await a.write(data);
    await settleAsync();
    expect(got.count()).toBe(0);
    await clock.advance(50);
    // 50 ms = 576 bytes; delivery happens on timer ticks of at least 1 ms.
    expect(got.count()).toBeGreaterThanOrEqual(560);
    expect(got.count()).toBeLessThanOrEqual(576);
    await clock.advance(51);
    expect(got.bytes()).toEqual(data);
    void a.close();
    void b.close();
    await clock.advance(10);
  });

  it('garbles bytes when the two ends disagree on the baud rate', async () => {
    const link = new PairedLink({ pace: false, seed: 2 });
    const a = await SerialPortTransport.open({ path: link.pathA, baudRate: 115200, binding: link.binding });
    const b = await SerialPortTransport.open({ path: link.pathB, baudRate: 9600, binding: link.binding });
    const got = collect(b);
    const data = bytes(64);
    await a.write(data);
    await waitFor(() => got.count() === 64);
    expect(got.bytes()).not.toEqual(data);
    await a.close();
    await b.close();
  });

  it('crosses DTR/RTS to the peer (DTR -> DSR/DCD, RTS -> CTS) and reports changes', async () => {
    const { link, a, b } = await openPair({ pace: false, seed: 1 });
    const seen: { dtr: boolean; rts: boolean }[] = [];
    link.onSignals('a', (l) => seen.push(l));
    await a.setSignals({ dtr: false });
    await a.setSignals({ rts: false });
    expect(link.lines('a')).toEqual({ dtr: false, rts: false });
    expect(link.status('b')).toEqual({ cts: false, dsr: false, dcd: false });
    await a.setSignals({ dtr: true, rts: true });
    expect(link.status('b')).toEqual({ cts: true, dsr: true, dcd: true });
    expect(seen).toEqual([
      { dtr: false, rts: true },
      { dtr: false, rts: false },
      { dtr: true, rts: true },
    ]);
    await a.close();
    await b.close();
  });

  it('applies seeded faults reproducibly and counts them', async () => {
    const run = async (seed: number): Promise<{ out: Uint8Array; stats: ReturnType<PairedLink['stats']> }> => {
      const { link, a, b } = await openPair({ pace: false, seed, faults: { corrupt: 0.01, drop: 0.005, duplicate: 0.005 } });
      const got = collect(b);
      await a.write(bytes(20_000));
      await waitFor(() => link.stats('a').delivered === link.stats('a').sent - link.stats('a').dropped + link.stats('a').duplicated);
      const out = got.bytes();
      const stats = link.stats('a');
      await a.close();
      await b.close();
      return { out, stats };
    };
    const one = await run(77);
    const two = await run(77);
    const other = await run(78);
    expect(one.out).toEqual(two.out);
    expect(one.out).not.toEqual(other.out);
    expect(one.stats.corrupted).toBeGreaterThan(100);
    expect(one.stats.dropped).toBeGreaterThan(40);
    expect(one.stats.duplicated).toBeGreaterThan(40);
    expect(one.out.length).toBe(20_000 - one.stats.dropped + one.stats.duplicated);
  });

  it('corrupts bursts of consecutive bytes', async () => {
    const { link, a, b } = await openPair({ pace: false, seed: 5, faults: { burst: 0.001, burstLength: 6 } });
    const got = collect(b);
    const data = bytes(20_000);
    await a.write(data);
    await waitFor(() => got.count() === data.length);
    const out = got.bytes();
    const bad = [...out].map((v, i) => v !== data[i]);
    expect(link.stats('a').bursts).toBeGreaterThan(5);
    expect(bad.filter(Boolean).length).toBe(link.stats('a').bursts * 6);
    // every corrupted byte belongs to a run of 6
    let run = 0;
    for (const x of [...bad, false]) {
      if (x) run++;
      else {
        expect(run % 6).toBe(0);
        run = 0;
      }
    }
    await a.close();
    await b.close();
  });

  it('a disconnect closes both ends as disconnected; the path is gone until reconnect', async () => {
    const { link, a, b } = await openPair({ pace: false, seed: 1 });
    const closes: (TransportClosedError | undefined)[] = [];
    a.onClose((e) => closes.push(e));
    b.onClose((e) => closes.push(e));
    link.disconnect();
    await waitFor(() => closes.length === 2);
    expect(closes.every((e) => e?.disconnected === true)).toBe(true);
    await expect(a.write(Uint8Array.of(1))).rejects.toBeInstanceOf(TransportClosedError);
    await expect(SerialPortTransport.open({ path: link.pathA, baudRate: 115200, binding: link.binding })).rejects.toThrow(PortOpenError);
    await expect(SerialPortTransport.open({ path: link.pathA, baudRate: 115200, binding: link.binding })).rejects.toThrow(/no such port.*plugged in/);
    link.reconnect();
    const a2 = await SerialPortTransport.open({ path: link.pathA, baudRate: 115200, binding: link.binding });
    const b2 = await SerialPortTransport.open({ path: link.pathB, baudRate: 115200, binding: link.binding });
    const got = collect(b2);
    await a2.write(Uint8Array.of(9, 8, 7));
    await waitFor(() => got.count() === 3);
    await a2.close();
    await b2.close();
  });

  it('disconnects after a set number of bytes, delivering the bytes before the cut', async () => {
    const { a, b } = await openPair({ pace: false, seed: 1, faults: { disconnectAfterBytes: 100 } });
    const got = collect(b);
    let closed: TransportClosedError | undefined;
    a.onClose((e) => (closed = e));
    await a.write(bytes(60));
    const second = a.write(bytes(60)).catch((e: unknown) => e);
    await waitFor(() => closed !== undefined);
    expect(closed?.disconnected).toBe(true);
    expect(got.count()).toBe(100);
    expect(await second).toSatisfy((r) => r === undefined || r instanceof TransportClosedError);
  });

  it('a write the line cannot take fails at its deadline instead of hanging', async () => {
    const clock = new ManualClock();
    const { link, a, b } = await openPair({ clock, seed: 1, baud: 9600, txBufferBytes: 16, writeTimeoutMs: 300 });
    link.stall('a', 60_000);
    const w = a.write(bytes(64)).catch((e: unknown) => e);
    await clock.advance(299);
    await clock.advance(2);
    expect(await w).toBeInstanceOf(TransportTimeoutError);
    link.disconnect();
    await clock.advance(10);
    void b;
  });

  it('opening an end twice fails like a locked port', async () => {
    const { link, a, b } = await openPair({ pace: false, seed: 1 });
    await expect(SerialPortTransport.open({ path: link.pathA, baudRate: 115200, binding: link.binding })).rejects.toThrow(/in use/);
    await a.close();
    await b.close();
  });
});

/**
 * Properties of the serial framings: any SMP packet survives encode -> split at arbitrary
 * points (with console text between frames) -> decode; the modelled line corruption (the
 * paired link's own fault model: byte errors and bursts) never turns a frame into a different
 * packet — it is dropped; the raw framing resynchronises on idle gaps.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeCbor, type SmpMap } from '../../host/smp/cbor.js';
import { ConsoleFraming } from '../../host/smp/framing/console.js';
import type { Framing } from '../../host/smp/framing/framing.js';
import { RawFraming } from '../../host/smp/framing/raw.js';
import { decodePacket, encodePacket, type OpCode } from '../../host/smp/header.js';
import { ManualClock, systemClock } from '../../host/transport/clock.js';
import { FaultInjector } from '../../host/transport/paired/faults.js';

const packetArb = fc
  .record({
    op: fc.integer({ min: 0, max: 3 }),
    version: fc.constantFrom(1 as const, 2 as const),
    group: fc.integer({ min: 0, max: 0xffff }),
    seq: fc.integer({ min: 0, max: 255 }),
    command: fc.integer({ min: 0, max: 255 }),
    body: fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(fc.integer(), fc.string({ maxLength: 30 }), fc.uint8Array({ maxLength: 600 })), { maxKeys: 4 }),
  })
  .map((r) => encodePacket({ op: r.op as OpCode, version: r.version, group: r.group, seq: r.seq, command: r.command }, encodeCbor(r.body as SmpMap)));

const framingArb: fc.Arbitrary<ConsoleFraming> = fc
  .record({ chars: fc.integer({ min: 1, max: 128 }), style: fc.constantFrom('mcumgr' as const, 'zephyr' as const) })
  .map((r) => new ConsoleFraming({ lineLength: (r.style === 'zephyr' ? Math.max(2, r.chars) : r.chars) * 4, style: r.style }));

/** Console lines that cannot be mistaken for frames. */
const consoleLineArb = fc.string({ minLength: 1, maxLength: 40 }).map((s) => s.replace(/[\n\r\x04\x06]/g, '.'));

function run(framing: Framing, chunks: Uint8Array[], maxPacket = 4096): { packets: Uint8Array[]; text: string[]; dropped: string[] } {
  const out = { packets: [] as Uint8Array[], text: [] as string[], dropped: [] as string[] };
  const d = framing.decoder(
    { packet: (p) => out.packets.push(Uint8Array.from(p)), console: (t) => out.text.push(t), dropped: (r) => out.dropped.push(r) },
    { maxPacket, clock: systemClock },
  );
  for (const c of chunks) d.push(c);
  return out;
}

function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...points, bytes.length]) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  return out;
}

const concat = (parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) (out.set(p, o), (o += p.length));
  return out;
};

describe('console framing properties', () => {
  it('any packets with console text between them survive encode -> arbitrary split -> decode', () => {
    fc.assert(
      fc.property(framingArb, fc.array(fc.tuple(packetArb, fc.option(consoleLineArb)), { minLength: 1, maxLength: 5 }), fc.array(fc.nat(), { maxLength: 30 }), (framing, items, cuts) => {
        const wire = concat(items.flatMap(([p, text]) => [framing.encode(p), ...(text === null ? [] : [new TextEncoder().encode(text + '\n')])]));
        const out = run(framing, splitAt(wire, cuts));
        expect(out.dropped).toEqual([]);
        expect(out.packets).toEqual(items.map(([p]) => p));
        expect(out.text).toEqual(items.flatMap(([, t]) => (t === null ? [] : [t])));
      }),
      { seed: 0x5109, numRuns: 250 },
    );
  });

  it('every line is decodable alone: a multiple of 4 base64 characters, padding only at the end', () => {
    fc.assert(
      fc.property(framingArb, packetArb, (framing, p) => {
        const lines = Buffer.from(framing.encode(p)).toString('latin1').split('\n').slice(0, -1);
        for (const l of lines) {
          const b64 = l.slice(2);
          expect(b64.length % 4).toBe(0);
          expect(b64.length).toBeLessThanOrEqual(framing.lineLength);
          expect(/^[A-Za-z0-9+/]*={0,2}$/.test(b64)).toBe(true);
        }
        expect(framing.wireBytes(p.length)).toBe(framing.style === 'mcumgr' ? framing.encode(p).length : framing.wireBytes(p.length));
      }),
      { seed: 0x11e, numRuns: 200 },
    );
  });

  it('a frame shorter than a prompt line still decodes after text without a newline (shell prompt)', () => {
    const f = new ConsoleFraming();
    const p = encodePacket({ op: 1, version: 2, group: 0, seq: 1, command: 0 }, encodeCbor({ r: 'x' }));
    const out = run(f, [new TextEncoder().encode('uart:~$ '), f.encode(p)]);
    expect(out.text).toEqual(['uart:~$ ']);
    expect(out.packets).toEqual([p]);
  });

  it('drops a frame whose length exceeds the receive buffer, and serves the next one', () => {
    const f = new ConsoleFraming();
    const big = encodePacket({ op: 2, version: 2, group: 1, seq: 1, command: 1 }, encodeCbor({ data: new Uint8Array(500) }));
    const small = encodePacket({ op: 0, version: 2, group: 0, seq: 2, command: 6 }, encodeCbor({}));
    const out = run(f, [f.encode(big), f.encode(small)], 380);
    // one report for the whole frame, not one per line
    expect(out.dropped).toEqual([expect.stringMatching(/frame length 519 exceeds the 382-byte limit/)]);
    expect(out.packets).toEqual([small]);
  });

  it('lines longer than any frame line: console text comes out in pieces, a frame line is dropped once; the next frame decodes', () => {
    const f = new ConsoleFraming();
    const p = encodePacket({ op: 1, version: 2, group: 0, seq: 4, command: 0 }, encodeCbor({ r: 'ok' }));
    // maxPacket 64: the longest frame line is 4 * ceil(68 / 3) + 3 = 95 bytes.
    const log = 'x'.repeat(250);
    const wire = concat([new TextEncoder().encode(`${log}\n\x06\t${'A'.repeat(200)}\n\x04\x14AAAA\n`), f.encode(p)]);
    for (const cuts of [[], Array.from({ length: wire.length }, (_, i) => i)]) {
      const out = run(f, splitAt(wire, cuts), 64);
      expect(out.text.join('')).toBe(log);
      expect(out.text.map((t) => t.length)).toEqual([96, 96, 58]);
      expect(out.dropped).toEqual(['frame line longer than 96 bytes with its newline']);
      expect(out.packets).toEqual([p]);
    }
  });

  it('single corrupted bytes anywhere in a frame never yield a different packet (CRC-16 catches <=16-bit bursts)', () => {
    const f = new ConsoleFraming();
    const packets = [
      encodePacket({ op: 2, version: 2, group: 1, seq: 7, command: 1 }, encodeCbor({ off: 4096, data: Uint8Array.from({ length: 300 }, (_, i) => i * 7) })),
      encodePacket({ op: 1, version: 2, group: 0, seq: 9, command: 6 }, encodeCbor({ buf_size: 2048, buf_count: 4 })),
    ];
    let dropped = 0;
    for (const p of packets) {
      const wire = f.encode(p);
      for (let i = 0; i < wire.length; i++) {
        for (const x of [0x01, 0x20, 0x80, 0xff]) {
          const bad = wire.slice();
          bad[i] ^= x;
          const good = f.encode(p); // a following intact frame must still get through
          const out = run(f, [bad, good]);
          expect(out.packets.length).toBeGreaterThanOrEqual(1);
          for (const q of out.packets) expect(q).toEqual(p);
          if (out.packets.length === 1) dropped++;
        }
      }
    }
    expect(dropped).toBeGreaterThan(1000);
  });

  it('frames hit by the modelled corruption (byte errors, bursts) are dropped, never altered', () => {
    const f = new ConsoleFraming();
    for (const [seed, faults] of [
      [1, { corrupt: 1e-3 }],
      [2, { corrupt: 1e-2 }],
      [3, { burst: 2e-3, burstLength: 8 }],
      [4, { corrupt: 3e-3, drop: 1e-3, duplicate: 1e-3 }],
    ] as const) {
      const injector = new FaultInjector(seed);
      injector.set(faults);
      const sent: Uint8Array[] = [];
      const chunks: Uint8Array[] = [];
      for (let i = 0; i < 300; i++) {
        const p = encodePacket({ op: 2, version: 2, group: 1, seq: i & 0xff, command: 1 }, encodeCbor({ off: i * 512, data: Uint8Array.from({ length: 512 }, (_, k) => (k * i) & 0xff) }));
        sent.push(p);
        chunks.push(injector.apply(f.encode(p)).bytes);
      }
      const out = run(f, chunks);
      // Every packet that comes out is one that was sent, in order, and parses.
      let at = 0;
      for (const q of out.packets) {
        while (at < sent.length && !Buffer.from(sent[at]!).equals(Buffer.from(q))) at++;
        expect(at, `seed ${seed}: a corrupted frame passed the CRC`).toBeLessThan(sent.length);
        expect(() => decodePacket(q)).not.toThrow();
      }
      expect(out.dropped.length, `seed ${seed}`).toBeGreaterThan(10);
      expect(out.packets.length + out.dropped.length, `seed ${seed}`).toBeGreaterThanOrEqual(300 - 20);
    }
  });
});

describe('raw framing', () => {
  it('any packets survive arbitrary splits', () => {
    const f = new RawFraming();
    fc.assert(
      fc.property(fc.array(packetArb, { minLength: 1, maxLength: 5 }), fc.array(fc.nat(), { maxLength: 30 }), (packets, cuts) => {
        const out = run(f, splitAt(concat(packets.map((p) => f.encode(p))), cuts), 8192);
        expect(out.packets).toEqual(packets);
      }),
      { seed: 0x4a3, numRuns: 200 },
    );
  });

  it('an idle gap discards a partial packet; garbage is skipped until the line goes idle', async () => {
    const clock = new ManualClock();
    const f = new RawFraming({ interByteTimeoutMs: 50 });
    const out = { packets: [] as Uint8Array[], dropped: [] as string[] };
    const d = f.decoder({ packet: (p) => out.packets.push(p), console: () => undefined, dropped: (r) => out.dropped.push(r) }, { maxPacket: 1024, clock });
    const p = encodePacket({ op: 1, version: 2, group: 0, seq: 3, command: 6 }, encodeCbor({ buf_size: 1024, buf_count: 1 }));
    d.push(p.subarray(0, 10));
    await clock.advance(60);
    d.push(p);
    expect(out.packets).toEqual([p]);
    expect(out.dropped).toEqual([expect.stringMatching(/partial packet of 10 bytes discarded after 50 ms idle/)]);
    d.push(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff));
    d.push(p); // still inside the garbage burst: discarded
    expect(out.packets).toHaveLength(1);
    await clock.advance(60);
    d.push(p);
    expect(out.packets).toHaveLength(2);
  });
});

/**
 * The console framing's text stream (FrameSink.text, SmpLink.onText): every byte between frames
 * comes out, as soon as it cannot belong to a frame — a prompt that ends no line included — and
 * no frame byte ever does. Property: any mix of console text (ASCII, multi-byte UTF-8, prompts
 * without a newline, empty lines) and SMP frames of either encoder, split at arbitrary points,
 * streams exactly the text and decodes exactly the packets. Seeded: SUITRIG_SEED replays.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeCbor } from '../../host/smp/cbor.js';
import { ConsoleFraming } from '../../host/smp/framing/console.js';
import { RawFraming } from '../../host/smp/framing/raw.js';
import type { Framing } from '../../host/smp/framing/framing.js';
import { encodePacket, Op } from '../../host/smp/header.js';
import { systemClock } from '../../host/transport/clock.js';

const SEED = Number(process.env.SUITRIG_SEED ?? 16016);
const enc = new TextEncoder();

function decode(framing: Framing, chunks: Uint8Array[]): { text: string; pieces: string[]; lines: string[]; packets: Uint8Array[]; dropped: string[] } {
  const out = { text: '', pieces: [] as string[], lines: [] as string[], packets: [] as Uint8Array[], dropped: [] as string[] };
  const d = framing.decoder(
    {
      packet: (p) => out.packets.push(Uint8Array.from(p)),
      console: (l) => out.lines.push(l),
      dropped: (r) => out.dropped.push(r),
      text: (t) => {
        out.text += t;
        out.pieces.push(t);
      },
    },
    { maxPacket: 4096, clock: systemClock },
  );
  for (const c of chunks) d.push(c);
  return out;
}

const echo = (d: string) => encodePacket({ op: Op.WRITE_RSP, version: 1, group: 0, seq: 7, command: 0 }, encodeCbor({ r: d }));

describe('the console framing streams the text between frames', () => {
  it('hands on a prompt at once, though it ends no line, and holds back only a byte that may begin a frame', () => {
    const f = new ConsoleFraming();
    expect(decode(f, [enc.encode('uart:~$ ')]).pieces).toEqual(['uart:~$ ']);
    // A last 0x06 may be the start of 06 09: held until the next byte says otherwise.
    const held = decode(f, [enc.encode('abc\x06'), enc.encode('def\n')]);
    expect(held.pieces).toEqual(['abc', '\x06def', '\n']);
    // A line that may be a frame's (its first byte 0x04 or 0x06) gives nothing yet.
    expect(decode(f, [Uint8Array.of(0x04)]).pieces).toEqual([]);
  });

  it("passes the text before a frame on the frame's line, and none of the frame (its newline included)", () => {
    const f = new ConsoleFraming();
    const frame = f.encode(echo('hi'));
    const out = decode(f, [enc.encode('I: booted\r\nuart:~$ '), frame, enc.encode('next\r\n')]);
    expect(out.text).toBe('I: booted\r\nuart:~$ next\r\n');
    expect(out.packets).toEqual([echo('hi')]);
    // The line events are as before: whole lines, the prompt its own.
    expect(out.lines).toEqual(['I: booted', 'uart:~$ ', 'next']);
  });

  it('holds a multi-byte character split across reads until it is whole', () => {
    const f = new ConsoleFraming();
    const bytes = enc.encode('größe 日本\n');
    const out = decode(f, [bytes.subarray(0, 4), bytes.subarray(4, 9), bytes.subarray(9)]);
    expect(out.text).toBe('größe 日本\n');
    expect(out.pieces.join('')).not.toContain('\ufffd');
  });

  it('streams an overlong text line whole, as the line events cut it', () => {
    const f = new ConsoleFraming({ maxLineBytes: 16 });
    const long = 'x'.repeat(50);
    const out = decode(f, [enc.encode(`${long}\n`)]);
    expect(out.text).toBe(`${long}\n`);
    expect(out.lines.join('')).toBe(long);
  });

  it('the raw framing carries no text, and streams none', () => {
    const out = decode(new RawFraming(), [echo('x')]);
    expect(out.text).toBe('');
    expect(out.packets).toHaveLength(1);
  });

  it(`property: any text and frames, split anywhere, stream exactly the text and decode exactly the packets (seed ${SEED})`, () => {
    // Text a board prints: printable ASCII, multi-byte UTF-8, CR LF, prompts; no 0x04/0x06 (they would begin frames).
    const textArb = fc.array(fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('\r\n', '\n', 'uart:~$ ', 'é', '日本語', '🙂', '')), { maxLength: 6 }).map((a) => a.join('').replace(/[\x04\x06]/g, '.'));
    const packetArb = fc.string({ maxLength: 300 }).map(echo);
    const itemArb = fc.oneof(textArb.map((t) => ({ text: t })), packetArb.map((p) => ({ packet: p })));
    const framingArb = fc.constantFrom(new ConsoleFraming(), new ConsoleFraming({ style: 'zephyr' }), new ConsoleFraming({ lineLength: 16 }));
    fc.assert(
      fc.property(framingArb, fc.array(itemArb, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 20 }), (framing, items, cuts) => {
        const parts = items.map((i) => ('text' in i ? enc.encode(i.text) : framing.encode(i.packet)));
        const wire = Buffer.concat(parts);
        const points = [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b);
        const chunks = [...points, wire.length].map((p, k, all) => wire.subarray(k === 0 ? 0 : all[k - 1]!, p));
        const out = decode(framing, chunks);
        expect(out.dropped).toEqual([]);
        expect(out.packets).toEqual(items.flatMap((i) => ('packet' in i ? [i.packet] : [])));
        expect(out.text).toBe(items.map((i) => ('text' in i ? i.text : '')).join(''));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

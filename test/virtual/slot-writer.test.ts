/**
 * The progressive-erase slot stream (rig/virtual/suit/slot-writer.ts) under chunks of any size:
 * what it reads back is the stream, flash holds it byte for byte once closed, each chunk costs at
 * most one flash write, and it never writes past its capacity (property, seeded).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FlashArea, SimFlash, flashGeometry } from '../../rig/virtual/flash/index.js';
import { SlotWriteError, SlotWriter } from '../../rig/virtual/suit/slot-writer.js';

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));
const g = flashGeometry([{ count: 8, size: 1024 }], 8, 0xff);

describe('SlotWriter', () => {
  it('streams chunks of any size into the slot: read-back, flash contents and one write per chunk (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 700 }), { minLength: 1, maxLength: 12 }), fc.integer({ min: 0, max: 255 }), (sizes, salt) => {
        const flash = new SimFlash(g);
        const area = new FlashArea(flash, 'slot', 1024, 6 * 1024);
        const w = new SlotWriter(area, 16, 5000, [5]);
        const stream = Uint8Array.from({ length: sizes.reduce((a, b) => a + b, 0) }, (_, i) => (i * 7 + salt) & 0xff);
        let puts = 0;
        flash.addObserver({ effect: (e) => void (e.kind === 'put' && puts++) });
        let off = 0;
        for (const n of sizes) {
          puts = 0;
          if (off + n > 5000) {
            expect(() => w.write(stream.subarray(off, off + n))).toThrow(SlotWriteError);
            return;
          }
          w.write(stream.subarray(off, off + n));
          off += n;
          expect(puts).toBeLessThanOrEqual(1);
          const back = new Uint8Array(off);
          expect(w.read(0, back)).toBe(off);
          expect(same(back, stream.subarray(0, off))).toBe(true);
        }
        w.close(Uint8Array.of(0xaa, 0xbb));
        expect(same(area.read(16, off), stream)).toBe(true);
        expect(area.read(16 + off, 2)).toEqual(Uint8Array.of(0xaa, 0xbb));
        // The closing unit is padded with the erased value; the sector erased first stays erased.
        const end = Math.ceil((16 + off + 2) / 8) * 8;
        expect(area.isErased(16 + off + 2, end - (16 + off + 2))).toBe(true);
        expect(area.isErased(5 * 1024, 1024)).toBe(end <= 5 * 1024);
      }),
      { seed: 0x5107, numRuns: 150 },
    );
  });
});

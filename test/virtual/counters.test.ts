/**
 * Monotonic counters in flash (hardware security counter, SUIT sequence number): they only grow,
 * keep every other counter when a sector is recycled, and a power cut before any of their flash
 * operations — including while the next sector is erased — loses at most the update in progress.
 */
import { describe, expect, it } from 'vitest';
import { CounterStore } from '../../rig/virtual/bootloader/index.js';
import { FlashArea, SimFlash, flashGeometry } from '../../rig/virtual/flash/index.js';
import { sweepEveryCut, type SweepScenario } from '../../rig/sweeps/harness.js';

const g = flashGeometry([{ count: 4, size: 256 }], 4, 0xff);

function store(flash: SimFlash): CounterStore {
  return new CounterStore(new FlashArea(flash, 'counters', 256, 512));
}

describe('CounterStore', () => {
  it('starts at 0, only grows, and keeps counters apart', () => {
    const s = store(new SimFlash(g));
    expect(s.get(0)).toBe(0n);
    expect(s.raise(0, 5n)).toBe(true);
    expect(s.raise(0, 3n)).toBe(false);
    expect(s.raise(1, 0xffff_ffff_ffffn)).toBe(true);
    expect([s.get(0), s.get(1)]).toEqual([5n, 0xffff_ffff_ffffn]);
    expect(() => s.raise(0, -1n)).toThrow(/uint64/);
    const odd = new SimFlash(flashGeometry([{ count: 4, size: 100 }], 4, 0xff));
    expect(() => new CounterStore(new FlashArea(odd, 'counters', 100, 200))).toThrow(/100-byte sector does not hold whole 32-byte records/);
  });

  it('largest: the larger of several counters in one read (the rollback floor of a SUIT board)', () => {
    const s = store(new SimFlash(g));
    expect(s.largest([0, 1])).toBe(0n);
    s.raise(0, 5n);
    expect(s.largest([0, 1])).toBe(5n);
    s.raise(1, 20n);
    expect(s.largest([0, 1])).toBe(20n);
    expect(s.largest([0])).toBe(5n);
  });

  it('recycles sectors without losing the other counters', () => {
    const flash = new SimFlash(g);
    const s = store(flash);
    s.raise(1, 42n);
    for (let v = 1n; v <= 40n; v++) s.raise(0, v);
    expect([s.get(0), s.get(1)]).toEqual([40n, 42n]);
    // 8 records fit a 256-byte sector: 41 records needed several erases of the two sectors
    expect(flash.opCount).toBeGreaterThan(41);
  });

  it('a power cut before any operation of an update keeps old or new value and every other counter (every cut point)', () => {
    for (const filled of [0, 6, 7, 8]) {
      const base = (() => {
        const f = new SimFlash(g);
        const s = store(f);
        s.raise(1, 7n);
        for (let v = 1n; v <= BigInt(filled); v++) s.raise(0, v);
        return f.snapshot();
      })();
      const scenario: SweepScenario<{ flash: SimFlash }> = {
        name: `counter update with ${filled} records written`,
        setup: () => ({ flash: new SimFlash(g, { snapshot: base }) }),
        act: (w) => void store(w.flash).raise(0, 100n),
        recover: (w) => w.flash.powerOn(),
        check: (w, cut) => {
          const s = store(w.flash);
          const problems: string[] = [];
          const v = s.get(0);
          if (v !== 100n && !(cut.cutsAt.length > 0 && v === BigInt(filled))) problems.push(`counter 0 is ${v}`);
          if (s.get(1) !== 7n) problems.push(`counter 1 is ${s.get(1)}, expected 7`);
          s.raise(0, 100n);
          if (s.get(0) !== 100n) problems.push('counter 0 cannot be raised after the cut');
          return problems;
        },
      };
      const r = sweepEveryCut(scenario);
      expect(r.bricks).toEqual([]);
      expect(r.ops).toBeGreaterThan(0);
      expect(sweepEveryCut(scenario, { torn: true, seed: filled }).bricks).toEqual([]);
    }
  });
});

/** The power-cut sweep harness itself: it counts, cuts at every index, and reports what goes wrong. */
import { describe, expect, it } from 'vitest';
import { SimFlash, flashGeometry } from '../../rig/virtual/flash/index.js';
import { formatSweep, randomMultiCut, sweepEveryCut, type SweepScenario } from '../../rig/sweeps/harness.js';

const g = flashGeometry([{ count: 4, size: 256 }], 4, 0xff);
type W = { flash: SimFlash };

/** Writes 8 units one by one into sector 0, resuming after the last non-erased unit. */
const resumable: SweepScenario<W> = {
  name: 'resumable writes',
  setup: () => ({ flash: new SimFlash(g) }),
  act: (w) => {
    for (let u = 0; u < 8; u++) if (w.flash.isErased(u * 4, 4)) w.flash.write(u * 4, Uint8Array.of(u, u, u, u));
  },
  recover: (w) => {
    w.flash.powerOn();
    resumable.act(w);
  },
  check: (w) => (w.flash.read(0, 32).every((b, i) => b === Math.floor(i / 4)) ? [] : ['not all units written']),
};

describe('sweep harness', () => {
  it('cuts before each operation of the clean run and reports N and the cut points', () => {
    const r = sweepEveryCut(resumable);
    expect(r.ops).toBe(8);
    expect(r.cutPoints).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(r.bricks).toEqual([]);
    expect(formatSweep(r)).toMatch(/^resumable writes: N=8 flash operations, 8 cut points checked \(ops 0\.\.7\), 0 bricked/);
    expect(sweepEveryCut(resumable, { step: 3 }).cutPoints).toEqual([0, 3, 6]);
  });

  it('reports a recovery that does not finish the job, per cut point', () => {
    const lossy: SweepScenario<W> = { ...resumable, name: 'lossy', recover: (w) => w.flash.powerOn() };
    const r = sweepEveryCut(lossy);
    expect(r.bricks.map((b) => b.cutsAt[0])).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(r.bricks[0]!.problems).toEqual(['not all units written']);
  });

  it('tears the cut operation when asked: the half-programmed unit is left, so this recovery misses it at every cut point', () => {
    const r = sweepEveryCut(resumable, { torn: true, seed: 5 });
    expect(r.bricks.map((b) => b.cutsAt[0])).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(r.bricks[0]!.problems).toEqual(['not all units written']);
    expect([r.torn, r.seed]).toEqual([true, 5]);
    expect(formatSweep(r)).toMatch(/, torn, seed 5, 8 bricked/);
  });

  it('turns a broken flash rule in the recovery into a brick of that cut point, not a crash', () => {
    // A recovery that starts over without looking writes unit 0 again once the action wrote it.
    const careless: SweepScenario<W> = {
      ...resumable,
      name: 'careless',
      recover: (w) => {
        w.flash.powerOn();
        for (let u = 0; u < 8; u++) w.flash.write(u * 4, Uint8Array.of(u, u, u, u));
      },
    };
    const r = sweepEveryCut(careless);
    expect(r.bricks.map((b) => b.cutsAt[0])).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(r.bricks[0]!.problems).toEqual(['flash rule broken (unerased): flash write to unerased location 0x0 (written since its last erase)']);
  });

  it('flags a run that is not deterministic', () => {
    let calls = 0;
    const flaky: SweepScenario<W> = { ...resumable, name: 'flaky', act: (w) => (calls++ === 0 ? resumable.act(w) : undefined) };
    expect(sweepEveryCut(flaky).bricks[0]!.problems[0]).toMatch(/not deterministic/);
  });

  it('random multi-cut runs are reproducible from their seed', () => {
    const a = randomMultiCut(resumable, { runs: 20, maxCuts: 3, seed: 99 });
    const b = randomMultiCut(resumable, { runs: 20, maxCuts: 3, seed: 99 });
    expect(a.totalCuts).toBe(b.totalCuts);
    expect(a.totalCuts).toBeGreaterThan(20);
    expect(a.bricks).toEqual([]);
  });
});

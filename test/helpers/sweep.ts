/**
 * Assertions shared by the power-cut sweep tests of MCUboot updates (test/virtual) and SUIT
 * updates (test/board), over rig/sweeps/harness.ts; each logs its summary line.
 */
import { expect } from 'vitest';
import { formatMultiCut, formatSweep, randomMultiCut, sweepEveryCut, type CutSubject, type SweepResult, type SweepScenario } from '../../rig/sweeps/harness.js';

/**
 * Power cut before every `step`-th (default: every one) of the update's N flash operations: N is
 * more than `minOps` (default 150, so a run that stopped doing the update fails), every cut
 * point was checked, and none bricked.
 */
export function expectCutPointsRecover<W extends CutSubject>(s: SweepScenario<W>, o: { step?: number; minOps?: number } = {}): SweepResult {
  const step = o.step ?? 1;
  const r = sweepEveryCut(s, { step });
  console.log(formatSweep(r));
  expect(r.ops).toBeGreaterThan(o.minOps ?? 150);
  expect(r.cutPoints).toEqual(Array.from({ length: Math.ceil(r.ops / step) }, (_, i) => i * step));
  expect(r.bricks).toEqual([]);
  return r;
}

/** `runs` seeded runs of up to `maxCuts` cuts each (more cuts than runs in all): no brick. */
export function expectMultiCutRecovers<W extends CutSubject>(s: SweepScenario<W>, o: { runs: number; maxCuts: number; seed: number }): void {
  const r = randomMultiCut(s, o);
  console.log(formatMultiCut(r, o.maxCuts));
  expect(r.totalCuts).toBeGreaterThan(r.runs);
  expect(r.bricks).toEqual([]);
}

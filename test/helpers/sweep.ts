/**
 * Assertions shared by the power-cut sweep tests of MCUboot updates (test/virtual) and SUIT
 * updates (test/board), over rig/virtual/sweep/harness.ts; each logs its summary line.
 */
import { expect } from 'vitest';
import { formatMultiCut, formatSweep, randomMultiCut, sweepEveryCut, type CutSubject, type SweepScenario } from '../../rig/virtual/sweep/harness.js';

/** Power cut before every one of the update's N (> 150) flash operations: no brick. */
export function expectEveryCutPointRecovers<W extends CutSubject>(s: SweepScenario<W>): void {
  const r = sweepEveryCut(s);
  console.log(formatSweep(r));
  expect(r.ops).toBeGreaterThan(150);
  expect(r.cutPoints).toEqual(Array.from({ length: r.ops }, (_, i) => i));
  expect(r.bricks).toEqual([]);
}

/** `runs` seeded runs of up to `maxCuts` cuts each (more cuts than runs in all): no brick. */
export function expectMultiCutRecovers<W extends CutSubject>(s: SweepScenario<W>, o: { runs: number; maxCuts: number; seed: number }): void {
  const r = randomMultiCut(s, o);
  console.log(formatMultiCut(r, o.maxCuts));
  expect(r.totalCuts).toBeGreaterThan(r.runs);
  expect(r.bricks).toEqual([]);
}

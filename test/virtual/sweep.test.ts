/**
 * Every-cut-point sweeps of MCUboot image updates (issue 6 "Must show"), MCUboot-simulator
 * style, in-process and unpaced: for each flash operation i of the uninterrupted update, cut
 * power before i, power on until stable, and check the board boots a verified image with
 * consistent trailers and counters. Zero bricks allowed; a deliberately broken board must brick.
 */
import { describe, expect, it } from 'vitest';
import { formatSweep, sweepEveryCut } from '../../rig/sweeps/harness.js';
import { MCUBOOT_SCENARIOS, mcubootUpdateScenario } from '../../rig/sweeps/mcuboot-scenarios.js';
import { getProfile, profileVariant } from '../../rig/virtual/profiles.js';
import { key } from './board-fixture.js';
import { expectCutPointsRecover, expectMultiCutRecovers } from '../helpers/sweep.js';

describe('power cut before every flash operation of an MCUboot update (nrf52840-like, swap-using-move)', () => {
  for (const kind of MCUBOOT_SCENARIOS) {
    it(`${kind}: every cut point boots a verified image`, () => {
      const s = mcubootUpdateScenario({ kind, key });
      expect(s.name).toMatch(/9-sector images/);
      expectCutPointsRecover(s);
    });
  }

  it('several random cuts in one update (seeded) still end on a verified image', () => {
    expectMultiCutRecovers(mcubootUpdateScenario({ kind: 'revert', key }), { runs: 25, maxCuts: 4, seed: 20260722 });
  });

  it('also on a part that erases to 0x00 with 8-byte writes (sampled: every 5th cut point)', () => {
    const profile = profileVariant(getProfile('nrf52840-like'), { writeAlign: 8, erasedValue: 0x00 });
    expectCutPointsRecover(mcubootUpdateScenario({ kind: 'test', key, profile }), { step: 5 });
  });

  it('catches a board that never reverts: the crashing update bricks it', () => {
    const r = sweepEveryCut(mcubootUpdateScenario({ kind: 'revert', key, quirks: ['never-revert'] }), { step: 40 });
    console.log(formatSweep(r));
    expect(r.bricks.length).toBeGreaterThan(0);
    expect(r.bricks[0]!.problems.join('\n')).toMatch(/board is boot-loop, expected it running 1\.0\.0/);
  });
});

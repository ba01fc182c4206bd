/**
 * Every-cut-point sweeps of SUIT updates on the virtual board (issue 6 "Must show"),
 * MCUboot-simulator style, in-process and unpaced, 9-sector images: for each flash operation i
 * of the uninterrupted update (install through the firmware consumer, then the reset that swaps
 * and boots), cut power before i, power on until stable, and check the board boots a verified
 * image through the SUIT secure boot with consistent slots, trailers and stored sequence number.
 * The test update is swept at every cut point; permanent and revert are sampled here and swept
 * fully by `npm run sweep:suit`.
 */
import { describe, expect, it } from 'vitest';
import { formatSweep, sweepEveryCut } from '../../rig/sweeps/harness.js';
import { suitUpdateScenario } from '../../rig/sweeps/suit-scenarios.js';
import { getProfile } from '../../rig/virtual/profiles.js';
import { expectCutPointsRecover, expectMultiCutRecovers } from '../helpers/sweep.js';

describe('power cut before every flash operation of a SUIT update (nrf52840-like, swap-using-move)', () => {
  it('test update of a healthy image: every cut point boots a verified image', () => {
    const s = suitUpdateScenario({ kind: 'test' });
    expect(s.name).toMatch(/9-sector images/);
    expectCutPointsRecover(s);
  });

  for (const kind of ['perm', 'revert'] as const) {
    it(`${kind}: sampled cut points (every 7th) boot a verified image`, () => {
      expectCutPointsRecover(suitUpdateScenario({ kind }), { step: 7 });
    });
  }
});

describe('several random power cuts in one SUIT update (seeded)', () => {
  it('revert scenario: 20 runs of up to 4 cuts end on a verified image', () => {
    expectMultiCutRecovers(suitUpdateScenario({ kind: 'revert' }), { runs: 20, maxCuts: 4, seed: 20261125 });
  });
});

describe('power cuts during a SUIT update on a swap-using-scratch part (k64f-like)', () => {
  it('test update: sampled cut points (every 5th) boot a verified image', () => {
    expectCutPointsRecover(suitUpdateScenario({ kind: 'test', profile: getProfile('k64f-like') }), { step: 5 });
  });
});

describe('the SUIT sweep catches broken boards', () => {
  it('a board that never reverts bricks on the crashing update', () => {
    const r = sweepEveryCut(suitUpdateScenario({ kind: 'revert', quirks: ['never-revert'] }), { step: 50 });
    console.log(formatSweep(r));
    expect(r.bricks.length).toBeGreaterThan(0);
    expect(r.bricks[0]!.problems.join('\n')).toMatch(/board is boot-loop, expected it running a verified image/);
  });
});

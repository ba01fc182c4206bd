#!/usr/bin/env node
/**
 * `npm run soak:powercut [-- --seed S --runs N (1000) --max-cuts K (5) --torn --profile P --full]`: long
 * power-cut runs of MCUboot updates on the virtual board, beyond what `npm test` does. For each
 * scenario (test, permanent, revert, revert of an unconfirmed image): random multi-cut runs (up
 * to K cuts in one update, seeded; the seed is printed so any failure can be replayed), and with
 * --full also the every-cut-point sweep. --torn tears the cut operation (partly applied), which is
 * beyond MCUboot's power-fail model (atomic flash operations): torn trailer-flag writes are
 * expected to show up there. Exit 0 when nothing bricked, 1 otherwise, 2 on bad arguments.
 */
import { DEFAULT_PROFILE, PROFILES } from '../virtual/profiles.js';
import { randomSeed } from '../../host/transport/rng.js';
import type { Brick } from './harness.js';
import { MCUBOOT_SCENARIOS, mcubootUpdateScenario } from './mcuboot-scenarios.js';
import { runScenarioSweeps } from './report.js';
import { intArg, profileArg, runScript } from '../cli/script.js';

const OPTIONS = {
  seed: { type: 'string' },
  runs: { type: 'string', default: '1000' },
  'max-cuts': { type: 'string', default: '5' },
  torn: { type: 'boolean', default: false },
  full: { type: 'boolean', default: false },
  profile: { type: 'string', default: DEFAULT_PROFILE },
} as const;

const USAGE = `Usage: npm run soak:powercut [-- --seed S] [--runs N] [--max-cuts K] [--torn] [--profile P] [--full]

Long power-cut runs of MCUboot updates on the virtual board (test, permanent, revert, revert of
an unconfirmed image): N seeded runs per scenario with up to K power cuts in each update.

Options:
  --seed S        replay a run (default: random, printed)
  --runs N        runs per scenario (default 1000)
  --max-cuts K    power cuts per update, 1 to 1000 (default 5)
  --torn          tear the cut operation (partly applied; beyond MCUboot's power-fail model)
  --profile P     board profile: ${Object.keys(PROFILES).join(', ')} (default ${DEFAULT_PROFILE})
  --full          also the every-cut-point sweep
  -h, --help      show this help

Exit status: 0 nothing bricked, 1 a board bricked, 2 a bad argument.`;

runScript('soak:powercut', USAGE, OPTIONS, (v) => {
  const seed = v.seed === undefined ? randomSeed() : intArg('seed', v.seed, 0);
  const runs = intArg('runs', v.runs, 0);
  const maxCuts = intArg('max-cuts', v['max-cuts'], 1, 1000);
  const profile = profileArg(v.profile);
  const torn = v.torn;
  process.stdout.write(`soak:powercut seed ${seed} (replay with --seed ${seed}), ${runs} runs x up to ${maxCuts} cuts per scenario, profile ${profile.name}${torn ? ', torn operations' : ''}\n`);
  const bricks: Brick[] = [];
  let totalCuts = 0;
  let totalRuns = 0;
  for (const [i, kind] of MCUBOOT_SCENARIOS.entries()) {
    const scenarioSeed = (seed + i) >>> 0;
    const r = runScenarioSweeps(mcubootUpdateScenario({ kind, profile }), kind, {
      ...(v.full ? { every: { torn, seed: scenarioSeed } } : {}),
      multi: { runs, maxCuts, seed: scenarioSeed, torn },
    });
    bricks.push(...r.bricks);
    totalCuts += r.multiCuts;
    totalRuns += runs;
  }
  process.stdout.write(`total: ${totalRuns} runs, ${totalCuts} power cuts, ${bricks.length} bricked (seed ${seed})\n`);
  return bricks.length === 0 ? 0 : 1;
});

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
import { parseArgs } from 'node:util';
import { getProfile, DEFAULT_PROFILE } from '../profiles.js';
import { randomSeed } from '../../../host/transport/rng.js';
import type { Brick } from './harness.js';
import { MCUBOOT_SCENARIOS, mcubootUpdateScenario } from './mcuboot-scenarios.js';
import { runScenarioSweeps } from './report.js';

function main(argv: string[]): number {
  let v;
  try {
    v = parseArgs({
      args: argv,
      options: {
        seed: { type: 'string' },
        runs: { type: 'string', default: '1000' },
        'max-cuts': { type: 'string', default: '5' },
        torn: { type: 'boolean', default: false },
        full: { type: 'boolean', default: false },
        profile: { type: 'string', default: DEFAULT_PROFILE },
      },
      strict: true,
    }).values;
  } catch (e) {
    process.stderr.write(`soak:powercut: ${(e as Error).message}\n`);
    return 2;
  }
  const num = (name: string, text: string | undefined, max = 0xffff_ffff): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 0 || n > max) throw new RangeError(`--${name}: expected an integer 0..${max}, got '${text}'`);
    return n;
  };
  let seed: number;
  let runs: number;
  let maxCuts: number;
  let profile;
  try {
    seed = v.seed === undefined ? randomSeed() : num('seed', v.seed);
    runs = num('runs', v.runs);
    maxCuts = Math.max(1, num('max-cuts', v['max-cuts'], 1000));
    profile = getProfile(v.profile!);
  } catch (e) {
    process.stderr.write(`soak:powercut: ${(e as Error).message}\n`);
    return 2;
  }
  const torn = v.torn === true;
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
}

process.exitCode = main(process.argv.slice(2));

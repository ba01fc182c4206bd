#!/usr/bin/env node
/**
 * `npm run sweep:suit [-- --profile P --step N --kind test|perm|revert --runs R --max-cuts K
 * --seed S]` (after `npm run build:ts`): the every-cut-point power-cut sweeps of SUIT updates
 * (sweep-scenarios.ts) beyond what `npm test` runs — all three scenarios at every cut point by
 * default, on any profile — and, with --runs, that many seeded runs with up to K cuts each
 * (the seed is printed; a failure names its run). Prints N (flash operations of the
 * uninterrupted update), the cut points checked and the bricks with what was wrong. Exit 0 when
 * nothing bricked, 1 otherwise, 2 on bad arguments.
 */
import { parseArgs } from 'node:util';
import { runScenarioSweeps } from '../sweep/report.js';
import { randomSeed } from '../../../host/transport/rng.js';
import { DEFAULT_PROFILE, getProfile, PROFILES } from '../profiles.js';
import { SUIT_SCENARIOS, suitUpdateScenario, type SuitScenarioKind } from './sweep-scenarios.js';

function main(argv: string[]): number {
  let v;
  try {
    v = parseArgs({
      args: argv,
      options: {
        profile: { type: 'string', default: DEFAULT_PROFILE },
        step: { type: 'string', default: '1' },
        kind: { type: 'string', multiple: true },
        runs: { type: 'string', default: '0' },
        'max-cuts': { type: 'string', default: '5' },
        seed: { type: 'string' },
      },
      strict: true,
    }).values;
  } catch (e) {
    process.stderr.write(`sweep:suit: ${(e as Error).message}\n`);
    return 2;
  }
  const step = Number(v.step);
  const runs = Number(v.runs);
  const maxCuts = Number(v['max-cuts']);
  const seed = v.seed === undefined ? randomSeed() : Number(v.seed);
  if (![step, maxCuts].every((n) => Number.isInteger(n) && n >= 1) || !Number.isInteger(runs) || runs < 0 || !Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) {
    process.stderr.write('sweep:suit: --step and --max-cuts take positive integers, --runs a non-negative one, --seed an integer below 2^32\n');
    return 2;
  }
  if (!PROFILES[v.profile!]) {
    process.stderr.write(`sweep:suit: --profile: unknown profile '${v.profile}' (${Object.keys(PROFILES).join(', ')})\n`);
    return 2;
  }
  const kinds = (v.kind ?? [...SUIT_SCENARIOS]) as SuitScenarioKind[];
  const bad = kinds.find((k) => !(SUIT_SCENARIOS as readonly string[]).includes(k));
  if (bad) {
    process.stderr.write(`sweep:suit: --kind ${bad}: expected ${SUIT_SCENARIOS.join(', ')}\n`);
    return 2;
  }
  let bricks = 0;
  for (const kind of kinds) {
    const r = runScenarioSweeps(suitUpdateScenario({ kind, profile: getProfile(v.profile!) }), `suit-${kind}`, {
      every: { step },
      ...(runs > 0 ? { multi: { runs, maxCuts, seed } } : {}),
    });
    bricks += r.bricks.length;
  }
  return bricks === 0 ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));

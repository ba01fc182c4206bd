#!/usr/bin/env node
/**
 * `npm run sweep:suit [-- --profile P --step N --kind test|perm|revert --runs R --max-cuts K
 * --seed S]` (after `npm run build:ts`): the every-cut-point power-cut sweeps of SUIT updates
 * (suit-scenarios.ts) beyond what `npm test` runs — all three scenarios at every cut point by
 * default, on any profile — and, with --runs, that many seeded runs with up to K cuts each
 * (the seed is printed; a failure names its run). Prints N (flash operations of the
 * uninterrupted update), the cut points checked and the bricks with what was wrong. Exit 0 when
 * nothing bricked, 1 otherwise, 2 on bad arguments.
 */
import { runScenarioSweeps } from './report.js';
import { intArg, profileArg, runScript, ScriptArgumentError } from '../cli/script.js';
import { randomSeed } from '../../host/transport/rng.js';
import { DEFAULT_PROFILE, PROFILES } from '../virtual/profiles.js';
import { SUIT_SCENARIOS, suitUpdateScenario, type SuitScenarioKind } from './suit-scenarios.js';

const OPTIONS = {
  profile: { type: 'string', default: DEFAULT_PROFILE },
  step: { type: 'string', default: '1' },
  kind: { type: 'string', multiple: true },
  runs: { type: 'string', default: '0' },
  'max-cuts': { type: 'string', default: '5' },
  seed: { type: 'string' },
} as const;

const USAGE = `Usage: npm run sweep:suit [-- --profile P] [--step N] [--kind K]... [--runs R] [--max-cuts K] [--seed S]

Every-cut-point power-cut sweeps of SUIT updates on the virtual board: for each scenario, the
uninterrupted update's N flash operations, a power cut before each one, and a verified image
must boot every time; with --runs, also R seeded runs with up to K cuts each.

Options:
  --profile P     board profile: ${Object.keys(PROFILES).join(', ')} (default ${DEFAULT_PROFILE})
  --step N        cut before every N-th flash operation (default 1: every one)
  --kind K        scenario: ${SUIT_SCENARIOS.join(', ')} (repeatable; default all)
  --runs R        seeded multi-cut runs per scenario (default 0)
  --max-cuts K    power cuts per run, 1 to 1000 (default 5)
  --seed S        replay the multi-cut runs (default: random, printed)
  -h, --help      show this help

Exit status: 0 nothing bricked, 1 a board bricked, 2 a bad argument.`;

runScript('sweep:suit', USAGE, OPTIONS, (v) => {
  const step = intArg('step', v.step, 1);
  const runs = intArg('runs', v.runs, 0);
  const maxCuts = intArg('max-cuts', v['max-cuts'], 1, 1000);
  const seed = v.seed === undefined ? randomSeed() : intArg('seed', v.seed, 0);
  const profile = profileArg(v.profile);
  const kinds = v.kind ?? [...SUIT_SCENARIOS];
  const bad = kinds.find((k) => !(SUIT_SCENARIOS as readonly string[]).includes(k));
  if (bad !== undefined) throw new ScriptArgumentError(`--kind ${bad}: expected ${SUIT_SCENARIOS.join(', ')}`);
  let bricks = 0;
  for (const kind of kinds as SuitScenarioKind[]) {
    const r = runScenarioSweeps(suitUpdateScenario({ kind, profile }), `suit-${kind}`, {
      every: { step },
      ...(runs > 0 ? { multi: { runs, maxCuts, seed } } : {}),
    });
    bricks += r.bricks.length;
  }
  return bricks === 0 ? 0 : 1;
});

#!/usr/bin/env node
/**
 * `npm run sweep:suit [-- --profile P --step N --kind test|perm|revert]` (after `npm run
 * build:ts`): the every-cut-point power-cut sweeps of SUIT updates (sweep-scenarios.ts) beyond
 * what `npm test` runs — all three scenarios at every cut point by default, on any profile.
 * Prints N (flash operations of the uninterrupted update), the cut points checked and the
 * bricks with what was wrong. Exit 0 when nothing bricked, 1 otherwise, 2 on bad arguments.
 */
import { parseArgs } from 'node:util';
import { formatSweep, sweepEveryCut } from '../sweep/harness.js';
import { DEFAULT_PROFILE, getProfile, PROFILES } from '../profiles.js';
import { SUIT_SCENARIOS, suitUpdateScenario, type SuitScenarioKind } from './sweep-scenarios.js';

function main(argv: string[]): number {
  let v;
  try {
    v = parseArgs({
      args: argv,
      options: { profile: { type: 'string', default: DEFAULT_PROFILE }, step: { type: 'string', default: '1' }, kind: { type: 'string', multiple: true } },
      strict: true,
    }).values;
  } catch (e) {
    process.stderr.write(`sweep:suit: ${(e as Error).message}\n`);
    return 2;
  }
  const step = Number(v.step);
  if (!Number.isInteger(step) || step < 1) {
    process.stderr.write(`sweep:suit: --step: expected a positive integer, got '${v.step}'\n`);
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
    const progress = process.stderr.isTTY ? (done: number, total: number) => void process.stderr.write(`\r\x1b[K  suit-${kind} ${done}/${total}`) : undefined;
    const r = sweepEveryCut(suitUpdateScenario({ kind, profile: getProfile(v.profile!) }), { step, ...(progress ? { onProgress: progress } : {}) });
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    process.stdout.write(`${formatSweep(r)}\n`);
    for (const b of r.bricks.slice(0, 5)) process.stdout.write(`  brick at cut ${b.cutsAt.join(',') || 'none'}: ${b.problems.join('; ')}\n`);
    bricks += r.bricks.length;
  }
  return bricks === 0 ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));

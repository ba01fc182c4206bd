/**
 * The power-cut sweeps of one scenario as the long-run scripts run them (`npm run
 * soak:powercut`, soak.ts; `npm run sweep:suit`, rig/sweeps/suit-main.ts): the every-cut-point
 * sweep and seeded multi-cut runs of harness.ts, progress on a terminal only (logs stay clean),
 * one summary line per sweep and its first bricks on stdout.
 */
import { formatMultiCut, formatSweep, randomMultiCut, sweepEveryCut, type Brick, type CutSubject, type MultiCutOptions, type SweepOptions, type SweepScenario } from './harness.js';

export interface ScenarioSweeps {
  /** The every-cut-point sweep, when wanted. */
  every?: Omit<SweepOptions, 'onProgress'>;
  /** Seeded multi-cut runs, when wanted. */
  multi?: Omit<MultiCutOptions, 'onProgress'>;
}

/** Bricks listed under a summary line; the count is in the summary. */
const SHOWN = 5;

export interface ScenarioSweepsResult {
  bricks: Brick[];
  /** Power cuts of the multi-cut runs. */
  multiCuts: number;
}

/** Runs the sweeps of `s` and prints them. */
export function runScenarioSweeps<W extends CutSubject>(s: SweepScenario<W>, label: string, plan: ScenarioSweeps): ScenarioSweepsResult {
  const bricks: Brick[] = [];
  let multiCuts = 0;
  if (plan.every) {
    const onProgress = ttyProgress(`${label} cut point`);
    const r = sweepEveryCut(s, { ...plan.every, ...(onProgress ? { onProgress } : {}) });
    clearTtyProgress();
    print(formatSweep(r), r.bricks);
    bricks.push(...r.bricks);
  }
  if (plan.multi) {
    const onProgress = ttyProgress(`${label} run`);
    const m = randomMultiCut(s, { ...plan.multi, ...(onProgress ? { onProgress } : {}) });
    clearTtyProgress();
    print(formatMultiCut(m, plan.multi.maxCuts), m.bricks);
    bricks.push(...m.bricks);
    multiCuts = m.totalCuts;
  }
  return { bricks, multiCuts };
}

function print(summary: string, bricks: readonly Brick[]): void {
  process.stdout.write(`${summary}\n`);
  for (const b of bricks.slice(0, SHOWN)) process.stdout.write(`  brick at cuts ${b.cutsAt.join(', ') || 'none (the uncut run)'}: ${b.problems.join('; ')}\n`);
}

function ttyProgress(label: string): ((done: number, total: number) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  return (done, total) => process.stderr.write(`\r\x1b[K  ${label} ${done}/${total}`);
}

function clearTtyProgress(): void {
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
}

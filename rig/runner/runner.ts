/**
 * Runs a suite on every selected board in parallel: one worker per board, at most `jobs` at
 * once (DESIGN.md "Rig": many boards in parallel, per-board logs). The suite's fixtures are
 * prepared once; every case on every board gets its own seed derived from the run seed, which
 * every report records so a run can be replayed with `--seed`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvironmentError } from '../../host/util/errors.js';
import type { DutProvider } from '../dut/provider.js';
import type { VirtualProvision } from '../dut/types.js';
import type { ResolvedBoard } from '../lab/resolve.js';
import type { Predictor, Suite, SuiteCase } from '../suites/api.js';
import type { RunEvent } from './events.js';
import { mapBounded } from './pool.js';
import { totalsOf, type RunResult } from './result.js';
import { DEFAULT_OPEN_TIMEOUT_MS, runBoard } from './run-board.js';
import { DEFAULT_CLEANUP_TIMEOUT_MS, DEFAULT_STEP_TIMEOUT_MS } from './run-case.js';
import { seededRng } from './seed.js';

export interface RunOptions {
  suite: Suite;
  boards: readonly ResolvedBoard[];
  provider: DutProvider;
  seed: number;
  /** Where the per-board log files go (created). */
  logDir: string;
  /** Case ids to run (default: all), in suite order. */
  cases?: readonly string[];
  /** Boards run at once; default: all of them. */
  jobs?: number;
  stepTimeoutMs?: number;
  cleanupTimeoutMs?: number;
  openTimeoutMs?: number;
  predictor?: Predictor;
  /** Interrupts the run: running steps are aborted, cleanup still runs, remaining cases are not run. */
  signal?: AbortSignal;
  onEvent?(e: RunEvent): void;
}

/** The suite's cases an id list selects, checking the ids exist. */
export function selectCases(suite: Suite, ids: readonly string[] | undefined): readonly SuiteCase[] {
  if (!ids || ids.length === 0) return suite.cases;
  const unknown = ids.filter((id) => !suite.cases.some((c) => c.id === id));
  if (unknown.length > 0) {
    throw new EnvironmentError(`suite ${suite.name} has no case ${unknown.map((u) => `'${u}'`).join(', ')}; its cases: ${suite.cases.map((c) => c.id).join(', ')}`);
  }
  return suite.cases.filter((c) => ids.includes(c.id));
}

/** The suite's fixtures could not be prepared: nothing was run on any board. */
export class SuitePrepareError extends EnvironmentError {
  override name = 'SuitePrepareError';
}

export async function runSuite(opts: RunOptions): Promise<RunResult> {
  const cases = selectCases(opts.suite, opts.cases);
  const emit = (e: RunEvent) => opts.onEvent?.(e);
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  emit({ type: 'run-start', suite: opts.suite.name, seed: opts.seed, boards: opts.boards.map((b) => b.name), cases: cases.length, logDir: opts.logDir });

  const workDir = mkdtempSync(join(tmpdir(), `suitrig-${opts.suite.name}-`));
  try {
    let fixtures: unknown;
    if (opts.suite.prepare) {
      try {
        fixtures = await opts.suite.prepare({
          seed: opts.seed,
          rng: seededRng(opts.seed),
          workDir,
          signal: opts.signal ?? new AbortController().signal,
          log: (message) => emit({ type: 'note', message }),
        });
      } catch (e) {
        throw new SuitePrepareError(`suite ${opts.suite.name}: preparing its fixtures failed: ${(e as Error).message}`);
      }
    }
    let provision: VirtualProvision | undefined;
    try {
      provision = opts.suite.provision?.(fixtures as never);
    } catch (e) {
      throw new SuitePrepareError(`suite ${opts.suite.name}: its board provisioning failed: ${(e as Error).message}`);
    }
    const boards = await mapBounded(opts.boards, opts.jobs ?? opts.boards.length, (board) =>
      runBoard(board, {
        suite: opts.suite,
        fixtures,
        workDir,
        ...(provision ? { provision } : {}),
        cases,
        runSeed: opts.seed,
        logDir: opts.logDir,
        provider: opts.provider,
        stepTimeoutMs: opts.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS,
        cleanupTimeoutMs: opts.cleanupTimeoutMs ?? DEFAULT_CLEANUP_TIMEOUT_MS,
        openTimeoutMs: opts.openTimeoutMs ?? DEFAULT_OPEN_TIMEOUT_MS,
        ...(opts.predictor ? { predictor: opts.predictor } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
        emit,
      }),
    );
    const result: RunResult = {
      suite: { name: opts.suite.name, title: opts.suite.title },
      seed: opts.seed,
      startedAt,
      durationMs: performance.now() - t0,
      logDir: opts.logDir,
      boards,
      totals: totalsOf(boards),
    };
    emit({ type: 'run-end', result });
    return result;
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

/**
 * `suitrig run <file or folder of tests> --board <name>... | --tag T [--timeout S] [--retry N]`
 * (issue 16): what `run` does when its argument is users' vitest tests rather than a suite —
 * the path is told apart here (a folder, or a `*.test.*` / `*.spec.*` file), the boards are
 * selected as for a suite (`--board a,b` gives one worker both boards: the `duts` of its
 * tests), and rig/fixture/run-tests.ts runs them; the reports are the suite's (run.ts).
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { EnvironmentError, UsageError, optString, type CliIo, type ParsedArgs } from '../command.js';
import type { ResolvedBoard } from '../../lab/resolve.js';
import { findVitest } from '../../fixture/find-vitest.js';
import { TestsNotRunError, runTests, testsLabel } from '../../fixture/run-tests.js';
import type { RunEvent } from '../../runner/events.js';
import type { RunResult } from '../../runner/result.js';

const TEST_FILE_RE = /\.(test|spec)\.[cm]?[jt]sx?$/;

export interface TestsTarget {
  /** The vitest root: the folder, or the test file's folder. */
  root: string;
  files: string[];
  label: string;
}

/** The tests `run`'s argument names (a folder, or a test file), or undefined for a suite. */
export function testsTarget(word: string | undefined, cwd: string): TestsTarget | undefined {
  if (word === undefined) return undefined;
  const path = resolve(cwd, word);
  if (existsSync(path) && statSync(path).isDirectory()) return { root: path, files: [], label: testsLabel(path, cwd) };
  if (!TEST_FILE_RE.test(word)) return undefined;
  if (!existsSync(path)) throw new EnvironmentError(`tests ${word}: no such file`);
  return { root: dirname(path), files: [path], label: testsLabel(path, cwd) };
}

/** Options of `run` that mean nothing for tests, refused rather than ignored. */
const SUITE_ONLY = ['case', 'dry-run', 'boards', 'framing', 'smp-version', 'line-length'];

export interface TestsRunInput {
  target: TestsTarget;
  /** The `--board` words as given (a word with commas is one group). */
  boardWords: string[];
  select(words: string[]): Promise<ResolvedBoard[]>;
  labFile?: string;
  seed: number;
  logDir: string;
  jobs?: number;
  baud?: number;
  flashScale?: number;
  /** Holds the selected boards (their reservations in the lab service) while the tests run. */
  hold(boards: ResolvedBoard[]): Promise<{ release(): Promise<void> }>;
  /** The run holds the boards' reservations: its workers take none. */
  reservedByRun: boolean;
  onEvent(e: RunEvent): void;
}

/** `--timeout S` (per test, in seconds) and `--retry N`, checked. */
export function testsRunOptions(args: ParsedArgs): { timeoutMs?: number; retry?: number } {
  const t = optString(args, 'timeout');
  const r = optString(args, 'retry');
  if (t !== undefined && (!/^[1-9][0-9]{0,5}$/.test(t) || Number(t) > 86_400)) throw new UsageError(`--timeout: expected whole seconds from 1 to 86400 (per test), got '${t}'`);
  if (r !== undefined && (!/^[0-9]{1,2}$/.test(r) || Number(r) > 20)) throw new UsageError(`--retry: expected retries from 0 to 20, got '${r}'`);
  return { ...(t !== undefined ? { timeoutMs: Number(t) * 1000 } : {}), ...(r !== undefined ? { retry: Number(r) } : {}) };
}

export function refuseSuiteOptions(args: ParsedArgs): void {
  const given = SUITE_ONLY.filter((o) => args.values[o] !== undefined && args.values[o] !== false);
  if (given.length > 0) {
    throw new UsageError(`${given.map((o) => `--${o}`).join(', ')}: for a suite, not for test files (tests name their own cases; a lab board's smp: settings apply to tests too)`);
  }
}

/** Runs the tests on the selected boards; usage and environment problems before any board is touched. */
export async function runTestsFromCli(args: ParsedArgs, io: CliIo, input: TestsRunInput): Promise<RunResult> {
  const { timeoutMs, retry } = testsRunOptions(args);
  const vitest = findVitest();
  // `--board a,b`: one worker with both boards; every other board (and each --tag board) its own.
  const words = input.boardWords.flatMap((w) => w.split(','));
  if (words.some((w) => w === '')) throw new UsageError('--board: an empty board name in a comma-separated group');
  // selectBoards keeps the order of the words (one board each), then adds the --tag boards.
  const selected = await input.select(words);
  const groups: ResolvedBoard[][] = [];
  let at = 0;
  for (const w of input.boardWords) {
    const n = w.split(',').length;
    groups.push(selected.slice(at, at + n));
    at += n;
  }
  for (const b of selected.slice(at)) groups.push([b]);
  const hold = await input.hold(selected);
  try {
    return await runTests({
      root: input.target.root,
      files: input.target.files,
      label: input.target.label,
      groups,
      ...(input.labFile ? { labFile: input.labFile } : {}),
      seed: input.seed,
      logDir: input.logDir,
      vitest,
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      ...(retry !== undefined ? { retry } : {}),
      ...(input.jobs !== undefined ? { jobs: input.jobs } : {}),
      ...(input.flashScale !== undefined ? { flashScale: input.flashScale } : {}),
      ...(input.baud !== undefined ? { baud: input.baud } : {}),
      reservedByRun: input.reservedByRun,
      ...(io.signal ? { signal: io.signal } : {}),
      env: io.env,
      onEvent: input.onEvent,
    });
  } catch (e) {
    if (e instanceof TestsNotRunError) throw new EnvironmentError(e.message);
    throw e;
  } finally {
    await hold.release();
  }
}

/**
 * One board's worker: opens its DUT, runs the selected cases in order, and writes the board's
 * log. Whatever happens to this board (it cannot be opened, it stops answering, the run is
 * interrupted), the worker returns a result naming the reason instead of throwing, so the
 * other boards' workers go on.
 */
import { join } from 'node:path';
import { describeUsbIdentity } from '../ports/locate.js';
import type { ResolvedBoard } from '../lab/resolve.js';
import { capabilitiesOf, type Dut, type VirtualProvision } from '../dut/types.js';
import type { DutProvider } from '../dut/provider.js';
import type { BoardInfo, Predictor, Suite, SuiteCase } from '../suites/api.js';
import { BoardLog } from './board-log.js';
import { withDeadline } from './deadline.js';
import type { RunEvent } from './events.js';
import type { BoardResult, BoardStatus, CaseResult, TargetSummary } from './result.js';
import { runCase } from './run-case.js';
import { expectedOf } from './verdict.js';
import { deriveSeed } from './seed.js';

export const DEFAULT_OPEN_TIMEOUT_MS = 60_000;
const CLOSE_TIMEOUT_MS = 10_000;

export interface BoardEnv {
  suite: Suite;
  fixtures: unknown;
  /** The run's scratch directory (virtual boards keep their state there). */
  workDir: string;
  provision?: VirtualProvision;
  cases: readonly SuiteCase[];
  runSeed: number;
  logDir: string;
  provider: DutProvider;
  stepTimeoutMs: number;
  cleanupTimeoutMs: number;
  openTimeoutMs: number;
  predictor?: Predictor;
  signal?: AbortSignal;
  emit(e: RunEvent): void;
}

export function summariseTarget(b: ResolvedBoard): TargetSummary {
  const t = b.target;
  switch (t.kind) {
    case 'serial':
      return { kind: 'serial', url: t.path, baud: t.baud, ...(t.usb ? { usb: describeUsbIdentity(t.usb) } : {}) };
    case 'tcp':
      return { kind: 'tcp', url: t.url, baud: t.baud };
    case 'virtual':
      return { kind: 'virtual', url: 'virtual', baud: t.baud, ...(t.virtual.profile ? { profile: t.virtual.profile } : {}), quirks: [...t.virtual.quirks] };
    case 'emulator':
      return { kind: t.emulator.kind, url: t.emulator.kind, baud: t.baud };
  }
}

export function logFileName(board: string): string {
  return `${board.replace(/[^A-Za-z0-9._-]/g, '_')}.log`;
}

/** A case that did not run on this board, with the reason (an error: CI must not go green on it). */
function notRun(c: SuiteCase, runSeed: number, board: string, message: string): CaseResult {
  return {
    id: c.id,
    title: c.title,
    tags: [...(c.tags ?? [])],
    seed: deriveSeed(runSeed, board, c.id),
    outcome: 'error',
    message,
    startedAt: new Date().toISOString(),
    durationMs: 0,
    expected: expectedOf(c.expect),
    actual: {},
    steps: [],
    cleanup: [],
  };
}

export async function runBoard(board: ResolvedBoard, env: BoardEnv): Promise<BoardResult> {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const seed = deriveSeed(env.runSeed, board.name);
  const logPath = join(env.logDir, logFileName(board.name));
  const log = new BoardLog(logPath);
  const target = summariseTarget(board);
  const cases: CaseResult[] = [];
  let status: BoardStatus = 'completed';
  let message: string | undefined;
  let description: string | undefined;
  let notRunReason = '';
  env.emit({ type: 'board-start', board: board.name });
  log.line('run', `suite ${env.suite.name}, board ${board.name} (${target.url}${target.usb ? `, ${target.usb}` : ''}, ${target.baud} baud), run seed ${env.runSeed}, board seed ${seed}`);

  let dut: Dut | undefined;
  if (board.unavailable !== undefined) {
    status = 'unavailable';
    message = `board ${board.name} is not there: ${board.unavailable}`;
    log.line('error', message);
  } else {
    let opening: Promise<Dut> | undefined;
    try {
      dut = await withDeadline(`opening board ${board.name}`, env.openTimeoutMs, env.signal, (signal) =>
        (opening = env.provider.open(board, {
          signal,
          seed,
          workDir: env.workDir,
          ...(env.provision ? { provision: env.provision } : {}),
          log: (e) => log.line(e.kind, e.kind === 'console' ? e.line : e.kind === 'smp' ? e.summary : e.message),
        })),
      );
    } catch (e) {
      // An open that still succeeds after its deadline or the interrupt leaves a board (a port, a process) nobody would close.
      void opening?.then((late) => late.close()).catch(() => undefined);
      status = env.signal?.aborted ? 'interrupted' : 'unavailable';
      message = `could not open board ${board.name}: ${(e as Error).message}`;
      log.line('error', message);
    }
  }

  if (dut) {
    const opened = dut;
    description = opened.description;
    env.emit({ type: 'board-open', board: board.name, description });
    log.line('run', `opened: ${description}`);
    const info: BoardInfo = {
      name: board.name,
      target: board.target,
      ...(board.board ? { lab: board.board } : {}),
      capabilities: capabilitiesOf(opened),
      ...(opened.provision ? { provision: opened.provision } : {}),
    };
    for (const [index, c] of env.cases.entries()) {
      if (status !== 'completed') {
        cases.push(notRun(c, env.runSeed, board.name, `not run: ${notRunReason}`));
        continue;
      }
      if (env.signal?.aborted) {
        status = 'interrupted';
        message = notRunReason = 'the run was interrupted';
        cases.push(notRun(c, env.runSeed, board.name, `not run: ${message}`));
        continue;
      }
      env.emit({ type: 'case-start', board: board.name, caseId: c.id, title: c.title, index, total: env.cases.length });
      const run = await runCase(c, {
        suite: env.suite,
        fixtures: env.fixtures,
        board: info,
        dut: opened,
        log,
        runSeed: env.runSeed,
        stepTimeoutMs: env.stepTimeoutMs,
        cleanupTimeoutMs: env.cleanupTimeoutMs,
        ...(env.predictor ? { predictor: env.predictor } : {}),
        ...(env.signal ? { signal: env.signal } : {}),
        onStep: (caseId, step) => env.emit({ type: 'step-start', board: board.name, caseId, step }),
      });
      cases.push(run.result);
      env.emit({ type: 'case-end', board: board.name, result: run.result, index, total: env.cases.length });
      if (run.lost) {
        status = 'lost';
        message = `board ${board.name} was lost in case ${c.id}: ${run.lost}`;
        notRunReason = `board ${board.name} was lost in case ${c.id}`;
      }
    }
    try {
      await withDeadline(`closing board ${board.name}`, CLOSE_TIMEOUT_MS, undefined, () => opened.close());
    } catch (e) {
      log.line('error', (e as Error).message);
    }
  } else {
    for (const c of env.cases) cases.push(notRun(c, env.runSeed, board.name, `not run: ${message}`));
  }

  const result: BoardResult = {
    name: board.name,
    target,
    seed,
    status,
    ...(message !== undefined ? { message } : {}),
    ...(description !== undefined ? { description } : {}),
    logPath,
    startedAt,
    durationMs: performance.now() - t0,
    cases,
  };
  log.line('run', `board ${status}${message ? `: ${message}` : ''}; ${cases.filter((c) => c.outcome === 'passed').length}/${cases.length} passed in ${(result.durationMs / 1000).toFixed(1)} s`);
  try {
    await log.close();
  } catch (e) {
    result.message = `${result.message ? result.message + '; ' : ''}${(e as Error).message}`;
  }
  env.emit({ type: 'board-end', board: board.name, result });
  return result;
}

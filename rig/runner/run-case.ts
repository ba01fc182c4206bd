/**
 * Runs one case on one open board: needs check (not applicable, with the reason), setup, steps
 * (each against its deadline), the verdict, and cleanup that always runs (the case's own, then
 * the board's known-good image). A board that stops answering, or cannot be restored, is
 * reported as lost so the board's worker stops there while the other boards go on.
 */
import { DutUnresponsiveError, DutUnsupportedError } from '../dut/errors.js';
import type { BootOutcome, Decision, DecisionSource, Dut, DutStatus } from '../dut/types.js';
import { missingNeeds, type BoardInfo, type CaseContext, type Observations, type Predictor, type Suite, type SuiteCase } from '../suites/api.js';
import { CaseFailure, NotApplicable } from '../suites/steps.js';
import type { BoardLog } from './board-log.js';
import { InterruptedError, StepTimeoutError, withDeadline } from './deadline.js';
import type { CaseResult, StepOutcome, StepResult, TransferResult } from './result.js';
import { deriveSeed, seededRng } from './seed.js';
import { describeExpectation, expectedOf, judge } from './verdict.js';

export const DEFAULT_STEP_TIMEOUT_MS = 60_000;
/** Restoring writes a whole image over the link: allow minutes. */
export const DEFAULT_CLEANUP_TIMEOUT_MS = 300_000;

export interface CaseEnv {
  suite: Suite;
  fixtures: unknown;
  board: BoardInfo;
  dut: Dut;
  log: BoardLog;
  runSeed: number;
  stepTimeoutMs: number;
  cleanupTimeoutMs: number;
  predictor?: Predictor;
  signal?: AbortSignal;
  onStep?(caseId: string, step: string): void;
}

export interface CaseRun {
  result: CaseResult;
  /** Set when the board cannot be trusted with another case (it stopped answering or was not restored). */
  lost?: string;
}

function errorMessage(e: unknown): string {
  if (e instanceof DutUnresponsiveError) return `board stopped answering: ${e.message}`;
  if (e instanceof CaseFailure || e instanceof StepTimeoutError || e instanceof InterruptedError) return e.message;
  const err = e as Error;
  return `${err?.name ?? 'Error'}: ${err?.message ?? String(e)}`;
}

/** Failures are what the board did (or did not do); errors are everything else. */
function stepOutcome(e: unknown): StepOutcome {
  if (e instanceof StepTimeoutError) return 'timeout';
  if (e instanceof CaseFailure || e instanceof DutUnresponsiveError) return 'failed';
  return 'error';
}

/** Where a case is: ms from its start, and the step running. */
interface CaseClock {
  since(): number;
  step(): string;
}

/** The steps that observed the decision and the boot outcome the verdict judges. */
interface ObservedAt {
  decision?: string;
  boot?: string;
}

/**
 * What a case's steps observe. Transfers are also stamped with the time they ended, and the
 * decision and boot outcome with the step that saw them, so a verdict that fails names a step.
 */
function observer(seen: Observations, stamped: TransferResult[], at: ObservedAt, clock: CaseClock) {
  return {
    decision(decision: Decision, source: DecisionSource) {
      // The first rejection is the decision; later steps cannot turn it into an acceptance.
      if (seen.decision?.decision.kind === 'reject') return;
      seen.decision = { decision, source };
      at.decision = clock.step();
    },
    predicted(decision: Decision) {
      seen.predicted = decision;
    },
    status(status: DutStatus) {
      seen.statuses.push(status);
    },
    boot(outcome: BootOutcome) {
      seen.boot = outcome;
      at.boot = clock.step();
    },
    missing(uris: readonly string[]) {
      seen.missing = [...uris];
    },
    transfer(t: Observations['transfers'][number]) {
      seen.transfers.push(t);
      stamped.push({ uri: t.uri, bytes: t.bytes, ms: t.ms, atMs: clock.since(), ...(t.interrupted ? { interrupted: true } : {}) });
    },
  };
}

export async function runCase(c: SuiteCase, env: CaseEnv): Promise<CaseRun> {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const seed = deriveSeed(env.runSeed, env.board.name, c.id);
  const seen: Observations = { statuses: [], missing: [], transfers: [] };
  const transfers: TransferResult[] = [];
  const observedAt: ObservedAt = {};
  let stepNow = '';
  const base: Omit<CaseResult, 'outcome' | 'durationMs'> = {
    id: c.id,
    title: c.title,
    tags: [...(c.tags ?? [])],
    seed,
    startedAt,
    expected: expectedOf(c.expect),
    actual: {},
    steps: [],
    cleanup: [],
  };
  const log = env.log;
  log.line('case', `${c.id}: ${c.title} (seed ${seed})`);

  const lacking = missingNeeds(c.needs ?? [], env.board);
  if (lacking.length > 0) {
    const message = `not applicable: ${lacking.join('; ')}`;
    log.line('result', `${c.id}: ${message}`);
    return { result: { ...base, outcome: 'not-applicable', message, durationMs: performance.now() - t0 } };
  }

  let state: unknown;
  let currentSignal: AbortSignal = env.signal ?? new AbortController().signal;
  const ctx: CaseContext = {
    suite: env.suite.name,
    caseId: c.id,
    board: env.board,
    dut: env.dut,
    fixtures: env.fixtures,
    get state() {
      return state;
    },
    seed,
    rng: seededRng(seed),
    get signal() {
      return currentSignal;
    },
    observe: observer(seen, transfers, observedAt, { since: () => performance.now() - t0, step: () => stepNow }),
    observed: seen,
    ...(env.predictor ? { predictor: env.predictor } : {}),
    log: (m: string) => log.line('note', m),
  };

  /** Runs one step; returns what it threw, or undefined. `parent`: the run's interrupt signal (none for cleanup). */
  const runStep = async (name: string, timeoutMs: number, fn: () => Promise<unknown>, into: StepResult[], parent: AbortSignal | undefined): Promise<unknown> => {
    env.onStep?.(c.id, name);
    stepNow = name;
    const s0 = performance.now();
    try {
      await withDeadline(`step '${name}'`, timeoutMs, parent, (signal) => {
        currentSignal = signal;
        return fn();
      });
      const ms = performance.now() - s0;
      into.push({ name, outcome: 'passed', durationMs: ms });
      log.line('step', `${name}: ok (${ms.toFixed(0)} ms)`);
      return undefined;
    } catch (e) {
      const ms = performance.now() - s0;
      const message = errorMessage(e);
      into.push({ name, outcome: stepOutcome(e), durationMs: ms, message });
      log.line('step', `${name}: ${stepOutcome(e)} (${ms.toFixed(0)} ms): ${message}`);
      return e;
    }
  };

  const stepTimeout = (s?: { timeoutMs?: number }) => s?.timeoutMs ?? c.stepTimeoutMs ?? env.stepTimeoutMs;
  let failure: unknown;
  if (c.setup) {
    failure = await runStep('setup', stepTimeout(), async () => (state = await c.setup!(ctx as CaseContext<unknown, undefined>)), base.steps, env.signal);
  }
  for (const step of c.steps) {
    if (failure !== undefined) {
      base.steps.push({ name: step.name, outcome: 'not-run', durationMs: 0 });
      continue;
    }
    failure = await runStep(step.name, stepTimeout(step), () => step.run(ctx), base.steps, env.signal);
  }

  let outcome: CaseResult['outcome'];
  let message: string | undefined;
  let failedStep: string | undefined;
  // A board that turns out, when asked, to be unable to do what the case needs (DutUnsupportedError) is not applicable too.
  if (failure instanceof NotApplicable || failure instanceof DutUnsupportedError) {
    outcome = 'not-applicable';
    message = `not applicable: ${failure.message}`;
    const at = base.steps.find((s) => s.outcome !== 'passed' && s.outcome !== 'not-run')!;
    at.outcome = 'not-run';
    at.message = message;
  } else if (failure !== undefined) {
    outcome = stepOutcome(failure) === 'error' ? 'error' : 'failed';
    const failed = base.steps.find((s) => s.outcome !== 'passed' && s.outcome !== 'not-run')!;
    message = `step '${failed.name}': ${failed.message}`;
    failedStep = failed.name;
    // What the board was expected to do, next to what it did.
    if (outcome === 'failed') {
      message += `; the case expects ${describeExpectation(c.expect)}`;
      const decided = seen.decision ? judge(c.expect, seen, { decisionOnly: true }) : [];
      if (decided.length > 0) message += `; ${decided.join('; ')}`;
    }
  } else {
    const problems = judge(c.expect, seen);
    outcome = problems.length === 0 ? 'passed' : 'failed';
    if (problems.length > 0) {
      message = problems.join('; ');
      // Every step ran: the failure is what a step saw — the decision, else the boot outcome.
      failedStep = judge(c.expect, seen, { decisionOnly: true }).length > 0 ? observedAt.decision : observedAt.boot;
    }
  }

  // Cleanup always runs, even after an interrupt: a board must not be left half-updated.
  let lost: string | undefined;
  if (c.cleanup) {
    const e = await runStep('cleanup', env.cleanupTimeoutMs, () => c.cleanup!(ctx), base.cleanup, undefined);
    if (e instanceof DutUnresponsiveError || e instanceof StepTimeoutError) lost = `cleanup of case ${c.id}: ${errorMessage(e)}`;
  }
  if (!lost) {
    let detail = '';
    const e = await runStep(
      'restore known-good',
      env.cleanupTimeoutMs,
      async () => {
        const r = await env.dut.restoreKnownGood({ signal: currentSignal });
        detail = r.restored ? r.detail : `nothing restored: ${r.detail}`;
      },
      base.cleanup,
      undefined,
    );
    const last = base.cleanup[base.cleanup.length - 1]!;
    if (e === undefined) {
      last.message = detail;
      log.line('cleanup', detail);
    } else {
      lost = `restoring the known-good image after case ${c.id} failed: ${errorMessage(e)}`;
    }
  }
  if (lost) {
    log.line('error', lost);
    if (outcome === 'passed') {
      outcome = 'error';
      message = lost;
    } else {
      message = `${message}; ${lost}`;
    }
  }

  const actual: CaseResult['actual'] = {};
  if (seen.decision) {
    actual.decision = seen.decision.decision;
    actual.source = seen.decision.source;
  }
  if (seen.predicted) actual.predicted = seen.predicted;
  if (seen.boot) actual.boot = seen.boot;
  const result: CaseResult = { ...base, actual, outcome, ...(message !== undefined ? { message } : {}), durationMs: performance.now() - t0, ...(failedStep !== undefined ? { failedStep } : {}), ...(transfers.length ? { transfers } : {}) };
  log.line('result', `${c.id}: ${outcome}${message ? `: ${message}` : ''} (${result.durationMs.toFixed(0)} ms)`);
  return { result, ...(lost ? { lost } : {}) };
}

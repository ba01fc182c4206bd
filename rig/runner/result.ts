/**
 * What a run produced, board by board and case by case: the model every report renders
 * (terminal table, JSON schema in rig/report/README.md, JUnit XML).
 */
import type { BootOutcome, Decision, DecisionSource } from '../dut/types.js';
import type { ExpectedDecision } from '../suites/api.js';

/**
 * - passed: the board did what the case expects;
 * - failed: it did something else, a step overran its timeout, or the board stopped answering;
 * - error: the case could not be judged (a bug in the case, the board unavailable or lost
 *   before the case ran, the run interrupted);
 * - not-applicable: the board lacks what the case needs (with the reason).
 */
export type CaseOutcome = 'passed' | 'failed' | 'error' | 'not-applicable';

export type StepOutcome = 'passed' | 'failed' | 'error' | 'timeout' | 'not-run';

export interface StepResult {
  name: string;
  outcome: StepOutcome;
  durationMs: number;
  message?: string;
}

export interface CaseResult {
  id: string;
  title: string;
  tags: string[];
  seed: number;
  outcome: CaseOutcome;
  /** Why it failed, errored or was not applicable; for failures: what the board did and what was expected. */
  message?: string;
  startedAt: string;
  durationMs: number;
  expected: { decision?: ExpectedDecision; boot?: BootOutcome[] };
  actual: { decision?: Decision; source?: DecisionSource; predicted?: Decision; boot?: BootOutcome };
  /** Setup (when the case has one) and the steps, in order. */
  steps: StepResult[];
  /** The case's cleanup and the known-good restore. */
  cleanup: StepResult[];
  /**
   * The step where the case failed: the step that failed, or — every step having passed but not
   * the verdict — the step that saw what the case did not expect (the board's decision, else its
   * boot outcome). Absent for cases that did not fail, or when no step saw what was judged.
   */
  failedStep?: string;
  /** Payload transfers to the board, in order (upload throughput): when each ended, ms from the case's start. */
  transfers?: TransferResult[];
  /** How many times the case ran (users' tests with retries; absent: once). */
  attempts?: number;
  /** It failed, was retried, and passed: passed, but flaky. */
  flaky?: boolean;
  /** Why each attempt before the last failed, when it was retried. */
  retriedFailures?: string[];
}

export interface TransferResult {
  uri: string;
  bytes: number;
  ms: number;
  atMs: number;
  /** The link dropped during it (the case's own doing, or the board's). */
  interrupted?: boolean;
}

/** How a board's part of the run ended. */
export type BoardStatus = 'completed' | 'unavailable' | 'lost' | 'interrupted';

export interface TargetSummary {
  kind: 'serial' | 'tcp' | 'virtual' | 'qemu' | 'native-sim';
  /** Device path or tcp url (serial, tcp); `virtual`, `qemu` or `native-sim` (boards the rig runs itself). */
  url: string;
  baud: number;
  /** For boards found by USB identity, e.g. `serial 000683123456, vid:pid 1366:1015`. */
  usb?: string;
  profile?: string;
  quirks?: string[];
}

export interface BoardResult {
  name: string;
  target: TargetSummary;
  seed: number;
  status: BoardStatus;
  /** Why the board became unavailable or was lost. */
  message?: string;
  /** The DUT's own description (protocol, buffers, bootloader) once opened. */
  description?: string;
  logPath: string;
  startedAt: string;
  durationMs: number;
  cases: CaseResult[];
}

export interface Totals {
  cases: number;
  passed: number;
  failed: number;
  error: number;
  notApplicable: number;
}

export interface RunResult {
  suite: { name: string; title: string };
  seed: number;
  startedAt: string;
  durationMs: number;
  logDir: string;
  boards: BoardResult[];
  totals: Totals;
}

export function totalsOf(boards: readonly BoardResult[]): Totals {
  const t: Totals = { cases: 0, passed: 0, failed: 0, error: 0, notApplicable: 0 };
  for (const b of boards) {
    for (const c of b.cases) {
      t.cases++;
      if (c.outcome === 'passed') t.passed++;
      else if (c.outcome === 'failed') t.failed++;
      else if (c.outcome === 'error') t.error++;
      else t.notApplicable++;
    }
  }
  return t;
}

/** True when no case failed or errored (not-applicable cases do not fail a run). */
export function runPassed(r: RunResult): boolean {
  return r.totals.failed === 0 && r.totals.error === 0;
}

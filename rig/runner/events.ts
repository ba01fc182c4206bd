/** What the runner reports while it runs, for the live progress display and plain progress lines. */
import type { BoardResult, CaseResult, RunResult } from './result.js';

export type RunEvent =
  /** `tests`: a run of users' test files (rig/fixture), whose number of cases is known only as they are collected. */
  | { type: 'run-start'; suite: string; seed: number; boards: string[]; cases: number; logDir: string; tests?: string }
  | { type: 'board-start'; board: string }
  | { type: 'board-open'; board: string; description: string }
  | { type: 'case-start'; board: string; caseId: string; title: string; index: number; total: number }
  | { type: 'step-start'; board: string; caseId: string; step: string }
  | { type: 'case-end'; board: string; result: CaseResult; index: number; total: number }
  | { type: 'board-end'; board: string; result: BoardResult }
  | { type: 'run-end'; result: RunResult }
  /** A line from the suite while it prepares its fixtures. */
  | { type: 'note'; message: string };

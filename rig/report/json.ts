/**
 * The JSON run report, schema `suitrig-run-report` version 1 (documented field by field in
 * rig/report/README.md). Versioned so CI tooling can rely on it: fields are only added within a
 * version; a rename or removal bumps it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../host/paths.js';
import type { Decision } from '../dut/types.js';
import type { ExpectedDecision } from '../suites/api.js';
import { runPassed, totalsOf, type CaseResult, type RunResult, type StepResult } from '../runner/result.js';

export const REPORT_SCHEMA = 'suitrig-run-report';
export const REPORT_VERSION = 1;

export interface ReportContext {
  tool: { name: string; version: string };
  /** Paths of the other reports written for this run, for cross-reference. */
  junitPath?: string;
}

/** The tool as reports name it: suitrig at its package version. */
export function suitrigTool(): ReportContext['tool'] {
  try {
    return { name: 'suitrig', version: (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version };
  } catch {
    return { name: 'suitrig', version: 'unknown' };
  }
}

export type JsonDecision = { kind: 'accept' } | { kind: 'reject'; reason: string; detail?: string };
export type JsonExpectedDecision = { kind: 'accept' } | { kind: 'reject'; reasons: string[] };

const ms = (x: number) => Math.round(x);

function expectedDecision(d: ExpectedDecision): JsonExpectedDecision {
  return d === 'accept' ? { kind: 'accept' } : { kind: 'reject', reasons: [...d.reject] };
}

function decision(d: Decision): JsonDecision {
  return d.kind === 'accept' ? { kind: 'accept' } : { kind: 'reject', reason: d.reason, ...(d.detail !== undefined ? { detail: d.detail } : {}) };
}

function step(s: StepResult) {
  return { name: s.name, outcome: s.outcome, durationMs: ms(s.durationMs), ...(s.message !== undefined ? { message: s.message } : {}) };
}

function caseJson(c: CaseResult) {
  return {
    id: c.id,
    title: c.title,
    tags: c.tags,
    seed: c.seed,
    outcome: c.outcome,
    ...(c.message !== undefined ? { message: c.message } : {}),
    ...(c.failedStep !== undefined ? { failedStep: c.failedStep } : {}),
    startedAt: c.startedAt,
    durationMs: ms(c.durationMs),
    expected: {
      ...(c.expected.decision !== undefined ? { decision: expectedDecision(c.expected.decision) } : {}),
      ...(c.expected.boot !== undefined ? { boot: c.expected.boot } : {}),
    },
    actual: {
      ...(c.actual.decision ? { decision: decision(c.actual.decision), decidedBy: c.actual.source } : {}),
      ...(c.actual.predicted ? { predicted: decision(c.actual.predicted) } : {}),
      ...(c.actual.boot ? { boot: c.actual.boot } : {}),
    },
    steps: c.steps.map(step),
    cleanup: c.cleanup.map(step),
    ...(c.transfers ? { transfers: c.transfers.map((t) => ({ ...t, ms: ms(t.ms), atMs: ms(t.atMs) })) } : {}),
    ...(c.attempts !== undefined ? { attempts: c.attempts } : {}),
    ...(c.flaky ? { flaky: true } : {}),
    ...(c.retriedFailures?.length ? { retriedFailures: c.retriedFailures } : {}),
  };
}

export function toJsonReport(r: RunResult, ctx: ReportContext) {
  return {
    schema: REPORT_SCHEMA,
    version: REPORT_VERSION,
    tool: ctx.tool,
    suite: r.suite,
    seed: r.seed,
    startedAt: r.startedAt,
    durationMs: ms(r.durationMs),
    result: runPassed(r) ? 'passed' : 'failed',
    totals: r.totals,
    logDir: r.logDir,
    ...(ctx.junitPath ? { junitPath: ctx.junitPath } : {}),
    boards: r.boards.map((b) => ({
      name: b.name,
      target: b.target,
      seed: b.seed,
      status: b.status,
      ...(b.message !== undefined ? { message: b.message } : {}),
      ...(b.description !== undefined ? { description: b.description } : {}),
      logPath: b.logPath,
      startedAt: b.startedAt,
      durationMs: ms(b.durationMs),
      totals: totalsOf([b]),
      cases: b.cases.map(caseJson),
    })),
  };
}

export type JsonReport = ReturnType<typeof toJsonReport>;

/**
 * The terminal summary of a run: one aligned row per board and case, the failures spelled out
 * below the table (what the board did, what was expected), one line per board with its log,
 * and the totals with the seed to replay the run.
 */
import type { CaseOutcome, RunResult } from '../runner/result.js';
import type { Paint } from './colour.js';
import { renderTable, terminalSafe as safe } from './text-table.js';

export function outcomeLabel(o: CaseOutcome, paint: Paint): string {
  switch (o) {
    case 'passed':
      return paint.green('ok');
    case 'failed':
      return paint.red('FAIL');
    case 'error':
      return paint.red('ERROR');
    case 'not-applicable':
      return paint.yellow('n/a');
  }
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms.toFixed(0)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function renderSummary(r: RunResult, paint: Paint): string {
  const out: string[] = [];
  out.push(paint.bold(safe(`suite ${r.suite.name}: ${r.suite.title}`)));
  const rows: string[][] = [['BOARD', 'CASE', 'RESULT', 'TIME', 'TITLE']];
  for (const b of r.boards) {
    for (const c of b.cases) rows.push([b.name, c.id, `${outcomeLabel(c.outcome, paint)}${c.flaky ? paint.yellow(` flaky (${c.attempts} attempts)`) : ''}`, c.durationMs > 0 ? formatDuration(c.durationMs) : '-', safe(c.title)]);
  }
  out.push(renderTable(rows, { right: [3] }));
  const problems = r.boards.flatMap((b) => b.cases.filter((c) => c.outcome !== 'passed').map((c) => ({ b, c })));
  if (problems.length > 0) {
    out.push('', paint.bold('not passed:'));
    for (const { b, c } of problems) out.push(`  ${outcomeLabel(c.outcome, paint)} ${b.name} ${c.id}: ${safe(c.message ?? '')}`);
  }
  out.push('', paint.bold('boards:'));
  for (const b of r.boards) {
    const passed = b.cases.filter((c) => c.outcome === 'passed').length;
    const status = b.status === 'completed' ? 'completed' : paint.red(b.status);
    out.push(`  ${b.name}: ${passed}/${b.cases.length} passed, ${status}${b.message ? ` (${safe(b.message)})` : ''}; log ${b.logPath}`);
  }
  const t = r.totals;
  const counts = [
    `${t.passed} passed`,
    (t.failed > 0 ? paint.red : (s: string) => s)(`${t.failed} failed`),
    (t.error > 0 ? paint.red : (s: string) => s)(`${t.error} error${t.error === 1 ? '' : 's'}`),
    `${t.notApplicable} not applicable`,
  ];
  out.push('', `${counts.join(', ')} in ${formatDuration(r.durationMs)}; seed ${r.seed} (replay with --seed ${r.seed})`);
  return out.join('\n') + '\n';
}

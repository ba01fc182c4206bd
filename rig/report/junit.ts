/**
 * JUnit XML for CI (the Ant/Jenkins JUnit format that GitLab, GitHub test reporters, Jenkins and
 * Azure DevOps read): one <testsuite> per board, one <testcase> per case. Failed cases carry
 * <failure> (the board did something else) or <error> (the case could not be judged), with the
 * message; not-applicable cases are <skipped> with the reason. Step timings are testcase
 * properties and a table in <system-out>, which also links the board's log file
 * (`[[ATTACHMENT|path]]`, the convention Jenkins and GitLab show as an attachment). A case that
 * passed on a retry carries the property `flaky` and its failed attempts as <flakyFailure>.
 */
import type { BoardResult, CaseResult, RunResult } from '../runner/result.js';
import { totalsOf } from '../runner/result.js';
import { describeDecision, describeExpected } from '../runner/verdict.js';
import { element, xmlText } from './xml.js';

const seconds = (ms: number) => (ms / 1000).toFixed(3);
/** Ant's schema: xs:dateTime without a zone (UTC here), no fraction. */
const timestamp = (iso: string) => iso.replace(/\.\d+Z$|Z$/, '');

function stepTable(c: CaseResult): string {
  const rows = [...c.steps, ...c.cleanup.map((s) => ({ ...s, name: `cleanup: ${s.name}` }))];
  const width = Math.max(4, ...rows.map((s) => s.name.length));
  return rows.map((s) => `  ${s.name.padEnd(width)}  ${s.outcome.padEnd(8)} ${seconds(s.durationMs).padStart(8)} s${s.message ? `  ${s.message}` : ''}`).join('\n');
}

function details(c: CaseResult): string {
  const lines = [c.message ?? ''];
  if (c.expected.decision !== undefined) lines.push(`expected decision: ${describeExpected(c.expected.decision)}`);
  if (c.actual.decision) lines.push(`actual decision: ${c.actual.source === 'host' ? 'host' : 'board'} ${describeDecision(c.actual.decision)}`);
  if (c.actual.predicted) lines.push(`host prediction: ${describeDecision(c.actual.predicted)}`);
  if (c.expected.boot) lines.push(`expected boot: ${c.expected.boot.join(' or ')}`);
  if (c.actual.boot) lines.push(`actual boot: ${c.actual.boot}`);
  lines.push(`seed: ${c.seed}`, 'steps:', stepTable(c));
  return lines.join('\n');
}

function testcase(suite: string, b: BoardResult, c: CaseResult): string {
  const props = [
    element('property', { name: 'seed', value: c.seed }),
    ...c.steps.map((s, i) => element('property', { name: `step.${i + 1}.${s.name}`, value: `${s.outcome} ${seconds(s.durationMs)} s` })),
    ...c.cleanup.map((s, i) => element('property', { name: `cleanup.${i + 1}.${s.name}`, value: `${s.outcome} ${seconds(s.durationMs)} s` })),
    ...(c.attempts !== undefined ? [element('property', { name: 'attempts', value: c.attempts })] : []),
    ...(c.flaky ? [element('property', { name: 'flaky', value: 'true' })] : []),
  ];
  const inner = [element('properties', {}, props.join(''))];
  const message = c.message ?? '';
  if (c.outcome === 'failed') inner.push(element('failure', { message, type: 'failed' }, xmlText(details(c))));
  else if (c.outcome === 'error') inner.push(element('error', { message, type: 'error' }, xmlText(details(c))));
  else if (c.outcome === 'not-applicable') inner.push(element('skipped', { message }));
  // A case that passed on a retry: its failed attempts as Maven Surefire's <flakyFailure> (Jenkins shows them; other readers skip them).
  if (c.outcome === 'passed') for (const f of c.retriedFailures ?? []) inner.push(element('flakyFailure', { message: f, type: 'flaky' }));
  inner.push(element('system-out', {}, xmlText(`steps:\n${stepTable(c)}\nlog: ${b.logPath}\n[[ATTACHMENT|${b.logPath}]]\n`)));
  return element('testcase', { classname: `${suite}.${b.name}`, name: `${c.id}: ${c.title}`, time: seconds(c.durationMs) }, inner.join(''));
}

function testsuite(r: RunResult, b: BoardResult, id: number): string {
  const t = totalsOf([b]);
  const props = [
    element('property', { name: 'seed', value: r.seed }),
    element('property', { name: 'board.seed', value: b.seed }),
    element('property', { name: 'board.target', value: `${b.target.url}${b.target.usb ? ` (${b.target.usb})` : ''}, ${b.target.baud} baud` }),
    element('property', { name: 'board.status', value: b.status }),
    ...(b.message ? [element('property', { name: 'board.message', value: b.message })] : []),
    ...(b.description ? [element('property', { name: 'board.description', value: b.description })] : []),
    element('property', { name: 'log', value: b.logPath }),
  ];
  const body = [element('properties', {}, props.join('')), ...b.cases.map((c) => testcase(r.suite.name, b, c))];
  if (b.message) body.push(element('system-err', {}, xmlText(b.message + '\n')));
  return element(
    'testsuite',
    {
      name: `${r.suite.name} on ${b.name}`,
      id,
      package: `suitrig.${r.suite.name}`,
      hostname: b.name,
      tests: t.cases,
      failures: t.failed,
      errors: t.error,
      skipped: t.notApplicable,
      time: seconds(b.durationMs),
      timestamp: timestamp(b.startedAt),
    },
    body.join('\n'),
  );
}

export function toJUnitXml(r: RunResult): string {
  const suites = r.boards.map((b, i) => testsuite(r, b, i));
  const root = element(
    'testsuites',
    { name: `suitrig ${r.suite.name} (seed ${r.seed})`, tests: r.totals.cases, failures: r.totals.failed, errors: r.totals.error, skipped: r.totals.notApplicable, time: seconds(r.durationMs), timestamp: timestamp(r.startedAt) },
    '\n' + suites.join('\n') + '\n',
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n${root}\n`;
}

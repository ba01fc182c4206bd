/**
 * Judges a case on what its steps observed: the board's decision against the expected one
 * (and the host's prediction, when there is one), and the boot outcome. A mismatch message says
 * what the board did and what was expected, e.g. "expected reject (rollback), board accepted".
 */
import type { BootOutcome, Decision } from '../dut/types.js';
import type { ExpectedDecision, Expectation, Observations } from '../suites/api.js';

export function describeExpected(d: ExpectedDecision): string {
  if (d === 'accept') return 'accept';
  return d.reject.length === 0 ? 'reject (any reason)' : `reject (${d.reject.join(' or ')})`;
}

export function describeDecision(d: Decision): string {
  return d.kind === 'accept' ? 'accepted' : `rejected it (${d.reason}${d.detail ? `: ${d.detail}` : ''})`;
}

function meets(expected: ExpectedDecision, d: Decision): boolean {
  if (expected === 'accept') return d.kind === 'accept';
  return d.kind === 'reject' && (expected.reject.length === 0 || expected.reject.includes(d.reason));
}

export function bootList(boot: Expectation['boot']): BootOutcome[] | undefined {
  if (boot === undefined) return undefined;
  return typeof boot === 'string' ? [boot] : [...boot];
}

/** A case's expectation as results record it. */
export function expectedOf(expect: Expectation): { decision?: ExpectedDecision; boot?: BootOutcome[] } {
  const boot = bootList(expect.boot);
  return { ...(expect.decision !== undefined ? { decision: expect.decision } : {}), ...(boot ? { boot } : {}) };
}

/** Every way the observations miss the expectation; empty when the case passes. */
export function judge(expect: Expectation, seen: Observations): string[] {
  const problems: string[] = [];
  const actual = seen.decision;
  const who = actual?.source === 'host' ? 'the host (the board has no SUIT group and did not verify the manifest itself)' : 'board';
  if (expect.decision !== undefined) {
    if (!actual) problems.push(`expected ${describeExpected(expect.decision)}, but no step observed a decision`);
    else if (!meets(expect.decision, actual.decision)) {
      const wrongReason = expect.decision !== 'accept' && actual.decision.kind === 'reject';
      problems.push(`expected ${describeExpected(expect.decision)}, ${who} ${wrongReason ? `rejected it for another reason (${(actual.decision as { reason: string }).reason})` : describeDecision(actual.decision)}`);
    }
  }
  if (seen.predicted && actual && seen.predicted.kind !== actual.decision.kind) {
    problems.push(`${who} ${describeDecision(actual.decision)}, but the host verifier predicted it would be ${seen.predicted.kind === 'accept' ? 'accepted' : `rejected (${seen.predicted.reason})`}`);
  }
  if (seen.predicted && expect.decision !== undefined && !meets(expect.decision, seen.predicted)) {
    problems.push(`the host verifier predicts ${seen.predicted.kind === 'accept' ? 'accept' : `reject (${seen.predicted.reason})`} but the case expects ${describeExpected(expect.decision)}: the case or the verifier is wrong`);
  }
  const boots = bootList(expect.boot);
  if (boots) {
    if (seen.boot === undefined) problems.push(`expected boot outcome ${boots.join(' or ')}, but no step read the boot status`);
    else if (!boots.includes(seen.boot)) problems.push(`expected boot outcome ${boots.join(' or ')}, board reports ${seen.boot}`);
  }
  return problems;
}

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
  return d.kind === 'accept' ? 'accepted' : `rejected it (${reasonText(d)})`;
}

function reasonText(d: Decision & { kind: 'reject' }): string {
  return `${d.reason}${d.detail ? `: ${d.detail}` : ''}`;
}

/** An expected rejection names the report's reason (`unauthorised`) or the failed check (`rollback`). */
function meets(expected: ExpectedDecision, d: Decision): boolean {
  if (expected === 'accept') return d.kind === 'accept';
  return d.kind === 'reject' && (expected.reject.length === 0 || expected.reject.includes(d.reason) || (d.detail !== undefined && expected.reject.includes(d.detail)));
}

/** `accept and boot updated`, for messages of failed steps. */
export function describeExpectation(e: Expectation): string {
  const parts: string[] = [];
  if (e.decision !== undefined) parts.push(describeExpected(e.decision));
  const boots = bootList(e.boot);
  if (boots) parts.push(`boot outcome ${boots.join(' or ')}`);
  return parts.join(' and ');
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

/**
 * Every way the observations miss the expectation; empty when the case passes. `decisionOnly`:
 * only what concerns the decision and the prediction (for a case a step already failed).
 */
export function judge(expect: Expectation, seen: Observations, o: { decisionOnly?: boolean } = {}): string[] {
  const problems: string[] = [];
  const actual = seen.decision;
  const who = actual?.source === 'host' ? 'the host (the board has no SUIT group and did not verify the manifest itself)' : 'board';
  if (expect.decision !== undefined) {
    if (!actual) problems.push(`expected ${describeExpected(expect.decision)}, but no step observed a decision`);
    else if (!meets(expect.decision, actual.decision)) {
      const wrongReason = expect.decision !== 'accept' && actual.decision.kind === 'reject';
      problems.push(`expected ${describeExpected(expect.decision)}, ${who} ${wrongReason ? `rejected it for another reason (${reasonText(actual.decision as Decision & { kind: 'reject' })})` : describeDecision(actual.decision)}`);
    }
  }
  const p = seen.predicted;
  if (p && actual) {
    const a = actual.decision;
    if (p.kind !== a.kind) problems.push(`${who} ${describeDecision(a)}, but the host verifier predicted it would be ${p.kind === 'accept' ? 'accepted' : `rejected (${reasonText(p)})`}`);
    else if (p.kind === 'reject' && a.kind === 'reject' && (p.reason !== a.reason || p.detail !== a.detail)) {
      problems.push(`${who} rejected it (${reasonText(a)}), but the host verifier predicted another reason (${reasonText(p)})`);
    }
  }
  if (p && expect.decision !== undefined && !meets(expect.decision, p)) {
    problems.push(`the host verifier predicts ${p.kind === 'accept' ? 'accept' : `reject (${reasonText(p)})`} but the case expects ${describeExpected(expect.decision)}: the case or the verifier is wrong`);
  }
  const boots = bootList(expect.boot);
  if (boots && !o.decisionOnly) {
    if (seen.boot === undefined) problems.push(`expected boot outcome ${boots.join(' or ')}, but no step read the boot status`);
    else if (!boots.includes(seen.boot)) problems.push(`expected boot outcome ${boots.join(' or ')}, board reports ${seen.boot}`);
  }
  return problems;
}

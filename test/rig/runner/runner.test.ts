import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ResolvedBoard } from '../../../rig/lab/resolve.js';
import type { DutProvider } from '../../../rig/dut/provider.js';
import type { RunEvent } from '../../../rig/runner/events.js';
import { runSuite, selectCases, type RunOptions } from '../../../rig/runner/runner.js';
import type { CaseResult, RunResult } from '../../../rig/runner/result.js';
import { deriveSeed } from '../../../rig/runner/seed.js';
import { defineCase, defineSuite, type Predictor } from '../../../rig/suites/api.js';
import { readStatus, reset } from '../../../rig/suites/steps.js';
import { demoSuite } from '../helpers/demo-suite.js';
import { FakeDut, fakeProvider, type FakeBoardConfig } from '../helpers/fake-dut.js';
import { tempDir } from '../helpers/lab-files.js';

function board(name: string): ResolvedBoard {
  return { name, target: { kind: 'tcp', url: `tcp://127.0.0.1:${4000 + name.length}`, host: '127.0.0.1', port: 4000 + name.length, baud: 115200 } };
}

async function run(configs: Record<string, FakeBoardConfig>, extra: Partial<RunOptions> = {}) {
  const { provider, opened } = fakeProvider(configs);
  const events: RunEvent[] = [];
  const result = await runSuite({
    suite: demoSuite,
    boards: Object.keys(configs).map(board),
    provider,
    seed: 1234,
    logDir: tempDir('suitrig-logs-'),
    onEvent: (e) => events.push(e),
    ...extra,
  });
  return { result, opened, events };
}

const byId = (r: RunResult, boardName: string) => new Map(r.boards.find((b) => b.name === boardName)!.cases.map((c) => [c.id, c]));

describe('runner: a suite on boards in parallel', () => {
  it('passes every case on a good board; power cases are not applicable without power control, with the reason', async () => {
    const { result } = await run({ good: {} });
    const cases = byId(result, 'good');
    for (const id of ['trusted-update', 'untrusted-signer', 'rollback-refused', 'crash-reverted', 'corrupt-payload']) {
      expect({ id, outcome: cases.get(id)!.outcome, message: cases.get(id)!.message }).toEqual({ id, outcome: 'passed', message: undefined });
    }
    expect(cases.get('power-cycle')).toMatchObject({ outcome: 'not-applicable', message: 'not applicable: needs power control; the lab file gives the board no power: on/off commands' });
    expect(result.totals).toEqual({ cases: 6, passed: 5, failed: 0, error: 0, notApplicable: 1 });
    const t = cases.get('trusted-update')!;
    expect(t.actual).toEqual({ decision: { kind: 'accept' }, source: 'board', boot: 'updated' });
    expect(t.expected).toEqual({ decision: 'accept', boot: ['updated'] });
    expect(t.steps.map((s) => [s.name, s.outcome])).toEqual([
      ['deliver envelope', 'passed'],
      ['supply payloads', 'passed'],
      ['reset', 'passed'],
      ['read status', 'passed'],
    ]);
    expect(t.cleanup).toEqual([expect.objectContaining({ name: 'restore known-good', outcome: 'passed', message: 'restored known-good 1.0.0' })]);
    expect(cases.get('rollback-refused')!.steps[0]).toMatchObject({ name: 'setup', outcome: 'passed' });
  });

  it('each broken board fails exactly the matching case, saying what the board did and what was expected', async () => {
    const { result } = await run({ good: {}, 'accepts-rollback': { quirks: ['accept-rollback'] }, 'never-reverts': { quirks: ['never-revert'] }, powered: { has: { power: true } } });
    const failed = (name: string) => result.boards.find((b) => b.name === name)!.cases.filter((c) => c.outcome === 'failed').map((c) => [c.id, c.message]);
    expect(failed('good')).toEqual([]);
    expect(failed('powered')).toEqual([]);
    expect(byId(result, 'powered').get('power-cycle')!.outcome).toBe('passed');
    expect(failed('accepts-rollback')).toEqual([['rollback-refused', 'expected reject (rollback), board accepted']]);
    expect(failed('never-reverts')).toEqual([['crash-reverted', 'expected boot outcome reverted, board reports recovery']]);
  });

  it('a step that overruns fails its case with a clear message, and the runner moves on', async () => {
    const { result, opened } = await run({ hangs: { resetHangs: true } }, { stepTimeoutMs: 100 });
    const cases = byId(result, 'hangs');
    expect(cases.get('trusted-update')).toMatchObject({ outcome: 'failed', message: "step 'reset': step 'reset' overran its 100 ms timeout; the case expects accept and boot outcome updated" });
    expect(cases.get('trusted-update')!.steps.map((s) => s.outcome)).toEqual(['passed', 'passed', 'timeout', 'not-run']);
    expect(cases.get('crash-reverted')!.outcome).toBe('failed');
    // cases without a reset still pass, and every case was cleaned up
    expect(cases.get('untrusted-signer')!.outcome).toBe('passed');
    expect(opened.get('hangs')!.ops.filter((o) => o === 'restore')).toHaveLength(5);
    expect(result.boards[0]!.status).toBe('completed');
  });

  it('a board that stops answering fails that case with the reason; its other cases are not run; other boards go on', async () => {
    // op 1 deliver, 2 payload, 3 reset, 4 status, 5 restore; the board dies at op 7 (second case's deliver)
    const { result } = await run({ dies: { diesAtOp: 7 }, good: {} });
    const dies = result.boards.find((b) => b.name === 'dies')!;
    expect(dies.status).toBe('lost');
    expect(dies.message).toMatch(/^board dies was lost in case untrusted-signer: restoring the known-good image after case untrusted-signer failed: board stopped answering/);
    const cases = byId(result, 'dies');
    expect(cases.get('trusted-update')!.outcome).toBe('passed');
    expect(cases.get('untrusted-signer')!.outcome).toBe('failed');
    expect(cases.get('untrusted-signer')!.message).toMatch(/step 'deliver envelope': board stopped answering: no answer to deliver within 2000 ms \(port closed\); the case expects reject \(unauthorised\) and boot outcome unchanged; restoring the known-good image after case untrusted-signer failed/);
    for (const id of ['rollback-refused', 'crash-reverted', 'corrupt-payload', 'power-cycle']) {
      expect(cases.get(id)).toMatchObject({ outcome: 'error', message: 'not run: board dies was lost in case untrusted-signer' });
    }
    expect(result.boards.find((b) => b.name === 'good')!.cases.filter((c) => c.outcome === 'passed')).toHaveLength(5);
  });

  it('a board that cannot be opened is reported unavailable, with every case errored, and the others run', async () => {
    const { result } = await run({ absent: { openFails: 'cannot open /dev/ttyACM7: no such file' }, good: {} });
    const absent = result.boards.find((b) => b.name === 'absent')!;
    expect(absent.status).toBe('unavailable');
    expect(absent.message).toBe('could not open board absent: cannot open /dev/ttyACM7: no such file');
    expect(absent.cases.every((c) => c.outcome === 'error' && c.message === `not run: ${absent.message}`)).toBe(true);
    expect(result.totals.passed).toBe(5);
  });

  it('a board whose open overruns its deadline is reported unavailable, and closed once the late open succeeds', async () => {
    const inner = fakeProvider({}).provider;
    let late: FakeDut | undefined;
    const provider: DutProvider = {
      cannotDrive: () => undefined,
      async open(b, ctx) {
        await new Promise((r) => setTimeout(r, 150)); // ignores ctx.signal, as a slow port or process start may
        return (late = (await inner.open(b, ctx)) as FakeDut);
      },
    };
    const result = await runSuite({ suite: demoSuite, boards: [board('slow')], provider, seed: 1, logDir: tempDir(), openTimeoutMs: 30, cases: ['trusted-update'] });
    expect(result.boards[0]).toMatchObject({ status: 'unavailable', message: 'could not open board slow: opening board slow overran its 30 ms timeout' });
    await expect.poll(() => late?.closed, { timeout: 2_000 }).toBe(true);
    expect(late!.ops).toEqual([]);
  });

  it('flags a board that decides otherwise than the host predicted, and a case the verifier disagrees with', async () => {
    const alwaysAccept: Predictor = { predict: async () => ({ kind: 'accept' }) };
    const { result } = await run({ good: {} }, { predictor: alwaysAccept, cases: ['untrusted-signer', 'trusted-update'] });
    const cases = byId(result, 'good');
    expect(cases.get('trusted-update')!.outcome).toBe('passed');
    expect(cases.get('trusted-update')!.actual.predicted).toEqual({ kind: 'accept' });
    expect(cases.get('untrusted-signer')!.message).toBe(
      'board rejected it (unauthorised: signer mallory is not trusted), but the host verifier predicted it would be accepted; ' +
        'the host verifier predicts accept but the case expects reject (unauthorised): the case or the verifier is wrong',
    );
  });

  it('runs at most --jobs boards at once, one worker per board', async () => {
    let open = 0;
    let peak = 0;
    const inner = fakeProvider({}).provider;
    const provider: DutProvider = {
      cannotDrive: () => undefined,
      async open(b, ctx) {
        open++;
        peak = Math.max(peak, open);
        await new Promise((r) => setTimeout(r, 20));
        const dut = (await inner.open(b, ctx)) as FakeDut;
        const close = dut.close.bind(dut);
        dut.close = async () => {
          open--;
          await close();
        };
        return dut;
      },
    };
    const result = await runSuite({ suite: demoSuite, boards: ['a', 'b', 'c', 'd', 'e'].map(board), provider, seed: 1, logDir: tempDir(), jobs: 2, cases: ['trusted-update'] });
    expect(peak).toBe(2);
    expect(result.boards.map((b) => b.name)).toEqual(['a', 'b', 'c', 'd', 'e']);
    const all = await runSuite({ suite: demoSuite, boards: ['a', 'b', 'c', 'd'].map(board), provider, seed: 1, logDir: tempDir(), cases: ['trusted-update'] });
    expect(all.totals.passed).toBe(4);
    expect(peak).toBe(4);
  });

  it('derives per-board, per-case seeds from the run seed, independent of which boards run', async () => {
    const a = (await run({ x: {}, y: {} })).result;
    const b = (await run({ y: {} })).result;
    const seeds = (r: RunResult, name: string) => r.boards.find((x) => x.name === name)!.cases.map((c: CaseResult) => c.seed);
    expect(seeds(a, 'y')).toEqual(seeds(b, 'y'));
    expect(seeds(a, 'x')).not.toEqual(seeds(a, 'y'));
    expect(seeds(a, 'y')[0]).toBe(deriveSeed(1234, 'y', 'trusted-update'));
    expect(new Set(seeds(a, 'x')).size).toBe(6);
    expect(a.seed).toBe(1234);
    expect(a.boards.find((x) => x.name === 'y')!.seed).toBe(deriveSeed(1234, 'y'));
  });

  it('writes a per-board log with steps, console lines, SMP summaries and timings', async () => {
    const { result, events } = await run({ good: {} }, { cases: ['trusted-update'] });
    const log = readFileSync(result.boards[0]!.logPath, 'utf8');
    expect(result.boards[0]!.logPath).toBe(join(result.logDir, 'good.log'));
    expect(log).toMatch(/^ +\d+\.\d{3} run +suite demo, board good \(tcp:\/\/127\.0\.0\.1:4004, 115200 baud\), run seed 1234, board seed \d+$/m);
    expect(log).toMatch(/case +trusted-update: trusted author, valid update: installed, booted, confirmed \(seed \d+\)/);
    expect(log).toMatch(/smp +SUIT envelope upload \d+ B/);
    expect(log).toMatch(/step +deliver envelope: ok \(\d+ ms\)/);
    expect(log).toMatch(/console +\*\*\* Booting fake app v1\.1\.0 \(boot 2\) \*\*\*/);
    expect(log).toMatch(/cleanup +restored known-good 1\.0\.0/);
    expect(log).toMatch(/result +trusted-update: passed/);
    expect(events.map((e) => e.type)).toEqual(['run-start', 'note', 'board-start', 'board-open', 'case-start', 'step-start', 'step-start', 'step-start', 'step-start', 'step-start', 'case-end', 'board-end', 'run-end']);
  });

  it('an interrupted run cleans up the running case and does not start the others', async () => {
    const controller = new AbortController();
    const slow = defineSuite({
      name: 'slow',
      title: 'slow',
      cases: [
        defineCase({ id: 'one', title: 'one', steps: [{ name: 'wait', run: (ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))) }], expect: { boot: 'unchanged' } }),
        defineCase({ id: 'two', title: 'two', steps: [reset(), readStatus()], expect: { boot: 'unchanged' } }),
      ],
    });
    const { provider, opened } = fakeProvider({});
    const pending = runSuite({ suite: slow, boards: [board('b')], provider, seed: 1, logDir: tempDir(), signal: controller.signal, onEvent: (e) => e.type === 'step-start' && controller.abort() });
    const result = await pending;
    expect(result.boards[0]!.status).toBe('interrupted');
    expect(result.boards[0]!.cases.map((c) => [c.id, c.outcome, c.message])).toEqual([
      ['one', 'error', "step 'wait': step 'wait' interrupted"],
      ['two', 'error', 'not run: the run was interrupted'],
    ]);
    expect(opened.get('b')!.ops).toEqual(['restore']);
    expect(opened.get('b')!.closed).toBe(true);
  });

  it('reports unknown --case ids and broken suite preparation', async () => {
    expect(() => selectCases(demoSuite, ['nope'])).toThrow(/suite demo has no case 'nope'; its cases: trusted-update, /);
    const broken = defineSuite({ ...demoSuite, name: 'broken', prepare: async () => Promise.reject(new Error('no keys')) });
    await expect(runSuite({ suite: broken, boards: [board('b')], provider: fakeProvider().provider, seed: 1, logDir: tempDir() })).rejects.toThrow(/suite broken: preparing its fixtures failed: no keys/);
  });
});

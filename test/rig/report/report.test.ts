import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { paintFor } from '../../../rig/report/colour.js';
import { REPORT_SCHEMA, REPORT_VERSION, toJsonReport } from '../../../rig/report/json.js';
import { toJUnitXml } from '../../../rig/report/junit.js';
import { caseListProgress, liveProgress, plainProgress } from '../../../rig/report/progress.js';
import { renderSummary } from '../../../rig/report/summary.js';
import { xmlAttr, xmlText } from '../../../rig/report/xml.js';
import type { RunEvent } from '../../../rig/runner/events.js';
import type { RunResult } from '../../../rig/runner/result.js';
import { runSuite } from '../../../rig/runner/runner.js';
import { defineCase, defineSuite } from '../../../rig/suites/api.js';
import { CaseFailure } from '../../../rig/suites/steps.js';
import { demoSuite, type DemoFixtures } from '../helpers/demo-suite.js';
import { fakeProvider } from '../helpers/fake-dut.js';
import { tempDir } from '../helpers/lab-files.js';
import { children, parseXml, type XmlElement } from '../helpers/xml-parse.js';

const NASTY = `<b>&"quoted" 'single' ]]> bell\u0007 tab\tnew\nline \ud800 ok`;
const NASTY_READ = NASTY.replace('\u0007', '\ufffd').replace('\ud800', '\ufffd');

const suite = defineSuite<DemoFixtures>({
  ...demoSuite,
  cases: [
    ...demoSuite.cases,
    defineCase<DemoFixtures>({
      id: 'nasty-text',
      title: `title with ${NASTY}`,
      steps: [
        {
          name: 'complain',
          async run() {
            throw new CaseFailure(NASTY);
          },
        },
      ],
      expect: { boot: 'unchanged' },
    }),
  ],
});

let result: RunResult;
const events: RunEvent[] = [];

beforeAll(async () => {
  const { provider } = fakeProvider({ good: {}, 'accepts-rollback': { quirks: ['accept-rollback'] }, dies: { diesAtOp: 3 } });
  result = await runSuite({
    suite,
    boards: ['good', 'accepts-rollback', 'dies'].map((name) => ({ name, target: { kind: 'serial' as const, url: `/dev/${name}`, path: `/dev/${name}`, baud: 115200, usb: { serial: '42' } } })),
    provider,
    seed: 99,
    logDir: tempDir('suitrig-report-'),
    onEvent: (e) => events.push(e),
  });
});

describe('JUnit XML', () => {
  let root: XmlElement;
  beforeAll(() => {
    root = parseXml(toJUnitXml(result));
  });

  it('is well-formed, one testsuite per board and one testcase per case, with consistent counts', () => {
    expect(root.name).toBe('testsuites');
    const suites = children(root, 'testsuite');
    expect(suites.map((s) => s.attrs['hostname'])).toEqual(['good', 'accepts-rollback', 'dies']);
    let sum = { tests: 0, failures: 0, errors: 0, skipped: 0 };
    for (const s of suites) {
      const cases = children(s, 'testcase');
      expect(cases).toHaveLength(suite.cases.length);
      const count = (n: string) => cases.filter((c) => children(c, n).length > 0).length;
      expect({ tests: +s.attrs['tests']!, failures: +s.attrs['failures']!, errors: +s.attrs['errors']!, skipped: +s.attrs['skipped']! }).toEqual({
        tests: cases.length,
        failures: count('failure'),
        errors: count('error'),
        skipped: count('skipped'),
      });
      sum = { tests: sum.tests + cases.length, failures: sum.failures + count('failure'), errors: sum.errors + count('error'), skipped: sum.skipped + count('skipped') };
      expect(s.attrs['timestamp']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
      expect(s.attrs['time']).toMatch(/^\d+\.\d{3}$/);
      const props = Object.fromEntries(children(children(s, 'properties')[0]!, 'property').map((p) => [p.attrs['name'], p.attrs['value']]));
      expect(props['seed']).toBe('99');
      expect(props['log']).toMatch(new RegExp(`${s.attrs['hostname']}\\.log$`));
      expect(props['board.target']).toBe(`/dev/${s.attrs['hostname']} (serial 42), 115200 baud`);
    }
    expect({ tests: +root.attrs['tests']!, failures: +root.attrs['failures']!, errors: +root.attrs['errors']!, skipped: +root.attrs['skipped']! }).toEqual(sum);
    expect(sum.failures).toBeGreaterThan(0);
    expect(sum.errors).toBeGreaterThan(0);
    expect(sum.skipped).toBeGreaterThan(0);
  });

  it('says what failed, marks not-applicable cases skipped with the reason, and carries step timings and the log', () => {
    const [good, rollback] = children(root, 'testsuite');
    const tc = (s: XmlElement, id: string) => children(s, 'testcase').find((c) => c.attrs['name']!.startsWith(`${id}: `))!;
    const failure = children(tc(rollback!, 'rollback-refused'), 'failure')[0]!;
    expect(failure.attrs['message']).toBe('expected reject (rollback), board accepted');
    expect(failure.text).toMatch(/expected decision: reject \(rollback\)\nactual decision: board accepted\nexpected boot: unchanged\nactual boot: unchanged\nseed: \d+\nsteps:\n {2}setup +passed/);
    const skipped = children(tc(good!, 'power-cycle'), 'skipped')[0]!;
    expect(skipped.attrs['message']).toMatch(/^not applicable: needs power control/);
    const ok = tc(good!, 'trusted-update');
    expect(ok.attrs['classname']).toBe('demo.good');
    expect(ok.attrs['time']).toMatch(/^\d+\.\d{3}$/);
    expect(children(ok, 'failure').concat(children(ok, 'error'), children(ok, 'skipped'))).toEqual([]);
    const props = children(children(ok, 'properties')[0]!, 'property').map((p) => `${p.attrs['name']}=${p.attrs['value']}`);
    expect(props).toEqual([
      expect.stringMatching(/^seed=\d+$/),
      expect.stringMatching(/^step\.1\.deliver envelope=passed \d+\.\d{3} s$/),
      expect.stringMatching(/^step\.2\.supply payloads=passed /),
      expect.stringMatching(/^step\.3\.reset=passed /),
      expect.stringMatching(/^step\.4\.read status=passed /),
      expect.stringMatching(/^cleanup\.1\.restore known-good=passed /),
    ]);
    const out = children(ok, 'system-out')[0]!.text;
    expect(out).toMatch(/^steps:\n {2}deliver envelope +passed +\d+\.\d{3} s\n/);
    expect(out).toContain(`[[ATTACHMENT|${result.boards[0]!.logPath}]]`);
  });

  it('errors for a board that stopped answering name the board and the reason', () => {
    const dies = children(root, 'testsuite')[2]!;
    const props = Object.fromEntries(children(children(dies, 'properties')[0]!, 'property').map((p) => [p.attrs['name'], p.attrs['value']]));
    expect(props['board.status']).toBe('lost');
    expect(children(dies, 'system-err')[0]!.text).toMatch(/board dies was lost in case trusted-update: .*board stopped answering/);
    const errored = children(dies, 'testcase').flatMap((c) => children(c, 'error'));
    expect(errored.length).toBeGreaterThan(0);
    for (const e of errored) expect(e.attrs['message']).toMatch(/board stopped answering|not run: board dies was lost in case trusted-update/);
  });

  it('escapes markup and quotes, and replaces characters XML cannot carry', () => {
    const tc = children(children(root, 'testsuite')[0]!, 'testcase').find((c) => c.attrs['name']!.startsWith('nasty-text'))!;
    expect(tc.attrs['name']).toBe(`nasty-text: title with ${NASTY_READ}`);
    const failure = children(tc, 'failure')[0]!;
    expect(failure.attrs['message']).toBe(`step 'complain': ${NASTY_READ}; the case expects boot outcome unchanged`);
    expect(failure.text.startsWith(`step 'complain': ${NASTY_READ}`)).toBe(true);
    expect(xmlText('a]]>b<&')).toBe('a]]&gt;b&lt;&amp;');
    expect(xmlAttr('\t\n\r"\'')).toBe('&#9;&#10;&#13;&quot;&apos;');
  });
});

describe('JSON report', () => {
  it('has the versioned schema, the seed, boards, cases, steps with timings, expected vs actual, log paths', () => {
    const r = JSON.parse(JSON.stringify(toJsonReport(result, { tool: { name: 'suitrig', version: '0.1.0' }, junitPath: '/x/junit.xml' })));
    expect(r).toMatchObject({ schema: REPORT_SCHEMA, version: REPORT_VERSION, tool: { name: 'suitrig' }, suite: { name: 'demo' }, seed: 99, result: 'failed', junitPath: '/x/junit.xml' });
    expect(r.totals).toEqual(result.totals);
    expect(r.boards.map((b: { name: string; status: string }) => [b.name, b.status])).toEqual([
      ['good', 'completed'],
      ['accepts-rollback', 'completed'],
      ['dies', 'lost'],
    ]);
    const rollback = r.boards[1].cases.find((c: { id: string }) => c.id === 'rollback-refused');
    expect(rollback).toMatchObject({
      outcome: 'failed',
      message: 'expected reject (rollback), board accepted',
      expected: { decision: { kind: 'reject', reasons: ['rollback'] }, boot: ['unchanged'] },
      actual: { decision: { kind: 'accept' }, decidedBy: 'board', boot: 'unchanged' },
    });
    expect(rollback.steps[0]).toEqual({ name: 'setup', outcome: 'passed', durationMs: expect.any(Number) });
    expect(Number.isInteger(rollback.durationMs)).toBe(true);
    expect(r.boards[0].logPath).toMatch(/good\.log$/);
    expect(r.boards[0].target).toEqual({ kind: 'serial', url: '/dev/good', baud: 115200, usb: 'serial 42' });
    expect(r.boards[0].totals.cases).toBe(suite.cases.length);
  });

  it('every field it emits is documented in rig/report/README.md', () => {
    const doc = readFileSync(new URL('../../../rig/report/README.md', import.meta.url), 'utf8');
    const keys = new Set<string>();
    const walk = (v: unknown) => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) (keys.add(k), walk(x));
    };
    walk(JSON.parse(JSON.stringify(toJsonReport(result, { tool: { name: 'suitrig', version: '0' }, junitPath: 'j' }))));
    const undocumented = [...keys].filter((k) => !doc.includes(`\`${k}\``));
    expect(undocumented).toEqual([]);
  });
});

describe('terminal output', () => {
  it('summary: aligned table, failures spelled out, seed to replay; plain when not a TTY', () => {
    const text = renderSummary(result, paintFor({ isTTY: false }, {}));
    expect(text).not.toMatch(/\x1b\[/);
    const lines = text.split('\n');
    const header = lines.findIndex((l) => l.startsWith('BOARD'));
    const col = lines[header]!.indexOf('RESULT');
    for (const l of lines.slice(header + 1, header + 1 + result.totals.cases)) expect(l[col - 1]).toBe(' ');
    expect(text).toContain('  FAIL accepts-rollback rollback-refused: expected reject (rollback), board accepted');
    expect(text).toMatch(/dies: 0\/7 passed, lost \(board dies was lost in case trusted-update/);
    expect(text).toMatch(/seed 99 \(replay with --seed 99\)\n$/);
  });

  it('summary: colour on a TTY, unless NO_COLOR', () => {
    expect(renderSummary(result, paintFor({ isTTY: true }, {}))).toMatch(/\x1b\[31mFAIL\x1b\[39m/);
    expect(renderSummary(result, paintFor({ isTTY: true }, { NO_COLOR: '1' }))).not.toMatch(/\x1b\[/);
  });

  it('plain progress: one line per finished case and board, machine-readable', () => {
    let out = '';
    const sink = plainProgress({ write: (s: string) => (out += s) }, paintFor({}, {}));
    for (const e of events) sink(e);
    sink.stop();
    expect(out).not.toMatch(/\x1b/);
    expect(out.split('\n')[0]).toMatch(/^run demo: 7 cases on 3 boards \(good, accepts-rollback, dies\), seed 99, logs in /);
    expect(out).toMatch(/^\[accepts-rollback\] FAIL  rollback-refused \(\d+ ms\): expected reject \(rollback\), board accepted$/m);
    expect(out).toMatch(/^\[good\] ok    trusted-update \(\d+ ms\)$/m);
    expect(out).toMatch(/^\[good\] n\/a   power-cycle \(\d+ ms\): not applicable/m);
    expect(out).toMatch(/^\[dies\] lost: 0\/7 passed/m);
    // board text cannot break lines or inject escape sequences
    expect(out).toMatch(/^\[good\] FAIL  nasty-text \(\d+ ms\): step 'complain': <b>&"quoted" 'single' \]\]> bell\ufffd tab new line \ud800 ok; the case expects boot outcome unchanged$/m);
  });

  it('live progress on a TTY redraws one line per board in place and prints failures above', () => {
    let out = '';
    let t = 0;
    const sink = liveProgress({ write: (s: string) => (out += s) }, paintFor({ isTTY: true }, {}), () => (t += 100));
    for (const e of events) sink(e);
    sink.stop();
    expect(out).toMatch(/\x1b\[4A/); // header + 3 board lines moved over
    const lastFrame = out.slice(out.lastIndexOf('\x1b[4A'));
    expect(lastFrame).toMatch(/good +\[#{20}\] +7\/7/);
    expect(lastFrame).toMatch(/dies .*\x1b\[31mlost/);
    expect(out).toMatch(/\[accepts-rollback\] .*FAIL.* rollback-refused/);
  });

  it('case list (the demo): one line per finished case with its outcome, title and time; the message below one that did not pass', () => {
    let out = '';
    const sink = caseListProgress({ write: (s: string) => (out += s), isTTY: false }, paintFor({}, {}), 40);
    for (const e of events) if (e.type === 'case-end' ? e.board !== 'dies' : e.type === 'note') sink(e);
    sink.stop();
    const lines = out.split('\n');
    expect(lines[0]).toBe('  demo: app image 256 B');
    expect(lines).toContainEqual(expect.stringMatching(/^  ok   trusted author, valid update: installed, booted, confirmed +\d+ ms$/));
    expect(lines).toContainEqual(expect.stringMatching(/^  n\/a  power cycle keeps the running image +\d+ ms$/));
    const fail = lines.findIndex((l) => /^  FAIL replay of an older manifest refused \(rollback\) +\d+ ms$/.test(l));
    expect(lines[fail + 1]).toBe('       expected reject (rollback), board accepted');
    expect(out).not.toMatch(/\x1b/);
  });
});

describe('the test XML reader itself', () => {
  it('rejects what is not well-formed XML', () => {
    for (const bad of ['<a>&</a>', '<a><b></a>', '<a x=1/>', '<a x="1" x="2"/>', '<a>\u0001</a>', '<a>&foo;</a>', '<a/><b/>', '<a x="<"/>']) {
      expect(() => parseXml(bad), bad).toThrow();
    }
    expect(parseXml('<?xml version="1.0"?>\n<a k="&lt;&#10;&#x41;">t&amp;<b/></a>')).toEqual({ name: 'a', attrs: { k: '<\nA' }, children: [{ name: 'b', attrs: {}, children: [], text: '' }], text: 't&' });
  });
});

import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dispatch } from '../../../rig/cli/dispatch.js';
import { createRunCommand } from '../../../rig/cli/commands/run.js';
import type { CliIo } from '../../../rig/cli/command.js';
import { runCli } from '../../helpers/cli.js';
import { demoSuite } from '../helpers/demo-suite.js';
import { fakeProvider, type FakeBoardConfig } from '../helpers/fake-dut.js';
import { tempDir, writeFile } from '../helpers/lab-files.js';
import { parseXml } from '../helpers/xml-parse.js';

function labDir(): string {
  const dir = tempDir('suitrig-run-');
  writeFile(dir, 'images/known-good.bin', new Uint8Array(48 * 1024));
  writeFile(
    dir,
    'rig.yaml',
    [
      'boards:',
      '  bench-a:',
      '    tags: [bench]',
      '    port: tcp://127.0.0.1:4001',
      '    known-good: images/known-good.bin',
      '  bench-b:',
      '    tags: [bench]',
      '    port: tcp://127.0.0.1:4002',
      '    reset: { method: command, command: [relay, "1", pulse] }',
      '    power: { on: relay 2 on, off: relay 2 off }',
      '  quirky:',
      '    port: virtual',
      '    virtual: { quirks: [accept-rollback] }',
    ].join('\n'),
  );
  return dir;
}

async function run(argv: string[], cwd: string, configs: Record<string, FakeBoardConfig> = {}) {
  const out = { stdout: '', stderr: '' };
  const io: CliIo = { stdout: { write: (s: string) => (out.stdout += s), isTTY: false }, stderr: { write: (s: string) => (out.stderr += s), isTTY: false }, env: {}, cwd };
  const { provider } = fakeProvider(configs);
  const code = await dispatch(argv, [createRunCommand({ suites: [demoSuite], provider })], io);
  return { code, ...out };
}

describe('suitrig run', () => {
  it('a board whose port is absent is reported unavailable with the reason; the other boards run', async () => {
    const dir = labDir();
    const r = await run(['run', 'demo', '--board', '/dev/ttyNOPE9', '--board', 'bench-a', '--seed', '3', '--json'], dir);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    const [absent, present] = report.boards;
    expect(absent).toMatchObject({ name: 'ttyNOPE9', status: 'unavailable' });
    expect(absent.message).toMatch(/^board ttyNOPE9 is not there: port \/dev\/ttyNOPE9: no such port \/dev\/ttyNOPE9\. 'suitrig ports' lists the serial ports present/);
    expect(absent.cases.every((c: { outcome: string }) => c.outcome === 'error')).toBe(true);
    expect(present.cases.filter((c: { outcome: string }) => c.outcome === 'passed').length).toBeGreaterThan(0);
    const dry = await run(['run', 'demo', '--board', '/dev/ttyNOPE9', '--dry-run'], dir);
    expect(dry.stdout).toMatch(/ttyNOPE9: \/dev\/ttyNOPE9, 115200 baud; reset: SMP reset command \(OS group\)\n  not there now, a run would report it unavailable: port \/dev\/ttyNOPE9: no such port/);
  });

  it('runs a suite on lab boards selected by tag, prints the summary and writes JUnit and JSON reports', async () => {
    const dir = labDir();
    mkdirSync(join(dir, 'out')); // outputs go to existing directories
    const r = await run(['run', 'demo', '--tag', 'bench', '--seed', '7', '--junit', 'out/junit.xml', '--report', 'out/report.json', '--logs', 'logs'], dir);
    expect(r.stderr).toMatch(/^run demo: 6 cases on 2 boards \(bench-a, bench-b\), seed 7, logs in /);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^suite demo: demo suite over the fake board\nBOARD +CASE +RESULT +TIME +TITLE\n/);
    expect(r.stdout).toMatch(/11 passed, 0 failed, 0 errors, 1 not applicable in .*; seed 7 \(replay with --seed 7\)/);
    expect(r.stdout).toContain(`reports: JUnit ${join(dir, 'out/junit.xml')}, JSON ${join(dir, 'out/report.json')}`);
    const junit = parseXml(readFileSync(join(dir, 'out/junit.xml'), 'utf8'));
    expect(junit.children.map((s) => s.attrs['name'])).toEqual(['demo on bench-a', 'demo on bench-b']);
    const report = JSON.parse(readFileSync(join(dir, 'out/report.json'), 'utf8'));
    const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
    expect(report).toMatchObject({ schema: 'suitrig-run-report', version: 1, tool: { name: 'suitrig', version }, seed: 7, result: 'passed', junitPath: join(dir, 'out/junit.xml') });
    expect(existsSync(join(dir, 'logs', 'bench-a.log'))).toBe(true);
  });

  it('--json prints only the report on stdout and exits 1 when a case fails', async () => {
    const dir = labDir();
    const r = await run(['run', 'demo', '--board', 'quirky', '--board', 'tcp://127.0.0.1:5000', '--json'], dir, { quirky: { quirks: ['accept-rollback'] } });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.result).toBe('failed');
    expect(report.boards.map((b: { name: string }) => b.name)).toEqual(['quirky', 'tcp-127.0.0.1-5000']);
    expect(report.boards[0].cases.find((c: { id: string }) => c.id === 'rollback-refused').message).toBe('expected reject (rollback), board accepted');
    // the seed was random, and it is printed and recorded
    const seed = /seed (\d+), logs in/.exec(r.stderr)![1];
    expect(report.seed).toBe(Number(seed));
    expect(r.stderr).toMatch(/^\[quirky\] FAIL  rollback-refused/m);
  });

  it('--case selects cases, --seed replays the same per-case seeds', async () => {
    const dir = labDir();
    const a = JSON.parse((await run(['run', 'demo', '--board', 'bench-a', '--case', 'trusted-update', '--seed', '0x10', '--json'], dir)).stdout);
    const b = JSON.parse((await run(['run', 'demo', '--board', 'bench-a', '--board', 'bench-b', '--seed', '16', '--json'], dir)).stdout);
    expect(a.boards[0].cases.map((c: { id: string }) => c.id)).toEqual(['trusted-update']);
    expect(a.boards[0].cases[0].seed).toBe(b.boards[0].cases[0].seed);
  });

  it('--dry-run lists what would be erased and flashed, opening nothing', async () => {
    const dir = labDir();
    const r = await run(['run', 'demo', '--tag', 'bench', '--seed', '3', '--dry-run'], dir, { 'bench-a': { openFails: 'must not be opened' } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^dry run: suite demo, 6 cases on 2 boards, seed 3\. Nothing was opened, erased or flashed\./);
    expect(r.stdout).toMatch(/bench-a: tcp:\/\/127\.0\.0\.1:4001, 115200 baud; reset: SMP reset command \(OS group\)/);
    expect(r.stdout).toMatch(/5x erase and write the known-good image .*known-good\.bin \(48\.0 KiB\)/);
    expect(r.stdout).toMatch(/case power-cycle: not applicable: needs power control/);
    expect(r.stdout).toMatch(/bench-b: .*reset: run `relay 1 pulse` \(timeout 30000 ms\), then wait 500 ms/);
    expect(r.stdout).toMatch(/bench-b[\s\S]*nothing to restore: the lab file gives no known-good image/);
    expect(r.stdout).toMatch(/power cycle: power off: `relay 2 off`; power on: `relay 2 on`, wait 1000 ms/);
    expect(r.stdout).toMatch(/deliver envelope: upload a SUIT envelope.*\[writes flash\]/);
    expect(r.stdout).toMatch(/case untrusted-signer: untrusted signer refused, image untouched \(runs if the board has the board's SUIT group\)/);
    const plan = JSON.parse((await run(['run', 'demo', '--board', 'quirky', '--dry-run', '--json', '--seed', '3'], dir)).stdout);
    expect(plan).toMatchObject({ schema: 'suitrig-run-plan', version: 1, seed: 3, boards: [{ name: 'quirky', target: { kind: 'virtual', quirks: ['accept-rollback'] } }] });
    expect(plan.boards[0].cases.every((c: { notApplicable?: string }) => c.notApplicable === undefined)).toBe(true);
  });

  it('usage and environment errors exit 2 with the reason', async () => {
    const dir = labDir();
    const cases: [string[], RegExp][] = [
      [['run', 'demo'], /no boards selected/],
      [['run', 'demo', '--board', 'nope'], /no board 'nope' in .*rig\.yaml/],
      [['run', 'demo', '--board', 'bench-a', '--seed', 'x'], /--seed: expected a non-negative integer/],
      [['run', 'demo', '--board', 'bench-a', '--boards', '2'], /--boards N starts N virtual boards/],
      [['run', 'demo', '--board', 'bench-a', '--case', 'nope'], /suite demo has no case 'nope'/],
      [['run', 'other', '--board', 'bench-a'], /unknown suite 'other'; built-in suites: demo/],
      [['run', 'demo', '--tag', 'bench', '--board', 'tcp://127.0.0.1:4001'], /boards tcp-127.0.0.1-4001 and bench-a are the same port/],
      // Negative numbers reach the option's own reader (not parseArgs' "argument is ambiguous"),
      // and --flash-scale is checked before a dry run returns.
      [['run', 'demo', '--board', 'virtual', '--baud', '-5'], /--baud: expected a baud rate from \d+ to \d+ .*got '-5'/],
      [['run', 'demo', '--board', 'virtual', '--boards', '-1'], /--boards: expected an integer from 1 to \d+, got '-1'/],
      [['run', 'demo', '--board', 'virtual', '--seed', '-1'], /--seed: expected a non-negative integer \(0 to 4294967295\), got '-1'/],
      [['run', 'demo', '--board', 'virtual', '--flash-scale', 'NaN', '--dry-run'], /--flash-scale: expected a number from 0 to 100 .*got 'NaN'/],
      [['run', 'demo', '--board', 'virtual', '--flash-scale', '-1', '--dry-run'], /--flash-scale: expected a number from 0 to 100 .*got '-1'/],
      [['run', 'demo', '--board', 'virtual', '--flash-scale', '1000000000000', '--dry-run'], /--flash-scale: expected a number from 0 to 100/],
    ];
    for (const [argv, msg] of cases) {
      const r = await run(argv, dir);
      expect({ argv, code: r.code }).toEqual({ argv, code: 2 });
      expect(r.stderr).toMatch(msg);
      expect(r.stdout).toBe('');
    }
  });
});

describe('suitrig run as shipped', () => {
  it('--dry-run of a lab suite module lists its steps without opening any port', async () => {
    const dir = tempDir();
    writeFile(dir, 'smoke.mjs', `export default { name: 'smoke', title: 'smoke', cases: [{ id: 'status', title: 'status', steps: [{ name: 'noop', effects: ['read-status'], run: async () => {} }], expect: { boot: 'unchanged' } }] };\n`);
    const dry = await runCli(['run', './smoke.mjs', '--board', 'virtual', '--board', 'tcp://127.0.0.1:4001', '--dry-run', '--seed', '5'], { cwd: dir });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/case status: status\n {4}noop: read image and SUIT manifest state/);
  });

  it('runs rfc9019 by default; --help documents the options', async () => {
    const r = await runCli(['run', '--board', 'virtual', '--dry-run', '--json']);
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan.suite.name).toBe('rfc9019');
    expect(plan.boards[0].cases.map((c: { id: string }) => c.id)).toContain('rollback-replay-rejected');
    const help = await runCli(['run', '--help']);
    expect(help.code).toBe(0);
    for (const opt of ['--board <url|name|virtual>', '--boards <N>', '--lab <rig.yaml>', '--tag <T>', '--baud <B>', '--seed <S>', '--junit <file>', '--json', '--dry-run', '--flash-scale <factor>']) expect(help.stdout).toContain(opt);
  });

  it('rejects a suite module that is not a valid suite, naming the problems', async () => {
    const dir = tempDir();
    writeFile(dir, 'bad.mjs', `export const suite = { name: 'Bad Name', title: '', cases: [{ id: 'a', title: 't', steps: [], expect: {} }, { id: 'a', title: 't', steps: [{ name: 's', run: async () => {} }], expect: { decision: 'maybe' }, needs: ['wings'] }] };\n`);
    const r = await runCli(['run', './bad.mjs', '--board', 'virtual'], { cwd: dir });
    expect(r.code).toBe(2);
    for (const m of [/name must be lower-case/, /title is missing/, /case 'a': steps must be a non-empty list/, /case 'a': expect must state a decision/, /case 'a': id used twice/, /unknown need 'wings'/, /expect.decision must be 'accept' or \{ reject/]) {
      expect(r.stderr).toMatch(m);
    }
  });
});

/**
 * The built-in suite end to end from the command line, on virtual boards behind the emulated
 * serial link (DESIGN.md "Command line": `run --board virtual` in-process): every case passes
 * and the JUnit file lists each case; each deliberately broken board variant (`--quirk`, here
 * from a lab file) makes exactly the matching cases fail, saying what the board did and what
 * was expected. The links run at 12 Mbaud and the flash without its timings, so the whole
 * suite takes seconds; the paced 1 Mbaud and 115200 baud runs are the demo's and the bench's.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir, writeFile } from '../rig/helpers/lab-files.js';
import { parseXml } from '../rig/helpers/xml-parse.js';

const FAST = ['--baud', '12000000', '--flash-scale', '0'];

interface JsonCase {
  id: string;
  outcome: string;
  message?: string;
  actual: { decision?: { kind: string; reason?: string; detail?: string }; decidedBy?: string; predicted?: { kind: string } };
}

describe('suitrig run rfc9019 on virtual boards', () => {
  it('--board virtual --junit: every case passes; the JUnit file lists each case with its outcome', async () => {
    const dir = tempDir('suitrig-e2e-');
    const r = await runCli(['run', 'rfc9019', '--board', 'virtual', ...FAST, '--seed', '7', '--junit', 'out.xml', '--report', 'report.json', '--logs', 'logs'], { cwd: dir });
    expect(r.stdout).toMatch(/20 passed, 0 failed, 0 errors, 0 not applicable in .*; seed 7/);
    expect(r.code).toBe(0);
    const suites = parseXml(readFileSync(join(dir, 'out.xml'), 'utf8')).children;
    expect(suites).toHaveLength(1);
    const cases = suites[0]!.children.filter((c) => c.name === 'testcase');
    expect(cases).toHaveLength(20);
    expect(cases.every((c) => c.children.every((x) => !['failure', 'error', 'skipped'].includes(x.name)))).toBe(true);
    expect(cases.map((c) => c.attrs['name'])).toContain('rollback-replay-rejected: replay of an old valid manifest once a newer one is confirmed: refused (rollback), image untouched');
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    const byId = new Map<string, JsonCase>(report.boards[0].cases.map((c: JsonCase) => [c.id, c]));
    // The board decided, and the host's verifier predicted the same before every delivery.
    expect(byId.get('rollback-replay-rejected')!.actual).toMatchObject({ decision: { kind: 'reject', reason: 'condition-failed', detail: 'rollback' }, decidedBy: 'board', predicted: { kind: 'reject' } });
    expect(byId.get('trusted-author-accepted')!.actual).toMatchObject({ decision: { kind: 'accept' }, decidedBy: 'board', predicted: { kind: 'accept' } });
    const log = readFileSync(join(dir, 'logs', 'virtual.log'), 'utf8');
    expect(log).toMatch(/power cut at 4 of \d+ flash operations \(seed \d+: [\d, ]+\): 4\/4 boot a verified image/);
    expect(log).toMatch(/payload file:\/\/app.bin: link dropped after the board acknowledged \d+ bytes; link re-established/);
    expect(log).toMatch(/payload file:\/\/app.bin: 48.0 KiB in [\d.]+ s, resumed from \d+/);
  });

  it('each deliberately broken board makes exactly the matching cases fail, saying what it did and what was expected', async () => {
    const dir = tempDir('suitrig-quirks-');
    writeFile(
      dir,
      'rig.yaml',
      [
        'boards:',
        '  accepts-rollback: { tags: [quirky], port: virtual, virtual: { quirks: [accept-rollback] } }',
        '  never-reverts: { tags: [quirky], port: virtual, virtual: { quirks: [never-revert] } }',
        '  skips-signatures: { tags: [quirky], port: virtual, virtual: { quirks: [skip-signature] } }',
      ].join('\n'),
    );
    const r = await runCli(['run', '--tag', 'quirky', ...FAST, '--seed', '11', '--json'], { cwd: dir });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    const failed = (board: string) =>
      Object.fromEntries(
        report.boards
          .find((b: { name: string }) => b.name === board)
          .cases.filter((c: JsonCase) => c.outcome !== 'passed')
          .map((c: JsonCase) => [c.id, `${c.outcome}: ${c.message}`]),
      );
    expect(failed('accepts-rollback')).toEqual({
      'rollback-replay-rejected':
        'failed: expected reject (rollback), board accepted; board accepted, but the host verifier predicted it would be rejected (condition-failed: rollback)',
    });
    const nr = failed('never-reverts');
    expect(Object.keys(nr).sort()).toEqual(['crash-reverted', 'never-confirms-reverted']);
    expect(nr['never-confirms-reverted']).toBe('failed: expected boot outcome reverted, board reports pending');
    expect(nr['crash-reverted']).toMatch(/^failed: step 'reset': board stopped answering: board never-reverts stopped answering during reset: the board did not answer within \d+ s of the reset .*; the case expects accept and boot outcome reverted/);
    // Its signature routine says yes to any key; the core still checks digests and required roles.
    const ss = failed('skips-signatures');
    expect(Object.keys(ss)).toEqual(['untrusted-key-rejected']);
    expect(ss['untrusted-key-rejected']).toMatch(/^failed: expected reject \(unauthorised\), board accepted; board accepted, but the host verifier predicted it would be rejected \(unauthorised: /);
  });
});

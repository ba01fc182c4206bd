/**
 * The npm scripts beside the CLI (`npm start`, `npm run bench`, `soak:powercut`, `sweep:suit`),
 * run as npm runs them, from dist/: `--help` prints the usage (exit 0) and a bad argument one
 * message naming it (exit 2), never a stack trace. Nothing here starts the demo, a benchmark or
 * a sweep.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = (path: string, ...args: string[]) => {
  const r = spawnSync(process.execPath, [fileURLToPath(new URL(`../../../dist/${path}`, import.meta.url)), ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

/** Script name, built file, how its usage line starts. */
const SCRIPTS: [string, string, string][] = [
  ['start', 'rig/demo/main.js', 'npm start '],
  ['bench', 'rig/bench/main.js', 'npm run bench '],
  ['soak:powercut', 'rig/sweeps/soak.js', 'npm run soak:powercut '],
  ['sweep:suit', 'rig/sweeps/suit-main.js', 'npm run sweep:suit '],
];

describe('npm scripts: --help and usage errors', () => {
  for (const [name, path, usage] of SCRIPTS) {
    it(`${name} --help prints its usage and options`, () => {
      const r = script(path, '--help');
      expect(r).toMatchObject({ code: 0, stderr: '' });
      expect(r.stdout.startsWith(`Usage: ${usage}`)).toBe(true);
      expect(r.stdout).toMatch(/-h, --help +show this help/);
    });

    it(`${name} with an unknown option: one message naming it, exit 2, no stack trace`, () => {
      const r = script(path, '--bogus');
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`${name}: Unknown option '--bogus'\nRun 'npm run ${name} -- --help' for usage.\n`);
    });
  }

  it('a negative number reaches the option, whose message gives the range', () => {
    const soak = script('rig/sweeps/soak.js', '--runs', '-1');
    expect(soak).toMatchObject({ code: 2, stderr: expect.stringMatching(/^soak:powercut: --runs: expected an integer 0\.\.4294967295, got '-1'\n/) });
    const demo = script('rig/demo/main.js', '--seed', '-1');
    expect(demo).toMatchObject({ code: 2, stderr: expect.stringMatching(/^start: --seed: expected a non-negative integer \(0 to 4294967295\), got '-1'\n/) });
  });

  it('npm start -- --flash-scale NaN is refused with the accepted range', () => {
    const r = script('rig/demo/main.js', '--flash-scale', 'NaN');
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(r.stderr).toMatch(/^start: --flash-scale: expected a number from 0 to 100 .*got 'NaN'\n/);
  });

  it('npm start -- --out does not empty a directory holding files a demo did not make', () => {
    const dir = mkdtempSync(join(tmpdir(), 'suitrig-demo-out-'));
    mkdirSync(join(dir, 'mine'));
    writeFileSync(join(dir, 'mine', 'thesis.tex'), 'precious');
    const r = script('rig/demo/main.js', '--out', join(dir, 'mine'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--out \S*mine: holds files a demo did not make, and the demo empties its output directory first/);
    expect(readFileSync(join(dir, 'mine', 'thesis.tex'), 'utf8')).toBe('precious');
  });

  it('bench --only with a section that does not exist names the sections there are', () => {
    const r = script('rig/bench/main.js', '--only', 'sha256,nope');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^bench: --only sha256,nope: no section 'nope'; sections: sha256, decrypt, verify, hss-lms, upload, update, firmware, suite-parallel, campaign, agents\n/);
    expect(r.stdout).toBe('');
  });
});

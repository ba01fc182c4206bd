/**
 * The npm scripts beside the CLI (`npm run bench`, `soak:powercut`, `sweep:suit`), run as npm
 * runs them, from dist/: `--help` prints the usage (exit 0) and a bad argument one message
 * naming it (exit 2), never a stack trace. Nothing here starts a benchmark or a sweep.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = (path: string, ...args: string[]) => {
  const r = spawnSync(process.execPath, [fileURLToPath(new URL(`../../../dist/${path}`, import.meta.url)), ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

const SCRIPTS: [string, string][] = [
  ['bench', 'rig/bench/main.js'],
  ['soak:powercut', 'rig/virtual/sweep/soak.js'],
  ['sweep:suit', 'rig/virtual/suit/sweep-main.js'],
];

describe('npm scripts: --help and usage errors', () => {
  for (const [name, path] of SCRIPTS) {
    it(`${name} --help prints its usage and options`, () => {
      const r = script(path, '--help');
      expect(r).toMatchObject({ code: 0, stderr: '' });
      expect(r.stdout).toMatch(new RegExp(`^Usage: npm run ${name} `));
      expect(r.stdout).toMatch(/-h, --help +show this help/);
    });

    it(`${name} with an unknown option: one message naming it, exit 2, no stack trace`, () => {
      const r = script(path, '--bogus');
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`${name}: Unknown option '--bogus'\nRun 'npm run ${name} -- --help' for usage.\n`);
    });
  }

  it('bench --only with a section that does not exist names the sections there are', () => {
    const r = script('rig/bench/main.js', '--only', 'sha256,nope');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^bench: --only sha256,nope: no section 'nope'; sections: sha256, verify, upload, update, suite-parallel\n/);
    expect(r.stdout).toBe('');
  });
});

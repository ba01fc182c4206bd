/**
 * The package's public faces (issue 11 finding 20): `package.json` exports one entry per host/
 * module (its index) and the suite-writing API, not every file. Each entry loads from the built
 * package by its name, as a user's `import ... from 'suitrig/host/smp'` does, and a file that is
 * not an entry cannot be reached.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const pkg = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { name: string; exports: Record<string, string> };

/** Imports `specifier` in a fresh node from the package root (node resolves the package's own name through its exports). */
function load(specifier: string, expr: string): string {
  return execFileSync(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(specifier)}); console.log(${expr});`], { cwd: ROOT, encoding: 'utf8' }).trim();
}

describe('package exports', () => {
  it('names one public face per host/ module and the suite API, no wildcards', () => {
    expect(Object.keys(pkg.exports).every((k) => !k.includes('*'))).toBe(true);
    expect(Object.keys(pkg.exports)).toEqual(expect.arrayContaining(['./host/smp', './host/suit', './host/verifier', './host/keys', './rig/suites/api']));
  });

  it('every entry loads by the package name and exports something', () => {
    for (const entry of Object.keys(pkg.exports).filter((k) => k !== './package.json')) {
      const n = Number(load(`${pkg.name}${entry.slice(1)}`, 'Object.keys(m).length'));
      expect(n, entry).toBeGreaterThan(0);
    }
    expect(load('suitrig/host/smp', "typeof m.SmpClient + ' ' + typeof m.rebootAndWait")).toBe('function function');
  });

  it('a file that is not an entry cannot be imported from outside', () => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', "await import('suitrig/host/smp/crc16.js')"], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/ERR_PACKAGE_PATH_NOT_EXPORTED/);
  });
});

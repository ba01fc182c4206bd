/**
 * Properties of the built core that the design depends on: no allocator and no memory growth
 * (runtime stub), fixed 4-page memory, static data below the first fixed region (0x1000), the
 * documented imports only, and the size budget of build/verifier.wasm.
 */
import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildFile } from '../../host/paths.js';

describe.each(['verifier', 'verifier.checked'])('%s.wat', (name) => {
  const wat = readFileSync(buildFile(`${name}.wat`), 'utf8');

  it('has no allocator and never grows memory', () => {
    expect(wat).not.toMatch(/__new|__alloc|__renew|__collect|memory\.grow/);
  });

  it('has a fixed memory of 4 pages (256 KiB), initial = maximum', () => {
    expect(wat).toMatch(/\(memory \$0 4 4\)/);
  });

  it('keeps its static data below 0x1000, where the scratch region starts', () => {
    for (const m of wat.matchAll(/\(data \$[\w.]+ \(i32\.const (\d+)\) "((?:[^"\\]|\\.)*)"\)/g)) {
      const start = Number(m[1]);
      const len = m[2]!.replace(/\\[0-9a-f]{2}/g, 'x').replace(/\\./g, 'x').length;
      expect(start + len).toBeLessThanOrEqual(0x1000);
    }
  });

  it('imports only the platform interface and env.abort', () => {
    const imports = [...wat.matchAll(/\(import "(\w+)" "(\w+)"/g)].map((m) => `${m[1]}.${m[2]}`);
    for (const i of imports) expect(i).toMatch(/^(suit\.\w+|env\.abort)$/);
  });
});

describe('build/verifier.wasm', () => {
  it('fits the 48 KiB budget', () => {
    expect(statSync(buildFile('verifier.wasm')).size).toBeLessThanOrEqual(48 * 1024);
  });
});

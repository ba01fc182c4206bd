/**
 * The shape of the code, checked on every test run (issue 11 "Must show"): no import circles
 * between files under host/ and rig/ (counting imports that run: `import type` leaves nothing
 * behind in JavaScript), and host/ — the library everything off-device shares — never imports
 * rig/, the rig built on it; and the SMP code in host/smp/ knows groups and frames only — never
 * the MCUboot image format (host/mcuboot), which belongs to the device side (rig/virtual, whose
 * storage reads versions and hashes for the image group). A change that breaks any of these
 * fails the build here, naming the files.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

/** Relative imports and re-exports of each file: `all` of them, and those that run (`value`). */
function importGraph(): Map<string, { all: string[]; value: string[] }> {
  const graph = new Map<string, { all: string[]; value: string[] }>();
  for (const file of [...sources(join(ROOT, 'host')), ...sources(join(ROOT, 'rig'))]) {
    const text = readFileSync(file, 'utf8');
    const all: string[] = [];
    const value: string[] = [];
    for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s+'(\.[^']+)'/gm)) {
      const target = relative(ROOT, resolve(dirname(file), m[4]!.replace(/\.js$/, '.ts')));
      all.push(target);
      // `import { type A, type B }` is type-only too.
      const typeOnly = m[2] !== undefined || /^\{\s*(type\s+[\w$]+\s*(as\s+[\w$]+\s*)?,?\s*)+\}$/.test(m[3]!);
      if (!typeOnly) value.push(target);
    }
    graph.set(relative(ROOT, file), { all, value });
  }
  return graph;
}

/** Strongly connected components with more than one file (Tarjan). */
function circles(graph: Map<string, { value: string[] }>): string[][] {
  let index = 0;
  const stack: string[] = [];
  const onStack = new Set<string>();
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)?.value ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        c.push(w);
      } while (w !== v);
      if (c.length > 1) out.push(c.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

describe('import structure', () => {
  const graph = importGraph();

  it('reads the tree (a check that found no files would prove nothing)', () => {
    expect(graph.size).toBeGreaterThan(200);
    expect(graph.get('host/smp/client.ts')?.value.length).toBeGreaterThan(3);
  });

  it('has no import circles under host/ and rig/', () => {
    expect(circles(graph)).toEqual([]);
  });

  it('host/ never imports rig/', () => {
    const up = [...graph].flatMap(([f, d]) => (f.startsWith('host/') ? d.all.filter((t) => t.startsWith('rig/')).map((t) => `${f} -> ${t}`) : []));
    expect(up).toEqual([]);
  });

  it('host/smp/ never imports host/mcuboot (the protocol does not know the image format)', () => {
    const format = [...graph].flatMap(([f, d]) => (f.startsWith('host/smp/') ? d.all.filter((t) => t.startsWith('host/mcuboot/')).map((t) => `${f} -> ${t}`) : []));
    expect(format).toEqual([]);
  });

  it('finds a circle when there is one (the check itself)', () => {
    const g = new Map([
      ['a.ts', { value: ['b.ts'] }],
      ['b.ts', { value: ['c.ts'] }],
      ['c.ts', { value: ['a.ts'] }],
      ['d.ts', { value: ['a.ts'] }],
    ]);
    expect(circles(g)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
  });
});

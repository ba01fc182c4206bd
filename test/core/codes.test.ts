/** The host's names for the core's result codes (reasons.ts) match assembly/codes.ts. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../host/paths.js';
import { DETAILS, REASON_NAMES } from '../../host/verifier/index.js';

const src = readFileSync(join(packageRoot(), 'assembly', 'codes.ts'), 'utf8');
const consts = [...src.matchAll(/export const ([RD])_(\w+): i32 = (\d+);/g)].map((m) => ({ kind: m[1]!, name: m[2]!, value: Number(m[3]) }));

describe('result codes', () => {
  it('every SUIT_Report reason of the core has its draft name at its code', () => {
    const reasons = consts.filter((c) => c.kind === 'R');
    expect(reasons).toHaveLength(13);
    for (const r of reasons) expect(REASON_NAMES[r.value]!.toUpperCase().replace(/-/g, '_')).toBe(r.name);
  });

  it('every detail code has a name and an explanation, and no name is used twice', () => {
    const details = consts.filter((c) => c.kind === 'D');
    expect(details.length).toBeGreaterThan(60);
    for (const d of details) expect(DETAILS[d.value], `detail ${d.name} = ${d.value}`).toBeDefined();
    const names = Object.values(DETAILS).map(([n]) => n);
    expect(new Set(names).size).toBe(names.length);
    expect(Object.keys(DETAILS).map(Number).sort((a, b) => a - b)).toEqual(details.map((d) => d.value).sort((a, b) => a - b));
  });
});

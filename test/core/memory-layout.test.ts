/**
 * The core's fixed memory map (assembly/layout.ts) has no two blocks on the same bytes: every
 * address constant of layout.ts is evaluated from the source, each block is given its size (from
 * layout.ts's own count and size constants), and the blocks must lie inside their region and
 * apart. A new address constant must be listed here as a block or as a field of one, so a block
 * added later cannot slip in unchecked (the check that would have caught the crypto blocks landing
 * on the parameter tables when the STATE area was re-laid out).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const source = (f: string) => readFileSync(new URL(`../../assembly/${f}`, import.meta.url), 'utf8');

/** `export const NAME: u32 = expr;` of layout.ts, evaluated in order (expr: numbers, names, + * ). */
function constants(): Map<string, number> {
  const values = new Map<string, number>();
  for (const m of source('layout.ts').matchAll(/^export const (\w+): [ui]32 = ([^;]+);/gm)) {
    const expr = m[2]!.replace(/\b[A-Z_][A-Z0-9_]*\b/g, (n) => {
      const v = values.get(n);
      if (v === undefined) throw new Error(`layout.ts ${m[1]}: ${n} is not defined before it`);
      return String(v);
    });
    if (!/^[\d\sx+*a-f()]+$/i.test(expr)) throw new Error(`layout.ts ${m[1]}: cannot evaluate ${m[2]}`);
    values.set(m[1]!, Function(`return (${expr});`)() as number);
  }
  return values;
}

const C = constants();
const v = (n: string): number => {
  const x = C.get(n);
  if (x === undefined) throw new Error(`layout.ts has no ${n}`);
  return x;
};
const requestSize = Number(/const Q_SIZE_OF: u32 = (\d+);/.exec(source('fetch.ts'))![1]);

/** Every block: start constant, size in bytes. */
const BLOCKS: [string, number][] = [
  ['SCRATCH', v('SCRATCH_END') - v('SCRATCH')],
  ['SHA_CTX', v('SHA_CONTEXTS') * v('CTX_SIZE')],
  ['DIGEST_OUT', 32],
  ['DIGEST_TMP', 32],
  ['ANCHORS', (v('MAX_ANCHORS') + v('MAX_DELEGATED')) * v('ANCHOR_SIZE')],
  ['DELEGATES', v('MAX_DELEGATED') * 12],
  ['IDENTITY', 3 * v('MAX_IDS') * 16 + 3 * 4],
  ['BLOCKS', v('MAX_BLOCKS') * 16],
  ['PARAM_MAP', v('MAX_LEVELS') * v('MAX_COMPONENTS')],
  ['PROCESSED', v('MAX_PROCESSED') * 32],
  ['IDBUF', 2 * v('IDBUF_SIZE')],
  ['MEMBERS', v('MAX_LEVELS') * v('MAX_MEMBERS') * v('MEMBER_SIZE')],
  ['MANIFESTS', v('MAX_LEVELS') * v('MANIFEST_SIZE')],
  ['PARAMS', v('MAX_LEVELS') * v('MAX_COMPONENTS') * v('PARAM_ENTRY_SIZE')],
  ['COMPS', v('MAX_LEVELS') * v('MAX_COMPONENTS') * v('COMP_SIZE')],
  ['FRAMES', v('MAX_FRAMES') * v('FRAME_SIZE')],
  ['RUNLIST', v('MAX_RUN') * 4],
  ['REQUEST', requestSize],
  ['STATE_USED_END', v('HEAD_BUF_SIZE')], // envelope.ts HBUF
  ['HSS_KEYS', v('MAX_ANCHORS') * v('HSS_KEY_SIZE')],
  ['LMS_WORK', 256],
  ['AES_TE', 4 * 256 * 4],
  ['AES_SBOX', 256],
  ['AES_INV_SBOX', 256],
  ['AES_RK', 240],
  ['GCM_HTAB', 16 * 16],
  ['CRYPT_WORK', v('CRYPT_WORK_SIZE')],
  ['ARENA', v('ARENA_END') - v('ARENA')],
  ['IO', v('IO_SIZE')],
];

/** Address constants inside a block: [name, block, size of the field]. */
const FIELDS: [string, string, number][] = [
  ['IDENTITY_COUNT', 'IDENTITY', 12],
  ...([['C_CTR', 16], ['C_KS', 16], ['C_Y', 16], ['C_GBUF', 16], ['C_J0', 16], ['C_TAIL', 16], ['C_TAILOUT', 16], ['C_BLOCK', 32], ['C_KEY', 32], ['C_KEK', 32], ['C_CEK', 32], ['C_PAD', 64], ['C_INNER', 32], ['C_EPK', 65]] as [string, number][]).map(
    ([n, s]): [string, string, number] => [n, 'CRYPT_WORK', s],
  ),
];

/** Constants that are region bounds, counts or sizes, not block addresses. */
const NOT_ADDRESSES = new Set(['SCRATCH_END', 'STATE', 'ARENA_END', 'STATE_END', 'ROOT_REGION_SIZE', 'IO_SIZE']);

describe('the fixed memory map (assembly/layout.ts)', () => {
  const blocks = BLOCKS.map(([name, size]) => ({ name, start: v(name), end: v(name) + size })).sort((a, b) => a.start - b.start);

  it('lists every address constant as a block or a field of one', () => {
    const listed = new Set([...BLOCKS.map(([n]) => n), ...FIELDS.map(([n]) => n), ...NOT_ADDRESSES]);
    // Addresses are at or above SCRATCH; counts and sizes below it (ROOT_REGION_SIZE and IO_SIZE aside).
    const addresses = [...C].filter(([n, x]) => x >= v('SCRATCH') && !listed.has(n)).map(([n]) => n);
    expect(addresses).toEqual([]);
  });

  it('has no two blocks on the same bytes, all within the 256 KiB memory, after the static data', () => {
    expect(blocks[0]!.start).toBeGreaterThanOrEqual(0x1000);
    for (let i = 1; i < blocks.length; i++) expect(blocks[i]!.start, `${blocks[i - 1]!.name} ends at 0x${blocks[i - 1]!.end.toString(16)}, ${blocks[i]!.name} starts at 0x${blocks[i]!.start.toString(16)}`).toBeGreaterThanOrEqual(blocks[i - 1]!.end);
    expect(blocks.at(-1)!.end).toBeLessThanOrEqual(4 * 0x10000);
  });

  it('keeps the STATE blocks inside STATE (STATE .. ARENA), STATE_END after the last one', () => {
    const state = blocks.filter((b) => b.start >= v('STATE') && b.start < v('ARENA'));
    for (const b of state) expect(b.end, b.name).toBeLessThanOrEqual(v('ARENA'));
    expect(v('STATE_END')).toBe(Math.max(...state.map((b) => b.end)));
  });

  it('keeps each field inside its block, fields of a block apart', () => {
    const byBlock = new Map<string, { name: string; start: number; end: number }[]>();
    for (const [name, block, size] of FIELDS) {
      const b = blocks.find((x) => x.name === block)!;
      const f = { name, start: v(name), end: v(name) + size };
      expect(f.start, name).toBeGreaterThanOrEqual(b.start);
      expect(f.end, name).toBeLessThanOrEqual(b.end);
      byBlock.set(block, [...(byBlock.get(block) ?? []), f]);
    }
    for (const fields of byBlock.values()) {
      fields.sort((a, b) => a.start - b.start);
      for (let i = 1; i < fields.length; i++) expect(fields[i]!.start, fields[i]!.name).toBeGreaterThanOrEqual(fields[i - 1]!.end);
    }
  });
});

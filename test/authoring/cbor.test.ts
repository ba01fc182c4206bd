/** Deterministic encoding (RFC 8949 §4.2.1) of the authoring encoder, read back with cborg; the bounded scanner. */
import * as cborg from 'cborg';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bstrWrapped, cborHead, encodeCbor, Tag, type CborValue } from '../../host/suit/cbor/encode.js';
import { CborScanError, checkSingleItem, itemEnd, mapEntries } from '../../host/suit/cbor/scan.js';
import { hex, readDeterministic, Tagged } from './support/cbor.js';

const SEED = Number(process.env.SUITRIG_SEED ?? 9019);

const int = fc.oneof(fc.integer({ min: -70000, max: 70000 }), fc.bigInt({ min: -(1n << 64n) + 1n, max: (1n << 64n) - 1n }), fc.constantFrom(23, 24, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, -24, -25));
const leaf: fc.Arbitrary<CborValue> = fc.oneof(int, fc.string({ unit: 'grapheme', maxLength: 40 }), fc.uint8Array({ maxLength: 300 }), fc.boolean(), fc.constant(null));
const { value } = fc.letrec<{ value: CborValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('value'), { maxLength: 5 }),
    fc.uniqueArray(fc.tuple(fc.oneof(int, fc.string({ maxLength: 6 }), fc.array(fc.uint8Array({ maxLength: 3 }), { maxLength: 2 })), tie('value')), { maxLength: 5, selector: ([k]) => hex(cborg.encode(k)) }).map((e) => new Map<CborValue, CborValue>(e)),
    tie('value').map((v) => new Tag(v, 107)),
  ),
}));

/** cborg's view of a value as the encoder must have written it (bigints in range become numbers). */
function expected(v: CborValue): unknown {
  if (typeof v === 'bigint') return v >= -BigInt(Number.MAX_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  if (Array.isArray(v)) return v.map(expected);
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [expected(k), expected(x)]));
  if (v instanceof Tag) return new Tagged(Number(v.tag), expected(v.value as CborValue));
  return v;
}

function sortedEntries(m: Map<unknown, unknown>): [string, unknown][] {
  return [...m].map(([k, x]) => [hex(cborg.encode(k as never)), x] as [string, unknown]).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function same(a: unknown, b: unknown): boolean {
  if (a instanceof Map && b instanceof Map) {
    const ea = sortedEntries(a);
    const eb = sortedEntries(b);
    return ea.length === eb.length && ea.every(([k, x], i) => k === eb[i]![0] && same(x, eb[i]![1]));
  }
  if (a instanceof Tagged && b instanceof Tagged) return a.tag === b.tag && same(a.value, b.value);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]));
  if (a instanceof Uint8Array && b instanceof Uint8Array) return hex(a) === hex(b);
  return Object.is(a, b) || (typeof a === 'bigint' && typeof b === 'bigint' && a === b);
}

describe('encodeCbor', () => {
  it('writes shortest heads, sorted unique map keys, and the same data (checked by cborg strict decode)', () => {
    fc.assert(
      fc.property(value, (v) => {
        const bytes = encodeCbor(v);
        const back = readDeterministic(bytes);
        expect(same(back, expected(v)), `seed ${SEED}`).toBe(true);
        expect(itemEnd(bytes, 0)).toBe(bytes.length);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('encodes the integers cbor-x would get wrong on its own (bigints, values above 2^32)', () => {
    expect(hex(encodeCbor(5n))).toBe('05');
    expect(hex(encodeCbor(2 ** 40))).toBe('1b0000010000000000');
    expect(hex(encodeCbor(2n ** 64n - 1n))).toBe('1bffffffffffffffff');
    expect(hex(encodeCbor(-(2n ** 64n) + 1n))).toBe('3bfffffffffffffffe');
    expect(() => encodeCbor(-(2n ** 64n))).toThrow(/does not fit/);
    expect(hex(encodeCbor(new Map<CborValue, CborValue>([[1, 1]])))).toBe('a10101');
    expect(hex(encodeCbor(new Map<CborValue, CborValue>([['a', 1], [-1, 2], [24, 3], [23, 4]])))).toBe('a4' + '1704' + '181803' + '2002' + '616101'); // 23 < 24 < -1 < "a" bytewise
    expect(() => encodeCbor(1.5)).toThrow(/not an integer/);
    expect(() => encodeCbor(2n ** 64n)).toThrow(/does not fit/);
    expect(() => encodeCbor(new Map<CborValue, CborValue>([[1, 1], [1n, 2]]))).toThrow(/duplicate map key/);
    expect(() => encodeCbor({ a: 1 } as unknown as CborValue)).toThrow(/cannot encode/);
  });

  it('wraps byte strings with the head cborg would write', () => {
    for (const n of [0, 23, 24, 255, 256, 65535, 65536]) {
      const content = new Uint8Array(n).fill(7);
      expect(hex(bstrWrapped(content)), String(n)).toBe(hex(cborg.encode(content)));
      expect(hex(cborHead(2, n))).toBe(hex(cborg.encode(content).subarray(0, cborHead(2, n).length)));
    }
  });
});

describe('the bounded scanner', () => {
  it('rejects indefinite lengths, truncation, trailing bytes and deep nesting', () => {
    expect(() => checkSingleItem(Uint8Array.of(0x9f, 0xff), 'x')).toThrow(/indefinite-length/);
    expect(() => checkSingleItem(Uint8Array.of(0x5a, 0xff, 0xff, 0xff, 0xff), 'x')).toThrow(CborScanError);
    expect(() => checkSingleItem(Uint8Array.of(0x01, 0x02), 'x')).toThrow(/1 trailing bytes/);
    expect(() => checkSingleItem(new Uint8Array(40).fill(0x81), 'x')).toThrow(/nested deeper than 32/);
    expect(() => checkSingleItem(Uint8Array.of(0x1c), 'x')).toThrow(/reserved additional information/);
  });

  it('gives map entries as exact byte ranges', () => {
    const bytes = encodeCbor(new Tag(new Map<CborValue, CborValue>([[2, Uint8Array.of(1)], [3, Uint8Array.of(2, 3)], ['#x', Uint8Array.of()]]), 107));
    const { tag, entries, end } = mapEntries(bytes, 0);
    expect(tag).toBe(107);
    expect(end).toBe(bytes.length);
    expect(entries.map((e) => [e.key, hex(bytes.subarray(e.valueStart, e.end))])).toEqual([[2, '4101'], [3, '420203'], ['#x', '40']]);
  });
});

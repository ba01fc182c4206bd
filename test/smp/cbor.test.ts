import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as cborg from 'cborg';
import { decodeBody, decodeCbor, decodeCborPrefix, encodeCbor, SmpCborError, type SmpMap, type SmpValue } from '../../host/smp/cbor.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** SMP-shaped values: text-keyed maps of ints, strings, bytes, bools, arrays. */
const smpValue: fc.Arbitrary<SmpValue> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
    fc.bigInt({ min: 2n ** 53n, max: 2n ** 64n - 1n }),
    fc.bigInt({ min: -(2n ** 64n), max: -(2n ** 53n) - 1n }),
    fc.string({ maxLength: 20 }),
    fc.uint8Array({ maxLength: 40 }),
    fc.boolean(),
    fc.constant(null),
    fc.double({ noNaN: true }).filter((d) => !Number.isInteger(d)),
    fc.array(tie('value'), { maxLength: 4 }),
    tie('map'),
  ),
  map: fc.dictionary(fc.string({ maxLength: 8 }), tie('value'), { maxKeys: 5 }),
})).value as fc.Arbitrary<SmpValue>;

const smpMap = fc.dictionary(fc.string({ maxLength: 8 }), smpValue, { maxKeys: 6 }) as fc.Arbitrary<SmpMap>;

/** Our decoder's answer for cborg's: cborg gives numbers for safe ints, bigints above. */
function normalise(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalise);
  if (v instanceof Uint8Array) return Uint8Array.from(v);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalise(x)]));
  return v;
}

describe('SMP CBOR codec', () => {
  it('encodes requests the way the recorded clients did', () => {
    expect(toHex(encodeCbor({ d: 'hi' }))).toBe('a16164626869');
    expect(toHex(encodeCbor({}))).toBe('a0');
    expect(toHex(encodeCbor({ format: 'a' }))).toBe('a166666f726d61746161');
    expect(toHex(encodeCbor({ off: 256, data: Uint8Array.of(1) }))).toBe('a2636f666619010064646174614101');
    expect(toHex(encodeCbor({ len: 133500 }))).toBe('a1636c656e1a0002097c');
    expect(toHex(encodeCbor({ a: 2n ** 64n - 1n, b: -1, c: -(2n ** 64n) }))).toBe('a361611bffffffffffffffff61622061633bffffffffffffffff');
  });

  it('leaves out undefined map values (absent optional fields)', () => {
    expect(toHex(encodeCbor({ off: 0, sha: undefined }))).toBe('a1636f666600');
  });

  it('decodes indefinite-length maps and arrays as Zephyr and MCUboot send them', () => {
    expect(decodeCbor(hex('bf 66 67726f757073 9f 0a 08 00 ff ff')).value).toEqual({ groups: [10, 8, 0] });
    expect(decodeCbor(hex('bf 63 657272 bf 65 67726f7570 00 62 7263 02 ff ff')).value).toEqual({ err: { group: 0, rc: 2 } });
    expect(decodeCbor(hex('5f 42 0102 41 03 ff')).value).toEqual(Uint8Array.of(1, 2, 3));
    expect(decodeCbor(hex('7f 62 6869 61 21 ff')).value).toBe('hi!');
  });

  it('tolerates only the outermost missing break', () => {
    expect(decodeCbor(hex('bf 61 72 62 6869')).value).toEqual({ r: 'hi' });
    expect(() => decodeCbor(hex('bf 61 61 bf 61 62 01'))).toThrow(SmpCborError);
    expect(() => decodeCbor(hex('bf 61 72'))).toThrow(/end of data/);
  });

  it('rejects malformed input with the offset of the problem', () => {
    expect(() => decodeCbor(hex('a2 61 61 01'))).toThrow(/runs past the end|end of data/);
    expect(() => decodeCbor(hex('a1 01 02'))).toThrow(/byte 1: map key is a number/);
    expect(() => decodeCbor(hex('a2 61 61 01 61 61 02'))).toThrow(/duplicate map key 'a'/);
    expect(() => decodeCbor(hex('5a ffffffff 00'))).toThrow(/byte string of 4294967295 bytes runs past/);
    expect(() => decodeCbor(hex('9b ffffffffffffffff'))).toThrow(/array of .* items runs past/);
    expect(() => decodeCbor(hex('62 c328'))).toThrow(/not valid UTF-8/);
    expect(() => decodeCbor(hex('a0 00'))).toThrow(/1 bytes after the end/);
    expect(() => decodeCbor(hex('1c'))).toThrow(/reserved additional information 28/);
    expect(() => decodeCbor(hex('f8 20'))).toThrow(/unsupported simple value 24/);
    expect(() => decodeBody(hex('83 01 02 03'))).toThrow(/payload is a array, expected a map/);
  });

  it('bounds nesting depth without recursing off the stack', () => {
    const deep = new Uint8Array(100_000).fill(0x81);
    deep[deep.length - 1] = 0;
    expect(() => decodeCbor(deep)).toThrow(/nested deeper than 16 levels/);
    expect(decodeCbor(hex('81818100'), { maxDepth: 3 }).value).toEqual([[[0]]]);
  });

  it('a __proto__ key is data, not a prototype', () => {
    const v = decodeCbor(hex('a1 69 5f5f70726f746f5f5f a1 61 78 01')).value as SmpMap;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.keys(v)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
  });

  it('integers beyond 2^53 come back as bigint, smaller ones as number', () => {
    expect(decodeCbor(hex('1b 0020000000000000')).value).toBe(2n ** 53n);
    expect(decodeCbor(hex('1b 001fffffffffffff')).value).toBe(2 ** 53 - 1);
    expect(decodeCbor(hex('3b ffffffffffffffff')).value).toBe(-(2n ** 64n));
    expect(decodeCbor(hex('f9 3c00')).value).toBe(1);
    expect(decodeCbor(hex('fa 3fc00000')).value).toBe(1.5);
  });

  it('an empty payload is an empty map (Data Length 0)', () => {
    expect(decodeBody(new Uint8Array(0))).toEqual({});
  });

  it('property: decode(encode(v)) == v', () => {
    fc.assert(
      fc.property(smpMap, (m) => {
        expect(decodeBody(encodeCbor(m))).toEqual(m);
      }),
      { seed: 0x5e9, numRuns: 400 },
    );
  });

  it('differential: cborg decodes our encoding to the same value, and we decode its', () => {
    fc.assert(
      fc.property(smpMap, (m) => {
        const ours = encodeCbor(m);
        expect(normalise(cborg.decode(ours))).toEqual(m);
        expect(decodeBody(cborg.encode(m))).toEqual(m);
      }),
      { seed: 0xc80, numRuns: 300 },
    );
  });

  it('property: arbitrary bytes either decode or throw SmpCborError, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        try {
          decodeCbor(b);
        } catch (e) {
          expect(e).toBeInstanceOf(SmpCborError);
        }
      }),
      { seed: 0xbad, numRuns: 3000 },
    );
  });

  it('decodeCborPrefix: the item at the start and where it ends; what follows is not read', () => {
    // An indefinite map, its break, then erased flash.
    expect(decodeCborPrefix(hex('bf 61 61 41 01 ff ff ff ff'))).toEqual({ value: { a: Uint8Array.of(1) }, missingBreak: false, end: 6 });
    // Erased 0xff where the break would be ends the map all the same.
    expect(decodeCborPrefix(hex('bf 61 61 41 01 ff 00 13')).end).toBe(6);
    expect(decodeCborPrefix(hex('a1 61 61 01 99 99')).end).toBe(4);
    expect(() => decodeCbor(hex('a1 61 61 01 99'))).toThrow(/1 bytes after the end of the item/);
  });
});

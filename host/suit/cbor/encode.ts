/**
 * Deterministic CBOR encoding for SUIT authoring: RFC 8949 §4.2.1 "core deterministic
 * encoding" (shortest-form arguments, definite lengths, map keys sorted bytewise by their
 * encoding), as draft-ietf-suit-manifest-37 §8.1 requires for every map in the envelope.
 *
 * cbor-x does the byte writing; this module only normalises values before it sees them,
 * because cbor-x on its own writes bigints always as 8-byte integers, integers above 2^32 as
 * floats, and maps in insertion order.
 */
import { Encoder, Tag } from 'cbor-x';

export { Tag };

/** The CBOR data model used by the SUIT/COSE builders. Plain objects are not allowed: maps use Map. */
export type CborValue =
  | number
  | bigint
  | string
  | boolean
  | null
  | Uint8Array
  | CborValue[]
  | Map<CborValue, CborValue>
  | Tag;

export class CborEncodeError extends Error {
  override name = 'CborEncodeError';
}

const encoder = new Encoder({
  useRecords: false,
  variableMapSize: true,
  mapsAsObjects: false,
  tagUint8Array: false,
  pack: false,
});

const U32 = 0x1_0000_0000;
const MAX_U64 = 0xffff_ffff_ffff_ffffn;

function normaliseInt(n: number | bigint): number | bigint {
  const b = typeof n === 'bigint' ? n : BigInt(n);
  // -2^64 is valid CBOR, but cbor-x writes it as a tag-3 bignum; SUIT never needs it.
  if (b > MAX_U64 || b < -MAX_U64) throw new CborEncodeError(`integer ${b} does not fit in CBOR (64-bit argument)`);
  // Below 2^32 cbor-x picks the shortest head for numbers; above, only a bigint gets an
  // integer head (8 bytes, which is then the shortest form).
  return b < BigInt(U32) && b >= -BigInt(U32) ? Number(b) : b;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

function normalise(v: CborValue, depth: number): unknown {
  if (depth > 64) throw new CborEncodeError('value nested deeper than 64 levels');
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new CborEncodeError(`${v} is not an integer; SUIT uses no floating point`);
    return normaliseInt(v);
  }
  if (typeof v === 'bigint') return normaliseInt(v);
  if (typeof v === 'string' || typeof v === 'boolean' || v === null) return v;
  if (v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return v.map((x) => normalise(x, depth + 1));
  if (v instanceof Tag) return new Tag(normalise(v.value as CborValue, depth + 1), v.tag);
  if (v instanceof Map) {
    const entries = [...v.entries()].map(([k, x]) => ({ key: normalise(k, depth + 1), raw: encodeCbor(k), value: normalise(x, depth + 1) }));
    entries.sort((a, b) => compareBytes(a.raw, b.raw));
    for (let i = 1; i < entries.length; i++) {
      if (compareBytes(entries[i - 1]!.raw, entries[i]!.raw) === 0) throw new CborEncodeError('duplicate map key');
    }
    return new Map(entries.map((e) => [e.key, e.value]));
  }
  throw new CborEncodeError(`cannot encode ${typeof v} (${Object.prototype.toString.call(v)}) as SUIT CBOR`);
}

/** Deterministically encoded CBOR bytes of `value` (a fresh copy, never a view into a shared buffer). */
export function encodeCbor(value: CborValue): Uint8Array {
  return new Uint8Array(encoder.encode(normalise(value, 0)));
}

/** The shortest CBOR head of major type `major` with argument `n` (RFC 8949 §3, §4.2.1). */
export function cborHead(major: number, n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new CborEncodeError(`bad CBOR argument ${n}`);
  const m = major << 5;
  if (n < 24) return Uint8Array.of(m | n);
  if (n < 0x100) return Uint8Array.of(m | 24, n);
  if (n < 0x10000) return Uint8Array.of(m | 25, n >> 8, n & 0xff);
  if (n < U32) return Uint8Array.of(m | 26, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
  const out = new Uint8Array(9);
  out[0] = m | 27;
  new DataView(out.buffer).setBigUint64(1, BigInt(n));
  return out;
}

/** `bstr .cbor value` as it appears in an enclosing structure: head + encoded value. */
export function bstrWrapped(encoded: Uint8Array): Uint8Array {
  const head = cborHead(2, encoded.length);
  const out = new Uint8Array(head.length + encoded.length);
  out.set(head, 0);
  out.set(encoded, head.length);
  return out;
}

/**
 * Bounded CBOR reader (RFC 8949) over linear memory, in the NanoCBOR style: every read checks
 * the major type and the bytes left before [rp, rlim), then advances. Definite and indefinite
 * lengths, tags, and simple values are understood; nesting is bounded by MAX_DEPTH, counts by
 * the bytes left. Nothing traps on malformed input: a failed read returns false and leaves the
 * first error detail in `rerr` (a D_* code of codes.ts; the caller maps it to reason cbor-parse).
 *
 * The reader is a single cursor held in globals (the core has no heap); enterBstr / leaveBstr
 * save and restore (rp, rlim) when a caller descends into a bstr-wrapped structure.
 */
import { D_TRUNCATED, D_RESERVED, D_TYPE, D_DEPTH, D_INDEFINITE, D_ORDER, D_VALUE, D_TRAILING } from './codes';

// @ts-ignore: compile-time constant, set by the `checked` target (asconfig.json)
const CHECKED: bool = isDefined(SUIT_CHECKED);

export const MAX_DEPTH: i32 = 16;
/** Count of an indefinite-length array or map. */
export const INDEF: u32 = 0xffffffff;

export const MT_UINT: u32 = 0;
export const MT_NINT: u32 = 1;
export const MT_BSTR: u32 = 2;
export const MT_TSTR: u32 = 3;
export const MT_ARRAY: u32 = 4;
export const MT_MAP: u32 = 5;
export const MT_TAG: u32 = 6;
export const MT_SIMPLE: u32 = 7;

/** Read position and exclusive limit of the current input. */
export let rp: u32 = 0;
export let rlim: u32 = 0;
/** First error detail since the last setInput / clearError (0 = none). */
export let rerr: i32 = 0;

/** The last head read: major type, argument, indefinite flag (also set for a break). */
export let hMajor: u32 = 0;
export let hArg: u64 = 0;
export let hIndef: bool = false;

/** Results of the typed readers. */
export let vPtr: u32 = 0; // string content
export let vLen: u32 = 0; // string length
export let vCount: u32 = 0; // array / map count, or INDEF
export let vInt: i64 = 0; // integer value

export function setInput(p: u32, lim: u32): void {
  rp = p;
  rlim = lim;
  rerr = 0;
}

/** Moves the cursor without clearing the error (used to return from a nested structure). */
export function setCursor(p: u32, lim: u32): void {
  rp = p;
  rlim = lim;
}

export function fail(detail: i32): bool {
  if (rerr == 0) rerr = detail;
  return false;
}

export function left(): u32 {
  return rp <= rlim ? rlim - rp : 0;
}

/** A byte of the input at `p`; the `checked` build asserts that `p` is inside the input. */
// @ts-ignore: decorator
@inline export function byteAt(p: u32): u32 {
  if (CHECKED) assert(p < rlim);
  return <u32>load<u8>(p);
}

/** Reads one head (initial byte and argument). */
export function head(): bool {
  if (rp >= rlim) return fail(D_TRUNCATED);
  const ib = byteAt(rp);
  rp++;
  hMajor = ib >> 5;
  const ai = ib & 31;
  hIndef = false;
  if (ai < 24) {
    hArg = <u64>ai;
    return true;
  }
  if (ai == 31) {
    // Indefinite length for strings and containers; "break" for major type 7.
    if (hMajor == MT_UINT || hMajor == MT_NINT || hMajor == MT_TAG) return fail(D_RESERVED);
    hIndef = true;
    hArg = 0;
    return true;
  }
  if (ai > 27) return fail(D_RESERVED);
  const n: u32 = 1 << (ai - 24);
  if (left() < n) return fail(D_TRUNCATED);
  let v: u64 = 0;
  for (let i: u32 = 0; i < n; i++) v = (v << 8) | <u64>byteAt(rp + i);
  rp += n;
  hArg = v;
  // RFC 8949 §3.3: simple values 0..31 must use the one-byte form.
  if (hMajor == MT_SIMPLE && ai == 24 && v < 32) return fail(D_RESERVED);
  return true;
}

/** True (without consuming) when the next byte is a break (0xff). */
export function atBreak(): bool {
  return rp < rlim && byteAt(rp) == 0xff;
}

/** Major type of the next item without consuming it (8 at end of input). */
export function peekMajor(): u32 {
  return rp < rlim ? byteAt(rp) >> 5 : 8;
}

/**
 * Loop helper for arrays and maps: true while an element follows. For INDEF consumes the break.
 * Callers decrement a definite count themselves.
 */
export function hasNext(count: u32): bool {
  if (count != INDEF) return count != 0;
  if (rp >= rlim) return fail(D_TRUNCATED);
  if (byteAt(rp) == 0xff) {
    rp++;
    return false;
  }
  return true;
}

export function readUint(): bool {
  if (!head()) return false;
  if (hMajor != MT_UINT) return fail(D_TYPE);
  vInt = <i64>hArg;
  if (<i64>hArg < 0) return fail(D_VALUE);
  return true;
}

/** An integer (major 0 or 1) that fits in i64. */
export function readInt(): bool {
  if (!head()) return false;
  if (hArg > <u64>i64.MAX_VALUE) return fail(D_VALUE);
  if (hMajor == MT_UINT) {
    vInt = <i64>hArg;
    return true;
  }
  if (hMajor == MT_NINT) {
    vInt = -1 - <i64>hArg;
    return true;
  }
  return fail(D_TYPE);
}

/** A uint as u64 (sequence numbers use the whole range). */
export function readU64(): bool {
  if (!head()) return false;
  if (hMajor != MT_UINT) return fail(D_TYPE);
  return true;
}

function readString(major: u32): bool {
  if (!head()) return false;
  if (hMajor != major) return fail(D_TYPE);
  if (hIndef) return fail(D_INDEFINITE);
  if (hArg > <u64>left()) return fail(D_TRUNCATED);
  vPtr = rp;
  vLen = <u32>hArg;
  rp += vLen;
  return true;
}

/** A definite-length byte string: vPtr, vLen. */
export function readBstr(): bool {
  return readString(MT_BSTR);
}

/** A definite-length text string: vPtr, vLen. */
export function readTstr(): bool {
  return readString(MT_TSTR);
}

function readContainer(major: u32, perEntry: u64): bool {
  if (!head()) return false;
  if (hMajor != major) return fail(D_TYPE);
  if (hIndef) {
    vCount = INDEF;
    return true;
  }
  // Every element takes at least one byte: a larger count cannot be well-formed.
  if (hArg > <u64>left() / perEntry) return fail(D_TRUNCATED);
  vCount = <u32>hArg;
  return true;
}

export function readArray(): bool {
  return readContainer(MT_ARRAY, 1);
}

export function readMap(): bool {
  return readContainer(MT_MAP, 2);
}

export function readTag(): bool {
  if (!head()) return false;
  if (hMajor != MT_TAG) return fail(D_TYPE);
  return true;
}

/** true / false: sets vInt to 1 / 0. */
export function readBool(): bool {
  if (!head()) return false;
  if (hMajor != MT_SIMPLE || hIndef || (hArg != 20 && hArg != 21)) return fail(D_TYPE);
  vInt = hArg == 21 ? 1 : 0;
  return true;
}

/** Consumes a null (0xf6) if it is next. */
export function takeNull(): bool {
  if (rp < rlim && byteAt(rp) == 0xf6) {
    rp++;
    return true;
  }
  return false;
}

/** Skips one complete data item, nested at most MAX_DEPTH deep. */
export function skip(): bool {
  return skipAt(0);
}

function skipAt(depth: i32): bool {
  if (depth >= MAX_DEPTH) return fail(D_DEPTH);
  if (!head()) return false;
  const major = hMajor;
  switch (major) {
    case MT_UINT:
    case MT_NINT:
      return true;
    case MT_BSTR:
    case MT_TSTR: {
      if (!hIndef) {
        if (hArg > <u64>left()) return fail(D_TRUNCATED);
        rp += <u32>hArg;
        return true;
      }
      // Indefinite string: definite chunks of the same major type, then a break.
      for (;;) {
        if (rp >= rlim) return fail(D_TRUNCATED);
        if (byteAt(rp) == 0xff) {
          rp++;
          return true;
        }
        if (!head()) return false;
        if (hMajor != major || hIndef) return fail(D_TYPE);
        if (hArg > <u64>left()) return fail(D_TRUNCATED);
        rp += <u32>hArg;
      }
    }
    case MT_ARRAY:
    case MT_MAP: {
      const per: u32 = major == MT_MAP ? 2 : 1;
      if (hIndef) {
        for (;;) {
          if (rp >= rlim) return fail(D_TRUNCATED);
          if (byteAt(rp) == 0xff) {
            rp++;
            return true;
          }
          for (let k: u32 = 0; k < per; k++) if (!skipAt(depth + 1)) return false;
        }
      }
      if (hArg > <u64>left() / <u64>per) return fail(D_TRUNCATED);
      const n = <u32>hArg * per;
      for (let i: u32 = 0; i < n; i++) if (!skipAt(depth + 1)) return false;
      return true;
    }
    case MT_TAG:
      return skipAt(depth + 1);
    default:
      // Simple values and floats; a stray break is not an item.
      if (hIndef) return fail(D_TYPE);
      return true;
  }
}

/**
 * Descends into the content of the definite bstr at the cursor, e.g. a `bstr .cbor` item.
 * Returns the outer cursor ((end of the bstr << 32) | outer limit; never 0) for leaveBstr, or 0
 * on error. vPtr / vLen still name the content afterwards.
 */
export function enterBstr(): u64 {
  if (!readBstr()) return 0;
  const outer = (<u64>rp << 32) | <u64>rlim;
  setCursor(vPtr, rp);
  return outer;
}

/** Returns to the cursor `outer` of enterBstr, once the content has been read to its end. */
export function leaveBstr(outer: u64): bool {
  const end = <u32>(outer >> 32);
  if (rp != end) return fail(D_TRAILING);
  setCursor(end, <u32>outer);
  return true;
}

/**
 * Map keys in RFC 8949 §4.2.1 deterministic order. `prev` is what the call for the previous key
 * of the same map returned (0 before the first key); the result names this key's encoding
 * ((start << 32) | length; never 0), or is 0 on error (a key of the wrong type, or a key that
 * does not sort after the previous one). readIntKey leaves the key in vInt, readUintKey in hArg.
 */
export function readIntKey(prev: u64): u64 {
  const p = rp;
  return readInt() ? orderedAfter(prev, p) : 0;
}

export function readUintKey(prev: u64): u64 {
  const p = rp;
  return readU64() ? orderedAfter(prev, p) : 0;
}

function orderedAfter(prev: u64, p: u32): u64 {
  const n = rp - p;
  if (!keyAfter(<u32>(prev >> 32), <u32>prev, p, n)) return 0;
  return (<u64>p << 32) | <u64>n;
}

/**
 * The encoded key [p, p+n) must sort strictly after the previous key [pp, pp+pn) (bytewise
 * lexicographic; equal = duplicate). pn == 0: first key.
 */
function keyAfter(pp: u32, pn: u32, p: u32, n: u32): bool {
  if (pn == 0) return true;
  const m = min<u32>(pn, n);
  for (let i: u32 = 0; i < m; i++) {
    const a = <u32>load<u8>(pp + i);
    const b = <u32>load<u8>(p + i);
    if (a != b) return b > a ? true : fail(D_ORDER);
  }
  return n > pn ? true : fail(D_ORDER);
}

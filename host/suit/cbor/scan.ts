/**
 * A bounded CBOR scanner (RFC 8949 §3): finds where each data item starts and ends without
 * building values, so that SUIT code can work on the exact bytes that were signed or digested
 * (draft-ietf-suit-manifest-37 §8.3: digests cover the bstr-wrapped element *with* its head).
 * Rejects indefinite lengths, reserved additional-information values, items running past the
 * input, and nesting deeper than MAX_DEPTH.
 */
export const MAX_DEPTH = 32;

export class CborScanError extends Error {
  override name = 'CborScanError';
}

export interface CborHeadInfo {
  major: number;
  /** Argument: length, count, value or tag number. bigint only above 2^53. */
  arg: number | bigint;
  /** Offset of the first byte after the head. */
  next: number;
}

export function readHead(b: Uint8Array, off: number): CborHeadInfo {
  if (off >= b.length) throw new CborScanError(`truncated CBOR: item expected at offset ${off}`);
  const first = b[off]!;
  const major = first >> 5;
  const info = first & 0x1f;
  if (info < 24) return { major, arg: info, next: off + 1 };
  if (info > 27) {
    if (info === 31) throw new CborScanError(`indefinite-length item at offset ${off} (SUIT requires deterministic CBOR)`);
    throw new CborScanError(`reserved additional information ${info} at offset ${off}`);
  }
  const size = 1 << (info - 24);
  if (off + 1 + size > b.length) throw new CborScanError(`truncated CBOR head at offset ${off}`);
  let v = 0n;
  for (let i = 0; i < size; i++) v = (v << 8n) | BigInt(b[off + 1 + i]!);
  return { major, arg: v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v, next: off + 1 + size };
}

function count(h: CborHeadInfo, b: Uint8Array, off: number): number {
  if (typeof h.arg === 'bigint' || h.arg > b.length) throw new CborScanError(`length ${h.arg} at offset ${off} exceeds the input`);
  return h.arg;
}

/** Offset just past the data item starting at `off`. */
export function itemEnd(b: Uint8Array, off: number, depth = 0): number {
  if (depth > MAX_DEPTH) throw new CborScanError(`CBOR nested deeper than ${MAX_DEPTH} levels at offset ${off}`);
  const h = readHead(b, off);
  switch (h.major) {
    case 0:
    case 1:
    case 7:
      return h.next;
    case 2:
    case 3: {
      const end = h.next + count(h, b, off);
      if (end > b.length) throw new CborScanError(`string at offset ${off} runs past the end of the input`);
      return end;
    }
    case 4: {
      let p = h.next;
      for (let i = count(h, b, off); i > 0; i--) p = itemEnd(b, p, depth + 1);
      return p;
    }
    case 5: {
      let p = h.next;
      for (let i = count(h, b, off); i > 0; i--) p = itemEnd(b, itemEnd(b, p, depth + 1), depth + 1);
      return p;
    }
    default: // 6: tag
      return itemEnd(b, h.next, depth + 1);
  }
}

/** Checks that `b` holds exactly one well-formed, definite-length data item. */
export function checkSingleItem(b: Uint8Array, what: string): void {
  let end: number;
  try {
    end = itemEnd(b, 0);
  } catch (e) {
    throw new CborScanError(`${what}: ${(e as Error).message}`);
  }
  if (end !== b.length) throw new CborScanError(`${what}: ${b.length - end} trailing bytes after the CBOR item`);
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function utf8(bytes: Uint8Array, off: number): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    throw new CborScanError(`text string at offset ${off} is not valid UTF-8`);
  }
}

/** One entry of a map, as byte ranges of the input. */
export interface RawEntry {
  /** Decoded key when it is an integer or text string; undefined for other key types. */
  key: number | string | undefined;
  keyStart: number;
  valueStart: number;
  end: number;
}

/** The entries of the map at `off` (optionally under one tag), in encoded order. */
export function mapEntries(b: Uint8Array, off: number): { tag: number | bigint | undefined; entries: RawEntry[]; end: number } {
  let h = readHead(b, off);
  let tag: number | bigint | undefined;
  if (h.major === 6) {
    tag = h.arg;
    h = readHead(b, h.next);
  }
  if (h.major !== 5) throw new CborScanError(`expected a map at offset ${off}`);
  const entries: RawEntry[] = [];
  let p = h.next;
  for (let i = count(h, b, off); i > 0; i--) {
    const kh = readHead(b, p);
    const valueStart = itemEnd(b, p, 1);
    let key: number | string | undefined;
    if (kh.major === 0 && typeof kh.arg === 'number') key = kh.arg;
    else if (kh.major === 1 && typeof kh.arg === 'number') key = -1 - kh.arg;
    else if (kh.major === 3) key = utf8(b.subarray(kh.next, valueStart), p);
    const end = itemEnd(b, valueStart, 1);
    entries.push({ key, keyStart: p, valueStart, end });
    p = end;
  }
  return { tag, entries, end: p };
}

/** Contents of the byte string at `off` (a view into `b`) and the offset after it. */
export function bstrAt(b: Uint8Array, off: number): { content: Uint8Array; end: number } {
  const h = readHead(b, off);
  if (h.major !== 2) throw new CborScanError(`expected a byte string at offset ${off}`);
  const end = h.next + count(h, b, off);
  if (end > b.length) throw new CborScanError(`byte string at offset ${off} runs past the end of the input`);
  return { content: b.subarray(h.next, end), end };
}

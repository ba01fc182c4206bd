/**
 * The CBOR (RFC 8949) subset SMP payloads use: maps with text keys, integers, byte and text
 * strings, arrays, booleans, null, floats (notes/smp.md §1).
 *
 * Why SMP has its own codec rather than the SUIT one (host/suit/cbor): it must read what real
 * servers send — Zephyr and MCUboot encode responses as indefinite-length maps and arrays, and
 * some MCUboot builds drop the outermost break byte — while encoding requests the way the
 * recorded clients do (definite lengths, keys in the order given, shortest integer forms), so
 * encoded requests match the captures byte for byte. Decoding is bounded (nesting depth,
 * lengths checked against the input before anything is allocated) and never trusts a key:
 * map keys are set as own properties, so `__proto__` is just a key.
 */

export type SmpValue = number | bigint | string | boolean | null | undefined | Uint8Array | SmpValue[] | SmpMap;
export interface SmpMap {
  [key: string]: SmpValue;
}

export class SmpCborError extends Error {
  override name = 'SmpCborError';
}

export interface DecodeOptions {
  /** Deepest nesting of arrays, maps and tags accepted; default 16 (SMP needs 4). */
  maxDepth?: number;
  /** Accept a top-level indefinite map or array whose final break is missing; default true. */
  tolerateMissingFinalBreak?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Encoding

/** Bytes appended in parts and joined once into a new array (encoder output; an indefinite string's chunks). */
class Writer {
  private parts: Uint8Array[] = [];
  private head: number[] = [];
  private size = 0;

  byte(b: number): void {
    this.head.push(b);
  }

  bytes(b: Uint8Array): void {
    this.flushHead();
    this.parts.push(b);
    this.size += b.length;
  }

  finish(): Uint8Array {
    this.flushHead();
    const out = new Uint8Array(this.size);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }

  private flushHead(): void {
    if (this.head.length === 0) return;
    const h = Uint8Array.from(this.head);
    this.parts.push(h);
    this.size += h.length;
    this.head = [];
  }
}

function writeArg(w: Writer, major: number, n: number | bigint): void {
  const m = major << 5;
  if (typeof n === 'number' && n < 24) return w.byte(m | n);
  if (typeof n === 'number' && n <= 0xff) return (w.byte(m | 24), w.byte(n));
  if (typeof n === 'number' && n <= 0xffff) return (w.byte(m | 25), w.byte(n >> 8), w.byte(n & 0xff));
  if (typeof n === 'number' && n <= 0xffff_ffff) {
    w.byte(m | 26);
    for (let s = 24; s >= 0; s -= 8) w.byte(Math.floor(n / 2 ** s) & 0xff);
    return;
  }
  const big = BigInt(n);
  if (big <= 0xffff_ffffn) return writeArg(w, major, Number(big));
  w.byte(m | 27);
  for (let s = 56n; s >= 0n; s -= 8n) w.byte(Number((big >> s) & 0xffn));
}

/** Arrays and maps with a length up front (`a1 ...`), or indefinite ones closed by a break (`bf ... ff`). */
type Containers = 'definite' | 'indefinite';

function writeValue(w: Writer, v: SmpValue, depth: number, containers: Containers): void {
  if (depth > 64) throw new SmpCborError('CBOR encode: value nested deeper than 64 levels');
  if (v === undefined) return w.byte(0xf7);
  if (v === null) return w.byte(0xf6);
  if (v === false) return w.byte(0xf4);
  if (v === true) return w.byte(0xf5);
  if (typeof v === 'bigint') {
    if (v >= 0n) {
      if (v > 0xffff_ffff_ffff_ffffn) throw new SmpCborError(`CBOR encode: integer ${v} does not fit 64 bits`);
      return writeArg(w, 0, v);
    }
    if (v < -0x1_0000_0000_0000_0000n) throw new SmpCborError(`CBOR encode: integer ${v} does not fit 64 bits`);
    return writeArg(w, 1, -1n - v);
  }
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) return v >= 0 ? writeArg(w, 0, v) : writeArg(w, 1, -1 - v);
    const b = new Uint8Array(9);
    b[0] = 0xfb;
    new DataView(b.buffer).setFloat64(1, v);
    return w.bytes(b);
  }
  if (typeof v === 'string') {
    const b = new TextEncoder().encode(v);
    writeArg(w, 3, b.length);
    return w.bytes(b);
  }
  if (v instanceof Uint8Array) {
    writeArg(w, 2, v.length);
    return w.bytes(v);
  }
  if (Array.isArray(v)) {
    if (containers === 'indefinite') w.byte(0x9f);
    else writeArg(w, 4, v.length);
    for (const x of v) writeValue(w, x, depth + 1, containers);
    if (containers === 'indefinite') w.byte(0xff);
    return;
  }
  if (typeof v === 'object') {
    // Absent optional fields are written as undefined by callers: leave them out.
    const entries = Object.entries(v).filter(([, x]) => x !== undefined);
    if (containers === 'indefinite') w.byte(0xbf);
    else writeArg(w, 5, entries.length);
    for (const [k, x] of entries) {
      writeValue(w, k, depth + 1, containers);
      writeValue(w, x, depth + 1, containers);
    }
    if (containers === 'indefinite') w.byte(0xff);
    return;
  }
  throw new SmpCborError(`CBOR encode: cannot encode a ${typeof v}`);
}

/**
 * Encodes with shortest arguments and map keys in insertion order; arrays and maps with definite
 * lengths (as the recorded clients send requests) or, with `indefinite`, as zcbor encodes the
 * answers of Zephyr and MCUboot (`bf ... ff`, `9f ... ff`: notes/smp-captures).
 */
export function encodeCbor(value: SmpValue, o: { containers?: Containers } = {}): Uint8Array {
  const w = new Writer();
  writeValue(w, value, 0, o.containers ?? 'definite');
  return w.finish();
}

// ---------------------------------------------------------------------------------------------
// Decoding

const BREAK = Symbol('break');
const utf8 = new TextDecoder('utf-8', { fatal: true });

class Reader {
  pos = 0;
  /** Set when a missing final break was tolerated. */
  missingBreak = false;

  constructor(
    readonly b: Uint8Array,
    readonly maxDepth: number,
    readonly tolerant: boolean,
  ) {}

  fail(msg: string, at = this.pos): never {
    throw new SmpCborError(`CBOR at byte ${at}: ${msg}`);
  }

  u8(): number {
    if (this.pos >= this.b.length) this.fail('unexpected end of data');
    return this.b[this.pos++]!;
  }

  arg(ai: number): number | bigint {
    if (ai < 24) return ai;
    const n = ai === 24 ? 1 : ai === 25 ? 2 : ai === 26 ? 4 : ai === 27 ? 8 : 0;
    if (n === 0) this.fail(`reserved additional information ${ai}`, this.pos - 1);
    if (this.pos + n > this.b.length) this.fail('unexpected end of data in an argument');
    let v = 0n;
    for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(this.b[this.pos++]!);
    return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }

  /** A copy as a plain Uint8Array (never a Buffer view into the receive buffer). */
  take(n: number): Uint8Array {
    const out = new Uint8Array(this.b.subarray(this.pos, this.pos + n));
    this.pos += n;
    return out;
  }

  length(ai: number, what: string): number {
    const n = this.arg(ai);
    if (typeof n === 'bigint' || n > this.b.length - this.pos) this.fail(`${what} of ${n} bytes runs past the end of the data`);
    return n;
  }

  item(depth: number): SmpValue | typeof BREAK {
    const start = this.pos;
    const ib = this.u8();
    const major = ib >> 5;
    const ai = ib & 31;
    switch (major) {
      case 0:
        return this.arg(ai);
      case 1: {
        const n = this.arg(ai);
        return typeof n === 'number' && n < Number.MAX_SAFE_INTEGER ? -1 - n : -1n - BigInt(n);
      }
      case 2:
      case 3: {
        const raw = ai === 31 ? this.chunks(major) : this.take(this.length(ai, major === 2 ? 'byte string' : 'text string'));
        if (major === 2) return raw;
        try {
          return utf8.decode(raw);
        } catch {
          return this.fail('text string is not valid UTF-8', start);
        }
      }
      case 4: {
        this.enter(depth, start);
        const out: SmpValue[] = [];
        if (ai === 31) {
          for (;;) {
            if (this.atTolerableEnd(depth)) break;
            const x = this.item(depth + 1);
            if (x === BREAK) break;
            out.push(x);
          }
        } else {
          const n = this.count(ai, 'array');
          for (let i = 0; i < n; i++) out.push(this.value(depth + 1));
        }
        return out;
      }
      case 5: {
        this.enter(depth, start);
        const out: SmpMap = {};
        const n = ai === 31 ? Infinity : this.count(ai, 'map', 2);
        for (let i = 0; i < n; i++) {
          if (ai === 31 && this.atTolerableEnd(depth)) break;
          const keyAt = this.pos;
          const k = this.item(depth + 1);
          if (k === BREAK) {
            if (ai === 31) break;
            this.fail('break inside a definite-length map', keyAt);
          }
          if (typeof k !== 'string') this.fail(`map key is a ${describe(k)}; SMP maps have text keys`, keyAt);
          if (Object.prototype.hasOwnProperty.call(out, k)) this.fail(`duplicate map key '${k}'`, keyAt);
          Object.defineProperty(out, k, { value: this.value(depth + 1), enumerable: true, writable: true, configurable: true });
        }
        return out;
      }
      case 6:
        this.arg(ai);
        this.enter(depth, start);
        return this.value(depth + 1);
      default:
        return this.simple(ai, start);
    }
  }

  value(depth: number): SmpValue {
    const at = this.pos;
    const x = this.item(depth);
    if (x === BREAK) this.fail('unexpected break', at);
    return x;
  }

  private simple(ai: number, start: number): SmpValue | typeof BREAK {
    switch (ai) {
      case 20:
        return false;
      case 21:
        return true;
      case 22:
        return null;
      case 23:
        return undefined;
      case 25:
      case 26:
      case 27: {
        const n = ai === 25 ? 2 : ai === 26 ? 4 : 8;
        if (this.pos + n > this.b.length) this.fail('unexpected end of data in a float');
        const dv = new DataView(this.b.buffer, this.b.byteOffset + this.pos, n);
        this.pos += n;
        return n === 2 ? half(dv.getUint16(0)) : n === 4 ? dv.getFloat32(0) : dv.getFloat64(0);
      }
      case 31:
        return BREAK;
      default:
        return this.fail(`unsupported simple value ${ai}`, start);
    }
  }

  /** The chunks of an indefinite-length string, joined into one new array. */
  private chunks(major: number): Uint8Array {
    const joined = new Writer();
    for (;;) {
      const at = this.pos;
      const ib = this.u8();
      if (ib === 0xff) break;
      if (ib >> 5 !== major || (ib & 31) === 31) this.fail('indefinite-length string chunk of the wrong type', at);
      const n = this.length(ib & 31, 'string chunk');
      joined.bytes(this.b.subarray(this.pos, this.pos + n));
      this.pos += n;
    }
    return joined.finish();
  }

  /** Items in a definite container; each needs at least one byte, so more than remain is a lie. */
  private count(ai: number, what: string, perItem = 1): number {
    const n = this.arg(ai);
    if (typeof n === 'bigint' || n * perItem > this.b.length - this.pos) this.fail(`${what} of ${n} items runs past the end of the data`);
    return n;
  }

  private enter(depth: number, at: number): void {
    if (depth >= this.maxDepth) this.fail(`nested deeper than ${this.maxDepth} levels`, at);
  }

  /** The outermost indefinite container may end without its break (some MCUboot builds). */
  private atTolerableEnd(depth: number): boolean {
    if (depth !== 0 || !this.tolerant || this.pos < this.b.length) return false;
    this.missingBreak = true;
    return true;
  }
}

function half(h: number): number {
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  const sign = h & 0x8000 ? -1 : 1;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

function describe(v: SmpValue): string {
  if (v instanceof Uint8Array) return 'byte string';
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  return typeof v;
}

/** Decodes exactly one CBOR item; trailing bytes are an error. */
export function decodeCbor(bytes: Uint8Array, options: DecodeOptions = {}): { value: SmpValue; missingBreak: boolean } {
  const { value, missingBreak, end } = decodeCborPrefix(bytes, options);
  if (end !== bytes.length) throw new SmpCborError(`CBOR at byte ${end}: ${bytes.length - end} bytes after the end of the item`);
  return { value, missingBreak };
}

/** Decodes the one CBOR item at the start of `bytes` and says where it ends; what follows is not
 *  read (a map at the start of a flash partition, followed by erased bytes). */
export function decodeCborPrefix(bytes: Uint8Array, options: DecodeOptions = {}): { value: SmpValue; missingBreak: boolean; end: number } {
  const r = new Reader(bytes, options.maxDepth ?? 16, options.tolerateMissingFinalBreak ?? true);
  const value = r.value(0);
  return { value, missingBreak: r.missingBreak, end: r.pos };
}

/** An SMP payload: a map, or nothing at all (Data Length 0 means an empty map). */
export function decodeBody(payload: Uint8Array, options?: DecodeOptions): SmpMap {
  if (payload.length === 0) return {};
  const { value } = decodeCbor(payload, options);
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array) {
    throw new SmpCborError(`SMP payload is a ${describe(value)}, expected a map`);
  }
  return value;
}

/**
 * Seeded randomness and envelope mutators for the property tests and fuzz runs of the core. Every
 * run prints its seed; SUITRIG_FUZZ_SEED=<n> replays it, SUITRIG_FUZZ_RUNS=<n> sets its length.
 */
import { decode as cborgDecode } from 'cborg';
import { randomSeed, seededRng, type Rng as SeededRng } from '../../host/transport/rng.js';

/** The rig's seeded generator (host/transport/rng.ts) with the choices the mutators make. */
export class Rng {
  private readonly r: SeededRng;
  constructor(readonly seed: number) {
    this.r = seededRng(seed >>> 0);
  }
  u32(): number {
    return this.r.u32();
  }
  int(n: number): number {
    return n <= 0 ? 0 : this.r.below(n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  bytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = this.u32() & 0xff;
    return b;
  }
}

export function fuzzSeed(): number {
  const s = process.env.SUITRIG_FUZZ_SEED;
  return s !== undefined && /^\d+$/.test(s) ? Number(s) >>> 0 : randomSeed();
}

export function fuzzRuns(short: number): number {
  const s = process.env.SUITRIG_FUZZ_RUNS;
  return s !== undefined && /^\d+$/.test(s) ? Number(s) : short;
}

/** Interesting byte values for CBOR heads: lengths, breaks, tags, simple values. */
const MAGIC = [0x00, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1f, 0x40, 0x58, 0x5f, 0x80, 0x9f, 0xa0, 0xbf, 0xc0, 0xd8, 0xf4, 0xf5, 0xf6, 0xf7, 0xff, 0x7f, 0xfe];

/** One random mutation of `src` (a copy). */
export function mutate(rng: Rng, src: Uint8Array, pool: readonly Uint8Array[]): Uint8Array {
  const b = new Uint8Array(src);
  const pos = rng.int(Math.max(1, b.length));
  switch (rng.int(9)) {
    case 0: // bit flip
      b[pos] = b[pos]! ^ (1 << rng.int(8));
      return b;
    case 1: // random byte
      b[pos] = rng.u32() & 0xff;
      return b;
    case 2: // CBOR-significant byte
      b[pos] = rng.pick(MAGIC);
      return b;
    case 3: // truncate
      return b.subarray(0, pos);
    case 4: { // delete a run
      const n = 1 + rng.int(8);
      return new Uint8Array([...b.subarray(0, pos), ...b.subarray(pos + n)]);
    }
    case 5: { // insert random bytes
      return new Uint8Array([...b.subarray(0, pos), ...rng.bytes(1 + rng.int(8)), ...b.subarray(pos)]);
    }
    case 6: { // duplicate a slice
      const n = 1 + rng.int(32);
      return new Uint8Array([...b.subarray(0, pos), ...b.subarray(pos, pos + n), ...b.subarray(pos)]);
    }
    case 7: { // splice with another envelope
      const o = rng.pick(pool);
      const at = rng.int(o.length);
      return new Uint8Array([...b.subarray(0, pos), ...o.subarray(at, at + 1 + rng.int(64))]);
    }
    default: { // change a length field to something large
      b[pos] = rng.pick([0x59, 0x5a, 0x5b, 0x99, 0x9a, 0xb9, 0xba]);
      return b;
    }
  }
}

const anyTag = new Proxy([] as ((x: unknown) => unknown)[], {
  get: (t, k) => (typeof k === 'string' && /^\d+$/.test(k) ? (x: unknown) => ({ tag: Number(k), value: x }) : Reflect.get(t, k)),
});

/** cborg's view of an envelope: its members by key, or undefined when not well-formed CBOR. */
export function cborgMembers(bytes: Uint8Array): Map<unknown, unknown> | undefined {
  try {
    let v = cborgDecode(bytes, { useMaps: true, tags: anyTag, allowUndefined: true, allowIndefinite: true }) as unknown;
    if (v && typeof v === 'object' && 'tag' in v) v = (v as unknown as { value: unknown }).value;
    return v instanceof Map ? v : undefined;
  } catch {
    return undefined;
  }
}

export function sameBytes(a: unknown, b: unknown): boolean {
  return a instanceof Uint8Array && b instanceof Uint8Array && Buffer.from(a).equals(Buffer.from(b));
}

/**
 * The signed content of a mutated envelope is that of its source: the same manifest bytes, and
 * every severable member it still carries is byte-identical to the source's.
 */
export function signedContentUnchanged(source: Uint8Array, mutated: Uint8Array): boolean {
  const s = cborgMembers(source);
  const m = cborgMembers(mutated);
  if (!s || !m) return false;
  if (!sameBytes(s.get(3), m.get(3))) return false;
  for (const k of [14, 15, 16, 18, 20, 23]) {
    if (m.has(k) && !sameBytes(s.get(k), m.get(k))) return false;
  }
  return true;
}

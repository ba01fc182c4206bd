/**
 * Seeded pseudo-random numbers for fault injection (power-cut points, torn writes) and image
 * filler. Every random choice in the virtual board takes a seed that callers print, so any run
 * can be replayed (team rules). sfc32 (Chris Doty-Humphrey's small fast counter): 128-bit state,
 * passes PractRand, and needs nothing beyond 32-bit integer arithmetic.
 */
export interface Rng {
  /** The seed this generator was created with (print it to replay a run). */
  readonly seed: number;
  /** Uniform unsigned 32-bit integer. */
  u32(): number;
  /** Uniform integer in [0, n). */
  below(n: number): number;
  /** Uniform float in [0, 1). */
  float(): number;
}

export function createRng(seed: number): Rng {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) throw new RangeError(`rng seed must be an integer in [0, 2^32), got ${seed}`);
  let a = 0x9e37_79b9;
  let b = 0x243f_6a88;
  let c = 0xb7e1_5162;
  let d = seed >>> 0;
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  // Discard the first outputs: the fixed initial words would otherwise show through.
  for (let i = 0; i < 12; i++) next();
  return {
    seed,
    u32: next,
    below(n: number): number {
      if (!Number.isInteger(n) || n <= 0) throw new RangeError(`rng.below: n must be a positive integer, got ${n}`);
      return Math.floor((next() / 0x1_0000_0000) * n);
    },
    float: () => next() / 0x1_0000_0000,
  };
}

/** A fresh seed for runs where the caller gave none (it must still be printed). */
export function freshSeed(): number {
  return (Date.now() ^ (Math.random() * 0x1_0000_0000)) >>> 0;
}

/** Fills `out` with bytes from a generator seeded by `seed` (deterministic filler). */
export function fillRandom(out: Uint8Array, seed: number): void {
  const rng = createRng(seed);
  let i = 0;
  for (; i + 4 <= out.length; i += 4) {
    const v = rng.u32();
    out[i] = v & 0xff;
    out[i + 1] = (v >>> 8) & 0xff;
    out[i + 2] = (v >>> 16) & 0xff;
    out[i + 3] = v >>> 24;
  }
  if (i < out.length) {
    let v = rng.u32();
    for (; i < out.length; i++, v >>>= 8) out[i] = v & 0xff;
  }
}

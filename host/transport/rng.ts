/**
 * Seeded pseudo-random numbers for every random choice of the rig and its tests (link faults,
 * power cuts, fuzzing), so every run can be replayed from its printed seed (team rules).
 * mulberry32: 32-bit state, fast, statistically good enough for choosing which bytes a noisy
 * line hits or how to mutate an input; not for anything secret.
 */
export interface Rng {
  readonly seed: number;
  /** Uniform integer in [0, 2^32). */
  u32(): number;
  /** Uniform float in [0, 1). */
  float(): number;
  /** Uniform integer in [0, n). */
  below(n: number): number;
}

export function seededRng(seed: number): Rng {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) throw new RangeError(`seed must be an integer in [0, 2^32), got ${seed}`);
  let s = seed >>> 0;
  const u32 = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const float = (): number => u32() / 0x1_0000_0000;
  return { seed, u32, float, below: (n) => Math.floor(float() * n) };
}

/** A seed for runs where none was given; callers print it. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 0x1_0000_0000) >>> 0;
}

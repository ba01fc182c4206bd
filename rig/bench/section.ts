/**
 * One benchmark section: it measures a subject and a reference in the same run (the machine is
 * shared and noisy, so only ratios within one run mean anything), prints readable lines, and
 * returns named figures whose key names carry their units (`_mb_per_s`, `_kb_per_s` with
 * 1 KB = 1000 bytes, `_bytes`, `_ms`, `_ratio`).
 */
export interface BenchContext {
  /** Human-readable lines go here (stderr when `--json`, so stdout stays one JSON document). */
  log(line: string): void;
  /** Shorter runs for smoke tests. */
  quick: boolean;
}

export interface BenchSection {
  name: string;
  run(ctx: BenchContext): Promise<Record<string, number>>;
}

/** Median of repeated timings in ms of an async or sync function. */
export async function medianMs(runs: number, fn: () => unknown): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

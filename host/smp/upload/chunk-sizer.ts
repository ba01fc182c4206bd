/**
 * Chooses the data size of upload chunks. The largest chunk the board's buffer takes is best on
 * a clean line, but each chunk is lost whole when any of its wire bytes is hit, so on a noisy
 * line large chunks are almost never delivered (at a byte error rate of 1e-3 a 2 KiB chunk,
 * ~2.8 KB of base64 on the wire, gets through 6% of the time).
 *
 * The sizer estimates the line's byte error rate from recent outcomes (losses per wire byte)
 * and picks the chunk size with the best expected goodput for a go-back-N window:
 *
 *   goodput(c) ~ (c / wire(c)) * P(c) / (P(c) + (1 - P(c)) * window),  P(c) = (1 - p)^wire(c)
 *
 * With no loss seen it uses the largest chunk; the estimate forgets old outcomes, so the size
 * grows back when the line recovers.
 */

export interface ChunkSizerOptions {
  /** Largest data bytes per chunk (from the board's buffer size). */
  max: number;
  /** Smallest data bytes per chunk the sizer may choose. */
  min: number;
  /** Requests in flight (a loss costs resending about this many chunks). */
  window: number;
  /** Wire bytes of a request carrying `dataBytes`, plus its answer. */
  wireBytes(dataBytes: number): number;
  /** Chunk sizes are multiples of this (flash write alignment); default 4. */
  align?: number;
  /** Outcomes remembered; default 48. */
  memory?: number;
  /** False: always the largest chunk; default true. */
  adaptive?: boolean;
}

export class ChunkSizer {
  private readonly history: { wire: number; lost: boolean }[] = [];
  private readonly candidates: number[];
  private chosen: number;

  constructor(private readonly o: ChunkSizerOptions) {
    const align = o.align ?? 4;
    const max = Math.max(align, Math.floor(o.max / align) * align);
    const min = Math.min(max, Math.max(align, Math.ceil(o.min / align) * align));
    const c = new Set<number>([max]);
    for (let x = max; x > min; x = Math.floor(x / 1.2 / align) * align) c.add(Math.max(min, x));
    c.add(min);
    this.candidates = [...c].sort((a, b) => b - a);
    this.chosen = max;
  }

  /** Data bytes for the next chunk. */
  get size(): number {
    return this.chosen;
  }

  get largest(): number {
    return this.candidates[0]!;
  }

  /** Estimated probability that a wire byte is hit. */
  get byteErrorRate(): number {
    const wire = this.history.reduce((s, h) => s + h.wire, 0);
    const lost = this.history.filter((h) => h.lost).length;
    return wire === 0 ? 0 : lost / wire;
  }

  record(dataBytes: number, lost: boolean): void {
    if (this.o.adaptive === false) return;
    this.history.push({ wire: this.o.wireBytes(dataBytes), lost });
    if (this.history.length > (this.o.memory ?? 48)) this.history.shift();
    this.chosen = this.best();
  }

  private best(): number {
    const p = this.byteErrorRate;
    if (p === 0) return this.candidates[0]!;
    let best = this.candidates[0]!;
    let bestScore = -1;
    for (const c of this.candidates) {
      const w = this.o.wireBytes(c);
      const ok = Math.exp(w * Math.log1p(-Math.min(p, 0.999)));
      const score = (c / w) * (ok / (ok + (1 - ok) * Math.max(1, this.o.window)));
      if (score > bestScore) {
        bestScore = score;
        best = c;
      }
    }
    return best;
  }
}

/**
 * The paired link's seeded line-fault model (DESIGN.md "Faults: link faults"): what a noisy
 * UART, a flaky USB-serial bridge or a yanked cable does to a byte stream. Applied to bytes as
 * they are put on the wire, per direction, each direction with its own generator derived from
 * the link seed, so a run replays exactly.
 */
import { seededRng, type Rng } from '../rng.js';

export interface LinkFaults {
  /** Probability per byte that it arrives with random bits flipped (byte error rate). */
  corrupt?: number;
  /** Probability per byte that it is lost. */
  drop?: number;
  /** Probability per byte that it arrives twice. */
  duplicate?: number;
  /** Probability per byte that a burst of `burstLength` corrupted bytes starts there. */
  burst?: number;
  /** Bytes per burst; default 8. */
  burstLength?: number;
  /** Probability per byte that the line goes quiet for `stallMs` before it. */
  stall?: number;
  /** Length of a stall in ms; default 200. */
  stallMs?: number;
  /** Cut the link (both directions vanish) once, when this many bytes have gone this way. */
  disconnectAfterBytes?: number;
}

/** What the model did to one write. */
export interface FaultOutcome {
  /** What goes on the wire: always a new array (the line's own copy; a Buffer's slice() would not be one). */
  bytes: Uint8Array;
  /** Quiet time before these bytes, ms. */
  stallMs: number;
  /** The link is cut after `bytes`. */
  disconnect: boolean;
}

export interface FaultCounters {
  corrupted: number;
  dropped: number;
  duplicated: number;
  bursts: number;
  stalls: number;
}

export function checkFaults(f: LinkFaults): void {
  for (const k of ['corrupt', 'drop', 'duplicate', 'burst', 'stall'] as const) {
    const p = f[k];
    if (p !== undefined && !(p >= 0 && p <= 1)) throw new RangeError(`link fault '${k}' must be a probability in [0, 1], got ${p}`);
  }
  for (const k of ['burstLength', 'stallMs', 'disconnectAfterBytes'] as const) {
    const v = f[k];
    if (v !== undefined && !(Number.isFinite(v) && v >= 0)) throw new RangeError(`link fault '${k}' must be a non-negative number, got ${v}`);
  }
}

export class FaultInjector {
  readonly counters: FaultCounters = { corrupted: 0, dropped: 0, duplicated: 0, bursts: 0, stalls: 0 };
  private rng: Rng;
  private faults: LinkFaults = {};
  private sent = 0;
  private burstLeft = 0;

  constructor(seed: number) {
    this.rng = seededRng(seed);
  }

  get seed(): number {
    return this.rng.seed;
  }

  set(faults: LinkFaults): void {
    checkFaults(faults);
    this.faults = { ...faults };
    this.burstLeft = 0;
  }

  apply(input: Uint8Array): FaultOutcome {
    const f = this.faults;
    let bytes = input;
    let disconnect = false;
    if (f.disconnectAfterBytes !== undefined && this.sent + input.length >= f.disconnectAfterBytes) {
      bytes = input.subarray(0, Math.max(0, f.disconnectAfterBytes - this.sent));
      disconnect = true;
      // One cut per setting: a reconnected link carries on.
      this.faults = { ...f, disconnectAfterBytes: undefined };
    }
    this.sent += bytes.length;
    const pc = f.corrupt ?? 0;
    const pd = f.drop ?? 0;
    const pu = f.duplicate ?? 0;
    const pb = f.burst ?? 0;
    const ps = f.stall ?? 0;
    if (pc + pd + pu + pb + ps === 0 && this.burstLeft === 0) return { bytes: new Uint8Array(bytes), stallMs: 0, disconnect };
    // Every byte may arrive twice at most.
    const out = new Uint8Array(pu > 0 ? 2 * bytes.length : bytes.length);
    let n = 0;
    let stallMs = 0;
    const r = this.rng;
    for (const b of bytes) {
      if (ps > 0 && r.float() < ps) {
        stallMs += f.stallMs ?? 200;
        this.counters.stalls++;
      }
      if (pb > 0 && this.burstLeft === 0 && r.float() < pb) {
        this.burstLeft = f.burstLength ?? 8;
        this.counters.bursts++;
      }
      let v = b;
      if (this.burstLeft > 0) {
        this.burstLeft--;
        v = b ^ (1 + r.below(255));
        this.counters.corrupted++;
      } else if (pc > 0 && r.float() < pc) {
        v = b ^ (1 + r.below(255));
        this.counters.corrupted++;
      }
      if (pd > 0 && r.float() < pd) {
        this.counters.dropped++;
        continue;
      }
      out[n++] = v;
      if (pu > 0 && r.float() < pu) {
        out[n++] = v;
        this.counters.duplicated++;
      }
    }
    return { bytes: out.subarray(0, n), stallMs, disconnect };
  }
}

/**
 * Time for the link layer: the paired link's line pacing, request deadlines, upload backoff and
 * the raw framing's inter-byte timeout all read time through a `Clock`, so tests drive them
 * with a `ManualClock` (no wall time, no flakiness) while the CLI and the bench use the
 * system clock.
 */

export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Monotonic milliseconds (fractional). */
  now(): number;
  /** Runs `fn` once, `ms` from now (0 or less: as soon as possible). */
  setTimer(fn: () => void, ms: number): Timer;
}

/** Wall time: performance.now() and setTimeout (which rounds up to whole milliseconds). */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms));
    return { cancel: () => clearTimeout(t) };
  },
};

/**
 * A clock that only moves when told to. `advance(ms)` fires due timers in time order and lets
 * promise chains and I/O callbacks run between them, so async code reacts as it would in real
 * time.
 */
export class ManualClock implements Clock {
  private t = 0;
  private seq = 0;
  private timers: { at: number; seq: number; fn: () => void; live: boolean }[] = [];

  now(): number {
    return this.t;
  }

  setTimer(fn: () => void, ms: number): Timer {
    const entry = { at: this.t + Math.max(0, ms), seq: this.seq++, fn, live: true };
    this.timers.push(entry);
    return { cancel: () => void (entry.live = false) };
  }

  /** Number of timers still due to fire. */
  get pending(): number {
    return this.timers.filter((x) => x.live).length;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    await settleAsync();
    for (;;) {
      this.timers = this.timers.filter((x) => x.live);
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.t = Math.max(this.t, next.at);
      next.live = false;
      next.fn();
      await settleAsync();
    }
    this.t = end;
    await settleAsync();
  }
}

/** Lets pending promise callbacks, nextTicks and immediates run (a few rounds, for chains). */
export async function settleAsync(rounds = 4): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}

/** Resolves after `ms` on `clock`; rejects with the signal's reason when aborted first. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    const onAbort = (): void => {
      timer.cancel();
      reject(abortReason(signal!));
    };
    const timer = clock.setTimer(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The error an aborted signal carries (an Error even when the reason was not one). */
export function abortReason(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  if (r instanceof Error) return r;
  const e = new Error(typeof r === 'string' ? r : 'operation cancelled');
  e.name = 'AbortError';
  return e;
}

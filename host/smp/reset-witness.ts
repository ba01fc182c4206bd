/**
 * What a board's surroundings see of its resets for themselves, without asking the board: a
 * native_sim process that exited and was started again, QEMU's RESET event, a virtual board's
 * boot. After a reset command a board may still answer from the firmware that has not reset yet
 * (Zephyr answers `os reset`, then resets about 250 ms later), so an answer proves nothing until
 * something shows that the board went through the reset (host/smp/wait.ts). A witness is the
 * strongest such proof: it needs no cooperation from the firmware.
 */

export interface ResetWitness {
  /** Resets seen so far (only ever grows). */
  readonly resets: number;
  /** Resolves with what was seen (e.g. `QEMU reported a guest reset`) once more than `after` resets have been seen. */
  nextReset(after: number, signal?: AbortSignal): Promise<string>;
}

/** A ResetWitness fed by its owner: call `saw(what)` at every reset. */
export class CountingWitness implements ResetWitness {
  private count = 0;
  private last = '';
  private readonly waiters = new Set<{ after: number; resolve: (what: string) => void }>();

  get resets(): number {
    return this.count;
  }

  saw(what: string): void {
    this.count++;
    this.last = what;
    for (const w of this.waiters) {
      if (this.count > w.after) {
        this.waiters.delete(w);
        w.resolve(what);
      }
    }
  }

  nextReset(after: number, signal?: AbortSignal): Promise<string> {
    if (this.count > after) return Promise.resolve(this.last);
    return new Promise((resolve, reject) => {
      const w = {
        after,
        resolve: (what: string) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(what);
        },
      };
      const onAbort = (): void => {
        this.waiters.delete(w);
        reject(signal!.reason);
      };
      if (signal?.aborted) return reject(signal.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(w);
    });
  }
}

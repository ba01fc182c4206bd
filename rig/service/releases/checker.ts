/**
 * The release check off the event loop: one worker thread (check-thread.ts) runs the verifier
 * core over each uploaded release, one at a time, in arrival order. A check measured 1.2 s for a
 * 16 MiB payload on this 2-core machine; on the service's own thread that second would stall every
 * request, event stream and claim renewal. The thread is bounded: a check that runs past
 * RELEASE_CHECK_TIMEOUT_MS, or a thread that dies or runs out of its heap, refuses that release
 * (nothing is stored) and the next check gets a fresh thread.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { RELEASE_CHECK_HEAP_MB, RELEASE_CHECK_TIMEOUT_MS } from '../api/limits.js';
import type { ReleaseTrust } from '../context.js';
import type { ReleaseCheck } from './check.js';

export interface CheckRequest {
  id: number;
  envelope: Uint8Array;
  payloads: ReadonlyMap<string, Uint8Array>;
  trust: ReleaseTrust;
}

export type CheckResponse =
  | { id: number; check: ReleaseCheck; trap?: string }
  | { id: number; failure: string };

/** What the route gets: the check, and a core trap's stack for the service log. */
export type CheckOutcome = ReleaseCheck & { trapStack?: string };

/**
 * The thread's script. The service normally runs built (dist/), with check-thread.js beside this
 * file. Under vitest it runs from its TypeScript sources, which a worker thread cannot load: it
 * then runs the built thread, which `npm test` builds first (its pretest step).
 */
function threadScript(): string {
  const here = fileURLToPath(new URL('./check-thread.js', import.meta.url));
  if (existsSync(here)) return here;
  const built = fileURLToPath(new URL('../../../dist/rig/service/releases/check-thread.js', import.meta.url));
  if (existsSync(built)) return built;
  throw new Error(`the release check thread is not built (${built}): run npm run build`);
}

export class ReleaseChecker {
  private worker: Worker | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private nextId = 0;
  private closed = false;

  /** Checks one release in the thread; resolves with a refusal (never throws) when the thread fails it. */
  check(envelope: Uint8Array, payloads: ReadonlyMap<string, Uint8Array>, trust: ReleaseTrust): Promise<CheckOutcome> {
    const run = this.queue.then(() => this.run({ id: this.nextId++, envelope, payloads, trust }));
    this.queue = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.queue;
    await this.worker?.terminate();
    this.worker = undefined;
  }

  private thread(): Worker {
    if (this.closed) throw new Error('the release checker is closed');
    if (!this.worker) {
      const w = new Worker(threadScript(), { resourceLimits: { maxOldGenerationSizeMb: RELEASE_CHECK_HEAP_MB } });
      // The thread must not keep a stopping service alive.
      w.unref();
      this.worker = w;
    }
    return this.worker;
  }

  private run(req: CheckRequest): Promise<CheckOutcome> {
    const w = this.thread();
    return new Promise<CheckOutcome>((resolve) => {
      const refuse = (why: string): void => {
        finish();
        // A thread that failed is not trusted with the next release.
        if (this.worker === w) this.worker = undefined;
        void w.terminate();
        resolve({ ok: false, code: 'release-rejected', message: `the release could not be verified: ${why}` });
      };
      const timer = setTimeout(() => refuse(`its check ran past ${RELEASE_CHECK_TIMEOUT_MS / 1000} s`), RELEASE_CHECK_TIMEOUT_MS);
      const onMessage = (m: CheckResponse): void => {
        if (m.id !== req.id) return;
        if ('failure' in m) return refuse(`the check failed (${m.failure.split('\n')[0]})`);
        finish();
        resolve(m.trap ? { ...m.check, trapStack: m.trap } : m.check);
      };
      const onError = (e: Error): void => refuse(`the check thread failed (${e.message})`);
      const onExit = (code: number): void => refuse(`the check thread exited (code ${code})`);
      const finish = (): void => {
        clearTimeout(timer);
        w.off('message', onMessage).off('error', onError).off('exit', onExit);
      };
      w.on('message', onMessage).on('error', onError).on('exit', onExit);
      w.postMessage(req);
    });
  }
}

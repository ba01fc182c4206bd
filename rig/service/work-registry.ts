/**
 * Which WorkService (work.ts) serves which running service: the routes of campaigns and runs are
 * registered when the app is built, the work on boards starts with the service's modules after
 * it listens (modules.ts); routes find it here by the service's context, and answer 503 until it
 * has started. Keyed by context, so several services in one process (tests) stay apart.
 */
import type { ServiceContext } from './context.js';
import type { WorkService } from './work.js';

const running = new WeakMap<ServiceContext, WorkService>();

export function attachWork(ctx: ServiceContext, work: WorkService): void {
  running.set(ctx, work);
}

export function detachWork(ctx: ServiceContext): void {
  running.delete(ctx);
}

export function workOf(ctx: ServiceContext): WorkService | undefined {
  return running.get(ctx);
}

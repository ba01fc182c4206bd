/**
 * Runs one step of a case against a deadline: the step gets an AbortSignal that fires when it
 * overruns (or the run is interrupted), and the runner moves on at that moment even if the step
 * ignores the signal; a late result of the abandoned step is dropped.
 */

export class StepTimeoutError extends Error {
  override name = 'StepTimeoutError';
}

/** The run was interrupted (SIGINT) while a step ran. */
export class InterruptedError extends Error {
  override name = 'InterruptedError';
}

export async function withDeadline<T>(what: string, ms: number, parent: AbortSignal | undefined, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onParent = () => controller.abort(new InterruptedError(`${what} interrupted`));
  if (parent?.aborted) onParent();
  parent?.addEventListener('abort', onParent, { once: true });
  const timer = setTimeout(() => controller.abort(new StepTimeoutError(`${what} overran its ${ms} ms timeout`)), ms);
  const aborted = new Promise<never>((_, reject) => {
    const fail = () => reject(controller.signal.reason as Error);
    if (controller.signal.aborted) fail();
    else controller.signal.addEventListener('abort', fail, { once: true });
  });
  let work: Promise<T> | undefined;
  try {
    work = Promise.resolve().then(() => fn(controller.signal));
    return await Promise.race([work, aborted]);
  } finally {
    clearTimeout(timer);
    parent?.removeEventListener('abort', onParent);
    // An abandoned step may still settle later; its outcome no longer matters.
    work?.catch(() => undefined);
    aborted.catch(() => undefined);
  }
}

/**
 * How long-running commands (`board virtual`, `serve`) learn they must stop: Ctrl-C (the CLI's
 * abort signal), SIGTERM (kill, service managers, CI runners) or SIGHUP (its terminal went
 * away) — each would otherwise end the process at once, before the command closed what it
 * opened (a pty's socat, a database, open connections).
 */
export function stopRequest(signal: AbortSignal | undefined): { requested: Promise<string>; dispose(): void } {
  let dispose = (): void => undefined;
  const requested = new Promise<string>((done) => {
    const stop = (why: string): void => {
      dispose();
      done(why);
    };
    const onTerm = (): void => stop('SIGTERM');
    const onHup = (): void => stop('SIGHUP');
    const onAbort = (): void => stop('interrupted');
    dispose = () => {
      process.off('SIGTERM', onTerm);
      process.off('SIGHUP', onHup);
      signal?.removeEventListener('abort', onAbort);
    };
    process.once('SIGTERM', onTerm);
    process.once('SIGHUP', onHup);
    if (signal?.aborted) return stop('interrupted');
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  return { requested, dispose: () => dispose() };
}

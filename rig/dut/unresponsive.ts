/**
 * Tells "the board stopped answering" from everything else (rig/dut/errors.ts): an SMP request
 * that ran out of deadline and retries, a port or connection that closed under us, a write the
 * port never took, an upload that gave up for one of those reasons. Those become
 * DutUnresponsiveError naming the board and the operation, so the runner fails the case and
 * restores the board; anything else (the board answered, but with an error) passes through.
 */
import { SmpTimeoutError } from '../../host/smp/client.js';
import { UploadCancelledError, UploadError } from '../../host/smp/upload/engine.js';
import { PortOpenError, TransportClosedError, TransportTimeoutError } from '../../host/transport/transport.js';
import { DutUnresponsiveError } from './errors.js';

function silent(e: unknown): boolean {
  if (e instanceof SmpTimeoutError || e instanceof TransportClosedError || e instanceof TransportTimeoutError || e instanceof PortOpenError) return true;
  // A cancelled upload was aborted by us (step deadline, interrupted transfer): not the board's doing.
  if (e instanceof UploadError && !(e instanceof UploadCancelledError)) return e.cause !== undefined && silent(e.cause);
  return false;
}

/** `e` as DutUnresponsiveError when it means the board went silent, else `e` itself. */
export function asUnresponsive(e: unknown, board: string, what: string): unknown {
  if (e instanceof DutUnresponsiveError || !silent(e)) return e;
  return new DutUnresponsiveError(`board ${board} stopped answering during ${what}: ${(e as Error).message}`, { cause: e });
}

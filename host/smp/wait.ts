/**
 * Waiting for a board to answer again when there is no reset to prove: after the rig restored
 * its power itself, or after a case that may have cut it. (After a reset command, use
 * reboot.ts: an answer proves nothing until the board has shown it went through the reset.)
 * The port may vanish and come back (a USB CDC board re-enumerates), the board may spend
 * seconds in its bootloader (a swap), and a bootloader in serial recovery may not implement
 * echo. Any SMP answer — an error answer included — means an SMP server is running again.
 */
import { sleep } from '../transport/clock.js';
import { PortOpenError, TransportClosedError, TransportTimeoutError } from '../transport/transport.js';
import { SmpTimeoutError, type SmpClient } from './client.js';
import { SmpErrorResponse } from './errors.js';

export interface WaitOptions {
  /** A client on the port opened again, for when the port vanished. */
  reconnect?: () => Promise<SmpClient>;
  /** Give up after this long; default 60 s (an MCUboot swap of a large slot takes a while). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Resolves with a client that got an answer, and how long it took; throws SmpTimeoutError. */
export async function waitForAnswer(client: SmpClient, o: WaitOptions = {}): Promise<{ client: SmpClient; ms: number }> {
  const clock = client.clock;
  const t0 = clock.now();
  const limit = o.timeoutMs ?? 60_000;
  let c = client;
  let last: Error | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      if (!c.isOpen) {
        if (!o.reconnect) throw new TransportClosedError(`${c.transport.description} closed during the reset and cannot be reopened`, true);
        c = await o.reconnect();
      }
      try {
        await c.os.echo('suitrig', { timeoutMs: 500, retries: 0, signal: o.signal });
      } catch (e) {
        if (!(e instanceof SmpErrorResponse)) throw e;
      }
      return { client: c, ms: clock.now() - t0 };
    } catch (e) {
      const transient = e instanceof SmpTimeoutError || e instanceof TransportClosedError || e instanceof TransportTimeoutError || e instanceof PortOpenError;
      if (!transient || (e instanceof TransportClosedError && !o.reconnect)) throw e;
      last = e as Error;
    }
    if (clock.now() - t0 > limit) {
      throw new SmpTimeoutError(`the board did not answer within ${Math.round(limit / 1000)} s of the reset (last: ${last?.message})`, 0, 0, attempt + 1);
    }
    await sleep(clock, Math.min(100 * 2 ** attempt, 500), o.signal);
  }
}

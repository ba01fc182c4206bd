/**
 * A reset the rig can believe: reset the board, then wait until it answers again — but believe
 * an answer only once something shows that the board went through the reset. Real firmware
 * answers `os reset` first and resets later (Zephyr: CONFIG_MCUMGR_GRP_OS_RESET_MS, 250 ms by
 * default), so an answer right after the reset comes from the firmware that has not reset yet;
 * reading the image state then gives a verdict about the old firmware (notes/smp.md §3,
 * ../shared/peers/README.md).
 *
 * Proof of a reset, strongest first:
 * - the board's surroundings saw it (ResetWitness: a native_sim process that exited and was
 *   started again, QEMU's RESET event, a virtual board's boot). Where there is a witness, only
 *   its word counts: it cannot be fooled by a slow answer;
 * - the link dropped (a USB CDC board re-enumerates; a pty whose process exited);
 * - the boot banner on the console (`*** Booting Zephyr OS`, MCUboot's `Starting bootloader`),
 *   between SMP frames on the link or, for a board whose console is apart from it (a console
 *   port of its own, lab `console:`), on that port;
 * - the board went quiet: a probe sent after the acknowledgement got no answer within
 *   `quietMs` (a board answers an echo in milliseconds; one that is rebooting never answers a
 *   request that arrived while it was down);
 * - the firmware's own state went back: a statistics counter (Zephyr's stat group, read before
 *   the reset) is lower than before, or the group that answered before is gone (another
 *   firmware answers, e.g. the bootloader). This is what shows a reset where the link hides it:
 *   QEMU's UART holds the bytes sent while the machine resets and hands them to the new
 *   firmware, so nothing goes quiet;
 * - the rig did the reset itself: a DTR/RTS pulse or the lab's reset command (`hard`).
 *
 * A board that keeps answering for `proofWindowMs` after acknowledging the reset with none of
 * these is reported as not having reset (ResetNotObservedError); one that goes quiet and never
 * answers again is an SmpTimeoutError. Every wait is bounded.
 *
 * `waitForAnswer` is the same wait where there is no reset to prove — after the rig restored the
 * board's power itself, or after a case that may have cut it: its first answer counts. Either
 * way the port may vanish and come back (a USB CDC board re-enumerates), the board may spend
 * seconds in its bootloader (a swap), and a bootloader in serial recovery may not implement
 * echo: any SMP answer, an error answer included, means an SMP server is running again.
 */
import { sleep } from '../transport/clock.js';
import { PortOpenError, TransportClosedError, TransportTimeoutError } from '../transport/transport.js';
import { SmpTimeoutError, type SmpClient } from './client.js';
import { ConsoleWatch, DEFAULT_BOOT_BANNER, type ConsoleSource } from './console-watch.js';
import { SmpErrorResponse } from './errors.js';

import { isNotSupported } from './groups/os.js';
import { counterWentBack, readStatCounters, type StatCounters } from './groups/stats.js';
import type { ResetWitness } from './reset-witness.js';

export interface RebootOptions {
  /** A client on the port opened again, for when the port vanished. */
  reconnect?: () => Promise<SmpClient>;
  /** Give up after this long; default 60 s (an MCUboot swap of a large slot takes a while). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** The board's surroundings' view of its resets; when given, only it proves a reset. */
  witness?: ResetWitness;
  /** Console text that shows a boot; default DEFAULT_BOOT_BANNER. */
  banner?: RegExp;
  /** The board's console where it is apart from the SMP link (a console port of its own): its banner there is a proof too. */
  console?: ConsoleSource;
  /** How long a probe may go unanswered before the board counts as quiet (rebooting); default 1 s. */
  quietMs?: number;
  /** How long the board may keep answering after acknowledging the reset before it counts as not having reset; default 5 s. */
  proofWindowMs?: number;
}

/** What proves a board's resets besides its link, where the board has it: as options of a reboot or an update. */
export type ResetEvidence = Pick<RebootOptions, 'witness' | 'console'>;

/** The evidence `from` has, with absent fields left out (the options are exact). */
export function resetEvidence(from: ResetEvidence): ResetEvidence {
  return { ...(from.witness ? { witness: from.witness } : {}), ...(from.console ? { console: from.console } : {}) };
}

/** Waiting for a board to answer again, reset or not. */
export type WaitOptions = Pick<RebootOptions, 'reconnect' | 'timeoutMs' | 'signal'>;

/** How the board is reset: the SMP reset command (boot_mode 1: stay in the bootloader), or the rig's own hand. */
export type ResetAction = { how: 'smp'; bootMode?: number } | { how: 'hard'; what: string; run: (signal?: AbortSignal) => Promise<void> };

export interface RebootResult {
  /** The client that got the post-reset answer (a new one when the port was reopened). */
  client: SmpClient;
  /** From the acknowledgement (or the end of the rig's own reset) to the first believed answer. */
  ms: number;
  /** What showed that the board went through the reset. */
  proof: string;
}

/** The board acknowledged the reset but showed no sign of going through it. */
export class ResetNotObservedError extends Error {
  override name = 'ResetNotObservedError';
}

/** Signs of a reset on one client's link (the console's boot banner, the link dropping) and on the console apart from it, from the moment the watch starts. */
class ResetSigns {
  private found: string | undefined;
  /** Called when the first sign appears (cuts a probe short that the reboot swallowed). */
  onProof: () => void = () => undefined;
  private readonly console: ConsoleWatch;

  constructor(banner: RegExp, apart?: ConsoleSource) {
    this.console = new ConsoleWatch({
      banner,
      ...(apart ? { apart } : {}),
      onBanner: (text, where) => (this.proof ??= `the boot banner '${text}' on ${where}`),
      onClose: () => (this.proof ??= 'the link dropped'),
    });
  }

  get proof(): string | undefined {
    return this.found;
  }

  set proof(what: string | undefined) {
    if (this.found !== undefined || what === undefined) return;
    this.found = what;
    this.onProof();
  }

  watch(client: SmpClient): void {
    if (!client.isOpen) this.proof ??= 'the link dropped';
    this.console.watch(client);
  }

  stop(): void {
    this.console.stop();
  }
}

/** Resets the board of `client` as `action` says and waits for a believable answer. */
export async function rebootAndWait(client: SmpClient, action: ResetAction, o: RebootOptions = {}): Promise<RebootResult> {
  const signs = new ResetSigns(o.banner ?? DEFAULT_BOOT_BANNER, o.console);
  const witnessed = o.witness?.resets ?? 0;
  // Without a witness, the board's counters before the reset (undefined: it has no stat group).
  const counters = o.witness ? undefined : await readStatCounters(client, { retries: 1, ...(o.signal ? { signal: o.signal } : {}) }).catch(() => undefined);
  signs.watch(client);
  try {
    if (action.how === 'smp') {
      await client.os.reset({ ...(action.bootMode ? { bootMode: action.bootMode } : {}), ...(o.signal ? { signal: o.signal } : {}) });
    } else {
      await action.run(o.signal);
      signs.proof ??= action.what;
    }
    return await waitBack(client, signs, witnessed, counters, o);
  } finally {
    signs.stop();
  }
}

/** Resolves with a client that got an answer, and how long it took, when there is no reset to prove (module comment); throws SmpTimeoutError. */
export async function waitForAnswer(client: SmpClient, o: WaitOptions = {}): Promise<{ client: SmpClient; ms: number }> {
  const signs = new ResetSigns(DEFAULT_BOOT_BANNER);
  signs.proof = 'nothing to prove: any answer';
  try {
    const back = await waitBack(client, signs, 0, undefined, { ...o, quietMs: ANSWER_PROBE_MS });
    return { client: back.client, ms: back.ms };
  } finally {
    signs.stop();
  }
}

/** How long one probe of `waitForAnswer` may go unanswered before it asks again. */
const ANSWER_PROBE_MS = 500;

/** Whether the board's statistics show a restart since `before` was read. */
async function countersShowRestart(c: SmpClient, before: StatCounters, o: RebootOptions, timeoutMs: number): Promise<string | undefined> {
  try {
    const back = counterWentBack(before, await readStatCounters(c, { timeoutMs, retries: 0, ...(o.signal ? { signal: o.signal } : {}) }));
    return back && `a statistics counter went back (${back})`;
  } catch (e) {
    if (isNotSupported(e) && before.size > 0) return 'its statistics group, there before the reset, is gone (another firmware answers)';
    throw e;
  }
}

async function waitBack(client: SmpClient, signs: ResetSigns, witnessed: number, counters: StatCounters | undefined, o: RebootOptions): Promise<RebootResult> {
  const clock = client.clock;
  const t0 = clock.now();
  const limit = o.timeoutMs ?? 60_000;
  const quietMs = o.quietMs ?? 1_000;
  const window = o.proofWindowMs ?? 5_000;
  let witnessProof: string | undefined;
  const witnessDone = new AbortController();
  const onAbort = (): void => witnessDone.abort(o.signal?.reason);
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const witnessSaw = o.witness?.nextReset(witnessed, witnessDone.signal).then(
    (what) => void (witnessProof = what),
    () => undefined,
  );
  const proof = (): string | undefined => (o.witness ? witnessProof : signs.proof);
  // A probe the reboot swallowed waits out `quietMs`; once a sign shows, cut it short and ask again.
  let probe = new AbortController();
  signs.onProof = () => probe.abort();
  void witnessSaw?.then(() => probe.abort());
  let c = client;
  let last: Error | undefined;
  try {
    for (let failures = 0; ; ) {
      try {
        if (!c.isOpen) {
          if (!o.reconnect) throw new TransportClosedError(`${c.transport.description} closed during the reset and cannot be reopened`, true);
          c = await o.reconnect();
          signs.watch(c);
        }
        probe = new AbortController();
        try {
          await c.os.echo('suitrig', { timeoutMs: quietMs, retries: 0, signal: o.signal ? AbortSignal.any([o.signal, probe.signal]) : probe.signal });
        } catch (e) {
          if (probe.signal.aborted && !o.signal?.aborted) continue;
          if (!(e instanceof SmpErrorResponse)) throw e;
        }
        if (!proof() && counters) signs.proof = await countersShowRestart(c, counters, o, quietMs);
        const p = proof();
        if (p) return { client: c, ms: clock.now() - t0, proof: p };
        if (clock.now() - t0 > window) {
          throw new ResetNotObservedError(
            `the board acknowledged the reset but answered for ${(window / 1000).toFixed(1)} s without going through it (${o.witness ? 'its surroundings saw no reset' : `it never went quiet, the link stayed up and no boot banner appeared${o.console ? ` (on the link or ${o.console.description})` : ''}`})`,
          );
        }
        // Answered by the firmware that has not reset yet: ask again shortly (or as soon as the witness speaks).
        await Promise.race([sleep(clock, o.witness ? 100 : 20, o.signal), ...(witnessSaw ? [witnessSaw] : [])]);
        continue;
      } catch (e) {
        const transient = e instanceof SmpTimeoutError || e instanceof TransportClosedError || e instanceof TransportTimeoutError || e instanceof PortOpenError;
        if (!transient || (e instanceof TransportClosedError && !o.reconnect)) throw e;
        if (e instanceof SmpTimeoutError) signs.proof ??= `it went quiet (no answer within ${(quietMs / 1000).toFixed(1)} s)`;
        else signs.proof ??= 'the link dropped';
        last = e as Error;
        failures++;
      }
      if (clock.now() - t0 > limit) {
        throw new SmpTimeoutError(`the board did not answer within ${Math.round(limit / 1000)} s of the reset (last: ${last?.message})`, 0, 0, failures);
      }
      await sleep(clock, Math.min(100 * 2 ** (failures - 1), 500), o.signal);
    }
  } finally {
    witnessDone.abort();
    o.signal?.removeEventListener('abort', onAbort);
  }
}

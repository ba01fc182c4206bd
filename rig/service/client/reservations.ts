/**
 * The client side of reservations (issue 13; the API: rig/service/api/routes/reservations.ts):
 * take a board by name, or `count` boards with a tag, and hold them — renewing each lease at a
 * third of its TTL until `release()` — for `suitrig reserve`, for `run`/`update`/`flash
 * --tracker`, and for test fixtures that must honour reservations.
 *
 * With `wait`, a request that cannot be served now takes a ticket in the service's fair queue and
 * waits for its turn: it asks again whenever the event stream reports a change of reservations
 * or boards (LISTEN/NOTIFY at the service's end), and at each heartbeat of its ticket, which also
 * keeps the ticket alive. A waiter that dies stops its heartbeat and leaves the queue when its
 * ticket runs out; one that is aborted leaves it at once.
 */
import { watchEvents, type EventWatch } from './event-stream.js';
import { TrackerError, type TrackerClient } from './tracker.js';

export interface LeaseJson {
  id: string;
  board: string;
  holder: string;
  created_at: string;
  expires_at: string;
}

export interface TicketJson {
  id: string;
  board: string | null;
  tag: string | null;
  count: number;
  holder: string;
  created_at: string;
  expires_at: string;
  /** 1 when nobody older waits for these boards. */
  position: number;
  /** Who holds the boards until when, or whom they are promised to. */
  why: string;
}

interface OutcomeJson {
  leases?: LeaseJson[];
  ticket?: TicketJson;
}

/** What to reserve: a board by name, or `count` (default 1) boards with a tag. */
export type ReserveTarget = { board: string } | { tag: string; count?: number };

export interface ReserveOptions {
  /** Each lease's TTL in seconds (default 60): a holder that dies loses its boards after this. */
  ttlS?: number;
  /** Who holds them, as the fleet shows it (default: the token's name). */
  holder?: string;
  /** When the boards are not free: queue for them (first come, first served) instead of failing. */
  wait?: boolean;
  /** The ticket's TTL while waiting (default 30 s): a waiter that dies leaves the queue after this. */
  ticketTtlS?: number;
  /** Stops waiting (the ticket leaves the queue) and, once held, nothing: call release(). */
  signal?: AbortSignal;
  /** The ticket when queued, and again whenever its position or reason changes. */
  onQueued?: (t: TicketJson) => void;
  /**
   * Boards granted while busy with a job: a lease keeps new jobs off a board, but the job that
   * runs finishes first, so `reserveBoards` resolves only once none is busy (Ctrl-C: `signal`).
   */
  onBusy?: (boards: string[]) => void;
  /** A lease that could not be renewed because it is gone (expired, or released by an admin). */
  onLost?: (lease: LeaseJson, why: string) => void;
  /** Passing trouble: a renewal or a try that did not reach the service (it is tried again). */
  onWarning?: (message: string) => void;
}

/** The boards are held by someone else (and `wait` was not asked): the service's reason names who until when. */
export class BoardsHeldError extends Error {
  override name = 'BoardsHeldError';
}

/** Waiting was stopped by the signal; the ticket left the queue. */
export class WaitAbortedError extends Error {
  override name = 'WaitAbortedError';
}

const DEFAULT_TTL_S = 60;
const DEFAULT_TICKET_TTL_S = 30;

/** Boards held: their leases, renewed until `release()`. */
export class Reservation {
  private readonly timer: NodeJS.Timeout;
  private readonly live: Map<string, LeaseJson>;
  private released = false;

  constructor(
    private readonly client: TrackerClient,
    readonly leases: readonly LeaseJson[],
    private readonly ttlS: number,
    private readonly o: Pick<ReserveOptions, 'onLost' | 'onWarning'> = {},
    /** False for a lease someone else took and lends (`joinLease`): release() leaves it to them. */
    private readonly own = true,
  ) {
    this.live = new Map(leases.map((l) => [l.id, l]));
    // Unref'd: a holder that forgets to release does not keep its process alive; its leases expire.
    this.timer = setInterval(() => void this.renew(), (ttlS * 1000) / 3).unref();
  }

  get boards(): string[] {
    return this.leases.map((l) => l.board);
  }

  /** The leases still held (not lost). */
  get held(): LeaseJson[] {
    return [...this.live.values()];
  }

  /** Renews every lease now (also what the timer does); false when one was lost. */
  async renew(): Promise<boolean> {
    let ok = true;
    for (const l of [...this.live.values()]) {
      try {
        const renewed = await this.client.call<LeaseJson>('PUT', `/boards/${l.board}/reservations/${l.id}`, { ttl_s: this.ttlS, ...(this.own ? {} : { at_least: true }) });
        if (this.live.has(l.id)) this.live.set(l.id, renewed);
      } catch (e) {
        if (this.released) return ok;
        if (e instanceof TrackerError && e.status === 404) {
          this.live.delete(l.id);
          ok = false;
          this.o.onLost?.(l, e.detail ?? e.message);
        } else this.o.onWarning?.(`renewing the lease of ${l.board}: ${(e as Error).message}`);
      }
    }
    return ok;
  }

  /** Stops renewing and releases every lease still held; a lease that is gone already is no error. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    clearInterval(this.timer);
    if (!this.own) return;
    const failures: string[] = [];
    for (const l of this.live.values()) {
      try {
        await this.client.call('DELETE', `/boards/${l.board}/reservations/${l.id}`);
      } catch (e) {
        if (!(e instanceof TrackerError && e.status === 404)) failures.push(`${l.board}: ${(e as Error).message}`);
      }
    }
    this.live.clear();
    if (failures.length > 0) throw new TrackerError(`releasing: ${failures.join('; ')} (the leases expire on their own)`);
  }
}

/**
 * Reserves `target`: resolves with the boards held (once none is busy with a job), throws
 * BoardsHeldError when they are held by someone else (without `wait`), a TrackerError for
 * anything else the service refused or when it cannot be reached, and WaitAbortedError when
 * `signal` stopped the wait (nothing is held then).
 */
export async function reserveBoards(client: TrackerClient, target: ReserveTarget, o: ReserveOptions = {}): Promise<Reservation> {
  const ttlS = o.ttlS ?? DEFAULT_TTL_S;
  const body = { ...target, ttl_s: ttlS, ...(o.holder !== undefined ? { holder: o.holder } : {}) };
  if (o.signal?.aborted) throw new WaitAbortedError('stopped before asking');
  const waker = new Waker(client, o);
  try {
    let leases: LeaseJson[];
    if (!o.wait) {
      try {
        leases = (await client.call<OutcomeJson>('POST', '/reservations', body)).leases!;
      } catch (e) {
        if (e instanceof TrackerError && e.status === 409) throw new BoardsHeldError(e.detail ?? e.message);
        throw e;
      }
    } else leases = await waitForTurn(client, waker, { ...body, wait: true, wait_ttl_s: o.ticketTtlS ?? DEFAULT_TICKET_TTL_S }, o);
    const held = new Reservation(client, leases, ttlS, o);
    try {
      await untilNotBusy(client, waker, held.boards, o);
    } catch (e) {
      await held.release().catch(() => undefined);
      throw e;
    }
    return held;
  } finally {
    waker.stop();
  }
}

/**
 * Works under a lease already held (e.g. one `suitrig reserve` printed): checked by renewing it —
 * the service refuses a lease that is not live on that board or not this token's (404) — and
 * kept alive (never shortened) until `release()`, which leaves it to whoever took it.
 */
export async function joinLease(client: TrackerClient, board: string, id: string, o: Pick<ReserveOptions, 'ttlS' | 'onLost' | 'onWarning'> = {}): Promise<Reservation> {
  const ttlS = o.ttlS ?? DEFAULT_TTL_S;
  const lease = await client.call<LeaseJson>('PUT', `/boards/${board}/reservations/${id}`, { ttl_s: ttlS, at_least: true });
  return new Reservation(client, [lease], ttlS, o, false);
}

/**
 * Sleeps until the event stream reports a change of reservations or boards, a timeout, or the
 * signal. The stream is opened on `watch()`, before the state it guards is read, so no change
 * between that reading and the sleep goes unseen.
 */
class Waker {
  private changed = false;
  private wake: () => void = () => undefined;
  private stream: EventWatch | undefined;

  constructor(
    private readonly client: TrackerClient,
    private readonly o: Pick<ReserveOptions, 'signal' | 'onWarning'>,
  ) {}

  /** Opens the event stream (once); resolves when it is connected, or its first attempt failed. */
  watch(): Promise<void> {
    this.stream ??= watchEvents(
      this.client,
      (e) => {
        if (e.topic !== 'reservation' && e.topic !== 'board') return;
        this.changed = true;
        this.wake();
      },
      (m) => this.o.onWarning?.(m),
    );
    return this.stream.ready;
  }

  /** Resolves at the next change (at once when one came since the last sleep), after `ms`, or on abort. */
  async sleep(ms: number): Promise<void> {
    if (!this.changed) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(t);
          this.o.signal?.removeEventListener('abort', done);
          this.wake = () => undefined;
          resolve();
        };
        const t = setTimeout(done, ms);
        this.wake = done;
        this.o.signal?.addEventListener('abort', done, { once: true });
      });
    }
    this.changed = false;
  }

  stop(): void {
    this.stream?.stop();
  }
}

/** How often a board busy with a job is asked again when no event came. */
const BUSY_RECHECK_MS = 30_000;

/** Resolves once none of `boards` is busy with a job. */
async function untilNotBusy(client: TrackerClient, waker: Waker, boards: readonly string[], o: ReserveOptions): Promise<void> {
  let told = '';
  for (let first = true; ; first = false) {
    // A busy board seen at the first look is looked at again with the stream open.
    if (!first) await waker.watch();
    const states = await Promise.all(boards.map((b) => client.call<{ name: string; state: string }>('GET', `/boards/${b}`)));
    const busy = states.filter((b) => b.state === 'busy').map((b) => b.name);
    if (busy.length === 0) return;
    if (first) continue;
    if (busy.join() !== told) o.onBusy?.(busy);
    told = busy.join();
    await waker.sleep(BUSY_RECHECK_MS);
    if (o.signal?.aborted) throw new WaitAbortedError(`stopped while ${busy.join(', ')} finished a job`);
  }
}

/** Queues (unless the boards are free now) and waits for the ticket's turn; the leases. */
async function waitForTurn(client: TrackerClient, waker: Waker, body: Record<string, unknown>, o: ReserveOptions): Promise<LeaseJson[]> {
  let ticket: TicketJson | undefined;
  try {
    await waker.watch();
    const first = await client.call<OutcomeJson>('POST', '/reservations', body);
    if (first.leases) return first.leases;
    ticket = first.ticket!;
    o.onQueued?.(ticket);
    const heartbeatMs = (Number(body.wait_ttl_s) * 1000) / 3;
    for (;;) {
      await waker.sleep(heartbeatMs);
      if (o.signal?.aborted) throw new WaitAbortedError(`stopped while waiting for ${ticket.board ?? `tag ${ticket.tag}`}`);
      let next: OutcomeJson;
      try {
        next = await client.call<OutcomeJson>('PUT', `/reservations/tickets/${ticket.id}`, {});
      } catch (e) {
        // Unreachable for a moment: the ticket lives on until it runs out; the next beat tries again.
        if (e instanceof TrackerError && e.status === undefined) {
          o.onWarning?.(`waiting: ${e.message}`);
          continue;
        }
        throw e;
      }
      if (next.leases) {
        ticket = undefined;
        return next.leases;
      }
      const t = next.ticket!;
      if (t.position !== ticket.position || t.why !== ticket.why) o.onQueued?.(t);
      ticket = t;
    }
  } finally {
    // Leaving on any way out but a grant: an abort, or an error while waiting.
    if (ticket) await client.call('DELETE', `/reservations/tickets/${ticket.id}`).catch(() => undefined);
  }
}

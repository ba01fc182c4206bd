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
import { watchEvents } from './event-stream.js';
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
        const renewed = await this.client.call<LeaseJson>('PUT', `/boards/${l.board}/reservations/${l.id}`, { ttl_s: this.ttlS });
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
 * Reserves `target`: resolves with the boards held, throws BoardsHeldError when they are held by
 * someone else (without `wait`), a TrackerError for anything else the service refused or when it
 * cannot be reached, and WaitAbortedError when `signal` stopped the wait.
 */
export async function reserveBoards(client: TrackerClient, target: ReserveTarget, o: ReserveOptions = {}): Promise<Reservation> {
  const ttlS = o.ttlS ?? DEFAULT_TTL_S;
  const body = { ...target, ttl_s: ttlS, ...(o.holder !== undefined ? { holder: o.holder } : {}) };
  const held = (leases: LeaseJson[]) => new Reservation(client, leases, ttlS, o);
  if (!o.wait) {
    try {
      return held((await client.call<OutcomeJson>('POST', '/reservations', body)).leases!);
    } catch (e) {
      if (e instanceof TrackerError && e.status === 409) throw new BoardsHeldError(e.detail ?? e.message);
      throw e;
    }
  }
  return held(await waitForTurn(client, { ...body, wait: true, wait_ttl_s: o.ticketTtlS ?? DEFAULT_TICKET_TTL_S }, o));
}

/** Queues (unless the boards are free now) and waits for the ticket's turn; the leases. */
async function waitForTurn(client: TrackerClient, body: Record<string, unknown>, o: ReserveOptions): Promise<LeaseJson[]> {
  if (o.signal?.aborted) throw new WaitAbortedError('stopped before queueing');
  let wake: () => void = () => undefined;
  let changed = false;
  // Watch before asking, so no change between the answer and the watch's start goes unseen.
  const watch = watchEvents(
    client,
    (e) => {
      if (e.topic !== 'reservation' && e.topic !== 'board') return;
      changed = true;
      wake();
    },
    (m) => o.onWarning?.(m),
  );
  let ticket: TicketJson | undefined;
  try {
    await watch.ready;
    const first = await client.call<OutcomeJson>('POST', '/reservations', body);
    if (first.leases) return first.leases;
    ticket = first.ticket!;
    o.onQueued?.(ticket);
    const heartbeatMs = (Number(body.wait_ttl_s) * 1000) / 3;
    for (;;) {
      // Sleep until a change is seen, the heartbeat is due, or the signal stops the wait.
      if (!changed) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            clearTimeout(t);
            o.signal?.removeEventListener('abort', done);
            wake = () => undefined;
            resolve();
          };
          const t = setTimeout(done, heartbeatMs);
          wake = done;
          o.signal?.addEventListener('abort', done, { once: true });
        });
      }
      if (o.signal?.aborted) throw new WaitAbortedError(`stopped while waiting for ${ticket.board ?? `tag ${ticket.tag}`}`);
      changed = false;
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
    watch.stop();
    // Leaving on any way out but a grant: an abort, or an error while waiting.
    if (ticket) await client.call('DELETE', `/reservations/tickets/${ticket.id}`).catch(() => undefined);
  }
}

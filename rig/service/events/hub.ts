/**
 * One LISTEN per service process on EVENTS_CHANNEL (store/events.ts), fanned out to every
 * subscriber (the server-sent event streams): a notification carries an event's id, the hub
 * reads the events of the ids that arrived together in one query, and hands each to every
 * subscriber in id order. After the listening connection was lost (a server restart), it reads
 * what was recorded after the last id it saw, so a gap in notifications is not a gap in events.
 */
import type { Database } from '../db/database.js';
import { EVENTS_CHANNEL, eventsAfter, eventsByIds, latestEventId, type ServiceEvent } from '../store/events.js';

/** Events read per query while catching up after a gap. */
const CATCH_UP_PAGE = 500;

export type EventSubscriber = (e: ServiceEvent) => void;

export class EventHub {
  private readonly subscribers = new Set<EventSubscriber>();
  private pending: number[] = [];
  private reading: Promise<void> = Promise.resolve();
  private lastId = 0;
  private stopListening: (() => Promise<void>) | undefined;

  private constructor(private readonly db: Database) {}

  static async start(db: Database): Promise<EventHub> {
    const hub = new EventHub(db);
    hub.lastId = await latestEventId(db);
    hub.stopListening = await db.listen(
      EVENTS_CHANNEL,
      (payload) => hub.notified(payload),
      () => hub.enqueue(() => hub.catchUp()),
    );
    return hub;
  }

  /** Calls `fn` with each event recorded from now on; returns the unsubscribe function. */
  subscribe(fn: EventSubscriber): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  /** How many subscribers (open event streams) there are. */
  get size(): number {
    return this.subscribers.size;
  }

  async close(): Promise<void> {
    await this.stopListening?.();
    this.stopListening = undefined;
    this.subscribers.clear();
    await this.reading;
  }

  private notified(payload: string): void {
    const id = Number(payload);
    if (!Number.isSafeInteger(id) || id <= 0) return; // not ours: the channel is suitrig's alone
    this.pending.push(id);
    // Ids notified while a read runs are read together by the next one.
    if (this.pending.length === 1) this.enqueue(() => this.readPending());
  }

  /** Reads run one after another, so subscribers see events in the order they were read. */
  private enqueue(read: () => Promise<void>): void {
    this.reading = this.reading.then(read).catch(() => {
      // A failed read (database gone while closing) loses nothing recorded: a reconnecting
      // stream replays from the table by Last-Event-ID.
    });
  }

  private async readPending(): Promise<void> {
    const ids = this.pending;
    this.pending = [];
    // Nobody to hand them to (no stream open): not read at all. Every commit notifies, so on a
    // busy lab with no dashboard open this is most of the hub's queries. A stream opened later
    // replays what it missed from the table by its Last-Event-ID.
    if (this.subscribers.size === 0) for (const id of ids) this.lastId = Math.max(this.lastId, id);
    else this.deliver(await eventsByIds(this.db, ids));
  }

  private async catchUp(): Promise<void> {
    for (;;) {
      const page = await eventsAfter(this.db, this.lastId, CATCH_UP_PAGE);
      this.deliver(page);
      if (page.length < CATCH_UP_PAGE) return;
    }
  }

  private deliver(events: readonly ServiceEvent[]): void {
    for (const e of events) {
      this.lastId = Math.max(this.lastId, e.id);
      for (const fn of this.subscribers) fn(e);
    }
  }
}

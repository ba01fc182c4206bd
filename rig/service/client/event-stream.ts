/**
 * A reader of the lab service's event stream (`GET /api/v1/events`: server-sent events, each
 * `id:`, `event:`, `data:` with the event as JSON; rig/service/events/stream.ts) for a client that
 * waits for a change, e.g. a reservation's waiter. It reconnects after a dropped connection,
 * from the last id it saw, until it is stopped. A frame is bounded: a peer that sends more than
 * MAX_FRAME bytes without ending a frame is dropped (and reconnected to), never buffered.
 */
import type { TrackerClient } from './tracker.js';

export interface StreamEvent {
  id: number;
  topic: string;
  subject: string;
  data: Record<string, unknown>;
}

export interface EventWatch {
  /** Resolves once the first connection is open (or the first attempt failed). */
  readonly ready: Promise<void>;
  stop(): void;
}

const MAX_FRAME = 256 * 1024;
const RECONNECT_MS = 1_000;

/** Parses one frame (the lines between blank lines); undefined for comments and frames without data. */
export function parseFrame(frame: string): StreamEvent | undefined {
  const data = frame
    .split('\n')
    .filter((l) => l.startsWith('data:'))
    .map((l) => l.slice(5).replace(/^ /, ''))
    .join('\n');
  if (data === '') return undefined;
  try {
    const e = JSON.parse(data) as Partial<StreamEvent>;
    if (typeof e.id !== 'number' || typeof e.topic !== 'string' || typeof e.subject !== 'string') return undefined;
    return { id: e.id, topic: e.topic, subject: e.subject, data: e.data && typeof e.data === 'object' ? e.data : {} };
  } catch {
    return undefined;
  }
}

/** Calls `onEvent` with each event the service records from now on, until `stop()`. */
export function watchEvents(client: TrackerClient, onEvent: (e: StreamEvent) => void, onTrouble: (message: string) => void = () => undefined): EventWatch {
  const stopped = new AbortController();
  let lastId: number | undefined;
  let opened!: () => void;
  const ready = new Promise<void>((r) => (opened = r));

  async function readOnce(): Promise<void> {
    const res = await client.open('/events', stopped.signal, lastId !== undefined ? { 'last-event-id': String(lastId) } : {});
    opened();
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true }).replace(/\r\n?/g, '\n');
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const e = parseFrame(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (e) {
          lastId = e.id;
          onEvent(e);
        }
      }
      if (buffer.length > MAX_FRAME) throw new Error(`an event frame longer than ${MAX_FRAME} bytes`);
    }
  }

  void (async () => {
    while (!stopped.signal.aborted) {
      try {
        await readOnce();
      } catch (e) {
        if (stopped.signal.aborted) break;
        onTrouble(`event stream: ${(e as Error).message}`);
      }
      opened();
      await new Promise((r) => setTimeout(r, RECONNECT_MS).unref());
    }
  })();
  return { ready, stop: () => stopped.abort() };
}

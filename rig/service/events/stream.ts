/**
 * `GET /api/v1/events` (DESIGN.md "Lab service"): server-sent events of every state change, for
 * the dashboard and scripts. Each event is `id: <n>`, `event: <topic>`, `data: <JSON>`. With
 * `Last-Event-ID` (or `?after=`) the stream first replays what was recorded after that id, from
 * the events table, then goes live; events that arrive live while the replay runs are held and
 * sent after it, each once. The comment `: connected` comes once the stream knows where it
 * starts (after the client's id, or after the newest event): every event committed after it
 * reaches the client. A comment line every SSE_HEARTBEAT_MS keeps idle connections open.
 *
 * Memory is bounded per client: a client that reads slower than events arrive is dropped once
 * SSE_CLIENT_BUFFER bytes wait for it, and one stream replays at most SSE_REPLAY_MAX events
 * before it ends; either way the client reconnects with Last-Event-ID and misses nothing.
 * Browsers' EventSource cannot send an Authorization header: the dashboard reads this stream
 * with fetch(); tokens are never taken from the URL, where logs would keep them.
 */
import type { ServerResponse } from 'node:http';
import { Type } from '@fastify/type-provider-typebox';
import type { RoutePlugin } from '../context.js';
import { SSE_CLIENT_BUFFER, SSE_HEARTBEAT_MS, SSE_REPLAY_BACKLOG, SSE_REPLAY_MAX } from '../api/limits.js';
import { ApiError } from '../api/errors.js';
import { eventsAfter, latestEventId, type ServiceEvent } from '../store/events.js';
import { tokenLive } from '../auth/tokens.js';

const REPLAY_PAGE = 500;
const TOPICS = ['board', 'campaign', 'campaign-board', 'run', 'release', 'reservation', 'agent'] as const;

export function formatEvent(e: ServiceEvent): string {
  const data = JSON.stringify({ id: e.id, at: e.at, topic: e.topic, subject: e.subject, data: e.data });
  return `id: ${e.id}\nevent: ${e.topic}\ndata: ${data}\n\n`;
}

/** One client's connection: writes until it is over its buffer, then it is dropped. */
class SseClient {
  closed = false;
  constructor(private readonly res: ServerResponse) {
    res.on('close', () => (this.closed = true));
  }
  write(text: string): void {
    if (this.closed) return;
    this.res.write(text);
    if (this.res.writableLength > SSE_CLIENT_BUFFER) this.drop();
  }
  /** Waits until the client has taken most of what was written (the replay's own pace). */
  async drained(): Promise<void> {
    while (!this.closed && this.res.writableLength > SSE_CLIENT_BUFFER / 2) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.res.off('drain', done);
          this.res.off('close', done);
          resolve();
        };
        this.res.once('drain', done);
        this.res.once('close', done);
      });
    }
  }
  drop(): void {
    this.closed = true;
    this.res.destroy();
  }
  end(): void {
    this.closed = true;
    this.res.end();
  }
}

function lastEventId(header: string | string[] | undefined, after: number | undefined): number | undefined {
  if (header === undefined) return after;
  const v = Array.isArray(header) ? header[0]! : header;
  if (!/^(0|[1-9][0-9]{0,15})$/.test(v)) throw new ApiError(400, `Last-Event-ID: expected an event id (a non-negative integer), got '${v.slice(0, 40)}'`);
  return Number(v);
}

export const eventRoutes: RoutePlugin = async (app, { ctx }) => {
  const open = new Set<SseClient>();
  // Streams never end by themselves: close them so the server can shut down.
  app.addHook('preClose', async () => {
    for (const c of open) c.end();
  });

  app.get(
    '/events',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'server-sent events of state changes (replay with Last-Event-ID or ?after=)',
        tags: ['events'],
        produces: ['text/event-stream'],
        // For clients and tests: an answer that does not end by itself.
        'x-suitrig-stream': true,
        querystring: Type.Object(
          {
            after: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'replay events after this id' })),
            topic: Type.Optional(Type.Enum(TOPICS, { description: 'only events of this topic' })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req, reply) => {
      const asked = lastEventId(req.headers['last-event-id'], req.query.after);
      const topic = req.query.topic;
      const wanted = (e: ServiceEvent): boolean => topic === undefined || e.topic === topic;
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
      });
      res.flushHeaders();
      const client = new SseClient(res);
      open.add(client);
      // Live events are taken from now on; while the replay runs they wait in `held`. A live
      // event the client already has — at or before its Last-Event-ID, or replayed (the
      // notification of a commit can arrive after the replay read the row) — is not sent again.
      // A client without Last-Event-ID starts after the newest event recorded when it came.
      let held: ServiceEvent[] | undefined = [];
      const sent = new Set<number>();
      let from = asked ?? Number.MAX_SAFE_INTEGER;
      const fresh = (e: ServiceEvent): boolean => wanted(e) && e.id > from && !sent.has(e.id);
      const unsubscribe = ctx.events.subscribe((e) => {
        if (!fresh(e)) return;
        if (held) {
          if (held.push(e) > SSE_REPLAY_BACKLOG) client.drop();
        } else client.write(formatEvent(e));
      });
      // A stream outlives the check of its token at the start: each heartbeat checks it again,
      // and a token revoked meanwhile gets nothing more.
      const tokenId = req.auth!.id;
      const heartbeat = setInterval(() => {
        client.write(': heartbeat\n\n');
        tokenLive(ctx.db, tokenId).then(
          (live) => live || client.end(),
          () => undefined,
        );
      }, SSE_HEARTBEAT_MS);
      res.on('close', () => {
        unsubscribe();
        clearInterval(heartbeat);
        open.delete(client);
      });
      try {
        if (asked === undefined) from = await latestEventId(ctx.db);
        // Sent once the stream knows where it starts: every event committed after this line reaches the client.
        client.write('retry: 2000\n: connected\n\n');
        let cursor = from;
        while (!client.closed) {
          const page = await eventsAfter(ctx.db, cursor, REPLAY_PAGE);
          for (const e of page) {
            sent.add(e.id);
            if (wanted(e)) client.write(formatEvent(e));
          }
          await client.drained();
          if (page.length < REPLAY_PAGE) break;
          cursor = page.at(-1)!.id;
          if (sent.size >= SSE_REPLAY_MAX) {
            // Far behind: this stream ends here and the client, reconnecting with the last id it
            // got, continues the replay on a new one; no connection holds more than this much.
            client.end();
            return;
          }
        }
        const live = held ?? [];
        held = undefined;
        for (const e of live) if (!sent.has(e.id)) client.write(formatEvent(e));
        // `sent` stays (at most SSE_REPLAY_MAX ids) for notifications still on their way.
      } catch (err) {
        req.log.error({ err }, 'event replay failed');
        client.drop();
      }
    },
  );
};

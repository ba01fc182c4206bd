/**
 * GET /api/v1/events over real HTTP (rig/service/events): replay after Last-Event-ID from the
 * events table then live delivery, each event once and in order; a topic filter; ids in commit
 * order, so an event written first and committed last still reaches a client that reconnected in
 * between (server only: PGlite runs one transaction at a time); events delivered after the LISTEN
 * connection was cut (server); heartbeats on an idle stream; a client that stops reading is
 * dropped once its buffer is full; closing the service ends the streams.
 */
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { SSE_CLIENT_BUFFER, SSE_HEARTBEAT_MS } from '../../rig/service/api/limits.js';
import { openDatabase } from '../../rig/service/db/database.js';
import { latestEventId, recordEvent } from '../../rig/service/store/events.js';
import { describeOnDatabases } from '../helpers/databases.js';
import { testService, type TestService } from './fixture.js';
import { subscribe, type EventClient } from '../helpers/sse.js';

describeOnDatabases('server-sent events', (flavour) => {
  let s: TestService;
  let base: string;
  beforeAll(async () => {
    s = await testService(flavour);
    base = await s.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => s?.close());

  /** Records an event in a transaction of its own; its id, drawn as it committed (nothing else records meanwhile). */
  const record = async (topic: 'board' | 'release', subject: string, data: Record<string, unknown> = {}): Promise<number> => {
    await s.db.transaction((tx) => recordEvent(tx, topic, subject, data));
    return latestEventId(s.db);
  };

  it('replays what came after Last-Event-ID, then delivers live events, each once and in order', async () => {
    const first = await record('board', 'b1', { n: 1 });
    await record('board', 'b2', { n: 2 });
    await record('release', 'r1', { n: 3 });
    const c = await subscribe(base, { ...s.as('viewer'), 'last-event-id': String(first) });
    try {
      await c.next(2);
      await record('board', 'b3', { n: 4 });
      const got = await c.next(3);
      expect(got.map((e) => e.data.data.n)).toEqual([2, 3, 4]);
      expect(got.map((e) => e.event)).toEqual(['board', 'release', 'board']);
      expect(got.map((e) => e.id)).toEqual([first + 1, first + 2, first + 3]);
      expect(got[0]!.data).toMatchObject({ id: first + 1, topic: 'board', subject: 'b2' });
    } finally {
      c.close();
    }
  });

  it('without Last-Event-ID delivers live events only; ?topic= filters', async () => {
    await record('board', 'old');
    const all = await subscribe(base, s.as('viewer'));
    const boards = await subscribe(base, s.as('viewer'), '?topic=board');
    try {
      await record('release', 'r2');
      await record('board', 'b4');
      expect((await all.next(2)).map((e) => e.data.subject)).toEqual(['r2', 'b4']);
      expect((await boards.next(1)).map((e) => e.data.subject)).toEqual(['b4']);
      await record('board', 'b5');
      expect((await boards.next(2)).map((e) => e.data.subject)).toEqual(['b4', 'b5']);
    } finally {
      all.close();
      boards.close();
    }
  });

  it.skipIf(flavour === 'pglite')('numbers events in commit order: an event written first and committed last comes after, also for a client that reconnected in between (server only: PGlite runs one transaction at a time)', async () => {
    const c = await subscribe(base, s.as('viewer'));
    // A second connection to the same database (another service instance) holds an event's transaction open.
    const other = await openDatabase(s.spec);
    let again: EventClient | undefined;
    try {
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let written = false;
      const early = other.transaction(async (tx) => {
        await recordEvent(tx, 'board', 'early', {});
        written = true;
        await held;
      });
      while (!written) await new Promise((r) => setTimeout(r, 10));
      const lateId = await record('board', 'late');
      expect((await c.next(1)).map((e) => [e.id, e.data.subject])).toEqual([[lateId, 'late']]);
      // The client drops and comes back with the last id it got, while 'early' is still open.
      c.close();
      again = await subscribe(base, { ...s.as('viewer'), 'last-event-id': String(lateId) });
      release();
      await early;
      const got = await again.next(1);
      expect(got.map((e) => e.data.subject)).toEqual(['early']);
      expect(got[0]!.id).toBeGreaterThan(lateId);
    } finally {
      c.close();
      again?.close();
      await other.close();
    }
  });

  it.skipIf(flavour === 'pglite')('catches up after its LISTEN connection was cut, missing nothing recorded meanwhile (server only: PGlite listens in process)', async () => {
    const c = await subscribe(base, s.as('viewer'));
    try {
      const cut = await s.db.query<{ ok: boolean }>(
        "SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN %' AND pid <> pg_backend_pid()",
      );
      expect(cut.map((r) => r.ok)).toEqual([true]);
      // Recorded while nobody listens: no notification will ever say so.
      await record('board', 'during-the-gap');
      await record('board', 'after-the-gap');
      const got = await c.next(2);
      expect(got.map((e) => e.data.subject)).toEqual(['during-the-gap', 'after-the-gap']);
    } finally {
      c.close();
    }
  });

  it('drops a client that stops reading once its buffer is full, and keeps serving the others', async () => {
    const hub = s.app.ctx.events;
    const slow = await subscribe(base, s.as('viewer'));
    expect(hub.size).toBe(1);
    slow.res.pause();
    const big = 'x'.repeat(256 * 1024);
    // Far more than the client buffer and both sockets' kernel buffers together (loopback
    // receive windows grow to tens of MiB); the server side shows when it let go.
    const n = Math.ceil((SSE_CLIENT_BUFFER * 96) / big.length);
    let i = 0;
    for (; i < n && hub.size > 0; i++) await record('board', `big-${i}`, { big });
    const deadline = Date.now() + 10_000;
    while (hub.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(hub.size, `the slow client was not dropped after ${i} events of 256 KiB`).toBe(0);
    slow.res.resume();
    await slow.ended;
    expect(slow.events.length).toBeLessThan(i);
    const next = await subscribe(base, s.as('viewer'));
    await record('board', 'after');
    expect((await next.next(1))[0]!.data.subject).toBe('after');
    next.close();
  });

  it('sends a heartbeat comment every SSE_HEARTBEAT_MS on an idle stream', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const c = await subscribe(base, s.as('viewer'));
      let text = '';
      c.res.on('data', (d: string) => (text += d));
      vi.advanceTimersByTime(SSE_HEARTBEAT_MS * 2);
      const deadline = Date.now() + 5000;
      while ((text.match(/: heartbeat\n\n/g) ?? []).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect((text.match(/: heartbeat\n\n/g) ?? []).length).toBe(2);
      c.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('refuses a malformed Last-Event-ID with 400', async () => {
    const r = await s.app.inject({ url: '/api/v1/events', headers: { ...s.as('viewer'), 'last-event-id': 'abc' } });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.message).toMatch(/Last-Event-ID/);
  });

  it('ends open streams when the service closes', async () => {
    const c = await subscribe(base, s.as('viewer'));
    const closing = s.app.close();
    await c.ended;
    await closing;
  });
});

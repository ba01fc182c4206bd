/**
 * A client of the lab service's event stream (`GET /api/v1/events`, server-sent events) for
 * tests: collects every event it gets, in order; `next(n)` waits until n have come.
 */
import { request, type IncomingMessage } from 'node:http';

export interface Received {
  id: number;
  event: string;
  data: { id: number; topic: string; subject: string; data: Record<string, unknown> };
}

export interface EventClient {
  res: IncomingMessage;
  events: Received[];
  /** Resolves with every event so far once there are at least `n` (fails after `ms`, default 10 s). */
  next(n: number, ms?: number): Promise<Received[]>;
  ended: Promise<void>;
  close(): void;
}

/**
 * Opens `<base>/api/v1/events<query>` with `headers` (a token, a Last-Event-ID); resolves once the
 * stream said `: connected` (from then on every event committed reaches it).
 */
export function subscribe(base: string, headers: Record<string, string>, query = ''): Promise<EventClient> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}/api/v1/events${query}`, { headers }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`status ${res.statusCode}`));
      const events: Received[] = [];
      const waiters: { n: number; done: () => void }[] = [];
      let buf = '';
      let connected = false;
      const ended = new Promise<void>((done) => res.on('close', () => done()));
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        if (!connected && buf.includes(': connected\n')) {
          connected = true;
          resolve({
            res,
            events,
            ended,
            next: (n, ms = 10_000) =>
              new Promise((done, fail) => {
                if (events.length >= n) return done(events);
                const t = setTimeout(() => fail(new Error(`${events.length} of ${n} events after ${ms / 1000} s: ${JSON.stringify(events.map((e) => e.id))}`)), ms);
                waiters.push({ n, done: () => (clearTimeout(t), done(events)) });
              }),
            close: () => req.destroy(),
          });
        }
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const f = Object.fromEntries(block.split('\n').filter((l) => !l.startsWith(':') && l.includes(': ')).map((l) => [l.slice(0, l.indexOf(': ')), l.slice(l.indexOf(': ') + 2)]));
          if (f.data) events.push({ id: Number(f.id), event: f.event!, data: JSON.parse(f.data) });
        }
        for (const w of waiters.filter((w) => events.length >= w.n)) w.done();
      });
      res.on('close', () => connected || reject(new Error('the stream ended before it said connected')));
    });
    req.on('error', reject);
    req.end();
  });
}

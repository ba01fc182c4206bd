/**
 * The lab service's one source of truth (DESIGN.md "Lab service"): PostgreSQL, either embedded
 * in this process on PGlite (a data directory, nothing to install) or a real server given by a
 * `postgres://` URL. Both are reached through the small `Database` seam below, with the same SQL,
 * so everything above it (API, campaigns, the job queue) runs unchanged on either.
 *
 * PGlite is one connection inside this process: a second process opening the same directory
 * would corrupt it, so a data directory is locked (dir-lock.ts: held by the kernel while the
 * process lives) and a second opener is refused with a clear message.
 */
import { resolve } from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import pg from 'pg';
import { EnvironmentError, UsageError } from '../../../host/util/errors.js';
import { lockDirectory } from './dir-lock.js';

/** Values bound to `$1, $2, ...`; JSON columns take objects (serialized by the driver). */
export type SqlValue = string | number | bigint | boolean | null | Date | Uint8Array | object;

/** What both PostgreSQL flavours offer. Queries are parameterised; never build SQL from input. */
export interface Sql {
  /** Runs one statement and returns its rows. */
  query<T extends object = Record<string, unknown>>(text: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** Runs several statements without parameters (migrations). */
  exec(text: string): Promise<void>;
}

export interface Database extends Sql {
  readonly kind: 'pglite' | 'postgres';
  /** Where it is, for logs: the data directory, or the URL without its password. */
  readonly where: string;
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  /** The queue library's view of the database (pg-boss's `db` option: `executeSql`). */
  readonly queueAdapter: { executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }> };
  /**
   * LISTENs on `channel`: `onNotify` gets each notification's payload. On a server the listening
   * connection is a dedicated one, reconnected when it drops; notifications sent while it was
   * down are lost, so `onGap` is called after each reconnection for the listener to catch up
   * from its tables. Resolves to the function that stops listening.
   */
  listen(channel: string, onNotify: (payload: string) => void, onGap?: () => void): Promise<() => Promise<void>>;
  /**
   * Tries to take a lock that lives as long as this process's hold on the database: on a server,
   * a session advisory lock on a connection of its own — released by the server the moment the
   * process dies, killed or not; embedded, the data directory lock already is one (always taken).
   * Resolves to the release, or undefined when another live process holds the lock.
   */
  holdLock(key: string): Promise<(() => Promise<void>) | undefined>;
  /**
   * Runs `fn` while holding the server-wide lock `key`, waiting for it as long as another
   * process holds it (starting the job queue's schema: pg-boss's own lock leaves a race, see
   * jobs/queue.ts). The lock is a session advisory lock on a connection of its own, taken before
   * `fn` starts any transaction, so what `fn` reads is what the previous holder committed.
   * Embedded, the data directory already is this process's: `fn` just runs.
   */
  withLock<T>(key: string, fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** LISTEN takes an identifier, not a parameter: only plain lower-case names are accepted. */
function channelName(channel: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) throw new RangeError(`not a plain channel name: ${channel}`);
  return channel;
}

/** How long a dropped LISTEN connection waits before it tries again. */
const RELISTEN_DELAY_MS = 1000;

/**
 * bigint (int8) and count(*) come back as JavaScript numbers from both drivers, so code above
 * the seam never sees the drivers' differing choices (pg: string, PGlite: bigint). Every int8 the
 * service stores (sequence numbers, byte counts, milliseconds) stays below 2^53.
 */
const INT8_OID = 20;
const int8 = (v: string): number => Number(v);

/** Opens `spec`: a `postgres://` or `postgresql://` URL, or a data directory for embedded PGlite. */
export async function openDatabase(spec: string): Promise<Database> {
  if (/^postgres(ql)?:\/\//i.test(spec)) return openServer(spec);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(spec)) {
    throw new UsageError(`--db ${redactUrl(spec)}: expected a directory or a postgres:// URL`);
  }
  return openEmbedded(resolve(spec));
}

/** The URL with its password replaced, so it can be printed. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

function pgliteSql(q: PGlite | Transaction): Sql {
  return {
    async query<T extends object>(text: string, params: readonly SqlValue[] = []) {
      return (await q.query<T>(text, params as unknown[])).rows;
    },
    async exec(text: string) {
      await q.exec(text);
    },
  };
}

async function openEmbedded(dir: string): Promise<Database> {
  const unlock = await lockDirectory(dir);
  let db: PGlite;
  try {
    db = await PGlite.create(dir, { parsers: { [INT8_OID]: int8 } });
  } catch (e) {
    await unlock();
    throw new EnvironmentError(`--db ${dir}: not a usable PGlite data directory (${(e as Error).message})`);
  }
  const sql = pgliteSql(db);
  return {
    kind: 'pglite',
    where: dir,
    ...sql,
    transaction: (fn) => db.transaction((tx) => fn(pgliteSql(tx))),
    queueAdapter: {
      // pg-boss sends multi-statement scripts without parameters (its schema, its maintenance:
      // BEGIN; ...; COMMIT) and single statements with them; PGlite takes the former only through
      // exec(). A script that fails halfway leaves its BEGIN open and aborted, and this one
      // connection is every query's: it is rolled back before anything else runs.
      async executeSql(text, values) {
        if (!values || values.length === 0) {
          try {
            const results = await db.exec(text);
            return { rows: results.at(-1)?.rows ?? [] };
          } catch (e) {
            await db.exec('ROLLBACK').catch(() => {});
            throw e;
          }
        }
        return { rows: (await db.query(text, values)).rows };
      },
    },
    async listen(channel, onNotify) {
      // One connection: notifications of this process's own commits arrive here, nothing is missed.
      return db.listen(channelName(channel), onNotify);
    },
    // The data directory is this process's alone: whatever it locks, it holds.
    holdLock: async () => async () => {},
    withLock: (_key, fn) => fn(),
    async close() {
      await db.close();
      await unlock();
    },
  };
}

async function openServer(url: string): Promise<Database> {
  const types = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === INT8_OID ? int8 : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
  };
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 10_000, types });
  const listeners = new Set<() => Promise<void>>();
  // An idle client's error (server restarted) must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  try {
    (await pool.connect()).release();
  } catch (e) {
    await pool.end().catch(() => {});
    throw new EnvironmentError(`--db ${redactUrl(url)}: cannot connect (${(e as Error).message})`);
  }
  const on = (c: pg.Pool | pg.PoolClient): Sql => ({
    async query<T extends object>(text: string, params: readonly SqlValue[] = []) {
      return (await c.query(text, params as unknown[])).rows as T[];
    },
    async exec(text: string) {
      await c.query(text);
    },
  });
  return {
    kind: 'postgres',
    where: redactUrl(url),
    ...on(pool),
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const out = await fn(on(client));
        await client.query('COMMIT');
        return out;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => {});
        throw e;
      } finally {
        client.release();
      }
    },
    queueAdapter: {
      // pool.query() discards a connection whose query failed, so a script that failed after its
      // BEGIN never hands an aborted transaction to the next query.
      async executeSql(text, values) {
        return { rows: (await pool.query(text, values)).rows };
      },
    },
    listen: (channel, onNotify, onGap) => listenOnServer(url, types, channelName(channel), onNotify, onGap, listeners),
    async holdLock(key) {
      const c = new pg.Client({ connectionString: url, types });
      c.on('error', () => {}); // a dropped connection loses the lock; the holder's heartbeat notices
      await c.connect();
      const [row] = (await c.query<{ held: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS held', [key])).rows;
      if (!row?.held) {
        await c.end().catch(() => {});
        return undefined;
      }
      const release = async (): Promise<void> => {
        listeners.delete(release);
        await c.end().catch(() => {});
      };
      listeners.add(release);
      return release;
    },
    async withLock(key, fn) {
      const c = new pg.Client({ connectionString: url, types });
      c.on('error', () => {});
      await c.connect();
      try {
        await c.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [key]);
        return await fn();
      } finally {
        await c.end().catch(() => {}); // the session ends: the server releases its lock
      }
    },
    async close() {
      await Promise.all([...listeners].map((stop) => stop()));
      await pool.end();
    },
  };
}

/**
 * A LISTEN on its own client (a pooled one would be handed to other queries and lose it). When
 * the connection ends (server restart, network), it is opened again every RELISTEN_DELAY_MS
 * until it succeeds, then `onGap` lets the listener catch up on what it missed.
 */
async function listenOnServer(
  url: string,
  types: pg.ClientConfig['types'],
  channel: string,
  onNotify: (payload: string) => void,
  onGap: (() => void) | undefined,
  listeners: Set<() => Promise<void>>,
): Promise<() => Promise<void>> {
  let client: pg.Client | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: url, types });
    c.on('error', () => {}); // 'end' follows; reconnection is handled there
    c.on('notification', (m) => {
      if (m.channel === channel) onNotify(m.payload ?? '');
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${channel}`);
    } catch (e) {
      await c.end().catch(() => {});
      throw e;
    }
    c.on('end', () => {
      if (client === c) client = undefined;
      if (!stopped) retry();
    });
    client = c;
  };
  const retry = (): void => {
    timer = setTimeout(() => {
      connect().then(
        () => onGap?.(),
        () => {
          if (!stopped) retry();
        },
      );
    }, RELISTEN_DELAY_MS);
  };
  await connect().catch((e: Error) => {
    throw new EnvironmentError(`--db ${redactUrl(url)}: cannot LISTEN on ${channel} (${e.message})`);
  });
  const stop = async (): Promise<void> => {
    stopped = true;
    clearTimeout(timer);
    listeners.delete(stop);
    await client?.end().catch(() => {});
  };
  listeners.add(stop);
  return stop;
}

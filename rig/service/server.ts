/**
 * One running lab service (`suitrig serve`, and tests in-process): opens the database, applies
 * migrations, builds the API with the modules' routes, listens, then starts the modules; close()
 * undoes it in reverse. The command line is rig/cli/commands/serve.ts.
 */
import { EnvironmentError, UsageError } from '../../host/util/errors.js';
import { openDatabase, type Database } from './db/database.js';
import { migrate } from './db/migrations.js';
import { buildApp, type ServiceApp } from './api/app.js';
import type { ReleaseTrust, RunningModule, ServiceModule } from './context.js';
import { SERVICE_MODULES } from './modules.js';
import type { FastifyServerOptions } from 'fastify';

export interface ServiceOptions {
  /** `--db`: a data directory (embedded PGlite) or a postgres:// URL. */
  db: string;
  /** `--listen http://HOST:PORT` (port 0: any free port). */
  listen: string;
  releaseTrust?: ReleaseTrust;
  lab?: string;
  /** Seconds without a heartbeat before an agent's boards go offline (default 30). */
  agentTtlS?: number;
  /** How long a job's claim lasts without renewal (default 15 s). */
  leaseMs?: number;
  modules?: readonly ServiceModule[];
  logger?: FastifyServerOptions['logger'];
  version?: string;
}

export interface RunningService {
  /** `http://HOST:PORT` as bound (the real port when 0 was asked). */
  url: string;
  app: ServiceApp;
  db: Database;
  close(): Promise<void>;
}

/** `http://HOST:PORT` -> host and port; anything else is a usage error. */
export function parseListen(spec: string): { host: string; port: number } {
  let u: URL;
  try {
    u = new URL(spec);
  } catch {
    throw new UsageError(`--listen ${spec}: expected http://HOST:PORT`);
  }
  if (u.protocol !== 'http:' || (u.pathname !== '/' && u.pathname !== '') || u.search || u.username) {
    throw new UsageError(`--listen ${spec}: expected http://HOST:PORT (plain HTTP; put TLS in front with a proxy)`);
  }
  const port = u.port === '' ? 80 : Number(u.port);
  return { host: u.hostname.replace(/^\[(.*)\]$/, '$1'), port };
}

export async function startService(o: ServiceOptions): Promise<RunningService> {
  const { host, port } = parseListen(o.listen);
  const modules = o.modules ?? SERVICE_MODULES;
  const db = await openDatabase(o.db);
  const running: RunningModule[] = [];
  let app: ServiceApp | undefined;
  const close = async (): Promise<void> => {
    for (const m of running.reverse()) await m.stop().catch(() => {});
    await app?.close();
    await db.close();
  };
  try {
    await migrate(db);
    app = await buildApp({
      db,
      plugins: modules.flatMap((m) => m.routes ?? []),
      pages: modules.flatMap((m) => m.pages ?? []),
      ...(o.releaseTrust ? { releaseTrust: o.releaseTrust } : {}),
      ...(o.logger !== undefined ? { logger: o.logger } : {}),
      ...(o.version ? { version: o.version } : {}),
    });
    await app.listen({ host, port }).catch((e: NodeJS.ErrnoException) => {
      throw new EnvironmentError(`--listen ${o.listen}: cannot listen (${e.code ?? e.message})`);
    });
    const addr = app.server.address();
    if (addr === null || typeof addr === 'string') throw new EnvironmentError(`--listen ${o.listen}: no TCP address`);
    const url = `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
    for (const m of modules) {
      if (m.start) {
        const opts = { url, ...(o.lab ? { lab: o.lab } : {}), ...(o.agentTtlS !== undefined ? { agentTtlS: o.agentTtlS } : {}), ...(o.leaseMs !== undefined ? { leaseMs: o.leaseMs } : {}) };
        running.push(await m.start(app.ctx, opts));
      }
    }
    return { url, app, db, close };
  } catch (e) {
    await close().catch(() => {});
    throw e;
  }
}

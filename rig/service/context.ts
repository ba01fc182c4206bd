/**
 * What every part of the lab service is given: the database, the event hub, the firmware
 * server's trust anchors; and the two ways a part plugs in — route plugins (registered under
 * /api/v1, each route declaring its role) and modules started with the service (an in-process
 * agent, a queue worker), listed in modules.ts.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger } from 'fastify';
import type { TrustAnchor } from '../../host/keys/index.js';
import type { Database } from './db/database.js';
import type { EventHub } from './events/hub.js';

/** `serve --trust/--require`: what an uploaded release must verify against. */
export interface ReleaseTrust {
  trust: readonly TrustAnchor[];
  require?: readonly string[];
}

export interface ServiceContext {
  db: Database;
  events: EventHub;
  /** Undefined when the service was started without --trust: releases are then refused. */
  releaseTrust: ReleaseTrust | undefined;
  log: FastifyBaseLogger;
}

/** Routes of one area (boards, releases, campaigns, ...), registered with prefix /api/v1. */
export type RoutePlugin = FastifyPluginAsyncTypebox<{ ctx: ServiceContext }>;

/** Options of `suitrig serve` a module may use. */
export interface ServeOptions {
  /** `--lab rig.yaml`, resolved: boards for an in-process agent. */
  lab?: string;
  /** The service's own URL (`listening on ...`), for modules that talk to it over HTTP. */
  url: string;
  /** `--agent-ttl`: seconds without a heartbeat before an agent's boards go offline. */
  agentTtlS?: number;
  /** `--job-lease`: milliseconds a job's claim lasts without renewal. */
  leaseMs?: number;
}

/** Something that runs with the service: started after the API listens, stopped before it closes. */
export interface RunningModule {
  stop(): Promise<void>;
}

export interface ServiceModule {
  name: string;
  routes?: readonly RoutePlugin[];
  /** Route plugins registered at the root (`/`), not under /api/v1: the dashboard's pages. */
  pages?: readonly RoutePlugin[];
  start?(ctx: ServiceContext, options: ServeOptions): Promise<RunningModule>;
}

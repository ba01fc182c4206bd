/**
 * The lab service's HTTP API (DESIGN.md "Lab service"): a fastify instance whose routes are
 * declared with TypeBox schemas — the same schemas validate requests and describe the API in
 * /api/v1/openapi.json. Request schemas are closed (strict-schemas.ts), every route declares its
 * role (auth.ts), request bodies are bounded (limits.ts), and every refusal has one JSON shape
 * (errors.ts). Areas of the API are route plugins (boards, releases, events, and the campaign
 * engine's), all registered under /api/v1 with the same ServiceContext.
 */
import type { Socket } from 'node:net';
import swagger from '@fastify/swagger';
import { Type, TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Database } from '../db/database.js';
import type { ReleaseTrust, RoutePlugin, ServiceContext } from '../context.js';
import { EventHub } from '../events/hub.js';
import { assertRoleDeclared, installAuth } from './auth.js';
import { errorHandler, notFoundHandler } from './errors.js';
import { JSON_BODY_LIMIT, PARAM_MAX_LENGTH, REQUEST_TIMEOUT_MS } from './limits.js';
import { assertClosedSchemas } from './strict-schemas.js';

export const API_PREFIX = '/api/v1';

const NO_QUERY = Type.Object({}, { additionalProperties: false });

export interface AppOptions {
  db: Database;
  /** The firmware server's trust anchors; without them releases are refused. */
  releaseTrust?: ReleaseTrust;
  /** Route plugins, each registered under /api/v1. */
  plugins?: readonly RoutePlugin[];
  /** Route plugins registered at the root: the dashboard's pages (rig/service/dashboard/). */
  pages?: readonly RoutePlugin[];
  /** fastify's logger option (default: off; serve logs to stderr). */
  logger?: FastifyServerOptions['logger'];
  /** The service's version, for the API description. */
  version?: string;
}

export type ServiceApp = FastifyInstance & { ctx: ServiceContext };

/**
 * A connection that never sent a byte (a client's pool, e.g. an agent's, opened it ahead of a
 * request it then did not send) is not idle to Node's server, which would stay open for it until
 * the request timeout: on close such connections are ended, the others finish their requests.
 */
function closeUnusedConnectionsOnClose(app: FastifyInstance): void {
  const unused = new Set<Socket>();
  app.server.on('connection', (socket: Socket) => {
    unused.add(socket);
    socket.once('data', () => unused.delete(socket));
    socket.once('close', () => unused.delete(socket));
  });
  app.addHook('preClose', async () => {
    for (const s of unused) s.destroy();
  });
}

/** Builds the app (not yet listening) and starts its event hub; app.close() stops both. */
export async function buildApp(o: AppOptions): Promise<ServiceApp> {
  const app = Fastify({
    logger: o.logger ?? false,
    // One line per request would drown what matters; refusals and faults are logged where decided.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: JSON_BODY_LIMIT,
    requestTimeout: REQUEST_TIMEOUT_MS,
    exposeHeadRoutes: false,
    return503OnClosing: true,
    routerOptions: { maxParamLength: PARAM_MAX_LENGTH },
    // Prototype poisoning in JSON bodies is refused (400), not stripped.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // Malformed URLs (a lone '%') are refused before routing: the same error shape.
    frameworkErrors: (err, req, reply) => errorHandler(err, req, reply),
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Bodies are validated as sent (no type coercion: "5" is not 5); query strings and path
  // parameters, which are text on the wire, are converted to their declared types first.
  app.setValidatorCompiler(TypeBoxValidatorCompiler);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  // JSON only: fastify's default text/plain parser would hand a string to a route expecting an object.
  app.removeContentTypeParser('text/plain');

  app.addHook('onRoute', (route) => {
    assertRoleDeclared(route);
    assertClosedSchemas(route);
    // A route that declares no query string takes none: `?anything` is refused, not ignored.
    route.schema = { ...route.schema, querystring: route.schema?.querystring ?? NO_QUERY };
  });
  installAuth(app, o.db);

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'suitrig lab service', version: o.version ?? '0', description: 'Status tracker and firmware server of a SUIT test lab (RFC 9019).' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
    // Each operation carries the role it needs (x-suitrig-role), so clients and the access
    // tests read who may call what from the description itself.
    transform: ({ schema, url, route }) => {
      const role = route.config?.role;
      return {
        schema: { ...(schema ?? {}), 'x-suitrig-role': role, ...(role !== 'public' ? { security: [{ bearer: [] }] } : {}) } as typeof schema,
        url,
      };
    },
  });

  closeUnusedConnectionsOnClose(app);
  const events = await EventHub.start(o.db);
  const ctx: ServiceContext = { db: o.db, events, releaseTrust: o.releaseTrust, log: app.log as FastifyBaseLogger };
  app.addHook('onClose', async () => events.close());

  try {
    app.get(`${API_PREFIX}/openapi.json`, { config: { role: 'public' }, schema: { hide: true } }, async () => app.swagger());
    for (const plugin of o.plugins ?? []) await app.register(plugin, { prefix: API_PREFIX, ctx });
    for (const plugin of o.pages ?? []) await app.register(plugin, { ctx });
    await app.ready();
  } catch (e) {
    // A route refused at registration: stop what started (the event hub's LISTEN).
    await app.close().catch(() => {});
    throw e;
  }
  return Object.assign(app, { ctx }) as unknown as ServiceApp;
}

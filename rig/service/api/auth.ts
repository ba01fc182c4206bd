/**
 * Access control of the lab service's API (DESIGN.md "Lab service", Access): every route
 * declares the role it needs in its config (`config: { role: 'operator' }`, or 'public'), and a
 * route that declares none stops the service at start, so nothing becomes public by omission.
 * One onRequest hook — before the body is read — checks `Authorization: Bearer <token>`: no
 * token or an unknown or revoked one is 401, a role that does not grant the route's is 403.
 */
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import type { Database } from '../db/database.js';
import { grants, isRouteRole, rolesGranting, type RouteRole } from '../auth/roles.js';
import { verifyToken, type TokenInfo } from '../auth/tokens.js';
import { ApiError } from './errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The role a route needs (auth.ts); every route must declare one. */
    role?: RouteRole;
  }
  interface FastifyRequest {
    /** The token of an authenticated request (null on public routes). */
    auth: TokenInfo | null;
  }
}

/** Throws for a route that does not declare a role (called from the onRoute hook). */
export function assertRoleDeclared(route: RouteOptions): RouteRole {
  const role = route.config?.role;
  if (!isRouteRole(role)) {
    throw new Error(
      `route ${String(route.method)} ${route.url} declares no role: add config: { role: 'viewer' | 'operator' | 'agent' | 'admin' | 'public' }`,
    );
  }
  return role;
}

/** The token of `req`'s Authorization header, checked against the route's role. */
async function authenticate(db: Database, req: FastifyRequest, needed: Exclude<RouteRole, 'public'>): Promise<TokenInfo> {
  const header = req.headers.authorization;
  if (header === undefined) throw new ApiError(401, 'missing Authorization: Bearer <token>');
  const m = /^Bearer +(\S+) *$/i.exec(header);
  if (!m) throw new ApiError(401, 'the Authorization header is not of the form Bearer <token>');
  const token = await verifyToken(db, m[1]!);
  if (!token) throw new ApiError(401, 'unknown or revoked token');
  if (!grants(token.role, needed)) {
    throw new ApiError(403, `${req.method} ${req.routeOptions.url} needs the ${needed} role (${rolesGranting(needed).join(', ')}); this token is ${token.role}`);
  }
  return token;
}

export function installAuth(app: FastifyInstance, db: Database): void {
  app.decorateRequest('auth', null);
  app.addHook('onRequest', async (req) => {
    const role = req.routeOptions.config?.role;
    // No role here means no route matched: the not-found handler answers, and reveals nothing.
    if (role === undefined || role === 'public') return;
    req.auth = await authenticate(db, req, role);
  });
}

/**
 * Who may do what in the lab service (DESIGN.md "Lab service", Access). Each token has one role;
 * each route declares the one role it needs, and a token may use it when its role grants that one:
 *
 *   viewer    reads: boards, releases, campaigns, runs, events, history
 *   operator  viewer + releases, campaigns, runs, reservations (RFC 9019's device operator)
 *   agent     viewer + registering its own boards and reporting on them, taking their jobs,
 *             reserving them; not operator work: a lab host's key cannot start campaigns or
 *             upload releases
 *   admin     everything, tokens included
 *
 * 'public' is a route's explicit declaration that it needs no token (the API description).
 * 'reserve' is a route's need that two roles share: reserving boards (issue 13), which an operator
 * does for any board and an agent for the boards of its own agents (store/reservation-queue.ts
 * checks whose they are) — `update` and `flash --tracker` speak with an agent token, and must
 * keep the queue's jobs off the board they work on.
 */

export const ROLES = ['viewer', 'operator', 'agent', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** What a route may declare: a role, 'public' (no token), or 'reserve'. */
export type RouteRole = Role | 'public' | 'reserve';

const GRANTS: Record<Role, readonly Exclude<RouteRole, 'public'>[]> = {
  viewer: ['viewer'],
  operator: ['viewer', 'operator', 'reserve'],
  agent: ['viewer', 'agent', 'reserve'],
  admin: ['viewer', 'operator', 'agent', 'admin', 'reserve'],
};

export function isRole(x: unknown): x is Role {
  return typeof x === 'string' && (ROLES as readonly string[]).includes(x);
}

export function isRouteRole(x: unknown): x is RouteRole {
  return x === 'public' || x === 'reserve' || isRole(x);
}

/** Whether a token of role `holder` may use a route that needs `needed`. */
export function grants(holder: Role, needed: RouteRole): boolean {
  return needed === 'public' || GRANTS[holder].includes(needed);
}

/** The roles that may use a route needing `needed` (for messages and tests). */
export function rolesGranting(needed: RouteRole): Role[] {
  return ROLES.filter((r) => grants(r, needed));
}

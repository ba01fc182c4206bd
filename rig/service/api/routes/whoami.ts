/**
 * `GET /api/v1/whoami`: the caller's token as the service knows it — its name, its role and the
 * roles that role grants (auth/roles.ts) — so a client (the dashboard) shows only what the token
 * may do. Showing is a courtesy: every route still checks the role itself.
 */
import { Type } from '@fastify/type-provider-typebox';
import { ROLES, grants } from '../../auth/roles.js';
import type { RoutePlugin } from '../../context.js';
import { AUTH_ERRORS } from '../schemas.js';

export const whoamiRoutes: RoutePlugin = async (app) => {
  app.get(
    '/whoami',
    {
      config: { role: 'viewer' },
      schema: {
        summary: "the caller's token: name, role, and the roles it grants",
        tags: ['tokens'],
        response: {
          200: Type.Object({ name: Type.String(), role: Type.Enum(ROLES), grants: Type.Array(Type.Enum(ROLES)) }, { additionalProperties: false }),
          ...AUTH_ERRORS,
        },
      },
    },
    async (req) => {
      const t = req.auth!;
      return { name: t.name, role: t.role, grants: ROLES.filter((r) => grants(t.role, r)) };
    },
  );
};

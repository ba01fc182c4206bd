/**
 * `/api/v1/tokens` (admin): list, create and revoke access tokens over the API; the first admin
 * token comes from `suitrig token create` on the database. A new token's secret is in the
 * creation answer only.
 */
import { Type } from '@fastify/type-provider-typebox';
import { ROLES } from '../../auth/roles.js';
import { TOKEN_NAME, createToken, listTokens, revokeToken, type TokenInfo } from '../../auth/tokens.js';
import type { RoutePlugin } from '../../context.js';
import { ApiError } from '../errors.js';
import { AUTH_ERRORS, ErrorBody, NumericId } from '../schemas.js';

const Role = Type.Enum(ROLES);

const TokenView = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    role: Role,
    created_at: Type.String({ format: 'date-time' }),
    revoked_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { additionalProperties: false },
);

const view = (t: TokenInfo) => ({ id: t.id, name: t.name, role: t.role, created_at: t.createdAt.toISOString(), revoked_at: t.revokedAt?.toISOString() ?? null });

export const tokenRoutes: RoutePlugin = async (app, { ctx }) => {
  app.get(
    '/tokens',
    { config: { role: 'admin' }, schema: { summary: 'list tokens (never their secrets)', tags: ['tokens'], response: { 200: Type.Object({ tokens: Type.Array(TokenView) }, { additionalProperties: false }), ...AUTH_ERRORS } } },
    async () => ({ tokens: (await listTokens(ctx.db)).map(view) }),
  );

  app.post(
    '/tokens',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'create a token; its secret is in this answer only',
        tags: ['tokens'],
        body: Type.Object({ role: Role, name: Type.Optional(Type.String({ pattern: TOKEN_NAME.source })) }, { additionalProperties: false }),
        response: { 201: Type.Object({ ...TokenView.properties, token: Type.String() }, { additionalProperties: false }), ...AUTH_ERRORS },
      },
    },
    async (req, reply) => {
      const t = await createToken(ctx.db, req.body.role, req.body.name);
      req.log.info({ id: t.id, role: t.role, by: req.auth?.id }, 'token created');
      return reply.status(201).send({ ...view(t), token: t.token });
    },
  );

  app.delete(
    '/tokens/:id',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'revoke a token',
        tags: ['tokens'],
        params: Type.Object({ id: NumericId }, { additionalProperties: false }),
        response: { 204: Type.Null({ description: 'revoked' }), 404: ErrorBody, ...AUTH_ERRORS },
      },
    },
    async (req, reply) => {
      if (!(await revokeToken(ctx.db, req.params.id))) throw new ApiError(404, `no live token ${req.params.id}`);
      return reply.status(204).send(null);
    },
  );
};

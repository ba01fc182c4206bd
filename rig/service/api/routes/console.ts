/**
 * `GET /api/v1/boards/{name}/console` (DESIGN.md "Lab service": a board's console log, for the
 * dashboard and scripts): the newest lines a board printed, as its agent sent them
 * (store/console.ts: each line and the amount kept are bounded), oldest first, with the time each
 * batch arrived; `more` says older lines exist, `dropped` how many the agent could not keep.
 */
import { Type } from '@fastify/type-provider-typebox';
import type { RoutePlugin } from '../../context.js';
import { CONSOLE_READ_MAX, consoleTail } from '../../store/console.js';
import { AUTH_ERRORS, DateTime, ErrorBody, Name } from '../schemas.js';

const closed = { additionalProperties: false } as const;
const CONSOLE_DEFAULT = 500;

export const consoleRoutes: RoutePlugin = async (app, { ctx }) => {
  app.get(
    '/boards/:name/console',
    {
      config: { role: 'viewer' },
      schema: {
        summary: "a board's newest console lines, oldest first",
        tags: ['boards'],
        params: Type.Object({ name: Name }, closed),
        querystring: Type.Object(
          { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: CONSOLE_READ_MAX, default: CONSOLE_DEFAULT, description: `lines (at most ${CONSOLE_READ_MAX})` })) },
          closed,
        ),
        response: {
          200: Type.Object(
            { lines: Type.Array(Type.Object({ at: DateTime, text: Type.String() }, closed)), dropped: Type.Integer(), more: Type.Boolean() },
            closed,
          ),
          404: ErrorBody,
          ...AUTH_ERRORS,
        },
      },
    },
    async (req) => consoleTail(ctx.db, req.params.name, req.query.limit ?? CONSOLE_DEFAULT),
  );
};

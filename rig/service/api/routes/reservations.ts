/**
 * `/api/v1/boards/{name}/reservations` and `/api/v1/reservations` (DESIGN.md "Lab service";
 * issue 13): operators take a board as a lease (`ttl_s`, default 60 s, at most 24 h), renew it
 * while they are alive (PUT, the heartbeat), and release it (DELETE); a lease not renewed expires
 * on its own. A board held by someone else is refused with 409 naming the holder and the end of
 * the lease. The rules live in store/reservations.ts.
 */
import { Type } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { RoutePlugin } from '../../context.js';
import type { Caller } from '../../store/boards.js';
import { DEFAULT_TTL_S, MAX_TTL_S, listReservations, releaseReservation, renewReservation, reserveBoard, type Lease } from '../../store/reservations.js';
import { AUTH_ERRORS, DateTime, ErrorBody, Name } from '../schemas.js';

const closed = { additionalProperties: false } as const;
const LeaseId = Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$', description: 'the lease id' });
const TtlS = Type.Integer({ minimum: 1, maximum: MAX_TTL_S, description: `seconds until the lease expires unless renewed (default ${DEFAULT_TTL_S})` });
const Holder = Type.String({ pattern: '^[\\x20-\\x7e]{1,64}$', description: "who holds it, for people (default: the token's name)" });

const LeaseBody = Type.Object({ id: LeaseId, board: Type.String(), holder: Type.String(), created_at: DateTime, expires_at: DateTime }, closed);
const BoardParams = Type.Object({ name: Name }, closed);
const LeaseParams = Type.Object({ name: Name, id: LeaseId }, closed);

function caller(req: FastifyRequest): Caller {
  const t = req.auth;
  // The auth hook has run on every operator route; never fall back to a wider caller.
  if (!t) throw new Error('a reservation route without an authenticated token');
  return { tokenId: t.id, role: t.role };
}

const view = (l: Lease) => ({ id: l.id, board: l.board, holder: l.holder, created_at: l.created_at, expires_at: l.expires_at });

export const reservationRoutes: RoutePlugin = async (app, { ctx }) => {
  app.get(
    '/reservations',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'live reservations, by board',
        tags: ['reservations'],
        response: { 200: Type.Object({ reservations: Type.Array(Type.Omit(LeaseBody, ['id'])) }, closed), ...AUTH_ERRORS },
      },
    },
    async () => ({ reservations: (await listReservations(ctx.db)).map(({ id: _id, ...rest }) => rest) }),
  );

  app.post(
    '/boards/:name/reservations',
    {
      config: { role: 'operator' },
      schema: {
        summary: 'reserve a board: a lease to renew before it expires; 409 names who holds it until when',
        tags: ['reservations'],
        params: BoardParams,
        body: Type.Object({ ttl_s: Type.Optional(TtlS), holder: Type.Optional(Holder) }, closed),
        response: { 201: LeaseBody, 404: ErrorBody, 409: ErrorBody, ...AUTH_ERRORS },
      },
    },
    async (req, reply) => {
      const lease = await reserveBoard(ctx.db, req.params.name, { holder: req.body.holder ?? req.auth!.name, ttlS: req.body.ttl_s ?? DEFAULT_TTL_S, by: caller(req) });
      return reply.status(201).send(view(lease));
    },
  );

  app.put(
    '/boards/:name/reservations/:id',
    {
      config: { role: 'operator' },
      schema: {
        summary: "renew a lease (its holder's heartbeat): it now ends ttl_s from now",
        tags: ['reservations'],
        params: LeaseParams,
        body: Type.Object({ ttl_s: Type.Optional(TtlS) }, closed),
        response: { 200: LeaseBody, 404: ErrorBody, ...AUTH_ERRORS },
      },
    },
    async (req) => view(await renewReservation(ctx.db, req.params.name, req.params.id, { ttlS: req.body.ttl_s ?? DEFAULT_TTL_S, by: caller(req) })),
  );

  app.delete(
    '/boards/:name/reservations/:id',
    {
      config: { role: 'operator' },
      schema: {
        summary: 'release a lease',
        tags: ['reservations'],
        params: LeaseParams,
        response: { 200: LeaseBody, 404: ErrorBody, ...AUTH_ERRORS },
      },
    },
    async (req) => view(await releaseReservation(ctx.db, req.params.name, req.params.id, caller(req))),
  );
};

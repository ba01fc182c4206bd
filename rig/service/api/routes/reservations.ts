/**
 * Reservations over HTTP (DESIGN.md "Lab service": `POST /boards/{name}/reservations`; issue 13).
 * Operators — and agents, for their own agents' boards — take boards as leases (`ttl_s`, default
 * 60 s, at most 24 h), renew them while they are alive (PUT, the heartbeat) and release them
 * (DELETE); a lease not renewed expires on its own.
 *
 * - `POST /reservations {board | tag, count?, ttl_s?, holder?, wait?, wait_ttl_s?}`: one board
 *   by name, or `count` boards with a tag, all or none: 201 `{leases}`; otherwise 409 naming who
 *   holds them until when, or with `wait` 202 `{ticket}`: a place in the fair queue.
 * - `PUT /reservations/tickets/{id}`: the waiter's heartbeat and its turn: `{leases}` once its
 *   boards are its, else `{ticket}` (its position, and why it waits). `DELETE` leaves the queue.
 * - `POST /boards/{name}/reservations {ttl_s?, holder?}`: one board, 201 the lease or 409.
 * - `GET /reservations`: the live leases and the waiting tickets.
 * The rules live in store/reservations.ts and store/reservation-queue.ts.
 */
import { Type } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { RoutePlugin } from '../../context.js';
import type { Caller } from '../../store/boards.js';
import { DEFAULT_TICKET_TTL_S, MAX_COUNT, MAX_TICKET_TTL_S, leaveQueue, listWaiting, reserve, tryTicket, type Outcome } from '../../store/reservation-queue.js';
import { DEFAULT_TTL_S, MAX_TTL_S, listReservations, releaseReservation, renewReservation, type Lease } from '../../store/reservations.js';
import { AUTH_ERRORS, DateTime, ErrorBody, Name } from '../schemas.js';

const closed = { additionalProperties: false } as const;
const Uuid = (description: string) => Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$', description });
const LeaseId = Uuid('the lease id');
const TtlS = Type.Integer({ minimum: 1, maximum: MAX_TTL_S, description: `seconds until the lease expires unless renewed (default ${DEFAULT_TTL_S})` });
const Holder = Type.String({ pattern: '^[\\x20-\\x7e]{1,64}$', description: "who holds it, for people (default: the token's name)" });

const LeaseBody = Type.Object({ id: LeaseId, board: Type.String(), holder: Type.String(), created_at: DateTime, expires_at: DateTime }, closed);
const OptionalName = Type.Union([Type.String(), Type.Null()]);
const TicketBody = Type.Object(
  {
    id: Uuid('the ticket id'),
    board: OptionalName,
    tag: OptionalName,
    count: Type.Integer(),
    holder: Type.String(),
    created_at: DateTime,
    expires_at: DateTime,
    position: Type.Integer({ description: '1 when nobody older waits for these boards' }),
    why: Type.String({ description: 'who holds the boards until when, or whom they are promised to' }),
  },
  closed,
);
const OutcomeBody = Type.Object({ leases: Type.Optional(Type.Array(LeaseBody)), ticket: Type.Optional(TicketBody) }, { ...closed, description: 'the leases taken, or the ticket that waits' });
const WaitingBody = Type.Object(
  { board: OptionalName, tag: OptionalName, count: Type.Integer(), holder: Type.String(), created_at: DateTime, expires_at: DateTime },
  closed,
);
const BoardParams = Type.Object({ name: Name }, closed);
const LeaseParams = Type.Object({ name: Name, id: LeaseId }, closed);
const TicketParams = Type.Object({ id: Uuid('the ticket id') }, closed);

function caller(req: FastifyRequest): Caller {
  const t = req.auth;
  // The auth hook has run on every reservation route; never fall back to a wider caller.
  if (!t) throw new Error('a reservation route without an authenticated token');
  return { tokenId: t.id, role: t.role };
}

const view = (l: Lease) => ({ id: l.id, board: l.board, holder: l.holder, created_at: l.created_at, expires_at: l.expires_at });
const outcomeView = (o: Outcome) => ('leases' in o ? { leases: o.leases.map(view) } : { ticket: o.ticket });

export const reservationRoutes: RoutePlugin = async (app, { ctx }) => {
  app.get(
    '/reservations',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'live reservations by board, and who waits for boards, oldest first',
        tags: ['reservations'],
        response: { 200: Type.Object({ reservations: Type.Array(Type.Omit(LeaseBody, ['id'])), waiting: Type.Array(WaitingBody) }, closed), ...AUTH_ERRORS },
      },
    },
    async () => ({ reservations: (await listReservations(ctx.db)).map(({ id: _id, ...rest }) => rest), waiting: await listWaiting(ctx.db) }),
  );

  app.post(
    '/reservations',
    {
      config: { role: 'reserve' },
      schema: {
        summary: 'reserve a board by name, or count boards with a tag (all or none); 409 names who holds them, or with wait 202 a place in the queue',
        tags: ['reservations'],
        body: Type.Object(
          {
            board: Type.Optional(Name),
            tag: Type.Optional(Name),
            count: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_COUNT, description: 'boards with the tag, taken at once (default 1)' })),
            ttl_s: Type.Optional(TtlS),
            holder: Type.Optional(Holder),
            wait: Type.Optional(Type.Boolean({ description: 'when they are not free: queue, first come first served' })),
            wait_ttl_s: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_TICKET_TTL_S, description: `seconds the ticket lives without a heartbeat (default ${DEFAULT_TICKET_TTL_S})` })),
          },
          closed,
        ),
        response: { 201: OutcomeBody, 202: OutcomeBody, 404: ErrorBody, 409: ErrorBody, ...AUTH_ERRORS },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const out = await reserve(ctx.db, {
        ...(b.board !== undefined ? { board: b.board } : {}),
        ...(b.tag !== undefined ? { tag: b.tag } : {}),
        ...(b.count !== undefined ? { count: b.count } : {}),
        holder: b.holder ?? req.auth!.name,
        ttlS: b.ttl_s ?? DEFAULT_TTL_S,
        by: caller(req),
        ...(b.wait ? { wait: { ticketTtlS: b.wait_ttl_s ?? DEFAULT_TICKET_TTL_S } } : {}),
      });
      return reply.status('leases' in out ? 201 : 202).send(outcomeView(out));
    },
  );

  app.put(
    '/reservations/tickets/:id',
    {
      config: { role: 'reserve' },
      schema: {
        summary: "a waiter's heartbeat and its turn: the leases once its boards are free and owed to nobody older, else the ticket",
        tags: ['reservations'],
        params: TicketParams,
        body: Type.Object({}, closed),
        response: { 200: OutcomeBody, 404: ErrorBody, ...AUTH_ERRORS },
      },
    },
    async (req) => outcomeView(await tryTicket(ctx.db, req.params.id, caller(req))),
  );

  app.delete(
    '/reservations/tickets/:id',
    {
      config: { role: 'reserve' },
      schema: {
        summary: 'leave the queue',
        tags: ['reservations'],
        params: TicketParams,
        response: { 200: Type.Object({ left: Type.String() }, closed), 404: ErrorBody, ...AUTH_ERRORS },
      },
    },
    async (req) => {
      await leaveQueue(ctx.db, req.params.id, caller(req));
      return { left: req.params.id };
    },
  );

  app.post(
    '/boards/:name/reservations',
    {
      config: { role: 'reserve' },
      schema: {
        summary: 'reserve a board: a lease to renew before it expires; 409 names who holds it until when',
        tags: ['reservations'],
        params: BoardParams,
        body: Type.Object({ ttl_s: Type.Optional(TtlS), holder: Type.Optional(Holder) }, closed),
        response: { 201: LeaseBody, 404: ErrorBody, 409: ErrorBody, ...AUTH_ERRORS },
      },
    },
    async (req, reply) => {
      const out = await reserve(ctx.db, { board: req.params.name, holder: req.body.holder ?? req.auth!.name, ttlS: req.body.ttl_s ?? DEFAULT_TTL_S, by: caller(req) });
      // Without `wait` the answer is leases or a refusal.
      if (!('leases' in out)) throw new Error('a reservation without wait was queued');
      return reply.status(201).send(view(out.leases[0]!));
    },
  );

  app.put(
    '/boards/:name/reservations/:id',
    {
      config: { role: 'reserve' },
      schema: {
        summary: "renew a lease (its holder's heartbeat): it now ends ttl_s from now (with at_least, no earlier than it did)",
        tags: ['reservations'],
        params: LeaseParams,
        body: Type.Object({ ttl_s: Type.Optional(TtlS), at_least: Type.Optional(Type.Boolean({ description: 'never shorten the lease' })) }, closed),
        response: { 200: LeaseBody, 404: ErrorBody, ...AUTH_ERRORS },
      },
    },
    async (req) =>
      view(await renewReservation(ctx.db, req.params.name, req.params.id, { ttlS: req.body.ttl_s ?? DEFAULT_TTL_S, by: caller(req), atLeast: req.body.at_least === true })),
  );

  app.delete(
    '/boards/:name/reservations/:id',
    {
      config: { role: 'reserve' },
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

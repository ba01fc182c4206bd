/**
 * `/api/v1/boards` and `/api/v1/agents` (DESIGN.md "Lab service", boards): the inventory for
 * viewers — boards with their state and last status, filtered by tag or state, and each board's
 * history, paged — and the agent's side: registering an agent with its boards, and reporting
 * what a board runs or what was done to it. Remote agents (`suitrig agent`) and the `--tracker`
 * option of status/update/flash use these routes; the in-process agent calls store/boards.ts.
 */
import { Type } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { RoutePlugin } from '../../context.js';
import {
  BOARD_STATES, REPORT_KINDS, SLOT_FLAGS, WAITERS_SHOWN, boardHistory, getBoard, listAgents, listBoards, registerBoards, reportBoard, type Caller,
} from '../../store/boards.js';
import { AUTH_ERRORS, DateTime, ErrorBody, Hex, Limit, Name, NumericId } from '../schemas.js';
import { PAGE_DEFAULT } from '../limits.js';

const closed = { additionalProperties: false } as const;
const Uuid = Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' });
const Text = (max: number) => Type.String({ maxLength: max });
/** Sequence numbers: a JSON number up to 2^53, a decimal string above (DESIGN.md "Command line"). */
const Sequence = Type.Union([Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }), Type.String({ pattern: '^[0-9]{1,20}$' })]);

const Identity = Type.Object({ vendor_id: Type.Optional(Uuid), class_id: Type.Optional(Uuid), device_id: Type.Optional(Uuid) }, closed);

export const BoardStatusSchema = Type.Object(
  {
    run_state: Type.Optional(Text(40)),
    app_version: Type.Optional(Type.Union([Text(64), Type.Null()])),
    suit_sequence: Type.Optional(Type.Union([Sequence, Type.Null()])),
    manifest_digest: Type.Optional(Type.Union([Hex(128), Type.Null()])),
    slots: Type.Optional(
      Type.Array(
        Type.Object(
          {
            image: Type.Integer({ minimum: 0, maximum: 255 }),
            slot: Type.Integer({ minimum: 0, maximum: 255 }),
            version: Text(64),
            hash: Hex(128),
            flags: Type.Array(Type.Enum(SLOT_FLAGS), { maxItems: SLOT_FLAGS.length, uniqueItems: true }),
          },
          closed,
        ),
        { maxItems: 16 },
      ),
    ),
    boot: Type.Optional(
      Type.Union([Type.Object({ count: Type.Integer({ minimum: 0 }), reason: Text(64), slot: Type.Integer({ minimum: 0, maximum: 255 }), outcome: Text(64) }, closed), Type.Null()]),
    ),
    suit_report: Type.Optional(Type.Union([Hex(64 * 1024), Type.Null()])),
  },
  { ...closed, description: 'what the board last said about itself' },
);

const Outcome = Type.Object(
  {
    result: Text(40),
    exit_code: Type.Integer({ minimum: 0, maximum: 255 }),
    message: Text(2000),
    reason: Type.Optional(Text(64)),
    manifest_digest: Type.Optional(Hex(128)),
    sequence: Type.Optional(Sequence),
  },
  { ...closed, description: 'what a command or job did to the board' },
);

const Board = Type.Object(
  {
    name: Type.String(),
    agent: Type.String(),
    host: Type.String(),
    kind: Type.String(),
    tags: Type.Array(Type.String()),
    identity: Type.Union([Identity, Type.Null()]),
    state: Type.Enum(BOARD_STATES),
    status: Type.Union([BoardStatusSchema, Type.Null()]),
    last_seen: Type.Union([DateTime, Type.Null()]),
    updated_at: DateTime,
    reservation: Type.Union([Type.Object({ holder: Type.String(), expires_at: Type.String({ format: 'date-time' }) }, closed), Type.Null()], { description: 'who holds the board and until when' }),
    waiting: Type.Object(
      {
        count: Type.Integer({ minimum: 0 }),
        first: Type.Array(
          Type.Object(
            {
              holder: Type.String(),
              tag: Type.Union([Type.String(), Type.Null()], { description: 'null: it waits for this board by name; else for any `count` boards with this tag' }),
              count: Type.Integer({ minimum: 1 }),
              since: Type.String({ format: 'date-time' }),
            },
            closed,
          ),
          { maxItems: WAITERS_SHOWN },
        ),
      },
      { ...closed, description: `who waits for the board in the reservation queue (reserve --wait), oldest first: how many, and the first ${WAITERS_SHOWN}. A board owed to a waiter takes no job until the waiter has had it` },
    ),
  },
  closed,
);

const BoardSpec = Type.Object(
  {
    name: Name,
    kind: Type.String({ pattern: '^[a-z][a-z0-9-]{0,31}$', description: 'virtual, serial, tcp, emulated, ...' }),
    tags: Type.Optional(Type.Array(Name, { maxItems: 32, uniqueItems: true })),
    identity: Type.Optional(Identity),
  },
  closed,
);

const Host = Type.String({ pattern: '^[A-Za-z0-9._:-]{0,253}$', description: 'the lab host the agent runs on' });

export { BoardSpec as BoardSpecSchema, Host as HostSchema };

const NameParams = Type.Object({ name: Name }, closed);
const AgentParams = Type.Object({ agent: Name }, closed);

/** Who calls an agent route: the request's token (the auth hook has checked it). */
export function caller(req: FastifyRequest): Caller {
  const t = req.auth;
  // The auth hook has run on every agent route; never fall back to a wider caller.
  if (!t) throw new Error('an agent route without an authenticated token');
  return { tokenId: t.id, role: t.role };
}

export const boardRoutes: RoutePlugin = async (app, { ctx }) => {
  app.get(
    '/boards',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'boards with their state and last status, in name order',
        tags: ['boards'],
        querystring: Type.Object(
          { tag: Type.Optional(Name), state: Type.Optional(Type.Enum(BOARD_STATES)), agent: Type.Optional(Name), after: Type.Optional(Name), limit: Limit },
          closed,
        ),
        response: { 200: Type.Object({ boards: Type.Array(Board), next: Type.Union([Type.String(), Type.Null()]) }, closed), ...AUTH_ERRORS },
      },
    },
    async (req) => {
      const q = req.query;
      return listBoards(ctx.db, { ...q, limit: q.limit ?? PAGE_DEFAULT });
    },
  );

  app.get(
    '/boards/:name',
    { config: { role: 'viewer' }, schema: { summary: 'one board', tags: ['boards'], params: NameParams, response: { 200: Board, 404: ErrorBody, ...AUTH_ERRORS } } },
    async (req) => getBoard(ctx.db, req.params.name),
  );

  app.get(
    '/boards/:name/history',
    {
      config: { role: 'viewer' },
      schema: {
        summary: "a board's history (registrations, state changes, reports), newest first",
        tags: ['boards'],
        params: NameParams,
        querystring: Type.Object({ before: Type.Optional(NumericId), limit: Limit }, closed),
        response: {
          200: Type.Object(
            {
              history: Type.Array(Type.Object({ id: Type.Integer(), at: DateTime, kind: Type.String(), detail: Type.Record(Type.String(), Type.Unknown()) }, closed)),
              next: Type.Union([Type.Integer(), Type.Null()]),
            },
            closed,
          ),
          404: ErrorBody,
          ...AUTH_ERRORS,
        },
      },
    },
    async (req) => boardHistory(ctx.db, req.params.name, { ...(req.query.before ? { before: req.query.before } : {}), limit: req.query.limit ?? PAGE_DEFAULT }),
  );

  app.get(
    '/agents',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'agents (lab hosts) and how many boards each serves',
        tags: ['agents'],
        response: {
          200: Type.Object(
            { agents: Type.Array(Type.Object({ name: Type.String(), host: Type.String(), started_at: DateTime, last_seen: DateTime, boards: Type.Integer() }, closed)) },
            closed,
          ),
          ...AUTH_ERRORS,
        },
      },
    },
    async () => ({ agents: await listAgents(ctx.db) }),
  );

  app.put(
    '/agents/:agent',
    {
      config: { role: 'agent' },
      schema: {
        summary: 'register an agent with every board it serves (its boards not listed go offline); also its heartbeat',
        tags: ['agents'],
        params: AgentParams,
        body: Type.Object({ host: Type.Optional(Host), boards: Type.Array(BoardSpec, { maxItems: 256 }) }, closed),
        response: { 200: Type.Object({ agent: Type.String(), boards: Type.Array(Type.String()) }, closed), 409: ErrorBody, ...AUTH_ERRORS },
      },
    },
    async (req) => {
      const { agent } = req.params;
      await registerBoards(ctx.db, agent, req.body.host ?? '', req.body.boards, caller(req), true);
      return { agent, boards: req.body.boards.map((b) => b.name) };
    },
  );

  app.put(
    '/agents/:agent/boards/:name',
    {
      config: { role: 'agent' },
      schema: {
        summary: 'register one board of an agent (the others are left as they are)',
        tags: ['agents'],
        params: Type.Object({ agent: Name, name: Name }, closed),
        body: Type.Object({ host: Type.Optional(Host), kind: BoardSpec.properties.kind, tags: BoardSpec.properties.tags, identity: BoardSpec.properties.identity }, closed),
        response: { 200: Board, 409: ErrorBody, ...AUTH_ERRORS },
      },
    },
    async (req) => {
      const { agent, name } = req.params;
      const { host, ...spec } = req.body;
      await registerBoards(ctx.db, agent, host ?? '', [{ name, ...spec }], caller(req), false);
      return getBoard(ctx.db, name);
    },
  );

  app.post(
    '/boards/:name/reports',
    {
      config: { role: 'agent' },
      schema: {
        summary: "record a board's report: what it runs (status), what was done to it (update, flash, reboot), its state",
        tags: ['boards'],
        params: NameParams,
        body: Type.Object(
          {
            kind: Type.Enum(REPORT_KINDS),
            state: Type.Optional(Type.Enum(BOARD_STATES.filter((s) => s !== 'reserved'))),
            status: Type.Optional(BoardStatusSchema),
            outcome: Type.Optional(Outcome),
            detail: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.Unknown(), { maxProperties: 64, description: "the command's own JSON document" })),
          },
          closed,
        ),
        response: { 201: Board, 404: ErrorBody, ...AUTH_ERRORS },
      },
    },
    async (req, reply) => reply.status(201).send(await reportBoard(ctx.db, req.params.name, req.body, caller(req))),
  );
};


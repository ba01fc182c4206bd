/**
 * The agent's side of the API (DESIGN.md "Lab service": `suitrig agent` on each lab host
 * registers its boards, takes jobs for them, streams progress and results back, heartbeats): each
 * route is one call of the agent link (rig/service/agent/link.ts) and ends in the same function
 * the agent inside `serve --lab` calls directly (rig/service/agent/agent-calls.ts).
 *
 *   PUT    /agents/{agent}/processes/{instance}             register the process and its boards
 *   DELETE /agents/{agent}/processes/{instance}             leave (its boards go offline)
 *   POST   .../processes/{instance}/heartbeat               {held}: false once another process took the name
 *   POST   .../processes/{instance}/boards/{board}/next-job the next job, waiting (long poll, at most 30 s)
 *   POST   .../boards/{board}/jobs/{job}/renew|progress|verdict|result|hand-back   {held}
 *   POST   /boards/{name}/console                           a batch of console lines
 *   POST   /boards/{name}/uploads                           a transfer's figures
 *
 * A board's status goes to `POST /boards/{name}/reports` (boards.ts) and a release is read from
 * the firmware server's `GET /releases/...` (releases.ts), as any client reads them. Only the
 * token that registered an agent (or an admin) may speak for it and its boards.
 */
import { Type, type Static, type TSchema } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { RoutePlugin } from '../../context.js';
import type { AgentCalls, ProcessJob } from '../../agent/agent-calls.js';
import type { BoardMoveReport, BoardStep } from '../../agent/link.js';
import type { CampaignBoardState } from '../../campaigns/states.js';
import type { TakenJob } from '../../jobs/board-jobs.js';
import { assertSpeaksFor } from '../../store/boards.js';
import { CONSOLE_BATCH_MAX, CONSOLE_LINE_MAX } from '../../store/console.js';
import { BoardResultSchema } from '../board-result-schema.js';
import { NEXT_JOB_WAIT_MAX_MS, RUN_REPORT_LIMIT } from '../limits.js';
import { AUTH_ERRORS, ErrorBody, Name, NumericId, PayloadUri } from '../schemas.js';
import { BoardSpecSchema, BoardStatusSchema, HostSchema, caller } from './boards.js';
import { work } from './campaigns.js';

const closed = { additionalProperties: false } as const;
const Uuid = Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' });
const Text = (max: number) => Type.String({ maxLength: max });
const Detail = Type.Record(Type.String({ maxLength: 64 }), Type.Unknown(), { maxProperties: 64, description: 'what the board showed (merged into the campaign board detail)' });
const Held = Type.Object({ held: Type.Boolean({ description: 'false: the claim was lost (the job was handed on); nothing was changed and the worker stops' }) }, closed);

const ProcessParams = Type.Object({ agent: Name, instance: Uuid }, closed);
const JobParams = Type.Object({ agent: Name, instance: Uuid, board: Name, job: Uuid }, closed);

const Job = Type.Object(
  {
    board: Type.String(),
    job_id: Type.String(),
    retry_count: Type.Integer({ description: '0 on the first try, n on the n-th retry of a dropped job' }),
    data: Type.Union([
      Type.Object({ kind: Type.Literal('update'), board: Type.String(), campaign: Type.Integer(), release: Type.String(), confirmS: Type.Integer(), deadlineS: Type.Integer() }, closed),
      Type.Object({ kind: Type.Literal('run'), board: Type.String(), run: Type.Integer(), suite: Type.String(), seed: Type.Integer(), cases: Type.Array(Type.String()) }, closed),
    ], { description: 'the job as queued' }),
    context: Type.Record(Type.String(), Type.Unknown(), { description: 'what the service tells the worker (an update: the state a dropped attempt left, the deadline, the attempt)' }),
  },
  closed,
);

const jobJson = (t: TakenJob) => ({ board: t.claim.board, job_id: t.claim.jobId, retry_count: t.job.retryCount, data: t.job.data, context: t.context });

const VERDICTS = ['confirmed', 'refused', 'reverted', 'failed', 'timed-out'] as const;
const PROGRESS = ['delivering', 'installed', 'rebooting', 'booted'] as const;
const Step = Type.Object({ to: Type.Enum(PROGRESS), reason: Type.Optional(Text(2000)), detail: Type.Optional(Detail) }, closed);
const Via = Type.Array(Step, { maxItems: 3, description: 'states passed on the way to `to`, oldest first, recorded with it in one transaction' });

/** A step as the routes take it, with absent fields left out. */
function stepOf(b: { to: CampaignBoardState; reason?: string | undefined; detail?: Record<string, unknown> | undefined }): BoardStep {
  return { to: b.to, ...(b.reason !== undefined ? { reason: b.reason } : {}), ...(b.detail ? { detail: b.detail } : {}) };
}

function moveOf(b: Parameters<typeof stepOf>[0] & { via?: Parameters<typeof stepOf>[0][] | undefined }): BoardMoveReport {
  return { ...stepOf(b), ...(b.via ? { via: b.via.map(stepOf) } : {}) };
}

export const agentRoutes: RoutePlugin = async (app, { ctx }) => {
  /** The agent calls, once the caller is known to speak for `agent`. */
  const speaking = async (req: FastifyRequest, agent: string): Promise<AgentCalls> => {
    await assertSpeaksFor(ctx.db, { agent }, caller(req));
    return work(ctx).agents;
  };
  const jobOf = (p: { agent: string; instance: string; board: string; job: string }): ProcessJob => ({ agent: p.agent, instance: p.instance, board: p.board, jobId: p.job });

  app.put(
    '/agents/:agent/processes/:instance',
    {
      config: { role: 'agent' },
      schema: {
        summary: 'register a process of an agent with every board it serves: it takes the agent name over (an earlier process stops at its next heartbeat)',
        description: "A board another live agent serves is refused (409, naming that agent). The agent's boards not listed go offline. Answers the pace the service wants.",
        tags: ['agents'],
        params: ProcessParams,
        body: Type.Object({ host: Type.Optional(HostSchema), boards: Type.Array(BoardSpecSchema, { maxItems: 256 }) }, closed),
        response: {
          200: Type.Object(
            {
              agent: Type.String(),
              instance: Type.String(),
              boards: Type.Array(Type.String()),
              heartbeat_ms: Type.Integer({ description: 'heartbeat and renew claims this often' }),
              ttl_s: Type.Integer({ description: "seconds without a heartbeat before the agent's boards go offline" }),
              lease_ms: Type.Integer({ description: 'how long a claim lasts without renewal' }),
            },
            closed,
          ),
          409: ErrorBody,
          ...AUTH_ERRORS,
        },
      },
    },
    async (req) => {
      const { agent, instance } = req.params;
      const t = await work(ctx).agents.register(caller(req), { agent, instance, host: req.body.host ?? '', boards: req.body.boards });
      return { agent, instance, boards: req.body.boards.map((b) => b.name), heartbeat_ms: t.heartbeatMs, ttl_s: t.ttlS, lease_ms: t.leaseMs };
    },
  );

  app.delete(
    '/agents/:agent/processes/:instance',
    {
      config: { role: 'agent' },
      schema: { summary: 'the process stops serving: its boards go offline now', tags: ['agents'], params: ProcessParams, response: { 204: Type.Null(), 404: ErrorBody, ...AUTH_ERRORS } },
    },
    async (req, reply) => {
      await (await speaking(req, req.params.agent)).leave(req.params.agent, req.params.instance);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/agents/:agent/processes/:instance/heartbeat',
    {
      config: { role: 'agent' },
      schema: {
        summary: "the process is alive; held false: another process took the agent's name over, and this one must stop",
        description: "offline: the agent's boards the service has offline (the agent went silent for the TTL): it registers again to bring back those it serves.",
        tags: ['agents'],
        params: ProcessParams,
        response: {
          200: Type.Object({ held: Type.Boolean(), offline: Type.Array(Type.String()) }, closed),
          404: ErrorBody,
          ...AUTH_ERRORS,
        },
      },
    },
    async (req) => {
      const h = await (await speaking(req, req.params.agent)).heartbeat(req.params.agent, req.params.instance);
      return { held: h.held, offline: [...h.offline] };
    },
  );

  app.post(
    '/agents/:agent/processes/:instance/boards/:board/next-job',
    {
      config: { role: 'agent' },
      schema: {
        summary: "the board's next job with the board claimed for it, waiting up to wait_ms for one (job null: none came)",
        description: `At most ${NEXT_JOB_WAIT_MAX_MS} ms; a request whose client goes away stops waiting, and a job taken just then goes back to the queue.`,
        tags: ['agents'],
        params: Type.Object({ agent: Name, instance: Uuid, board: Name }, closed),
        body: Type.Object({ wait_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: NEXT_JOB_WAIT_MAX_MS, description: 'default 0: answer at once' })) }, closed),
        response: { 200: Type.Object({ job: Type.Union([Job, Type.Null()]) }, closed), 404: ErrorBody, 409: ErrorBody, ...AUTH_ERRORS },
      },
    },
    async (req, reply) => {
      const { agent, instance, board } = req.params;
      const calls = await speaking(req, agent);
      // The client went away (its response closed before it was sent): stop waiting for it.
      const gone = new AbortController();
      const onClose = (): void => gone.abort();
      reply.raw.once('close', onClose);
      try {
        const t = await calls.nextJob(agent, instance, board, req.body.wait_ms ?? 0, gone.signal);
        return { job: t ? jobJson(t) : null };
      } finally {
        reply.raw.off('close', onClose);
      }
    },
  );

  const jobRoute = <B extends TSchema>(
    name: string,
    summary: string,
    body: B,
    call: (calls: AgentCalls, job: ProcessJob, body: Static<B>) => Promise<boolean>,
    o: { bodyLimit?: number } = {},
  ) =>
    app.post(
      `/agents/:agent/processes/:instance/boards/:board/jobs/:job/${name}`,
      {
        config: { role: 'agent' },
        ...(o.bodyLimit ? { bodyLimit: o.bodyLimit } : {}),
        schema: { summary, tags: ['agents'], params: JobParams, body, response: { 200: Held, 404: ErrorBody, 409: ErrorBody, ...AUTH_ERRORS } },
      },
      async (req) => ({ held: await call(await speaking(req, req.params.agent), jobOf(req.params), req.body as Static<B>) }),
    );

  jobRoute('renew', "extend the claim's lease while the job runs", Type.Object({}, closed), (c, j) => c.renew(j));
  jobRoute(
    'progress',
    "a campaign board's state on the way (reported before the board is asked to do what it names)",
    Type.Object({ campaign: NumericId, to: Type.Enum(PROGRESS), reason: Type.Optional(Text(2000)), detail: Type.Optional(Detail), via: Type.Optional(Via) }, closed),
    (c, j, b) => c.updateProgress(j, b.campaign, moveOf(b)),
  );
  jobRoute(
    'verdict',
    "a campaign board's verdict: completes the job",
    Type.Object(
      { campaign: NumericId, to: Type.Enum(VERDICTS), reason: Text(2000), detail: Type.Optional(Detail), via: Type.Optional(Via), status: Type.Optional(BoardStatusSchema) },
      closed,
    ),
    (c, j, b) => c.updateVerdict(j, b.campaign, { ...moveOf(b), ...(b.status ? { status: b.status } : {}) }),
  );
  jobRoute(
    'result',
    "a board's part of a QA run, or why it could not run: completes the job",
    Type.Union([Type.Object({ run: NumericId, result: BoardResultSchema }, closed), Type.Object({ run: NumericId, error: Text(4000) }, closed)]),
    (c, j, b) => c.runResult(j, b.run, 'result' in b ? { result: b.result } : { error: b.error }),
    { bodyLimit: RUN_REPORT_LIMIT },
  );
  jobRoute('hand-back', 'give the job back unfinished (the agent is stopping): retried by its rule', Type.Object({ why: Text(500) }, closed), (c, j, b) => c.handBack(j, b.why));

  app.post(
    '/boards/:name/console',
    {
      config: { role: 'agent' },
      schema: {
        summary: 'a batch of what the board printed on its console, oldest first',
        tags: ['boards'],
        params: Type.Object({ name: Name }, closed),
        body: Type.Object(
          {
            lines: Type.Array(Text(CONSOLE_LINE_MAX), { maxItems: CONSOLE_BATCH_MAX }),
            dropped: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'lines lost before this batch' }),
          },
          closed,
        ),
        response: { 204: Type.Null(), 404: ErrorBody, ...AUTH_ERRORS },
      },
    },
    async (req, reply) => {
      await work(ctx).agents.consoleLines(caller(req), req.params.name, req.body.lines, req.body.dropped);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/boards/:name/uploads',
    {
      config: { role: 'agent' },
      schema: {
        summary: "a transfer to the board during a campaign's update: finished, or on its way (total given)",
        tags: ['boards'],
        params: Type.Object({ name: Name }, closed),
        body: Type.Object(
          {
            campaign: NumericId,
            what: Type.Enum(['envelope', 'payload']),
            uri: Type.Optional(PayloadUri),
            bytes: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
            ms: Type.Number({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
            total: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
          },
          closed,
        ),
        response: { 204: Type.Null(), 404: ErrorBody, ...AUTH_ERRORS },
      },
    },
    async (req, reply) => {
      const { total, uri, ...u } = req.body;
      await work(ctx).agents.upload(caller(req), req.params.name, { ...u, ...(uri !== undefined ? { uri } : {}), ...(total !== undefined ? { total } : {}) });
      return reply.status(204).send(null);
    },
  );
};

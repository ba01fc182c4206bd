/**
 * `/api/v1/runs` (DESIGN.md "Lab service", runs): `POST /runs {suite, boards | tag, seed?,
 * cases?}` starts a built-in QA suite on boards (a job per board, worked by their agents);
 * `POST /runs/recorded` records a run made on the command line (`suitrig run --tracker URL
 * --token T` sends its JSON report and JUnit XML); `GET /runs/{id}` answers the run's JSON report
 * — the same document as `suitrig run --json`, with a `run` member added (the schema allows
 * added fields) — once it is finished, and 202 with the run's progress before; `GET
 * /runs/{id}/junit.xml` its JUnit XML.
 */
import { Type } from '@fastify/type-provider-typebox';
import type { RoutePlugin } from '../../context.js';
import { listRuns, runReports, runView, type RunRow } from '../../runs/store.js';
import { ApiError } from '../errors.js';
import { PAGE_DEFAULT, RUN_REPORT_LIMIT } from '../limits.js';
import { RUN_REPORT_DESCRIPTION, RunReport } from '../run-report-schema.js';
import { AUTH_ERRORS, ErrorBody, Limit, Name, NumericId } from '../schemas.js';
import { work } from './campaigns.js';

const closed = { additionalProperties: false } as const;
const RUN_STATES = ['queued', 'running', 'passed', 'failed', 'cancelled'] as const;

const RunInfo = Type.Object(
  {
    id: Type.Integer(),
    origin: Type.Enum(['service', 'cli']),
    suite: Type.String(),
    seed: Type.Integer(),
    state: Type.Enum(RUN_STATES),
    reason: Type.Union([Type.String(), Type.Null()]),
    boards: Type.Array(Type.Object({ board: Type.String(), state: Type.Enum(['queued', 'running', 'done', 'failed']), reason: Type.Union([Type.String(), Type.Null()]) }, closed)),
    created_at: Type.String(),
    finished_at: Type.Union([Type.String(), Type.Null()]),
  },
  closed,
);

const RunSummary = Type.Object({ ...RunInfo.properties, boards: Type.Array(Type.String()) }, closed);
const FinishedRun = Type.Object({ ...RunReport.properties, run: RunInfo }, { ...closed, description: RUN_REPORT_DESCRIPTION });
const IdParams = Type.Object({ id: NumericId }, closed);

const info = (r: Omit<RunRow, 'boards'>) => ({ id: r.id, origin: r.origin, suite: r.suite, seed: r.seed, state: r.state, reason: r.reason, created_at: r.createdAt, finished_at: r.finishedAt });

export const runRoutes: RoutePlugin = async (app, { ctx }) => {
  app.post(
    '/runs',
    {
      config: { role: 'operator' },
      schema: {
        summary: 'start a built-in QA suite on boards (by name or tag); each board runs it through its agent',
        tags: ['runs'],
        body: Type.Object(
          {
            suite: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$', description: 'a built-in suite (rfc9019)' }),
            boards: Type.Optional(Type.Array(Name, { minItems: 1, maxItems: 256 })),
            tag: Type.Optional(Name),
            seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 0xffff_ffff, description: 'default: random; the report records it' })),
            cases: Type.Optional(Type.Array(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,99}$' }), { maxItems: 200, description: 'case ids to run (default: all)' })),
          },
          closed,
        ),
        response: { 201: RunInfo, ...AUTH_ERRORS },
      },
    },
    async (req, reply) => {
      const id = await work(ctx).runs.create(req.body, req.auth?.id ?? null);
      const r = await runView(ctx.db, id);
      return reply.status(201).send({ ...info(r), boards: r.boards });
    },
  );

  app.post(
    '/runs/recorded',
    {
      config: { role: 'operator' },
      bodyLimit: RUN_REPORT_LIMIT,
      schema: {
        summary: "record a run made on the command line ('suitrig run --tracker URL --token T'): its JSON report and JUnit XML",
        tags: ['runs'],
        body: Type.Object({ report: RunReport, junit: Type.Optional(Type.String({ maxLength: RUN_REPORT_LIMIT })) }, closed),
        response: { 201: RunInfo, 413: ErrorBody, ...AUTH_ERRORS },
      },
    },
    async (req, reply) => {
      const id = await work(ctx).runs.recordCli(req.body, req.auth?.id ?? null);
      const r = await runView(ctx.db, id);
      return reply.status(201).send({ ...info(r), boards: r.boards });
    },
  );

  app.get(
    '/runs',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'runs, newest first',
        tags: ['runs'],
        querystring: Type.Object({ limit: Limit }, closed),
        response: { 200: Type.Object({ runs: Type.Array(RunSummary) }, closed), ...AUTH_ERRORS },
      },
    },
    async (req) => ({ runs: (await listRuns(ctx.db, req.query.limit ?? PAGE_DEFAULT)).map((r) => ({ ...info(r), boards: r.boards })) }),
  );

  app.get(
    '/runs/:id',
    {
      config: { role: 'viewer' },
      schema: {
        summary: "a finished run's JSON report (as 'suitrig run --json', with a 'run' member); 202 with its progress while it runs",
        tags: ['runs'],
        params: IdParams,
        response: { 200: FinishedRun, 202: Type.Object({ run: RunInfo }, closed), 404: ErrorBody, ...AUTH_ERRORS },
      },
    },
    async (req, reply) => {
      // The report first: a run that finished between two reads is then shown finished, never
      // as a finished report of a run still 'running' (its report and state are set together).
      const { report } = await runReports(ctx.db, req.params.id);
      const r = await runView(ctx.db, req.params.id);
      const run = { ...info(r), boards: r.boards };
      if (!report) return reply.status(202).send({ run });
      return { ...report, run };
    },
  );

  app.get(
    '/runs/:id/junit.xml',
    {
      config: { role: 'viewer' },
      schema: {
        summary: "a finished run's JUnit XML",
        tags: ['runs'],
        params: IdParams,
        produces: ['application/xml'],
        response: { 200: Type.String(), 404: ErrorBody, 409: ErrorBody, ...AUTH_ERRORS },
      },
    },
    async (req, reply) => {
      const { junit } = await runReports(ctx.db, req.params.id);
      if (junit === null) {
        const r = await runView(ctx.db, req.params.id);
        throw new ApiError(r.finishedAt ? 404 : 409, r.finishedAt ? `run ${r.id} was recorded without JUnit XML` : `run ${r.id} is ${r.state}: its JUnit XML is written when it finishes`);
      }
      return reply.type('application/xml; charset=utf-8').send(junit);
    },
  );
};

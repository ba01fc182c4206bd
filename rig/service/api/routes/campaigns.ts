/**
 * `/api/v1/campaigns` (DESIGN.md "Lab service", campaigns): the device operator starts an update
 * of a set of boards — by name or by lab tag — in rollout groups with success and error
 * thresholds and a deadline per board (rig/service/campaigns/spec.ts), follows each board's state
 * (states.ts; `installed` is never done), and pauses, resumes or cancels it.
 */
import { Type } from '@fastify/type-provider-typebox';
import type { RoutePlugin, ServiceContext } from '../../context.js';
import { BOARD_STATES, BOARD_STATE_MEANING, CAMPAIGN_STATES } from '../../campaigns/states.js';
import { campaignView, listCampaigns, type CampaignBoardRow, type CampaignRow, type CampaignView } from '../../campaigns/store.js';
import { MAX_CAMPAIGN_BOARDS, MAX_DEADLINE_S, type CampaignSpec } from '../../campaigns/spec.js';
import { workOf } from '../../work-registry.js';
import type { WorkService } from '../../work.js';
import { ApiError } from '../errors.js';
import { PAGE_DEFAULT } from '../limits.js';
import { AUTH_ERRORS, ErrorBody, Limit, Name, NumericId, ReleaseId } from '../schemas.js';

const closed = { additionalProperties: false } as const;
const Share = Type.Number({ minimum: 0, maximum: 1 });
const Counts = Type.Object(Object.fromEntries(BOARD_STATES.map((s) => [s, Type.Integer()])), closed);

const Spec = Type.Object(
  {
    boards: Type.Optional(Type.Array(Type.String())),
    tag: Type.Optional(Type.String()),
    groups: Type.Array(Type.Integer()),
    success_threshold: Type.Number(),
    error_threshold: Type.Union([Type.Number(), Type.Null()]),
    deadline_s: Type.Integer(),
    confirm_s: Type.Integer(),
  },
  closed,
);

const CampaignBoard = Type.Object(
  {
    board: Type.String(),
    group: Type.Integer({ description: 'rollout group, from 1' }),
    state: Type.Enum(BOARD_STATES),
    reason: Type.Union([Type.String(), Type.Null()]),
    attempts: Type.Integer(),
    started_at: Type.Union([Type.String(), Type.Null()]),
    deadline_at: Type.Union([Type.String(), Type.Null()]),
    finished_at: Type.Union([Type.String(), Type.Null()]),
    detail: Type.Record(Type.String(), Type.Unknown(), { description: 'what the board showed: status before and after, the host prediction' }),
  },
  closed,
);

const CampaignSummary = Type.Object(
  {
    id: Type.Integer(),
    release: Type.String(),
    state: Type.Enum(CAMPAIGN_STATES),
    reason: Type.Union([Type.String(), Type.Null()]),
    spec: Spec,
    current_group: Type.Integer({ description: 'the rollout group being worked on, from 1' }),
    counts: Counts,
    created_at: Type.String(),
    updated_at: Type.String(),
  },
  closed,
);

const Campaign = Type.Object({ ...CampaignSummary.properties, boards: Type.Array(CampaignBoard) }, closed);

const CampaignRequest = Type.Object(
  {
    release: ReleaseId,
    boards: Type.Optional(Type.Array(Name, { minItems: 1, maxItems: MAX_CAMPAIGN_BOARDS })),
    tag: Type.Optional(Name),
    groups: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: MAX_CAMPAIGN_BOARDS }), { minItems: 1, maxItems: 1000, description: 'sizes of the rollout groups in board order; the rest form one more group' })),
    success_threshold: Type.Optional({ ...Share, description: 'share of a group that must be confirmed before the next group starts (default 1)' }),
    error_threshold: Type.Optional({ ...Share, description: 'share of a group ended in error at which the campaign pauses (default: when the success threshold is out of reach)' }),
    deadline_s: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_DEADLINE_S, description: 'seconds a board may take from its first delivery to its verdict (default 600)' })),
    confirm_s: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_DEADLINE_S, description: 'seconds a booted test image may take to confirm itself before the board is reset to see whether it reverts (default 30)' })),
  },
  closed,
);

const IdParams = Type.Object({ id: NumericId }, closed);

function specJson(s: CampaignSpec) {
  return {
    ...('boards' in s.selector ? { boards: s.selector.boards } : { tag: s.selector.tag }),
    groups: s.groups,
    success_threshold: s.successThreshold,
    error_threshold: s.errorThreshold ?? null,
    deadline_s: s.deadlineS,
    confirm_s: s.confirmS,
  };
}

function summaryJson(c: CampaignRow & { counts: CampaignView['counts'] }) {
  return { id: c.id, release: c.release, state: c.state, reason: c.reason, spec: specJson(c.spec), current_group: c.currentGroup + 1, counts: c.counts, created_at: c.createdAt, updated_at: c.updatedAt };
}

function boardJson(b: CampaignBoardRow) {
  return { board: b.board, group: b.group + 1, state: b.state, reason: b.reason, attempts: b.attempts, started_at: b.startedAt, deadline_at: b.deadlineAt, finished_at: b.finishedAt, detail: b.detail };
}

const campaignJson = (c: CampaignView) => ({ ...summaryJson(c), boards: c.boards.map(boardJson) });

/** The service's work on boards, or 503 while it is starting. */
export function work(ctx: ServiceContext): WorkService {
  const w = workOf(ctx);
  if (!w) throw new ApiError(503, 'the job queue is starting; try again in a moment');
  return w;
}

export const campaignRoutes: RoutePlugin = async (app, { ctx }) => {
  const action = (name: 'pause' | 'resume' | 'cancel', summary: string) =>
    app.post(
      `/campaigns/:id/${name}`,
      { config: { role: 'operator' }, schema: { summary, tags: ['campaigns'], params: IdParams, response: { 200: Campaign, 404: ErrorBody, 409: ErrorBody, ...AUTH_ERRORS } } },
      async (req) => {
        await work(ctx).campaigns[name](req.params.id);
        return campaignJson(await campaignView(ctx.db, req.params.id));
      },
    );

  app.post(
    '/campaigns',
    {
      config: { role: 'operator' },
      schema: {
        summary: 'start an update campaign: a release to boards (by name or tag) in rollout groups',
        description: `Board states: ${BOARD_STATES.map((s) => `${s}: ${BOARD_STATE_MEANING[s]}`).join('; ')}.`,
        tags: ['campaigns'],
        body: CampaignRequest,
        response: { 201: Campaign, 409: ErrorBody, ...AUTH_ERRORS },
      },
    },
    async (req, reply) => {
      const id = await work(ctx).campaigns.create(req.body, req.auth?.id ?? null);
      return reply.status(201).send(campaignJson(await campaignView(ctx.db, id)));
    },
  );

  app.get(
    '/campaigns',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'campaigns, newest first, with the count of boards in each state',
        tags: ['campaigns'],
        querystring: Type.Object({ state: Type.Optional(Type.Enum(CAMPAIGN_STATES)), limit: Limit }, closed),
        response: { 200: Type.Object({ campaigns: Type.Array(CampaignSummary) }, closed), ...AUTH_ERRORS },
      },
    },
    async (req) => ({ campaigns: (await listCampaigns(ctx.db, { limit: req.query.limit ?? PAGE_DEFAULT, ...(req.query.state ? { state: req.query.state } : {}) })).map(summaryJson) }),
  );

  app.get(
    '/campaigns/:id',
    { config: { role: 'viewer' }, schema: { summary: "a campaign and each board's state, with the reason", tags: ['campaigns'], params: IdParams, response: { 200: Campaign, 404: ErrorBody, ...AUTH_ERRORS } } },
    async (req) => campaignJson(await campaignView(ctx.db, req.params.id)),
  );

  action('pause', 'pause a campaign: boards being updated finish, no other board starts');
  action('resume', 'resume a paused campaign: the current group is accepted as it stands and the campaign goes on');
  action('cancel', 'cancel a campaign: boards not started end cancelled, boards being updated finish');
};

/**
 * The JSON run report (schema `suitrig-run-report` version 1, rig/report/README.md; written by
 * rig/report/json.ts) as a TypeBox schema: what `suitrig run --tracker` sends and the service
 * checks before it records it, and what `GET /runs/{id}` answers. Every object is closed and
 * every list and string bounded (a report is input from the wire).
 */
import { Type, type TSchema } from '@fastify/type-provider-typebox';

const closed = { additionalProperties: false } as const;
const Text = (max: number) => Type.String({ maxLength: max });
const Ms = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const Seed = Type.Integer({ minimum: 0, maximum: 0xffff_ffff });
const Stamp = Type.String({ maxLength: 40, description: 'ISO 8601 UTC' });
const Totals = Type.Object({ cases: Ms, passed: Ms, failed: Ms, error: Ms, notApplicable: Ms }, closed);
export const BOOT = ['unchanged', 'updated', 'pending', 'reverted', 'recovery'] as const;

const Accept = Type.Object({ kind: Type.Literal('accept') }, closed);
const Decision = Type.Union([Accept, Type.Object({ kind: Type.Literal('reject'), reason: Text(64), detail: Type.Optional(Text(64)) }, closed)]);
const Expected = Type.Union([Accept, Type.Object({ kind: Type.Literal('reject'), reasons: Type.Array(Text(64), { maxItems: 32 }) }, closed)]);

/**
 * A case of a board's part of a run, in the report and as an agent sends it
 * (board-result-schema.ts): the same fields but for `ms`, the type of its durations and sizes
 * (the report's whole ms, the runner's measured values), and what the case expected and what
 * happened, which the report renders from the runner's model (rig/report/json.ts). The report's
 * field order, which its JSON answers keep.
 */
export function caseSchema<M extends TSchema, E extends TSchema, A extends TSchema>(ms: M, expected: E, actual: A) {
  const step = Type.Object(
    { name: Text(200), outcome: Type.Enum(['passed', 'failed', 'error', 'timeout', 'not-run']), durationMs: ms, message: Type.Optional(Text(4000)) },
    closed,
  );
  const transfer = Type.Object({ uri: Text(600), bytes: ms, ms, atMs: ms, interrupted: Type.Optional(Type.Boolean()) }, closed);
  return Type.Object(
    {
      id: Text(100),
      title: Text(300),
      tags: Type.Array(Text(40), { maxItems: 32 }),
      seed: Seed,
      outcome: Type.Enum(['passed', 'failed', 'error', 'not-applicable']),
      message: Type.Optional(Text(4000)),
      failedStep: Type.Optional(Text(200)),
      startedAt: Stamp,
      durationMs: ms,
      expected,
      actual,
      steps: Type.Array(step, { maxItems: 200 }),
      cleanup: Type.Array(step, { maxItems: 50 }),
      transfers: Type.Optional(Type.Array(transfer, { maxItems: 200 })),
    },
    closed,
  );
}

const Case = caseSchema(
  Ms,
  Type.Object(
    {
      decision: Type.Optional(Expected),
      boot: Type.Optional(Type.Array(Type.Enum(BOOT), { maxItems: BOOT.length })),
    },
    closed,
  ),
  Type.Object(
    {
      decision: Type.Optional(Decision),
      decidedBy: Type.Optional(Type.Enum(['board', 'host'])),
      predicted: Type.Optional(Decision),
      boot: Type.Optional(Type.Enum(BOOT)),
    },
    closed,
  ),
);

/** How a board was reached (rig/runner/result.ts TargetSummary). */
export const Target = Type.Object(
  {
    kind: Type.Enum(['serial', 'tcp', 'virtual', 'qemu', 'native-sim']),
    url: Text(600),
    baud: Ms,
    usb: Type.Optional(Text(300)),
    profile: Type.Optional(Text(64)),
    quirks: Type.Optional(Type.Array(Text(64), { maxItems: 16 })),
  },
  closed,
);

/**
 * What a board's part of a run says of the board, in the report and as an agent sends it
 * (board-result-schema.ts). Not its duration: the report rounds it to whole ms, an agent sends
 * the runner's measured value.
 */
export const BOARD_PART = {
  name: Text(200),
  target: Target,
  seed: Seed,
  status: Type.Enum(['completed', 'unavailable', 'lost', 'interrupted']),
  message: Type.Optional(Text(4000)),
  description: Type.Optional(Text(1000)),
  logPath: Text(4096),
  startedAt: Stamp,
};

const Board = Type.Object(
  {
    ...BOARD_PART,
    durationMs: Ms,
    totals: Totals,
    cases: Type.Array(Case, { maxItems: 1000 }),
  },
  closed,
);

/** A JSON run report as `suitrig run --json` prints it. */
export const RUN_REPORT_DESCRIPTION = "schema suitrig-run-report version 1: the same document as 'suitrig run --json' (rig/report/README.md)";

export const RunReport = Type.Object(
  {
    schema: Type.Literal('suitrig-run-report'),
    version: Type.Literal(1),
    tool: Type.Object({ name: Text(64), version: Text(64) }, closed),
    suite: Type.Object({ name: Text(200), title: Text(300) }, closed),
    seed: Seed,
    startedAt: Stamp,
    durationMs: Ms,
    result: Type.Enum(['passed', 'failed']),
    totals: Totals,
    logDir: Text(4096),
    junitPath: Type.Optional(Text(4096)),
    boards: Type.Array(Board, { minItems: 1, maxItems: 256 }),
  },
  { ...closed, description: RUN_REPORT_DESCRIPTION },
);

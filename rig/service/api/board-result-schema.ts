/**
 * A board's part of a QA run as a remote agent sends it (rig/runner/result.ts BoardResult: the
 * runner's own model, before the JSON report renders it), as a TypeBox schema: every object
 * closed, every list and string bounded — it is input from the wire. The service keeps it as it
 * came and renders the run's JSON report and JUnit from it once every board has its part
 * (rig/service/runs/), exactly as for a board of the agent inside the service. `fitBoardResult`
 * is the agent's side: strings cut and lists shortened to the schema's bounds before sending, so a
 * long failure message costs its tail, not the board's whole part of the run.
 */
import { Type } from '@fastify/type-provider-typebox';
import { BOARD_PART, BOOT, caseSchema } from './run-report-schema.js';

const closed = { additionalProperties: false } as const;
const Text = (max: number) => Type.String({ maxLength: max });
const Ms = Type.Number({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });

const Decision = Type.Union([
  Type.Object({ kind: Type.Literal('accept') }, closed),
  Type.Object({ kind: Type.Literal('reject'), reason: Text(64), detail: Type.Optional(Text(200)), message: Type.Optional(Text(4000)) }, closed),
]);
const Expected = Type.Union([Type.Literal('accept'), Type.Object({ reject: Type.Array(Text(64), { maxItems: 32 }) }, closed)]);

const CaseResult = caseSchema(
  Ms,
  Type.Object({ decision: Type.Optional(Expected), boot: Type.Optional(Type.Array(Type.Enum(BOOT), { maxItems: BOOT.length })) }, closed),
  Type.Object(
    { decision: Type.Optional(Decision), source: Type.Optional(Type.Enum(['board', 'host'])), predicted: Type.Optional(Decision), boot: Type.Optional(Type.Enum(BOOT)) },
    closed,
  ),
);

export const BoardResultSchema = Type.Object(
  {
    ...BOARD_PART,
    durationMs: Ms,
    cases: Type.Array(CaseResult, { maxItems: 1000 }),
  },
  { ...closed, description: "a board's part of a run, as the runner made it (rig/runner/result.ts BoardResult)" },
);

type Json = Record<string, unknown>;

/** `value` cut to the bounds of `schema` (string maxLength, array maxItems), recursively; a union's object branches are read as one. */
function fit(value: unknown, schema: Json | undefined): unknown {
  if (!schema || value === null || value === undefined) return value;
  const branches = (schema.anyOf as Json[] | undefined) ?? [schema];
  if (typeof value === 'string') {
    const max = branches.map((b) => b.maxLength).find((m) => typeof m === 'number') as number | undefined;
    return max !== undefined && value.length > max ? value.slice(0, max) : value;
  }
  if (Array.isArray(value)) {
    const b = branches.find((x) => x.type === 'array');
    if (!b) return value;
    const kept = typeof b.maxItems === 'number' ? value.slice(0, b.maxItems) : value;
    return kept.map((v) => fit(v, b.items as Json));
  }
  if (typeof value === 'object') {
    const props = Object.assign({}, ...branches.filter((b) => b.type === 'object').reverse().map((b) => b.properties as Json)) as Record<string, Json>;
    return Object.fromEntries(Object.entries(value as Json).map(([k, v]) => [k, fit(v, props[k])]));
  }
  return value;
}

/** A board's part of a run cut to what BoardResultSchema accepts. */
export function fitBoardResult<T>(r: T): T {
  return fit(r, BoardResultSchema as unknown as Json) as T;
}

/**
 * The API's operations as /api/v1/openapi.json describes them, for tests that must cover every
 * route — those added later included — without listing them: method, path, the role it needs
 * (x-suitrig-role), its parameters and request body, and a sample request built from the
 * schemas (valid as far as the schema says; whether the named thing exists is another matter).
 */
import type { ServiceApp } from '../../rig/service/api/app.js';

type Schema = Record<string, unknown>;

export interface Operation {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** `/api/v1/boards/{name}` */
  path: string;
  role: string;
  pathParams: { name: string; schema: Schema }[];
  query: { name: string; schema: Schema; required: boolean }[];
  /** The request body's media type and schema, when it takes one. */
  body?: { type: string; schema: Schema };
  /** A server-sent event stream: a request that passes the checks does not end by itself. */
  streams: boolean;
}

export async function operations(app: ServiceApp): Promise<Operation[]> {
  const doc = (await app.inject({ url: '/api/v1/openapi.json' })).json() as { paths: Record<string, Record<string, Schema>> };
  const out: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [m, op] of Object.entries(methods)) {
      const params = (op.parameters ?? []) as { in: string; name: string; schema: Schema; required?: boolean }[];
      const content = (op.requestBody as { content?: Record<string, { schema: Schema }> } | undefined)?.content;
      const [type, media] = Object.entries(content ?? {})[0] ?? [];
      out.push({
        method: m.toUpperCase() as Operation['method'],
        path,
        role: String(op['x-suitrig-role']),
        pathParams: params.filter((p) => p.in === 'path'),
        query: params.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: p.schema, required: p.required === true })),
        ...(type && media ? { body: { type, schema: media.schema } } : {}),
        streams: op['x-suitrig-stream'] === true,
      });
    }
  }
  return out;
}

/** Values for strings of the patterns the API uses (names, ids, hex, URIs). */
function sampleString(s: Schema): string {
  const pattern = typeof s.pattern === 'string' ? s.pattern : '';
  if (pattern.includes('{64}')) return 'ab'.repeat(32);
  if (pattern.includes('[0-9a-fA-F]{8}-')) return '3b7d1c0e-2f4a-4e8b-9c6d-5a1b2c3d4e5f';
  if (pattern.includes('[0-9]{1,20}')) return '7';
  if (pattern.includes('[0-9a-f]{2}')) return 'abcd';
  if (pattern.includes('[a-z][a-z0-9-]')) return 'virtual';
  return 'sample-1';
}

/** A value the schema accepts: required properties only, first alternatives, minimum sizes. */
export function sample(s: Schema | undefined): unknown {
  if (!s) return undefined;
  if (Array.isArray(s.enum)) return s.enum[0];
  for (const k of ['anyOf', 'oneOf'] as const) if (Array.isArray(s[k])) return sample((s[k] as Schema[])[0]);
  switch (s.type) {
    case 'object': {
      const props = (s.properties ?? {}) as Record<string, Schema>;
      const required = (s.required ?? []) as string[];
      return Object.fromEntries(required.map((k) => [k, sample(props[k])]));
    }
    case 'array':
      return Array.from({ length: Number(s.minItems ?? 0) }, () => sample(s.items as Schema));
    case 'integer':
    case 'number':
      return Number(s.minimum ?? 1) || 1;
    case 'boolean':
      return true;
    case 'string':
      return s.format === 'binary' ? 'bytes' : sampleString(s);
    default:
      return null;
  }
}

/** The path with each parameter replaced by `values[name]`, or a sample of its schema (percent-encoded). */
export function concretePath(op: Operation, values: Record<string, string> = {}): string {
  let p = op.path;
  for (const param of op.pathParams) p = p.replace(`{${param.name}}`, values[param.name] ?? encodeURIComponent(String(sample(param.schema))));
  return p;
}

/** A request body the schema accepts, with its content type (multipart parts built as files). */
export function sampleBody(op: Operation): { payload: string | Buffer; headers: Record<string, string> } | undefined {
  if (!op.body) return undefined;
  if (op.body.type === 'multipart/form-data') {
    const boundary = 'suitrigsampleboundary';
    const payload = `--${boundary}\r\ncontent-disposition: form-data; name="envelope"; filename="e"\r\ncontent-type: application/octet-stream\r\n\r\nxx\r\n--${boundary}--\r\n`;
    return { payload: Buffer.from(payload), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
  }
  return { payload: JSON.stringify(sample(op.body.schema)), headers: { 'content-type': op.body.type } };
}

/** A digest of every table of the service (public schema): equal digests, nothing changed. */
export async function databaseDigest(app: ServiceApp): Promise<string> {
  const db = app.ctx.db;
  const tables = await db.query<{ t: string }>("SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1");
  const parts: string[] = [];
  for (const { t } of tables) {
    if (!/^[a-z_][a-z0-9_]*$/.test(t)) throw new Error(`unexpected table name ${t}`);
    const [row] = await db.query<{ d: string | null; n: number }>(`SELECT md5(string_agg(x::text, '|' ORDER BY x::text)) AS d, count(*)::int AS n FROM ${t} x`);
    parts.push(`${t}:${row!.n}:${row!.d ?? '-'}`);
  }
  return parts.join(' ');
}

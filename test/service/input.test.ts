/**
 * Bad input at every route (issue 12 "Must show"), driven by /api/v1/openapi.json: path tricks
 * in every path parameter, unknown and mistyped query parameters, and for every body malformed
 * JSON, wrong types, unknown fields, a body over the limit and a wrong content type — each
 * answered 4xx with the JSON error (never a 500), with an admin token so that access is not what
 * refuses them, and no table changed.
 */
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { JSON_BODY_LIMIT, PARAM_MAX_LENGTH } from '../../rig/service/api/limits.js';
import { describeOnDatabases } from '../helpers/databases.js';
import { testService, type TestService } from './fixture.js';
import { concretePath, databaseDigest, operations, sample, type Operation } from './operations.js';
import { releaseTrust } from './releases-fixture.js';

/** Path parameter values as they appear in the URL (already percent-encoded where meant). */
const PATH_TRICKS = [
  '..', '.', '%2e%2e', '..%2F..%2Fetc%2Fpasswd', '%2F', 'a%2Fb', 'a%5Cb', '%00', 'a%00b', '%0d%0aX-Injected:%201',
  '%C3%A9t%C3%A9', '%F0%9F%94%A5', '%', '%ZZ', '%20', '-x', '_x', 'x'.repeat(PARAM_MAX_LENGTH + 100), '%27%3B%20DROP%20TABLE%20boards%3B--', '-1',
];

describeOnDatabases('bad input at every route', (flavour) => {
  let s: TestService;
  let ops: Operation[];
  beforeAll(async () => {
    s = await testService(flavour, { releaseTrust });
    ops = await operations(s.app);
  });
  afterAll(async () => s?.close());

  const send = async (what: string, req: InjectOptions) => {
    const r = await s.app.inject({ ...req, headers: { ...s.as('admin'), ...(req.headers ?? {}) } });
    expect(r.statusCode, `${what}: ${r.body.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
    expect(r.statusCode, `${what}: ${r.body.slice(0, 200)}`).toBeLessThan(500);
    const body = r.json() as { error?: { code?: unknown; message?: unknown } };
    expect(typeof body.error?.code, what).toBe('string');
    expect(typeof body.error?.message, what).toBe('string');
    return r;
  };

  it('refuses path tricks in every path parameter', async () => {
    const before = await databaseDigest(s.app);
    let n = 0;
    for (const op of ops) {
      const validBody = op.body?.type === 'application/json' ? { payload: JSON.stringify(sample(op.body.schema)), headers: { 'content-type': 'application/json' } } : {};
      for (const p of op.pathParams) {
        for (const trick of PATH_TRICKS) {
          await send(`${op.method} ${op.path} with ${p.name}=${trick.slice(0, 40)}`, { method: op.method, url: concretePath(op, { [p.name]: trick }), ...validBody });
          n++;
        }
      }
    }
    expect(n).toBeGreaterThan(100);
    expect(await databaseDigest(s.app)).toBe(before);
  });

  it('refuses unknown and mistyped query parameters', async () => {
    const before = await databaseDigest(s.app);
    for (const op of ops) {
      const url = concretePath(op);
      await send(`${op.method} ${op.path}?unknown`, { method: op.method, url: `${url}?no_such_parameter=1` });
      for (const q of op.query) {
        const junk = q.schema.type === 'integer' ? 'abc' : q.schema.enum ? 'no-such-value' : '../..%2F%00';
        await send(`${op.method} ${op.path}?${q.name}=${junk}`, { method: op.method, url: `${url}?${q.name}=${junk}` });
      }
    }
    await send('limit above the page cap', { method: 'GET', url: '/api/v1/boards?limit=100000' });
    await send('limit zero', { method: 'GET', url: '/api/v1/boards?limit=0' });
    expect(await databaseDigest(s.app)).toBe(before);
  });

  it('refuses malformed, mistyped, unknown-field, oversized and wrongly typed bodies', async () => {
    const before = await databaseDigest(s.app);
    const withBody = ops.filter((o) => o.body);
    expect(withBody.length).toBeGreaterThanOrEqual(5);
    for (const op of withBody) {
      const url = concretePath(op);
      const what = `${op.method} ${op.path}`;
      const json = { 'content-type': 'application/json' };
      if (op.body!.type === 'multipart/form-data') {
        await send(`${what} JSON instead of multipart`, { method: op.method, url, headers: json, payload: '{}' });
        await send(`${what} broken multipart`, { method: op.method, url, headers: { 'content-type': 'multipart/form-data; boundary=xyz' }, payload: '--xyz\r\ncontent-disposition: form-data; name="envelope"\r\n\r\nunterminated' });
        await send(`${what} multipart without boundary`, { method: op.method, url, headers: { 'content-type': 'multipart/form-data' }, payload: 'x' });
        continue;
      }
      const good = sample(op.body!.schema) as Record<string, unknown>;
      const cases: [string, string | Buffer, Record<string, string>][] = [
        ['malformed JSON', '{"a":', json],
        ['trailing garbage', `${JSON.stringify(good)}x`, json],
        ['an array', '[]', json],
        ['a string', '"s"', json],
        ['a number', '1', json],
        ['null', 'null', json],
        ['empty', '', json],
        ['an unknown field', JSON.stringify({ ...good, no_such_field: 1 }), json],
        ['prototype pollution', JSON.stringify(good).replace(/^\{/, '{"__proto__":{"x":1},'), json],
        ['a body over the limit', JSON.stringify({ ...good, pad: 'x'.repeat(JSON_BODY_LIMIT) }), json],
        ['deep nesting', '['.repeat(100_000) + ']'.repeat(100_000), json],
        ['text/plain', JSON.stringify(good), { 'content-type': 'text/plain' }],
        ['form encoding', 'a=1', { 'content-type': 'application/x-www-form-urlencoded' }],
        ['binary junk as JSON', Buffer.from([0xff, 0xfe, 0x00, 0x7b]), json],
      ];
      for (const [key, value] of Object.entries(good)) {
        cases.push([`${key} of the wrong type`, JSON.stringify({ ...good, [key]: typeof value === 'string' ? 12345 : 'a string' }), json]);
      }
      for (const [c, payload, headers] of cases) await send(`${what}: ${c}`, { method: op.method, url, headers, payload });
    }
    const huge = await s.app.inject({ method: 'PUT', url: '/api/v1/agents/lab-1', headers: { ...s.as('admin'), 'content-type': 'application/json' }, payload: 'x'.repeat(JSON_BODY_LIMIT + 1) });
    expect(huge.statusCode).toBe(413);
    expect(await databaseDigest(s.app)).toBe(before);
  });
});

/**
 * The API's framework guarantees (rig/service/api): a route without a declared role, or with an
 * open request schema, stops the app at start; the description lists every route with its role;
 * refusals share one JSON shape; an unexpected fault is a bare 500 with no detail.
 */
import { Type } from '@fastify/type-provider-typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../rig/service/api/app.js';
import type { RoutePlugin } from '../../rig/service/context.js';
import { testService, type TestService } from './fixture.js';

describe('the API framework [pglite]', () => {
  // One database for all: apps with other routes are built on it and closed by each test.
  let s: TestService;
  beforeAll(async () => {
    s = await testService('pglite');
  });
  afterAll(async () => s?.close());

  it('refuses to start with a route that declares no role', async () => {
    const noRole: RoutePlugin = async (app) => {
      app.get('/oops', async () => ({}));
    };
    await expect(buildApp({ db: s.db, plugins: [noRole] })).rejects.toThrow(/route GET \/api\/v1\/oops declares no role/);
  });

  it('refuses to start with a request schema that leaves an object open', async () => {
    const open: RoutePlugin = async (app) => {
      app.post('/open', { config: { role: 'operator' }, schema: { body: Type.Object({ a: Type.Object({ b: Type.String() }, { additionalProperties: false }) }) } }, async () => ({}));
    };
    await expect(buildApp({ db: s.db, plugins: [open] })).rejects.toThrow(/request schema objects without additionalProperties: body(,|$| )/);
  });

  it('answers an unexpected fault with a bare 500, the detail only in the log', async () => {
    const faulty: RoutePlugin = async (app) => {
      app.get('/faulty', { config: { role: 'viewer' } }, async () => {
        throw new Error('SELECT secret FROM somewhere failed at /srv/x.ts:12');
      });
    };
    const app = await buildApp({ db: s.db, plugins: [faulty] });
    try {
      const r = await app.inject({ method: 'GET', url: '/api/v1/faulty', headers: s.as('viewer') });
      expect(r.statusCode).toBe(500);
      expect(r.json()).toEqual({ error: { code: 'internal', message: 'internal error' } });
    } finally {
      await app.close();
    }
  });

  it('describes every route with the role it needs, and serves the description without a token', async () => {
    const r = await s.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    expect(r.statusCode).toBe(200);
    const doc = r.json() as { paths: Record<string, Record<string, { 'x-suitrig-role'?: string; security?: unknown }>> };
    const ops = Object.entries(doc.paths).flatMap(([p, methods]) => Object.entries(methods).map(([m, op]) => ({ p, m, op })));
    expect(ops.length).toBeGreaterThan(3);
    for (const { p, m, op } of ops) {
      expect(['viewer', 'operator', 'agent', 'admin', 'reserve'], `${m} ${p}`).toContain(op['x-suitrig-role']);
      expect(op.security, `${m} ${p}`).toEqual([{ bearer: [] }]);
    }
    expect(doc.paths['/api/v1/tokens']?.post?.['x-suitrig-role']).toBe('admin');
  });

  it('answers refusals in one shape: unknown route, unknown field, bad JSON, wrong content type', async () => {
    const h = s.as('admin');
    const cases = [
      { req: { method: 'GET' as const, url: '/api/v1/nothing', headers: h }, status: 404, code: 'not-found' },
      { req: { method: 'POST' as const, url: '/api/v1/tokens', headers: h, payload: { role: 'viewer', extra: 1 } }, status: 400, code: 'invalid-request', msg: /unknown field 'extra'/ },
      { req: { method: 'POST' as const, url: '/api/v1/tokens', headers: { ...h, 'content-type': 'application/json' }, payload: '{"role":' }, status: 400, code: 'bad-request' },
      { req: { method: 'POST' as const, url: '/api/v1/tokens', headers: { ...h, 'content-type': 'text/plain' }, payload: 'role=viewer' }, status: 415, code: 'unsupported-media-type' },
      { req: { method: 'POST' as const, url: '/api/v1/tokens', headers: { ...h, 'content-type': 'application/json' }, payload: '{"__proto__":{"role":"admin"},"role":"viewer"}' }, status: 400, code: 'bad-request' },
    ];
    for (const c of cases) {
      const r = await s.app.inject(c.req);
      expect(r.statusCode, JSON.stringify(c.req)).toBe(c.status);
      const body = r.json() as { error: { code: string; message: string } };
      expect(body.error.code).toBe(c.code);
      if (c.msg) expect(body.error.message).toMatch(c.msg);
    }
    const [{ n }] = (await s.db.query<{ n: number }>('SELECT count(*)::int AS n FROM tokens')) as [{ n: number }];
    expect(n).toBe(4);
  });
});

/**
 * Access control at every route (issue 12 "Must show": every route refuses missing, wrong and
 * under-privileged tokens), driven by /api/v1/openapi.json so routes added later are covered
 * without being listed here: each operation, with a request its schema accepts, is sent with no
 * token, malformed ones, an unknown one, a revoked one (401) and a token of every role that does
 * not grant the operation's (403); the answer is the JSON error, and no table changes.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ROLES, grants, isRouteRole } from '../../rig/service/auth/roles.js';
import { createToken, revokeToken } from '../../rig/service/auth/tokens.js';
import { describeOnDatabases } from '../helpers/databases.js';
import { testService, type TestService } from './fixture.js';
import { concretePath, databaseDigest, operations, sampleBody, type Operation } from './operations.js';
import { releaseTrust } from './releases-fixture.js';

describeOnDatabases('access control at every route', (flavour) => {
  let s: TestService;
  let ops: Operation[];
  let revoked: string;
  beforeAll(async () => {
    s = await testService(flavour, { releaseTrust, work: true });
    ops = await operations(s.app);
    const t = await createToken(s.db, 'admin', 'revoked admin');
    await revokeToken(s.db, t.id);
    revoked = t.token;
  });
  afterAll(async () => s?.close());

  it('reads every route and its role from the API description', () => {
    expect(ops.length).toBeGreaterThanOrEqual(14);
    for (const op of ops) expect(isRouteRole(op.role), `${op.method} ${op.path}: role ${op.role}`).toBe(true);
    // Nothing is public but the description itself (not listed in it).
    expect(ops.filter((o) => o.role === 'public')).toEqual([]);
  });

  it('refuses missing, malformed, unknown and revoked tokens with 401, changing nothing', async () => {
    const before = await databaseDigest(s.app);
    const bad: (string | undefined)[] = [
      undefined,
      '',
      'Bearer',
      'Basic dXNlcjpwYXNz',
      'Bearer not-a-token',
      `Bearer suitrig_${'A'.repeat(43)}`,
      `Bearer ${s.tokens.admin}x`,
      `Bearer ${revoked}`,
      s.tokens.admin, // without the scheme
    ];
    for (const op of ops) {
      const body = sampleBody(op);
      for (const authorization of bad) {
        const r = await s.app.inject({
          method: op.method,
          url: concretePath(op),
          headers: { ...(body?.headers ?? {}), ...(authorization !== undefined ? { authorization } : {}) },
          ...(body ? { payload: body.payload } : {}),
        });
        const what = `${op.method} ${op.path} with ${authorization === undefined ? 'no token' : `'${authorization.slice(0, 20)}...'`}`;
        expect(r.statusCode, what).toBe(401);
        expect(r.json().error.code, what).toBe('unauthorized');
        expect(r.headers['www-authenticate'], what).toBe('Bearer');
        // A small body the refusal did not need is read and dropped, so a client still writing it
        // reads the answer instead of a broken pipe; the connection stays open.
        if (body) expect(r.headers.connection, what).not.toBe('close');
      }
    }
    expect(await databaseDigest(s.app)).toBe(before);
  });

  it('a large body refused before it was read is not read at all: the connection closes after the 401', async () => {
    const r = await s.app.inject({
      method: 'POST',
      url: '/api/v1/campaigns',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ release: 'x'.repeat(100 * 1024) }),
    });
    expect(r.statusCode).toBe(401);
    expect(r.headers.connection).toBe('close');
  });

  it('refuses every role that does not grant the route with 403, changing nothing', async () => {
    const before = await databaseDigest(s.app);
    let refused = 0;
    for (const op of ops) {
      const body = sampleBody(op);
      for (const role of ROLES.filter((r) => !grants(r, op.role as never))) {
        const r = await s.app.inject({ method: op.method, url: concretePath(op), headers: { ...(body?.headers ?? {}), ...s.as(role) }, ...(body ? { payload: body.payload } : {}) });
        expect(r.statusCode, `${op.method} ${op.path} as ${role}`).toBe(403);
        expect(r.json().error.message).toContain(`needs the ${op.role} role`);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(10);
    expect(await databaseDigest(s.app)).toBe(before);
  });

  it('lets every role that grants the route past the access check', async () => {
    for (const op of ops.filter((o) => !o.streams)) {
      const body = sampleBody(op);
      for (const role of ROLES.filter((r) => grants(r, op.role as never))) {
        // A token of its own: the sample request may revoke a token (DELETE /tokens/1).
        const { token } = await createToken(s.db, role, `pass ${role}`);
        const r = await s.app.inject({ method: op.method, url: concretePath(op), headers: { ...(body?.headers ?? {}), authorization: `Bearer ${token}` }, ...(body ? { payload: body.payload } : {}) });
        // A 403 may still come from the route itself (an agent speaking for another token's agent).
        expect(r.statusCode, `${op.method} ${op.path} as ${role}: ${r.body}`).not.toBe(401);
        if (r.statusCode === 403) expect(r.json().error.message).not.toMatch(/needs the \w+ role/);
        expect(r.statusCode, `${op.method} ${op.path} as ${role}: ${r.body}`).toBeLessThan(500);
      }
    }
  });
});

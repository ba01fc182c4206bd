/**
 * A fuzz test of the API (issue 12 "Must show"): seeded random requests over every operation the
 * description lists — path parameters, query strings, tokens, bodies either valid, mutated or
 * junk, multipart uploads of real and damaged releases — must each be answered within a bound,
 * never with a 5xx, and every refusal in the JSON error shape. The service must still answer a
 * plain read at the end. The seed is printed; SUITRIG_FUZZ_SEED replays it, SUITRIG_FUZZ_RUNS
 * lengthens the run.
 */
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ROLES, type Role } from '../../rig/service/auth/roles.js';
import { createToken } from '../../rig/service/auth/tokens.js';
import { Rng, fuzzRuns, fuzzSeed } from '../core/fuzz-tools.js';
import { describeOnDatabases } from '../helpers/databases.js';
import { testService, type TestService } from './fixture.js';
import { concretePath, operations, sample, type Operation } from './operations.js';
import { APP_URI, multipart, release, releaseTrust, type Part } from './releases-fixture.js';

const seed = fuzzSeed();
const runs = fuzzRuns(300);
const ANSWER_MS = 10_000;

const TRICKS = ['..', '%2e%2e%2f', '%00', '%', '%ZZ', '%C0%AF', '__proto__', 'constructor', '-', '', ' ', '\u202e', 'x'.repeat(700)];
const SAMPLE_KEYS = ['name', 'kind', 'tags', 'boards', 'host', 'role', 'status', 'state', 'outcome', 'detail', 'identity', 'slots', '__proto__'];

function junkString(rng: Rng): string {
  switch (rng.int(5)) {
    case 0:
      return rng.pick(TRICKS);
    case 1:
      return String.fromCharCode(...Array.from({ length: rng.int(40) }, () => 0x20 + rng.int(95)));
    case 2:
      return String.fromCodePoint(...Array.from({ length: rng.int(10) }, () => rng.int(0x10ffff - 0xe000) + (rng.int(2) ? 0xe000 : 0)).filter((c) => c < 0xd800 || c > 0xdfff));
    case 3:
      return String(rng.pick([-1, 0, 2 ** 53, 2 ** 64, 1e308, -0, 3.5]));
    default:
      return 'a'.repeat(rng.int(3) === 0 ? 100_000 : rng.int(100));
  }
}

function randomJson(rng: Rng, depth = 0): unknown {
  switch (rng.int(depth > 3 ? 5 : 8)) {
    case 0:
      return null;
    case 1:
      return rng.int(2) === 0;
    case 2:
      return rng.pick([0, -1, 1.5, 2 ** 53 + 1, -(2 ** 63), 1e300, 255, 256]);
    case 3:
    case 4:
      return junkString(rng);
    case 5:
      return Array.from({ length: rng.int(5) }, () => randomJson(rng, depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: rng.int(5) }, () => [rng.int(2) ? rng.pick(SAMPLE_KEYS) : junkString(rng).slice(0, 20), randomJson(rng, depth + 1)]));
  }
}

/** A valid value changed in one random place: a value replaced, a key dropped or added. */
function mutateJson(rng: Rng, v: unknown, depth = 0): unknown {
  if (v === null || typeof v !== 'object' || depth > 4 || rng.int(4) === 0) return randomJson(rng);
  if (Array.isArray(v)) {
    const a = [...v];
    if (a.length && rng.int(2)) a[rng.int(a.length)] = mutateJson(rng, a[rng.int(a.length)], depth + 1);
    else a.push(randomJson(rng));
    return a;
  }
  const o = { ...(v as Record<string, unknown>) };
  const keys = Object.keys(o);
  const choice = rng.int(3);
  if (choice === 0 && keys.length) delete o[rng.pick(keys)];
  else if (choice === 1 && keys.length) {
    const k = rng.pick(keys);
    o[k] = mutateJson(rng, o[k], depth + 1);
  } else o[rng.int(2) ? rng.pick(SAMPLE_KEYS) : junkString(rng).slice(0, 30)] = randomJson(rng);
  return o;
}

function pathValue(rng: Rng, op: Operation, name: string): string {
  if (rng.int(3)) return encodeURIComponent(String(sample(op.pathParams.find((p) => p.name === name)!.schema)));
  const j = junkString(rng);
  return rng.int(2) ? encodeURIComponent(j) : j.replace(/[#?/\s]/g, '');
}

function uploadParts(rng: Rng): Part[] {
  const r = release({ sequence: BigInt(1 + rng.int(1000)) });
  const parts: Part[] = [{ name: 'envelope', bytes: r.envelope }, { name: APP_URI, bytes: r.payload }];
  switch (rng.int(5)) {
    case 0:
      return parts;
    case 1: {
      const which = parts[rng.int(2)]!;
      const b = Uint8Array.from(which.bytes);
      for (let i = 0; i < 1 + rng.int(4); i++) b[rng.int(b.length)] = rng.u32() & 0xff;
      which.bytes = rng.int(4) === 0 ? b.subarray(0, rng.int(b.length)) : b;
      return parts;
    }
    case 2:
      return [...parts, { name: junkString(rng).replace(/["\r\n]/g, '').slice(0, 600) || 'x', bytes: rng.bytes(rng.int(100)), file: rng.int(2) === 0 }];
    case 3:
      return rng.int(2) ? parts.reverse() : [parts[0]!];
    default:
      return Array.from({ length: rng.int(4) }, () => ({ name: rng.int(2) ? 'envelope' : junkString(rng).replace(/["\r\n]/g, '').slice(0, 50) || 'x', bytes: rng.bytes(rng.int(2000)) }));
  }
}

function request(rng: Rng, op: Operation, tokens: Record<Role, string>): InjectOptions {
  const values = Object.fromEntries(op.pathParams.map((p) => [p.name, pathValue(rng, op, p.name)]));
  const query: string[] = [];
  for (const q of op.query) {
    if (rng.int(2)) query.push(`${q.name}=${encodeURIComponent(rng.int(2) ? String(sample(q.schema)) : junkString(rng))}`);
  }
  if (rng.int(10) === 0) query.push(`${encodeURIComponent(junkString(rng).slice(0, 20))}=1`);
  const url = `${concretePath(op, values)}${query.length ? `?${query.join('&')}` : ''}`;
  const headers: Record<string, string> = {};
  const t = rng.int(10);
  if (t < 7) headers.authorization = `Bearer ${tokens[rng.pick(ROLES)]}`;
  else if (t < 9) headers.authorization = junkString(rng).replace(/[^\x20-\x7e]/g, '').slice(0, 200);
  let payload: string | Buffer | undefined;
  if (op.body?.type === 'multipart/form-data' && rng.int(5)) {
    const m = multipart(uploadParts(rng));
    Object.assign(headers, m.headers);
    payload = m.payload;
  } else if (op.body || rng.int(8) === 0) {
    const k = rng.int(10);
    const good = op.body ? sample(op.body.schema) : {};
    payload = k < 2 ? JSON.stringify(good) : k < 6 ? JSON.stringify(mutateJson(rng, good)) : k < 8 ? JSON.stringify(randomJson(rng)) : Buffer.from(rng.bytes(rng.int(300)));
    headers['content-type'] = rng.int(8) ? 'application/json' : rng.pick(['text/plain', 'application/octet-stream', 'application/json; charset=latin1', 'multipart/form-data', '']);
  }
  return { method: op.method, url, headers, ...(payload !== undefined ? { payload } : {}) };
}

describeOnDatabases('API fuzz', (flavour) => {
  let s: TestService;
  let ops: Operation[];
  /** The fuzz's own tokens: the samples of DELETE /tokens/{id} revoke the fixture's first ones. */
  const tokens = {} as Record<Role, string>;
  beforeAll(async () => {
    s = await testService(flavour, { releaseTrust });
    for (const r of ROLES) tokens[r] = (await createToken(s.db, r, `fuzz ${r}`)).token;
    // Streams do not end by themselves when a request passes; their refusals are covered elsewhere.
    ops = (await operations(s.app)).filter((o) => !o.streams);
  });
  afterAll(async () => s?.close());

  it(`random requests: no 5xx, refusals in the error shape, answers in time (seed ${seed}, ${runs} requests)`, { timeout: Math.max(120_000, runs * 400) }, async () => {
    console.log(`fuzz:api [${flavour}]: seed ${seed} (replay with SUITRIG_FUZZ_SEED=${seed}), ${runs} requests`);
    const rng = new Rng(seed);
    const statuses = new Map<number, number>();
    for (let i = 0; i < runs; i++) {
      const op = rng.pick(ops);
      const req = request(rng, op, tokens);
      const what = `request ${i} (seed ${seed}): ${req.method} ${String(req.url).slice(0, 200)}`;
      let timer: NodeJS.Timeout | undefined;
      const r = await Promise.race([
        s.app.inject(req),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ANSWER_MS} ms`)), ANSWER_MS))),
      ]).finally(() => clearTimeout(timer));
      statuses.set(r.statusCode, (statuses.get(r.statusCode) ?? 0) + 1);
      expect(r.statusCode, `${what}: ${r.body.slice(0, 300)}`).toBeLessThan(500);
      if (r.statusCode >= 400) {
        const body = r.json() as { error?: { code?: unknown; message?: unknown } };
        expect(typeof body.error?.code, what).toBe('string');
        expect(typeof body.error?.message, what).toBe('string');
      }
    }
    console.log(`fuzz:api [${flavour}]: statuses ${[...statuses].sort((a, b) => a[0] - b[0]).map(([k, v]) => `${k}x${v}`).join(' ')}`);
    // Refusals alone would mean the generator never reached the routes' own work.
    expect([...statuses.keys()].some((c) => c < 300)).toBe(true);
    const { token } = await createToken(s.db, 'viewer', 'after the fuzz');
    const after = await s.app.inject({ url: '/api/v1/boards', headers: { authorization: `Bearer ${token}` } });
    expect(after.statusCode).toBe(200);
  });
});

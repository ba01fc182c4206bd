/**
 * The firmware server (rig/service/api/routes/releases.ts): a release verified by the wasm core
 * against the service's trust anchors, its payloads against the manifest's digests, is stored
 * content-addressed and served back byte for byte; every release that does not verify, or whose
 * upload is malformed or too large, is refused with the reason, and the tables are unchanged.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { PAYLOAD_LIMIT } from '../../rig/service/api/limits.js';
import { describeOnDatabases } from '../helpers/databases.js';
import { testService, type TestService } from './fixture.js';
import { APP_URI, multipart, release, releaseTrust, strangerKey } from './releases-fixture.js';

describeOnDatabases('releases API', (flavour) => {
  let s: TestService;
  beforeAll(async () => {
    s = await testService(flavour, { releaseTrust });
  });
  afterAll(async () => s?.close());

  const tables = async () => {
    const [r] = await s.db.query(
      `SELECT (SELECT count(*) FROM blobs)::int AS blobs, (SELECT count(*) FROM releases)::int AS releases,
              (SELECT count(*) FROM release_payloads)::int AS payloads, (SELECT count(*) FROM events)::int AS events`,
    );
    return r;
  };
  const upload = (parts: Parameters<typeof multipart>[0], role: 'operator' | 'viewer' = 'operator') => {
    const m = multipart(parts);
    return s.app.inject({ method: 'POST', url: '/api/v1/releases', headers: { ...s.as(role), ...m.headers }, payload: m.payload });
  };

  it('stores a good release and serves it back byte for byte; uploading it again stores nothing new', async () => {
    const { envelope, payload } = release({ sequence: 7n });
    const r = await upload([{ name: 'envelope', bytes: envelope }, { name: APP_URI, bytes: payload }]);
    expect(r.statusCode, r.body).toBe(201);
    const rel = r.json();
    expect(rel).toMatchObject({ sequence: 7, size: envelope.length, signers: ['author'], payloads: [{ uri: APP_URI, size: payload.length }] });
    expect(rel.id).toMatch(/^[0-9a-f]{64}$/);
    const one = (await s.app.inject({ url: `/api/v1/releases/${rel.id}`, headers: s.as('viewer') })).json();
    expect(one.manifest).toMatchObject({ format: 'suit-envelope', manifest: { sequenceNumber: 7 } });
    const env = await s.app.inject({ url: `/api/v1/releases/${rel.id}/envelope`, headers: s.as('agent') });
    expect(env.statusCode).toBe(200);
    expect(Buffer.compare(env.rawPayload, Buffer.from(envelope))).toBe(0);
    const pay = await s.app.inject({ url: `/api/v1/releases/${rel.id}/payloads/${encodeURIComponent(APP_URI)}`, headers: s.as('viewer') });
    expect(pay.statusCode, pay.body).toBe(200);
    expect(Buffer.compare(pay.rawPayload, Buffer.from(payload))).toBe(0);
    const list = (await s.app.inject({ url: '/api/v1/releases', headers: s.as('viewer') })).json();
    expect(list.releases.map((x: { id: string }) => x.id)).toContain(rel.id);
    const before = await tables();
    const again = await upload([{ name: 'envelope', bytes: envelope }, { name: APP_URI, bytes: payload }]);
    expect(again.statusCode).toBe(200);
    expect(again.json().id).toBe(rel.id);
    expect(await tables()).toEqual(before);
  });

  it('refuses each bad release with its reason and stores nothing', async () => {
    const good = release();
    const altered = Uint8Array.from(good.payload);
    altered[100]! ^= 1;
    const stranger = release({ key: strangerKey });
    const cases: { what: string; parts: Parameters<typeof multipart>[0]; status: number; code: string; msg: RegExp }[] = [
      { what: 'signed by an untrusted key', parts: [{ name: 'envelope', bytes: stranger.envelope }, { name: APP_URI, bytes: stranger.payload }], status: 422, code: 'release-rejected', msg: /verifier rejected the release: unauthori[sz]ed/ },
      { what: 'payload not matching its digest', parts: [{ name: 'envelope', bytes: good.envelope }, { name: APP_URI, bytes: altered }], status: 422, code: 'release-rejected', msg: /verifier rejected/ },
      { what: 'payload missing', parts: [{ name: 'envelope', bytes: good.envelope }], status: 422, code: 'missing-payload', msg: /fetches file:\/\/app\.bin/ },
      { what: 'a payload the manifest does not fetch', parts: [{ name: 'envelope', bytes: good.envelope }, { name: APP_URI, bytes: good.payload }, { name: 'file://other.bin', bytes: good.payload }], status: 422, code: 'unexpected-payload', msg: /file:\/\/other\.bin/ },
      { what: 'not an envelope', parts: [{ name: 'envelope', bytes: new Uint8Array(300).fill(0xa5) }], status: 422, code: 'release-rejected', msg: /verifier rejected|could not be processed/ },
      { what: 'envelope not first', parts: [{ name: APP_URI, bytes: good.payload }, { name: 'envelope', bytes: good.envelope }], status: 400, code: 'bad-request', msg: /first part must be named envelope/ },
      { what: 'no envelope', parts: [], status: 400, code: 'bad-request', msg: /no part named envelope/ },
      { what: 'a field, not a file', parts: [{ name: 'envelope', bytes: good.envelope, file: false }], status: 400, code: 'bad-request', msg: /not a file part/ },
      { what: 'the same URI twice', parts: [{ name: 'envelope', bytes: good.envelope }, { name: APP_URI, bytes: good.payload }, { name: APP_URI, bytes: good.payload }], status: 400, code: 'bad-request', msg: /two parts named/ },
      { what: 'a payload name with a space', parts: [{ name: 'envelope', bytes: good.envelope }, { name: 'a b', bytes: good.payload }], status: 400, code: 'bad-request', msg: /named by its URI/ },
      { what: 'a payload over the limit', parts: [{ name: 'envelope', bytes: good.envelope }, { name: APP_URI, bytes: new Uint8Array(PAYLOAD_LIMIT + 1) }], status: 413, code: 'payload-too-large', msg: new RegExp(`larger than ${PAYLOAD_LIMIT} bytes`) },
      { what: 'too many payloads', parts: [{ name: 'envelope', bytes: good.envelope }, ...Array.from({ length: 17 }, (_, i) => ({ name: `file://p${i}`, bytes: new Uint8Array(1) }))], status: 413, code: 'payload-too-large', msg: /more than 16 payloads/ },
    ];
    const before = await tables();
    for (const c of cases) {
      const r = await upload(c.parts);
      expect(r.statusCode, `${c.what}: ${r.body}`).toBe(c.status);
      expect(r.json().error.code, c.what).toBe(c.code);
      expect(r.json().error.message, c.what).toMatch(c.msg);
    }
    const json = await s.app.inject({ method: 'POST', url: '/api/v1/releases', headers: s.as('operator'), payload: { envelope: 'x' } });
    expect(json.statusCode).toBe(415);
    expect(await tables()).toEqual(before);
  });

  it('refuses uploads when the service has no trust anchors', async () => {
    const bare = await testService(flavour);
    try {
      const { envelope, payload } = release();
      const m = multipart([{ name: 'envelope', bytes: envelope }, { name: APP_URI, bytes: payload }]);
      const r = await bare.app.inject({ method: 'POST', url: '/api/v1/releases', headers: { ...bare.as('operator'), ...m.headers }, payload: m.payload });
      expect(r.statusCode).toBe(409);
      expect(r.json().error).toMatchObject({ code: 'no-trust-anchors' });
      const [n] = await bare.db.query<{ n: number }>('SELECT count(*)::int AS n FROM blobs');
      expect(n!.n).toBe(0);
    } finally {
      await bare.close();
    }
  });

  it('suitrig release upload: stored (exit 0, the id printed), refused with the reason (exit 1), no token (exit 2)', async () => {
    const url = await s.app.listen({ host: '127.0.0.1', port: 0 });
    const dir = mkdtempSync(join(tmpdir(), 'suitrig-upload-'));
    try {
      const good = release({ sequence: 11n });
      writeFileSync(join(dir, 'good.suit'), good.envelope);
      writeFileSync(join(dir, 'app.bin'), good.payload);
      const ok = await runCli(['release', 'upload', 'good.suit', '--payload', `${APP_URI}=app.bin`, '--tracker', url, '--token', s.tokens.operator], { cwd: dir });
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout).toBe(`${createHash('sha256').update(good.envelope).digest('hex')}\n`);
      expect(ok.stderr).toMatch(/sequence 11, signed by author, 1 payload\(s\): file:\/\/app\.bin \(5000 bytes\)/);
      const before = await tables();
      const bad = release({ key: strangerKey });
      writeFileSync(join(dir, 'bad.suit'), bad.envelope);
      const refused = await runCli(['release', 'upload', 'bad.suit', '--payload', `${APP_URI}=app.bin`, '--tracker', url, '--token', s.tokens.operator], { cwd: dir });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/refused: .*422 release-rejected: the verifier rejected the release/);
      const viewer = await runCli(['release', 'upload', 'good.suit', '--payload', `${APP_URI}=app.bin`, '--tracker', url, '--token', s.tokens.viewer], { cwd: dir });
      expect(viewer.code).toBe(2);
      expect(viewer.stderr).toMatch(/403 forbidden/);
      expect(await tables()).toEqual(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers 404 for an unknown release or payload', async () => {
    const id = 'ab'.repeat(32);
    for (const url of [`/api/v1/releases/${id}`, `/api/v1/releases/${id}/envelope`, `/api/v1/releases/${id}/payloads/x`]) {
      const r = await s.app.inject({ url, headers: s.as('viewer') });
      expect(r.statusCode, url).toBe(404);
    }
  });
});

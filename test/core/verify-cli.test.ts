/** `suitrig verify` end to end, in-process: exit status, human output and the --json contract. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { readShared, readSharedJson } from '../helpers/shared.js';
import { IETF_SIGNER, resign } from './envelope-builder.js';
import { payload, withPayloads } from './payload-manifests.js';

const dir = mkdtempSync(join(tmpdir(), 'suitrig-verify-'));
const rfc = readSharedJson<{ examples: { envelope_hex: string; public_key_pem: string }[] }>('vectors', 'rfc-examples.json');
const ex0 = Buffer.from(rfc.examples[0]!.envelope_hex, 'hex');
writeFileSync(join(dir, 'ex0.suit'), ex0);
writeFileSync(join(dir, 'ietf.pub.pem'), rfc.examples[0]!.public_key_pem);
writeFileSync(join(dir, 'ietf.pem'), readShared('vectors', 'ietf-manifest-spec', 'private_key.pem'));
writeFileSync(join(dir, 'other.key'), Buffer.alloc(32, 0x62));
writeFileSync(join(dir, 'truncated.suit'), ex0.subarray(0, ex0.length - 10));
const big = resign(ex0, [IETF_SIGNER], (m) => m.set(2, 2n ** 60n + 1n));
writeFileSync(join(dir, 'big-seq.suit'), big);
writeFileSync(join(dir, 'identity.json'), JSON.stringify({ 'vendor-id': 'fa6b4a53-d5ad-5fdf-be9d-e663e4d41ffe' }));
writeFileSync(join(dir, 'device.json'), JSON.stringify({ 'vendor-id': 'fa6b4a53-d5ad-5fdf-be9d-e663e4d41ffe', 'class-id': '1492af14-2569-5e48-bf42-9b2d51f2ab45' }));
writeFileSync(join(dir, 'other-device.json'), JSON.stringify({ 'vendor-id': '00000000-0000-4000-8000-000000000000' }));
const image = payload(5000);
writeFileSync(join(dir, 'app.bin'), image);
writeFileSync(join(dir, 'bad.bin'), payload(5000, 2));
const ex1 = Buffer.from((rfc.examples[1] as { envelope_hex: string }).envelope_hex, 'hex');
writeFileSync(join(dir, 'ex1-real.suit'), withPayloads(ex1, () => image));

const run = (...argv: string[]) => runCli(['verify', ...argv], { cwd: dir });

describe('suitrig verify', () => {
  it('accepts IETF example 0 with the IETF key: exit 0, readable summary', async () => {
    const r = await run('ex0.suit', '--trust', 'ietf.pub.pem');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/COSE_Sign1 ES256: verified by author key ietf\.pub\.pem/);
    expect(r.stdout).toMatch(/result +accepted/);
  });

  it('--json prints one object with accepted, reason, reasonCode, sequenceNumber', async () => {
    const r = await run('ex0.suit', '--trust', 'ietf.pem', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ accepted: true, reason: 'ok', reasonCode: 0, sequenceNumber: 0, detail: 'none' });
    expect(j.signatures[0]).toMatchObject({ cose: 'COSE_Sign1', algName: 'ES256', status: 'verified', role: 'author' });
  });

  it('an untrusted key: exit 1, unauthorised', async () => {
    const r = await run('ex0.suit', '--trust', 'other.key', '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ accepted: false, reason: 'unauthorised', reasonCode: 4, detail: 'not-trusted' });
  });

  it('--require operator when only the author signed: exit 1, required-role-missing', async () => {
    const r = await run('ex0.suit', '--trust', 'ietf.pub.pem', '--trust', 'operator=other.key', '--require', 'author,operator', '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ reason: 'unauthorised', detail: 'required-role-missing' });
    expect((await run('ex0.suit', '--trust', 'ietf.pub.pem', '--require', 'author')).code).toBe(0);
  });

  it('--sequence above the manifest: rollback, exit 1', async () => {
    const r = await run('ex0.suit', '--trust', 'ietf.pub.pem', '--sequence', '1', '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ accepted: false, detail: 'rollback', sequenceNumber: 0 });
    expect((await run('ex0.suit', '--trust', 'ietf.pub.pem', '--sequence', '0')).code).toBe(0);
  });

  it('prints sequence numbers above 2^53 as decimal strings', async () => {
    const r = await run('big-seq.suit', '--trust', 'ietf.pub.pem', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).sequenceNumber).toBe((2n ** 60n + 1n).toString());
  });

  it('malformed input is a rejection (exit 1, cbor-parse), not a usage error', async () => {
    const r = await run('truncated.suit', '--trust', 'ietf.pub.pem', '--json');
    expect(r.code).toBe(1);
    // Nothing of an envelope verified earlier in this process leaks into the answer.
    expect(JSON.parse(r.stdout)).toMatchObject({ accepted: false, reason: 'cbor-parse', reasonCode: 1, sequenceNumber: null, manifestDigest: null, signatures: [] });
  });

  it('without --device the identifier conditions are reported, not enforced', async () => {
    const j = JSON.parse((await run('ex0.suit', '--trust', 'ietf.pub.pem', '--json')).stdout);
    expect(j.conditions.map((c: { command: string; outcome: string }) => `${c.command} ${c.outcome}`)).toEqual(['vendor-identifier not-evaluated', 'class-identifier not-evaluated']);
  });

  it('--device enforces the identifiers it gives and reports the others', async () => {
    const partial = await run('ex0.suit', '--trust', 'ietf.pub.pem', '--device', 'identity.json', '--json');
    expect(partial.code).toBe(0);
    expect(JSON.parse(partial.stdout).conditions.map((c: { outcome: string }) => c.outcome)).toEqual(['passed', 'not-evaluated']);
    expect((await run('ex0.suit', '--trust', 'ietf.pub.pem', '--device', 'device.json')).code).toBe(0);
    const other = await run('ex0.suit', '--trust', 'ietf.pub.pem', '--device', 'other-device.json', '--json');
    expect(other.code).toBe(1);
    expect(JSON.parse(other.stdout)).toMatchObject({ accepted: false, reason: 'condition-failed', detail: 'vendor-identifier', at: { sectionName: 'shared' } });
  });

  it('--run install,validate with the real payload: the update installs and validates', async () => {
    const r = await run('ex1-real.suit', '--trust', 'ietf.pub.pem', '--device', 'device.json', '--run', 'install,validate', '--payload', 'http://example.com/file.bin=app.bin', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.run).toMatchObject({ accepted: true, reason: 'ok', fetched: ['http://example.com/file.bin'], written: [{ index: 0, component: "[h'00']" }] });
    expect(j.run.records.filter((x: { section: string }) => x.section !== 'shared').map((x: { command: string }) => x.command)).toEqual(['fetch', 'image-match', 'image-match']);
    expect(j.run.report).toMatch(/^[0-9a-f]+$/);
    const human = await run('ex1-real.suit', '--trust', 'ietf.pub.pem', '--run', 'update', '--payload', 'http://example.com/file.bin=app.bin');
    expect(human.stdout).toMatch(/written +\[h'00'\]/);
    expect(human.code).toBe(0);
  });

  it('--run with the wrong payload: exit 1, condition-failed at image-match', async () => {
    const r = await run('ex1-real.suit', '--trust', 'ietf.pub.pem', '--run', 'install', '--payload', 'http://example.com/file.bin=bad.bin', '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).run).toMatchObject({ accepted: false, reason: 'condition-failed', detail: 'image-match' });
    const missing = await run('ex1-real.suit', '--trust', 'ietf.pub.pem', '--run', 'install');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no --payload for http:\/\/example\.com\/file\.bin/);
  });

  it('--json: the top-level verdict is the exit status, the envelope\'s own verification beside it', async () => {
    const bad = await run('ex1-real.suit', '--trust', 'ietf.pub.pem', '--run', 'install', '--payload', 'http://example.com/file.bin=bad.bin', '--json');
    expect(bad.code).toBe(1);
    const j = JSON.parse(bad.stdout);
    expect(j).toMatchObject({ accepted: false, reason: 'condition-failed', detail: 'image-match', at: { sectionName: 'install' } });
    expect(j.verification).toMatchObject({ accepted: true, reason: 'ok', detail: 'none' });
    const good = JSON.parse((await run('ex1-real.suit', '--trust', 'ietf.pub.pem', '--run', 'install', '--payload', 'http://example.com/file.bin=app.bin', '--json')).stdout);
    expect(good).toMatchObject({ accepted: true, reason: 'ok', verification: { accepted: true } });
    const untrusted = await run('ex0.suit', '--trust', 'other.key', '--json');
    expect(JSON.parse(untrusted.stdout)).toMatchObject({ accepted: false, reason: 'unauthorised', verification: { accepted: false, reason: 'unauthorised' } });
  });

  it('--run counts the payloads it fed, not the URIs the manifest fetched', async () => {
    const missing = await run('ex1-real.suit', '--trust', 'ietf.pub.pem', '--run', 'install');
    expect(missing.stdout).toMatch(/^run +0 payloads supplied; fetched without a --payload: http:\/\/example\.com\/file\.bin$/m);
    const other = await run('ex1-real.suit', '--trust', 'ietf.pub.pem', '--run', 'install', '--payload', 'http://example.com/other.bin=app.bin');
    expect(other.stdout).toMatch(/^run +0 payloads supplied; fetched without a --payload: http:\/\/example\.com\/file\.bin$/m);
    const fed = await run('ex1-real.suit', '--trust', 'ietf.pub.pem', '--run', 'install', '--payload', 'http://example.com/file.bin=app.bin');
    expect(fed.stdout).toMatch(/^run +1 payload supplied: http:\/\/example\.com\/file\.bin$/m);
  });

  it('usage and environment errors exit 2 and name the problem', async () => {
    const noTrust = await run('ex0.suit');
    expect(noTrust.code).toBe(2);
    expect(noTrust.stderr).toMatch(/--trust is required/);
    const missing = await run('nope.suit', '--trust', 'ietf.pub.pem');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.suit: no such file/);
    const badKey = await run('ex0.suit', '--trust', 'missing.pem');
    expect(badKey.code).toBe(2);
    expect(badKey.stderr).toMatch(/missing\.pem/);
    expect((await run('ex0.suit', '--trust', 'ietf.pub.pem', '--sequence', '-1')).code).toBe(2);
    expect((await run('ex0.suit', '--trust', 'ietf.pub.pem', '--require', 'Bad Role')).code).toBe(2);
    expect((await run('ex0.suit', '--trust', 'ietf.pub.pem', '--payload', 'x=app.bin')).stderr).toMatch(/--payload needs --run/);
    expect((await run('ex0.suit', '--trust', 'ietf.pub.pem', '--run', 'flash')).code).toBe(2);
    expect((await run('ex0.suit', '--trust', 'ietf.pub.pem', '--run', 'install', '--payload', 'x=nope.bin')).code).toBe(2);
  });

  it('--help describes the command', async () => {
    const r = await run('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--trust \[role=\]<key>/);
  });
});

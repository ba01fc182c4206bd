/**
 * The processor's semantics on hand-built manifests (draft-ietf-suit-manifest-37 §6, §8.4.10):
 * negative runs with the right reason and the touched component, suspend / resume at fetch,
 * soft failure in try-each and run-sequence, component index true / lists, update-management
 * conditions, SUIT_Report encoding, and the fixed memory bound with a large integrated payload.
 */
import { describe, expect, it } from 'vitest';
import { Decoder } from 'cbor-x';
import {
  MemoryPlatform, ProcessorStateError, SuitProcessor, runWithPayloads, uuidBytes, verifyEnvelope, type FinishedRun, type RunOptions,
} from '../../host/verifier/index.js';
import { IETF_KEY } from '../vectors/corpus.js';
import { payload } from './payload-manifests.js';
import { digestParam, identityShared, makeEnvelope, params } from './manifests.js';

const dec = new Decoder({ mapsAsObjects: false, useRecords: false });
const device = { vendorIds: [uuidBytes('fa6b4a53-d5ad-5fdf-be9d-e663e4d41ffe')], classIds: [uuidBytes('1492af14-2569-5e48-bf42-9b2d51f2ab45')] };
const C0 = [new Uint8Array([0])];
const C1 = [new Uint8Array([1])];

function runAll(env: Uint8Array, sequences: RunOptions['sequences'], payloads: Record<string, Uint8Array> = {}, platform = new MemoryPlatform()) {
  const p = new SuitProcessor(platform, { variant: 'checked' });
  const r = runWithPayloads(p, env, { trust: [IETF_KEY], device, sequences }, new Map(Object.entries(payloads)));
  return { r, platform };
}

const steps = (r: FinishedRun) => r.records.map((x) => `${x.commandName}[${x.component}] ${x.outcome}`);

/** install: fetch uri into component 0 with the image's digest and size; then image-match. */
function fetchInstall(image: Uint8Array, uri = 'https://example.com/fw.bin') {
  return makeEnvelope({
    components: [C0],
    shared: [...identityShared(), 20, params({ 3: digestParam(image), 14: image.length })],
    sections: { 20: [20, params({ 21: uri }), 21, 2, 3, 15], 7: [3, 15] },
  });
}

describe('negative runs', () => {
  const image = payload(3000, 7);

  it('payload digest mismatch: condition-failed at image-match, component 0 reported as written', () => {
    const wrong = new Uint8Array(image);
    wrong[100] ^= 0xff;
    const { r } = runAll(fetchInstall(image), ['install'], { 'https://example.com/fw.bin': wrong });
    expect(r).toMatchObject({ accepted: false, reason: 'condition-failed', reasonCode: 10, detail: 'image-match', at: { sectionName: 'install', component: 0 } });
    expect(r.written).toEqual([{ manifest: [], index: 0, id: C0 }]);
  });

  it('wrong size (one byte more than image-size): operation-failed size-mismatch while writing', () => {
    const { r, platform } = runAll(fetchInstall(image), ['install'], { 'https://example.com/fw.bin': new Uint8Array([...image, 0]) });
    expect(r).toMatchObject({ accepted: false, reason: 'operation-failed', detail: 'size-mismatch', at: { sectionName: 'install', component: 0 } });
    expect(r.written.map((w) => w.index)).toEqual([0]);
    // The oversize chunk is refused before it is written; the erase already touched the component.
    expect(platform.calls.filter((c) => c.op === 'erase' || c.op === 'write').map((c) => c.op)).toEqual(['erase']);
  });

  it('wrong size (short payload): operation-failed size-mismatch at the end of the fetch', () => {
    const { r } = runAll(fetchInstall(image), ['install'], { 'https://example.com/fw.bin': image.subarray(0, 2999) });
    expect(r).toMatchObject({ reason: 'operation-failed', detail: 'size-mismatch' });
  });

  it('a payload the host cannot get: operation-failed fetch-failed', () => {
    const { r } = runAll(fetchInstall(image), ['install'], {});
    expect(r).toMatchObject({ reason: 'operation-failed', detail: 'fetch-failed', at: { component: 0 } });
  });

  it('a failing condition without soft-failure aborts (vendor of another device)', () => {
    const other = { vendorIds: [uuidBytes('00000000-0000-4000-8000-000000000000')], classIds: device.classIds };
    const p = new SuitProcessor(new MemoryPlatform(), { variant: 'checked' });
    const r = runWithPayloads(p, fetchInstall(image), { trust: [IETF_KEY], device: other, sequences: ['install'] }, new Map());
    expect(r).toMatchObject({ accepted: false, reason: 'condition-failed', detail: 'vendor-identifier', at: { sectionName: 'shared', component: 0 } });
    expect(steps(r)).toEqual(['vendor-identifier[0] failed']);
    expect(r.written).toEqual([]);
  });

  it('try-each with every alternative failing: condition-failed (try-each)', () => {
    const env = makeEnvelope({
      components: [C0],
      sections: { 20: [15, [Buffer.from([0x82, 0x0e, 0x0f]), Buffer.from([0x82, 0x0e, 0x0f])]] }, // [abort, 15] twice
    });
    const { r } = runAll(env, ['install']);
    expect(r).toMatchObject({ accepted: false, reason: 'condition-failed', detail: 'try-each', at: { sectionName: 'install', offset: 1, component: 0 } });
    expect(steps(r)).toEqual(['abort[0] failed', 'abort[0] failed']);
  });

  it('try-each ending in nil succeeds when every sequence fails', () => {
    const env = makeEnvelope({ components: [C0], sections: { 20: [15, [Buffer.from([0x82, 0x0e, 0x0f]), Buffer.from([0x82, 0x0e, 0x0f]), null]] } });
    expect(runAll(env, ['install']).r).toMatchObject({ accepted: true });
  });

  it('an unknown command is refused before anything runs (command-unsupported)', () => {
    const env = makeEnvelope({ components: [C0], sections: { 20: [20, params({ 21: 'x' }), -300, 15] } });
    const v = verifyEnvelope(env, { trust: [IETF_KEY] });
    expect(v).toMatchObject({ accepted: false, reason: 'command-unsupported', detail: 'unknown-command', at: { sectionName: 'install', offset: 6 } });
    const { r, platform } = runAll(env, ['install']);
    expect(r.reason).toBe('command-unsupported');
    expect(platform.calls).toEqual([]);
  });

  it('a component index out of range is refused (component-unsupported)', () => {
    const env = makeEnvelope({ components: [C0], sections: { 20: [12, 1, 21, 2] } });
    expect(verifyEnvelope(env, { trust: [IETF_KEY] })).toMatchObject({ reason: 'component-unsupported', detail: 'component-index', at: { sectionName: 'install', offset: 1 } });
  });

  it('a component the device does not have: component-unsupported when first used', () => {
    const platform = new MemoryPlatform({ components: ["[h'00']"] });
    const env = makeEnvelope({ components: [C0, C1], sections: { 20: [12, 1, 20, params({ 18: Buffer.from('x') }), 18, 15] } });
    const { r } = runAll(env, ['install'], {}, platform);
    expect(r).toMatchObject({ reason: 'component-unsupported', detail: 'component-unknown', at: { component: 1 } });
  });

  it('a write the storage refuses: operation-failed write-failed, component reported', () => {
    const env = makeEnvelope({ components: [C0], sections: { 20: [20, params({ 18: Buffer.from('config') }), 18, 15] } });
    const { r } = runAll(env, ['install'], {}, new MemoryPlatform({ failWriteAt: 0 }));
    expect(r).toMatchObject({ reason: 'operation-failed', detail: 'write-failed', at: { component: 0 } });
    expect(r.written.map((w) => w.index)).toEqual([0]);
  });

  it('soft-failure may not be set outside try-each / run-sequence', () => {
    const env = makeEnvelope({ components: [C0], sections: { 20: [20, params({ 13: true })] } });
    expect(runAll(env, ['install']).r).toMatchObject({ accepted: false, detail: 'soft-failure-outside' });
  });

  it('encryption-info that is no COSE_Encrypt: cose-unsupported, nothing written; an unknown content algorithm: alg-unsupported', () => {
    const write = (info: Buffer) => makeEnvelope({ components: [C0], sections: { 20: [20, params({ 18: Buffer.from('x'), 19: info }), 18, 15] } });
    const notCose = runAll(write(Buffer.from([0xa0])), ['install']);
    expect(notCose.r).toMatchObject({ reason: 'cose-unsupported', detail: 'encryption-info', at: { sectionName: 'install', component: 0 } });
    expect(notCose.platform.calls.some((c) => c.op === 'write')).toBe(false);
    // 96([h'', {1: 24 (ChaCha20/Poly1305), 5: 12 bytes}, nil, [[h'', {1: -3}, 24 bytes]]])
    const chacha = Buffer.from('d8608440a2011818054c000000000000000000000000f6818340a101225818' + '00'.repeat(24), 'hex');
    expect(runAll(write(chacha), ['install']).r).toMatchObject({ reason: 'alg-unsupported', detail: 'encryption-algorithm' });
  });
});

describe('control flow', () => {
  it('run-sequence: a failed condition aborts without soft-failure and is skipped with it', () => {
    const inner = (soft: boolean) => Buffer.concat([Buffer.from([0x86, 0x14]), Buffer.from([0xa1, 0x0d, soft ? 0xf5 : 0xf4]), Buffer.from([0x0e, 0x0f, 0x12, 0x0f])]);
    // [override {13: soft}, abort 15, write 15] inside run-sequence; then write outside.
    const env = (soft: boolean) => makeEnvelope({ components: [C0], sections: { 20: [20, params({ 18: Buffer.from('ok') }), 32, inner(soft), 18, 15] } });
    const hard = runAll(env(false), ['install']).r;
    expect(hard).toMatchObject({ accepted: false, reason: 'condition-failed', detail: 'abort' });
    const soft = runAll(env(true), ['install']);
    expect(soft.r).toMatchObject({ accepted: true });
    expect(steps(soft.r)).toEqual(['abort[0] failed', 'write[0] passed']);
    expect(Buffer.from(soft.platform.content("[h'00']")!).toString()).toBe('ok');
  });

  it('set-component-index true and lists apply a command to each component in order', () => {
    const env = makeEnvelope({
      components: [C0, C1, [new Uint8Array([2])]],
      sections: { 20: [12, true, 20, params({ 18: Buffer.from('all') }), 18, 15, 12, [2, 0], 20, params({ 18: Buffer.from('two') }), 18, 15] },
    });
    const { r, platform } = runAll(env, ['install']);
    expect(r.accepted).toBe(true);
    expect(steps(r)).toEqual(['write[0] passed', 'write[1] passed', 'write[2] passed', 'write[2] passed', 'write[0] passed']);
    expect(Buffer.from(platform.content("[h'01']")!).toString()).toBe('all');
    expect(Buffer.from(platform.content("[h'02']")!).toString()).toBe('two');
  });

  it('try-each runs once per component of a list, each alternative with an integer index', () => {
    const slotCheck = Buffer.from([0x82, 0x05, 0x0f]); // << [component-slot, 15] >>
    const env = makeEnvelope({
      components: [C0, C1],
      shared: [12, true, 20, params({ 5: 1 })],
      sections: { 20: [12, [0, 1], 15, [slotCheck, null]] },
    });
    const platform = new MemoryPlatform({ slots: { "[h'00']": 1n, "[h'01']": 0n } });
    const { r } = runAll(env, ['install'], {}, platform);
    expect(r.accepted).toBe(true);
    expect(steps(r)).toEqual(['component-slot[0] passed', 'component-slot[1] failed']);
  });

  it('update-management: use-before, minimum-battery, update-authorized, version (libcsuit expU0 style)', () => {
    // use-before 2023-10-03, battery >= 10 mWh, priority -1, version <= [1, 0] (expU0's values).
    const env = makeEnvelope({
      components: [C0],
      sections: { 20: [20, params({ 4: 1696291200, 26: 10, 27: -1, 28: Buffer.from([0x82, 0x04, 0x82, 0x01, 0x00]) }), 4, 15, 26, 15, 27, 15, 28, 15] },
    });
    const good = new MemoryPlatform({ batteryMwh: 50n, now: 1696291199n, authorizeUpTo: 0n, versions: { "[h'00']": [1n, 0n, 5n] } });
    expect(runAll(env, ['install'], {}, good).r).toMatchObject({ accepted: true });
    const late = new MemoryPlatform({ batteryMwh: 50n, now: 1696291200n, authorizeUpTo: 0n, versions: { "[h'00']": [1n, 0n] } });
    expect(runAll(env, ['install'], {}, late).r).toMatchObject({ reason: 'condition-failed', detail: 'use-before' });
    const flat = new MemoryPlatform({ batteryMwh: 9n, now: 0n, authorizeUpTo: 0n, versions: { "[h'00']": [1n] } });
    expect(runAll(env, ['install'], {}, flat).r).toMatchObject({ detail: 'minimum-battery' });
    const newer = new MemoryPlatform({ batteryMwh: 50n, now: 0n, authorizeUpTo: 0n, versions: { "[h'00']": [1n, 1n] } });
    expect(runAll(env, ['install'], {}, newer).r).toMatchObject({ detail: 'version' });
    const refused = new MemoryPlatform({ batteryMwh: 50n, now: 0n, authorizeUpTo: -2n, versions: { "[h'00']": [1n] } });
    expect(runAll(env, ['install'], {}, refused).r).toMatchObject({ detail: 'update-authorized' });
  });

  it('strict-order false: a component both target and source aborts; disjoint operations run', () => {
    const base = [12, true, 20, params({ 18: Buffer.from('x') }), 18, 15, 20, params({ 12: false })];
    const conflict = makeEnvelope({ components: [C0, C1], sections: { 20: [...base, 12, 0, 20, params({ 22: 1 }), 22, 15, 12, 1, 20, params({ 22: 0 }), 22, 15] } });
    expect(runAll(conflict, ['install']).r).toMatchObject({ accepted: false, reason: 'operation-failed', detail: 'strict-order', at: { component: 1 } });
    const disjoint = makeEnvelope({ components: [C0, C1, [new Uint8Array([2])]], sections: { 20: [...base, 12, 0, 20, params({ 22: 2 }), 22, 15] } });
    expect(runAll(disjoint, ['install']).r).toMatchObject({ accepted: true });
  });

  it('strict-order false: a run-sequence may not change the component index', () => {
    const inner = Buffer.from([0x82, 0x0c, 0x01]); // [set-component-index, 1]
    const env = makeEnvelope({ components: [C0, C1], sections: { 20: [12, 0, 20, params({ 12: false }), 32, inner] } });
    expect(runAll(env, ['install']).r).toMatchObject({ accepted: false, detail: 'strict-order' });
    const ordered = makeEnvelope({ components: [C0, C1], sections: { 20: [12, 0, 32, inner] } });
    expect(runAll(ordered, ['install']).r).toMatchObject({ accepted: true });
  });

  it('invoke handed off: status invoked, reason invoke-pending', () => {
    const env = makeEnvelope({ components: [C0], sections: { 9: [20, params({ 23: Buffer.from('args') }), 23, 15] } });
    const { r, platform } = runAll(env, ['invoke'], {}, new MemoryPlatform({ invoke: 'handed-off' }));
    expect(r).toMatchObject({ status: 'invoked', accepted: true, reason: 'invoke-pending', reasonCode: 12 });
    expect(Buffer.from(platform.calls.find((c) => c.op === 'invoke')!.args!).toString()).toBe('args');
  });
});

describe('suspend / resume', () => {
  const a = payload(20000, 21);
  const b = payload(70000, 22);
  const spec = (uriA: string, uriB: string, integrated?: [string, Uint8Array][]) =>
    makeEnvelope({
      components: [C0, C1],
      shared: [12, 0, 20, params({ 3: digestParam(a), 14: a.length }), 12, 1, 20, params({ 3: digestParam(b), 14: b.length })],
      sections: {
        20: [12, 0, 20, params({ 21: uriA }), 21, 2, 3, 15, 12, 1, 20, params({ 21: uriB }), 21, 2, 3, 15],
        7: [12, true, 3, 15],
      },
      ...(integrated ? { integrated } : {}),
    });

  it('a run needing two payloads suspends twice and ends as the run with both payloads in the envelope', () => {
    const fetched = spec('https://x/a.bin', 'https://x/b.bin');
    const pf1 = new MemoryPlatform();
    const p = new SuitProcessor(pf1, { variant: 'checked' });
    const pending: string[] = [];
    let r = p.run(fetched, { trust: [IETF_KEY], sequences: ['install', 'validate'] });
    while (r.status === 'pending') {
      pending.push(`${r.fetch.uri} ${r.fetch.component} ${r.fetch.size}`);
      const bytes = r.fetch.uri.endsWith('a.bin') ? a : b;
      // Odd chunk sizes; the request keeps counting what arrived.
      for (let off = 0; off < bytes.length; off += 4093) {
        r = p.supply(bytes.subarray(off, off + 4093));
        expect(r.status).toBe('pending');
        if (r.status === 'pending') expect(r.fetch.received).toBe(BigInt(Math.min(off + 4093, bytes.length)));
      }
      r = p.endFetch();
    }
    expect(pending).toEqual([`https://x/a.bin 0 ${a.length}`, `https://x/b.bin 1 ${b.length}`]);

    const integrated = spec('#a.bin', '#b.bin', [['#a.bin', a], ['#b.bin', b]]);
    const pf2 = new MemoryPlatform();
    const r2 = new SuitProcessor(pf2, { variant: 'checked' }).run(integrated, { trust: [IETF_KEY], sequences: ['install', 'validate'] });
    expect(r2.status).toBe('done');
    if (r2.status === 'pending') return;
    expect(r.accepted).toBe(true);
    const verdict = (x: FinishedRun) => [x.status, x.accepted, x.reason, x.detail, x.written.map((w) => w.index)];
    expect(verdict(r2)).toEqual(verdict(r));
    // Same commands, components and outcomes (offsets differ: the URIs have other lengths).
    expect(steps(r2)).toEqual(steps(r));
    expect(pf2.content("[h'00']")).toEqual(pf1.content("[h'00']"));
    expect(pf2.content("[h'01']")).toEqual(pf1.content("[h'01']"));
  });

  it('supply / endFetch outside a pending fetch is a state error', () => {
    const p = new SuitProcessor(new MemoryPlatform());
    expect(() => p.supply(new Uint8Array(1))).toThrow(ProcessorStateError);
    expect(() => p.endFetch()).toThrow(ProcessorStateError);
  });
});

describe('SUIT_Report', () => {
  it('success: result true, records of the commands whose policy asks for them, reference digest', () => {
    const image = payload(100);
    const env = fetchInstall(image);
    const { r } = runAll(env, ['install'], { 'https://example.com/fw.bin': image });
    const rep = dec.decode(Buffer.from(r.report())) as Map<number, unknown>;
    expect(rep.get(4)).toBe(true);
    const ref = rep.get(99) as unknown[];
    expect(Buffer.from((ref[1] as unknown[])[1] as Uint8Array).equals(Buffer.from(r.manifest!.digest))).toBe(true);
    // Policy 15 on vendor, class, image-match; policy 2 (record-on-failure) on fetch.
    const recs = rep.get(3) as unknown[][];
    expect(recs.map((x) => [x[1], x[3]])).toEqual([[3, 0], [3, 0], [20, 0]]);
    const props = recs[2]![4] as Map<number, unknown>;
    expect(props.get(14)).toBe(100);
  });

  it('failure: result {code, failing record, reason}', () => {
    const image = payload(100);
    const { r } = runAll(fetchInstall(image), ['install'], { 'https://example.com/fw.bin': payload(100, 99) });
    const rep = dec.decode(Buffer.from(r.report())) as Map<number, unknown>;
    const res = rep.get(4) as Map<number, unknown>;
    expect(res.get(7)).toBe(10); // condition-failed
    expect(res.get(5)).toBe(r.detailCode);
    const rec = res.get(6) as unknown[];
    expect(rec.slice(0, 4)).toEqual([[], 20, r.at!.offset, 0]);
  });
});

describe('SUIT_Report of a failed try-each', () => {
  it('the result record is the try-each command itself', () => {
    const env = makeEnvelope({ components: [C0], sections: { 20: [15, [Buffer.from([0x82, 0x0e, 0x0f]), Buffer.from([0x82, 0x0e, 0x0f])]] } });
    const { r } = runAll(env, ['install']);
    const res = (dec.decode(Buffer.from(r.report())) as Map<number, unknown>).get(4) as Map<number, unknown>;
    expect((res.get(6) as unknown[]).slice(0, 4)).toEqual([[], 20, 1, 0]);
    expect(res.get(7)).toBe(10);
  });
});

describe('memory', () => {
  it('a 3 MiB integrated payload passes through the fixed 256 KiB core', () => {
    const big = payload(3 * 1024 * 1024 + 5, 5);
    const env = makeEnvelope({
      components: [C0],
      shared: [20, params({ 3: digestParam(big), 14: big.length })],
      sections: { 20: [20, params({ 21: '#firmware.bin' }), 21, 2, 3, 15] },
      integrated: [['#firmware.bin', big]],
    });
    const platform = new MemoryPlatform();
    const p = new SuitProcessor(platform);
    const r = p.run(env, { trust: [IETF_KEY], sequences: ['install'] });
    expect(r).toMatchObject({ status: 'done', accepted: true });
    expect(p.core.exports.memory.buffer.byteLength).toBe(256 * 1024);
    expect(platform.content("[h'00']")!.length).toBe(big.length);
  });
});

describe('MemoryPlatform storage', () => {
  it('chunked writes, a shorter finish and a later write past it keep exact content (gap zero)', () => {
    const pf = new MemoryPlatform();
    const h = pf.open({ id: C0, encoded: new Uint8Array([0x81, 0x41, 0x00]), dependency: false });
    const img = payload(10_000, 3);
    pf.erase(h);
    for (let off = 0; off < img.length; off += 333) expect(pf.write(h, BigInt(off), img.subarray(off, off + 333))).toBe(true);
    expect(pf.content("[h'00']")).toEqual(img);
    expect(pf.finish(h, 100n)).toBe(true);
    expect(pf.write(h, 104n, new Uint8Array([7, 7]))).toBe(true);
    expect(pf.content("[h'00']")).toEqual(new Uint8Array([...img.subarray(0, 100), 0, 0, 0, 0, 7, 7]));
    pf.erase(h);
    expect(pf.size(h)).toBe(0n);
  });
});

/**
 * Issue 4, "must show": the processor's call trace on the in-memory platform for IETF examples
 * 0-5 (draft-ietf-suit-manifest-37 Appendix B) is what each example's description says, and
 * re-signed copies with real payloads install and validate. Also the trust-domains examples
 * (dependency resolution, integrity, processing) and libcsuit's trace for exp0.
 */
import { describe, expect, it } from 'vitest';
import {
  MemoryPlatform, SuitProcessor, runWithPayloads, uuidBytes, type FinishedRun, type RunOptions,
} from '../../host/verifier/index.js';
import { readSharedJson } from '../helpers/shared.js';
import { allVectors, IETF_KEY, SECOND_KEY } from './corpus.js';
import { buildEnvelope, cbor, decoder as dec, IETF_SIGNER, resign, SECOND_PRIVATE } from '../core/envelope-builder.js';
import { payload, withPayloads } from '../core/payload-manifests.js';

const rfc = readSharedJson<{ examples: { name: string; envelope_hex: string }[] }>('vectors', 'rfc-examples.json').examples;
const ex = (n: number): Uint8Array => new Uint8Array(Buffer.from(rfc.find((e) => e.name.startsWith(`example${n}`))!.envelope_hex, 'hex'));
const vec = (name: string): Uint8Array => allVectors().find((v) => v.name === name)!.bytes;

const device = {
  vendorIds: [uuidBytes('fa6b4a53-d5ad-5fdf-be9d-e663e4d41ffe')],
  classIds: [uuidBytes('1492af14-2569-5e48-bf42-9b2d51f2ab45')],
};
const base = { trust: [IETF_KEY], device };

/** "section: command[component] outcome" for every executed condition or directive. */
function trace(r: FinishedRun): string[] {
  return r.records.map((x) => `${x.sectionName}: ${x.commandName}[${x.component}] ${x.outcome}`);
}

function run(envelope: Uint8Array, opts: Partial<RunOptions> & Pick<RunOptions, 'sequences'>, platform = new MemoryPlatform(), payloads = new Map<string, Uint8Array>()) {
  const p = new SuitProcessor(platform, { variant: 'checked' });
  const r = runWithPayloads(p, envelope, { ...base, ...opts }, payloads);
  return { r, platform };
}

describe('IETF examples as published (placeholder digests)', () => {
  it('Example 0: shared sequence checks vendor and class; validate checks image-match; invoke invokes [h\'00\']', () => {
    const image = payload(34768);
    const platform = new MemoryPlatform({ contents: { "[h'00']": image } });
    const { r } = run(ex(0), { sequences: ['validate'] }, platform);
    expect(trace(r)).toEqual([
      'shared: vendor-identifier[0] passed',
      'shared: class-identifier[0] passed',
      'validate: image-match[0] failed', // the example's digest is a placeholder (0011...)
    ]);
    expect(r).toMatchObject({ accepted: false, reason: 'condition-failed', detail: 'image-match', at: { sectionName: 'validate', offset: 1, component: 0 } });
    const inv = run(ex(0), { sequences: ['invoke'] }, platform).r;
    expect(trace(inv)).toEqual(['shared: vendor-identifier[0] passed', 'shared: class-identifier[0] passed', 'invoke: invoke[0] passed']);
    expect(platform.calls.filter((c) => c.op === 'invoke').map((c) => c.component)).toEqual(["[h'00']"]);
  });

  it('Example 1: install sets the URI, fetches, checks image-match (download only, no invoke)', () => {
    const p = new SuitProcessor(new MemoryPlatform(), { variant: 'checked' });
    const r = p.run(ex(1), { ...base, sequences: ['install'] });
    expect(r.status).toBe('pending');
    if (r.status !== 'pending') return;
    expect(r.fetch).toMatchObject({ uri: 'http://example.com/file.bin', component: 0, size: 34768n, received: 0n });
    expect(Buffer.from(r.fetch.digest!.bytes).toString('hex')).toBe('00112233445566778899aabbccddeeff0123456789abcdeffedcba9876543210');
    expect(r.fetch.componentId.map((b) => Buffer.from(b).toString('hex'))).toEqual(['00']);
  });

  it('Example 3: A/B - the try-each picks the alternative whose slot the device designates', () => {
    const slot1 = new MemoryPlatform({ slots: { "[h'00']": 1n } });
    const p = new SuitProcessor(slot1, { variant: 'checked' });
    const r = p.run(ex(3), { ...base, sequences: ['install'] });
    expect(r.status === 'pending' && r.fetch.uri).toBe('http://example.com/file2.bin');
    expect(r.status === 'pending' && r.fetch.size).toBe(76834n);
  });

  it('Example 4: payload-fetch fetches into [h\'02\'] (component 1)', () => {
    const p = new SuitProcessor(new MemoryPlatform(), { variant: 'checked' });
    const r = p.run(ex(4), { ...base, sequences: ['payload-fetch'] });
    expect(r.status === 'pending' && [r.fetch.uri, r.fetch.component, r.fetch.size]).toEqual(['http://example.com/file.bin', 1, undefined]);
  });

  it('Example 5: install fetches both images, one after the other', () => {
    const { r } = run(ex(5), { sequences: ['install'] }, new MemoryPlatform(), new Map([
      ['http://example.com/file1.bin', payload(34768, 1)],
      ['http://example.com/file2.bin', payload(76834, 2)],
    ]));
    // The placeholder digests cannot match: the first image-match after the first fetch fails.
    expect(trace(r).slice(-2)).toEqual(['install: fetch[0] passed', 'install: image-match[0] failed']);
  });
});

describe('re-signed examples with real payloads install and validate', () => {
  it('Example 0: secure boot of a valid image', () => {
    const image = payload(1000);
    const env = withPayloads(ex(0), () => image);
    const platform = new MemoryPlatform({ contents: { "[h'00']": image } });
    const { r } = run(env, { sequences: 'invoke' }, platform);
    expect(r).toMatchObject({ accepted: true, reason: 'ok', status: 'done' });
    expect(trace(r)).toEqual([
      'shared: vendor-identifier[0] passed', 'shared: class-identifier[0] passed', 'validate: image-match[0] passed',
      'shared: vendor-identifier[0] passed', 'shared: class-identifier[0] passed', 'invoke: invoke[0] passed',
    ]);
  });

  it('Example 1: install then validate', () => {
    const image = payload(5000);
    const env = withPayloads(ex(1), () => image);
    const { r, platform } = run(env, { sequences: ['install', 'validate'] }, new MemoryPlatform(), new Map([['http://example.com/file.bin', image]]));
    expect(r).toMatchObject({ accepted: true, reason: 'ok' });
    expect(trace(r)).toEqual([
      'shared: vendor-identifier[0] passed', 'shared: class-identifier[0] passed', 'install: fetch[0] passed', 'install: image-match[0] passed',
      'shared: vendor-identifier[0] passed', 'shared: class-identifier[0] passed', 'validate: image-match[0] passed',
    ]);
    expect(Buffer.from(platform.content("[h'00']")!).equals(Buffer.from(image))).toBe(true);
    expect(r.written).toEqual([{ manifest: [], index: 0, id: [new Uint8Array([0])] }]);
  });

  it.each([
    ['Example 2 (severable install and text in the envelope)', 'rfc/example2-download-install-boot-severed'],
    ['libcsuit exp2B', 'libcsuit/suit_manifest_exp2B.suit'],
  ])('%s: update then boot', (_n, name) => {
    const image = payload(3000);
    const env = withPayloads(vec(name), () => image);
    const { r, platform } = run(env, { sequences: ['install', 'validate', 'invoke'] }, new MemoryPlatform(), new Map([['http://example.com/very/long/path/to/file/file.bin', image]]));
    expect(r).toMatchObject({ accepted: true, reason: 'ok' });
    expect(trace(r).filter((t) => !t.startsWith('shared'))).toEqual(['install: fetch[0] passed', 'install: image-match[0] passed', 'validate: image-match[0] passed', 'invoke: invoke[0] passed']);
    expect(platform.calls.some((c) => c.op === 'invoke' && c.component === "[h'00']")).toBe(true);
  });

  it('Example 2 severed (install not in the envelope): the install sequence cannot run', () => {
    const env = withPayloads(vec('rfc/example2-download-install-boot-severed/variant-1'), () => payload(10));
    const { r } = run(env, { sequences: ['install'] });
    expect(r).toMatchObject({ accepted: false, reason: 'severing-unsupported', detail: 'severed' });
  });

  it.each([[0n, 'http://example.com/file1.bin'], [1n, 'http://example.com/file2.bin']])('Example 3 with the device in slot %s', (slot, uri) => {
    const images = [payload(2000, 10), payload(3000, 11)];
    const env = withPayloads(ex(3), (_c, s) => images[s ?? 0]);
    const platform = new MemoryPlatform({ slots: { "[h'00']": slot } });
    const { r } = run(env, { sequences: ['install', 'validate'] }, platform, new Map([
      ['http://example.com/file1.bin', images[0]!],
      ['http://example.com/file2.bin', images[1]!],
    ]));
    expect(r).toMatchObject({ accepted: true, reason: 'ok' });
    const slots = trace(r).filter((t) => t.includes('component-slot'));
    // slot 0: the first alternative matches; slot 1: the first fails softly, the second matches.
    expect(slots[0]).toBe(`shared: component-slot[0] ${slot === 0n ? 'passed' : 'failed'}`);
    expect(Buffer.from(platform.content("[h'00']")!).equals(Buffer.from(images[Number(slot)]!))).toBe(true);
    void uri;
  });

  it('Example 4: fetch into [h\'02\'], install copies to [h\'00\'], load copies to [h\'01\'], invoke [h\'01\']', () => {
    const image = payload(4096);
    const env = withPayloads(ex(4), () => image);
    const platform = new MemoryPlatform();
    const { r } = run(env, { sequences: ['payload-fetch', 'install', 'validate', 'load', 'invoke'] }, platform, new Map([['http://example.com/file.bin', image]]));
    expect(r).toMatchObject({ accepted: true, reason: 'ok' });
    expect(trace(r).filter((t) => !t.startsWith('shared'))).toEqual([
      'payload-fetch: fetch[1] passed', 'payload-fetch: image-match[1] passed',
      'install: copy[0] passed', 'install: image-match[0] passed',
      'validate: image-match[0] passed',
      'load: copy[2] passed', 'load: image-match[2] passed',
      'invoke: invoke[2] passed',
    ]);
    expect(platform.calls.filter((c) => c.op === 'copy').map((c) => `${c.source}->${c.component}`)).toEqual(["[h'02']->[h'00']", "[h'00']->[h'01']"]);
    expect(platform.calls.find((c) => c.op === 'invoke')?.component).toBe("[h'01']");
  });

  it('Example 5: two images installed, validated, component 0 invoked', () => {
    const images = [payload(1500, 3), payload(2500, 4)];
    const env = withPayloads(ex(5), (c) => images[c]);
    const platform = new MemoryPlatform();
    const { r } = run(env, { sequences: ['install', 'validate', 'invoke'] }, platform, new Map([
      ['http://example.com/file1.bin', images[0]!],
      ['http://example.com/file2.bin', images[1]!],
    ]));
    expect(r).toMatchObject({ accepted: true, reason: 'ok' });
    expect(trace(r).filter((t) => !t.startsWith('shared'))).toEqual([
      'install: fetch[0] passed', 'install: image-match[0] passed', 'install: fetch[1] passed', 'install: image-match[1] passed',
      'validate: image-match[0] passed', 'validate: image-match[1] passed',
      'invoke: invoke[0] passed',
    ]);
    expect(r.written.map((w) => w.index)).toEqual([0, 1]);
  });
});

describe('libcsuit exp0 (libcsuit test/process_test.c)', () => {
  it('shared: vendor, class; validate: image-match 34768 / 0011...; invoke: vendor, class, invoke on [h\'00\']', () => {
    const platform = new MemoryPlatform({ contents: { "[h'00']": payload(34768) } });
    const v = run(vec('libcsuit/suit_manifest_exp0.suit'), { sequences: ['validate'] }, platform).r;
    expect(trace(v)).toEqual(['shared: vendor-identifier[0] passed', 'shared: class-identifier[0] passed', 'validate: image-match[0] failed']);
    const props = v.records[2]!.properties;
    expect(props.length).toBeGreaterThan(0);
    const i = run(vec('libcsuit/suit_manifest_exp0.suit'), { sequences: ['invoke'] }, platform).r;
    expect(trace(i)).toEqual(['shared: vendor-identifier[0] passed', 'shared: class-identifier[0] passed', 'invoke: invoke[0] passed']);
  });
});

describe('trust-domains: dependencies', () => {
  const dependent = vec('rfc/td-dependency-190B');

  it.each([
    ['Example 0, fetched dependency', 'rfc/td-process-dependency', true],
    ['Example 1, integrated dependency', 'rfc/td-integrated-dependency', false],
    ['libcsuit expS2', 'libcsuit/suit_manifest_expS2.suit', true],
    ['libcsuit expS3', 'libcsuit/suit_manifest_expS3.suit', false],
  ])('%s: resolve, check integrity, process the dependency\'s install, then the root\'s', (_n, name, fetched) => {
    const platform = new MemoryPlatform();
    const fetches: string[] = [];
    const p = new SuitProcessor(platform, { variant: 'checked' });
    const r = runWithPayloads(p, vec(name), { trust: [IETF_KEY], sequences: 'update' }, new Map([['http://example.com/dependent.suit', dependent]]), {
      onFetch: (f) => fetches.push(f.uri),
    });
    expect(r).toMatchObject({ accepted: true, reason: 'ok' });
    expect(fetches).toEqual(fetched ? ['http://example.com/dependent.suit'] : []);
    // Example 0 checks dependency-integrity in install; Example 1 relies on the image-match of
    // dependency resolution (the dependency's manifest digest).
    expect(trace(r)).toEqual([
      'dependency-resolution: fetch[1] passed',
      'dependency-resolution: image-match[1] passed',
      ...(fetched ? ['install: dependency-integrity[1] passed'] : []),
      'install: process-dependency[1] passed',
      'install: write[0] passed', // the dependency's install: component ['00'] of the dependency
      'install: write[0] passed', // the root's install: component ['10']
    ]);
    expect(r.records.at(-2)!.manifest).toEqual([0]);
    expect(r.records.at(-1)!.manifest).toEqual([]);
    expect(Buffer.from(platform.content("['00']")!).toString()).toBe('hello world');
    expect(Buffer.from(platform.content("['10']")!).toString()).toBe(' in multiple trust domains');
    const boot = run(vec(name), { trust: [IETF_KEY], sequences: ['invoke'] }, platform).r;
    expect(boot.accepted).toBe(true);
    expect(platform.calls.filter((c) => c.op === 'invoke').map((c) => [c.component, Buffer.from(c.args!).toString()])).toEqual([["['10']", 'cat 00 10']]);
  });

  it('process-dependency with component index true processes the dependencies only', () => {
    const digest = (dec.decode(Buffer.from((dec.decode(Buffer.from(dependent)) as { value: Map<number, Buffer> }).value.get(2)!)) as Buffer[])[0]!;
    const common = new Map<number, unknown>([
      [1, new Map([[1, new Map([[1, [Buffer.from('dependent.suit')]]])]])],
      [2, [[Buffer.from('10')]]],
    ]);
    const m = new Map<number, unknown>([
      [1, 1],
      [2, 1],
      [3, cbor(common)],
      [15, cbor([12, 1, 20, new Map<number, unknown>([[3, digest], [14, dependent.length], [21, 'http://example.com/dependent.suit']]), 21, 2, 3, 15])],
      [20, cbor([12, true, 11, 15])],
    ]);
    const root = buildEnvelope({ manifest: m, signers: [IETF_SIGNER] });
    const platform = new MemoryPlatform();
    const r = runWithPayloads(new SuitProcessor(platform, { variant: 'checked' }), root, { trust: [IETF_KEY], sequences: 'update' }, new Map([['http://example.com/dependent.suit', dependent]]));
    expect(r).toMatchObject({ accepted: true });
    expect(trace(r).filter((t) => t.startsWith('install'))).toEqual(['install: process-dependency[1] passed', 'install: write[0] passed']);
    expect(Buffer.from(platform.content("['00']")!).toString()).toBe('hello world');
  });

  it('the run reports the root envelope\'s signatures, not those of the dependency it processed', () => {
    const root = resign(vec('rfc/td-process-dependency'), [IETF_SIGNER, { alg: -9, key: SECOND_PRIVATE }]);
    const p = new SuitProcessor(new MemoryPlatform(), { variant: 'checked' });
    const r = runWithPayloads(p, root, { trust: [IETF_KEY, SECOND_KEY], sequences: 'update' }, new Map([['http://example.com/dependent.suit', dependent]]));
    expect(r.records.map((x) => x.commandName)).toContain('process-dependency');
    expect(r.signatures.map((s) => [s.algName, s.status, s.keySource])).toEqual([
      ['ES256', 'verified', IETF_KEY.source],
      ['ESP256', 'verified', SECOND_KEY.source],
    ]);
  });

  it('a dependency whose digest differs from the one the root names is refused', () => {
    const platform = new MemoryPlatform();
    const p = new SuitProcessor(platform, { variant: 'checked' });
    const tampered = new Uint8Array(dependent);
    tampered[tampered.length - 3] ^= 1; // change the dependency's manifest content
    const r = runWithPayloads(p, vec('rfc/td-process-dependency'), { trust: [IETF_KEY], sequences: 'update' }, new Map([['http://example.com/dependent.suit', tampered]]));
    expect(r.accepted).toBe(false);
    expect(r.reason).toBe('condition-failed');
    expect(r.at).toMatchObject({ sectionName: 'dependency-resolution', component: 1 });
  });

  it('a dependency signed by a key the device does not trust is refused at dependency-integrity', () => {
    // The root re-signed with the second example key, which is the only trusted one.
    const root = resign(vec('rfc/td-process-dependency'), [{ alg: -9, key: SECOND_PRIVATE }]);
    const p = new SuitProcessor(new MemoryPlatform(), { variant: 'checked' });
    const r = runWithPayloads(p, root, { trust: [SECOND_KEY], sequences: 'update' }, new Map([['http://example.com/dependent.suit', dependent]]));
    expect(r).toMatchObject({ accepted: false, reason: 'unauthorised', detail: 'dependency-integrity', at: { sectionName: 'install', component: 1 } });
  });
});

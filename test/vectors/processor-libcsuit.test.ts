/**
 * The libcsuit test set through the processor on the in-memory platform (libcsuit testfiles/,
 * README in test/fixtures/vectors/libcsuit): the re-signed IETF examples run exactly as the
 * originals; the TEEP, update-management and trust-domains cases run with the payloads that come
 * with the set (raw_image.bin, the .ta file; expD's dependency is expU, tagged); the dependency
 * examples pass what the dependent sets on to the dependency. The encrypted payloads (expD's
 * config.json, and the dependency examples' firmware) decrypt with the keys of
 * draft-ietf-suit-firmware-encryption's examples; the other encrypted-payload cases (expAW, expAF,
 * expAFS, expEW, expED) are in encrypted-examples.test.ts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  MemoryPlatform, SuitProcessor, runWithPayloads, uuidBytes, type DeviceIdentity, type FinishedRun, type MemoryPlatformOptions, type RunOptions,
} from '../../host/verifier/index.js';
import { readSharedJson, sharedPath } from '../helpers/shared.js';
import { DRAFT_DEVICE_KEY, IETF_KEY, SECOND_KEY } from './corpus.js';
import { payload } from '../core/payload-manifests.js';

const lib = (name: string): Uint8Array => new Uint8Array(readFileSync(sharedPath('vectors', 'libcsuit', `suit_manifest_${name}.suit`)));
const rawImage = new Uint8Array(readFileSync(sharedPath('vectors', 'libcsuit', 'raw_image.bin')));
const ta = new Uint8Array(readFileSync(sharedPath('vectors', 'libcsuit', '8d82573a-926d-4754-9353-32dc29997f74.ta')));
const rfc = readSharedJson<{ examples: { name: string; envelope_hex: string }[] }>('vectors', 'rfc-examples.json').examples;
const ietf = (n: number): Uint8Array => new Uint8Array(Buffer.from(rfc.find((e) => e.name.startsWith(`example${n}`))!.envelope_hex, 'hex'));

const ietfDevice: DeviceIdentity = { vendorIds: [uuidBytes('fa6b4a53-d5ad-5fdf-be9d-e663e4d41ffe')], classIds: [uuidBytes('1492af14-2569-5e48-bf42-9b2d51f2ab45')] };
const teepDevice: DeviceIdentity = { vendorIds: [uuidBytes('c0ddd5f1-5243-5660-87db-4f5b0aa26c2f')], classIds: [uuidBytes('db42f709-3d8c-55ba-a8c5-265fc5820f4e')] };
const TA = "['TEEP-Device', 'SecureFS', h'8d82573a926d4754935332dc29997f74', 'ta']";

function run(env: Uint8Array, opts: Partial<RunOptions> & Pick<RunOptions, 'sequences'>, pf: MemoryPlatformOptions = {}, payloads: Record<string, Uint8Array> = {}) {
  const platform = new MemoryPlatform(pf);
  const r = runWithPayloads(new SuitProcessor(platform, { variant: 'checked' }), env, { trust: [IETF_KEY], device: ietfDevice, ...opts }, new Map(Object.entries(payloads)));
  return { r, platform };
}

const trace = (r: FinishedRun) => r.records.map((x) => `${x.sectionName}: ${x.commandName}[${x.component}] ${x.outcome}`);

describe('libcsuit copies of the IETF examples run as the originals', () => {
  const payloads = { 'http://example.com/file.bin': payload(34768), 'http://example.com/file1.bin': payload(34768, 2), 'http://example.com/file2.bin': payload(76834, 3) };
  const contents = { "[h'00']": payload(34768) };
  it.each([
    ['exp0', 0, ['validate', 'invoke']],
    ['exp1', 1, ['install', 'validate']],
    ['exp2B', 2, ['install', 'validate', 'invoke']],
    ['exp3', 3, ['install', 'validate']],
    ['exp4', 4, ['payload-fetch', 'install', 'validate', 'load', 'invoke']],
    ['exp5', 5, ['install', 'validate', 'invoke']],
  ] as const)('%s = IETF example %i', (name, n, sequences) => {
    const a = run(lib(name), { sequences }, { contents, slots: { "[h'00']": 0n } }, payloads).r;
    const b = run(ietf(n), { sequences }, { contents, slots: { "[h'00']": 0n } }, payloads).r;
    expect(trace(a).length).toBeGreaterThan(2);
    expect(trace(a)).toEqual(trace(b));
    expect([a.reason, a.detail]).toEqual([b.reason, b.detail]);
  });
});

describe('TEEP cases', () => {
  it('expI: an untagged envelope installs its integrated payload "#tc", then unlinks it in uninstall', () => {
    const { r, platform } = run(lib('expI'), { device: teepDevice, sequences: ['install', 'uninstall'] });
    expect(r).toMatchObject({ accepted: true, reason: 'ok' });
    expect(trace(r)).toEqual([
      'shared: vendor-identifier[0] passed', 'shared: class-identifier[0] passed', 'install: fetch[0] passed', 'install: image-match[0] passed',
      'shared: vendor-identifier[0] passed', 'shared: class-identifier[0] passed', 'uninstall: unlink[0] passed',
    ]);
    expect(Buffer.from(platform.content(TA)!).toString()).toBe('Hello, Secure World!');
    expect(platform.calls.filter((c) => c.op === 'unlink').map((c) => c.component)).toEqual([TA]);
  });

  it('expU: the TA is fetched by URI and installed', () => {
    const uri = 'https://example.org/8d82573a-926d-4754-9353-32dc29997f74.ta';
    const { r, platform } = run(lib('expU'), { device: teepDevice, sequences: ['install'] }, {}, { [uri]: ta });
    expect(r).toMatchObject({ accepted: true });
    expect(platform.content(TA)).toEqual(ta);
  });

  it('expD: dependency resolution asks for the dependency manifest by URI', () => {
    const p = new SuitProcessor(new MemoryPlatform(), { variant: 'checked' });
    const r = p.run(lib('expD'), { trust: [IETF_KEY], device: teepDevice, sequences: 'update' });
    expect(r.status).toBe('pending');
    if (r.status !== 'pending') return;
    expect(r.fetch).toMatchObject({ uri: 'https://example.org/8d82573a-926d-4754-9353-32dc29997f74.suit', component: 1, size: 389n });
    expect(Buffer.from(r.fetch.digest!.bytes).toString('hex')).toBe('b39b52b0b747ea79588c190f567bfc2c8437ba8a73f7ea983182e79f0148d59b');
  });

  // The dependency expD names is expU (its manifest digest b39b52b0...), tagged: 389 bytes.
  const expD = {
    'https://example.org/8d82573a-926d-4754-9353-32dc29997f74.suit': new Uint8Array([0xd8, 0x6b, ...lib('expU')]),
    'https://example.org/8d82573a-926d-4754-9353-32dc29997f74.ta': ta,
  };

  it('expD: the TA manifest (expU) is processed inside install, then the personalisation data is decrypted and written', () => {
    const { r, platform } = run(lib('expD'), { device: teepDevice, decrypt: [DRAFT_DEVICE_KEY], sequences: ['dependency-resolution', 'install', 'validate'] }, {}, expD);
    expect(trace(r).filter((t) => !t.startsWith('shared'))).toEqual([
      'dependency-resolution: fetch[1] passed',
      // No condition checked the dependency: process-dependency checks it against image-digest.
      'install: process-dependency[1] passed',
      'install: fetch[0] passed', // in expU: the TA
      'install: image-match[0] passed',
      'install: write[0] passed', // in expD: config.json, decrypted (ECDH-ES + A128KW, A128CTR)
      'validate: image-match[0] passed', // the plaintext's digest and size
    ]);
    expect(r.records.filter((x) => x.sectionName === 'install').map((x) => x.manifest)).toEqual([[], [0], [0], []]);
    expect(platform.content(TA)).toEqual(ta);
    expect(platform.content("['TEEP-Device', 'SecureFS', h'8d82573a926d4754935332dc29997f74', 'suit']")).toEqual(expD['https://example.org/8d82573a-926d-4754-9353-32dc29997f74.suit']);
    expect(r, r.message).toMatchObject({ accepted: true, reason: 'ok' });
    const config = "['TEEP-Device', 'SecureFS', 'config.json']";
    expect(Buffer.from(platform.content(config)!).toString()).toBe('{"name":"FOO Bar","secret":"0123456789abfcdef0123456789abcd"}');
    expect(platform.content(config)).toEqual(new Uint8Array(readFileSync(sharedPath('vectors', 'libcsuit', 'config.json'))));
    // Without the device's key: refused at that write, config.json left as it was.
    const none = run(lib('expD'), { device: teepDevice, sequences: 'update' }, {}, expD);
    expect(none.r).toMatchObject({ accepted: false, reason: 'operation-failed', detail: 'no-decryption-key', at: { manifest: [], sectionName: 'install', component: 0 } });
    expect(none.platform.content(config)).toBeUndefined();
  });

  it('expD: uninstall processes the TA manifest\'s uninstall (unlink the TA), then unlinks config.json', () => {
    const { r } = run(lib('expD'), { device: teepDevice, sequences: ['dependency-resolution', 'uninstall'] }, {}, expD);
    expect(r.accepted).toBe(true);
    expect(trace(r).filter((t) => t.startsWith('uninstall'))).toEqual(['uninstall: process-dependency[1] passed', 'uninstall: unlink[0] passed', 'uninstall: unlink[0] passed']);
    expect(r.records.filter((x) => x.commandName === 'unlink').map((x) => x.manifest)).toEqual([[0], []]);
    // Uninstall alone has no image-digest naming the dependency, and expD checks none: refused
    // rather than processing whatever envelope the component holds (trust-domains §6.5).
    const alone = run(lib('expD'), { device: teepDevice, sequences: ['uninstall'] }, {}, expD).r;
    expect(alone).toMatchObject({ accepted: false, detail: 'dependency-not-checked', at: { sectionName: 'uninstall', component: 1 } });
  });
});

describe('trust-domains: parameters set by the dependent reach the dependency', () => {
  it.each([
    ['IETF firmware-encryption dependency example', 'ecdh'],
    ['libcsuit expED', 'expED'],
  ])('%s: the dependency\'s write of [\'decrypted-firmware\'] takes the content and encryption info the dependent set, and decrypts', (_n, which) => {
    const env = which === 'ecdh'
      ? new Uint8Array(Buffer.from(readFileSync(sharedPath('vectors', 'ietf-firmware-encryption', 'suit-manifest-es-ecdh-dependency.hex.signed'), 'utf8').replace(/[^0-9a-fA-F]/g, ''), 'hex'))
      : lib('expED');
    const { r } = run(env, { trust: [IETF_KEY, SECOND_KEY], decrypt: [DRAFT_DEVICE_KEY], sequences: ['install'] });
    expect(trace(r)).toEqual([
      'install: fetch[1] passed', 'install: dependency-integrity[1] passed', 'install: process-dependency[1] passed', 'install: write[0] passed',
      'install: image-match[0] passed', // the dependency checks the plaintext's digest
    ]);
    // The write is the dependency's ([0]): it found the content and encryption info.
    expect(r.records.at(-1)!.manifest).toEqual([0]);
    expect(r, r.message).toMatchObject({ accepted: true, reason: 'ok' });
  });
});

describe('update-management cases', () => {
  it('expU0: use-before, minimum-battery, version and update-authorized on both components (copy-params, index true)', () => {
    const pf = { now: 1696291199n, batteryMwh: 20n, authorizeUpTo: -1n, versions: { "[h'00']": [1n, 0n], "[h'01']": [1n, 0n, 1n] } };
    const { r } = run(lib('expU0'), { sequences: ['install'] }, pf);
    expect(r).toMatchObject({ accepted: true });
    expect(trace(r)).toEqual(['use-before', 'minimum-battery', 'version', 'update-authorized'].flatMap((c) => [0, 1].map((i) => [c, i] as const)).sort((x, y) => x[1] - y[1]).map(([c, i]) => `install: ${c}[${i}] passed`));
    // A newer component 1 fails "lesser [1, 0, 2]".
    const newer = run(lib('expU0'), { sequences: ['install'] }, { ...pf, versions: { "[h'00']": [1n, 0n], "[h'01']": [1n, 0n, 2n] } }).r;
    expect(newer).toMatchObject({ accepted: false, detail: 'version', at: { component: 1 } });
  });

  it('expU1: override-multiple sets wait-info per component; wait runs on each', () => {
    const { r, platform } = run(lib('expU1'), { sequences: ['install'] });
    expect(r).toMatchObject({ accepted: true });
    expect(platform.calls.filter((c) => c.op === 'wait').map((c) => c.component)).toEqual(["[h'00']", "[h'01']"]);
    expect(run(lib('expU1'), { sequences: ['install'] }, { waitSucceeds: false }).r).toMatchObject({ reason: 'operation-failed', detail: 'wait-failed' });
  });

  it('expU2: version condition in the shared sequence, wait and battery before fetching raw_image.bin, then validate with use-before', () => {
    const pf = { versions: { "[h'00']": [0n, 9n] }, batteryMwh: 50n, now: 1465948000n };
    const { r } = run(lib('expU2'), { sequences: ['payload-fetch', 'validate'] }, pf, { 'http://example.com/file.bin': rawImage });
    expect(r).toMatchObject({ accepted: true });
    expect(trace(r).filter((t) => !t.startsWith('shared'))).toEqual([
      'payload-fetch: wait[0] passed', 'payload-fetch: minimum-battery[0] passed', 'payload-fetch: fetch[0] passed', 'payload-fetch: image-match[0] passed',
      'validate: image-match[0] passed', 'validate: use-before[0] passed',
    ]);
    expect(run(lib('expU2'), { sequences: ['payload-fetch'] }, { ...pf, versions: { "[h'00']": [1n, 0n, 0n] } }).r).toMatchObject({ detail: 'version', at: { sectionName: 'shared' } });
  });

  it('expU3: a directory, a fetched binary and a symbolic link as components', () => {
    const { r, platform } = run(lib('expU3'), { sequences: ['payload-fetch', 'install'] }, {}, { 'https://cdn.example/example3.bin': rawImage });
    expect(r).toMatchObject({ accepted: true });
    expect(platform.content("['usr', 'local', 'bin', 'example3']")).toEqual(rawImage);
    expect(Buffer.from(platform.content("['usr', 'bin', 'example']")!).toString()).toBe('/usr/local/bin/example3');
    expect(platform.content("['usr', 'local', 'bin']")!.length).toBe(0);
  });
});

describe('trust-domains case expS0', () => {
  it('writes "hello world" to [\'00\'] and invokes it with "cat 00"', () => {
    const { r, platform } = run(lib('expS0'), { sequences: ['install', 'invoke'] });
    expect(r).toMatchObject({ accepted: true });
    expect(Buffer.from(platform.content("['00']")!).toString()).toBe('hello world');
    expect(Buffer.from(platform.calls.find((c) => c.op === 'invoke')!.args!).toString()).toBe('cat 00');
  });
});

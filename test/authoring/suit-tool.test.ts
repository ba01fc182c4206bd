/** suit-tool's JSON input as it is: the Arm repository's examples, and suit-tool's own rules. */
import { describe, expect, it } from 'vitest';
import { cpSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { buildEnvelope, DescriptionError, loadDescription, parseDescription, parseEnvelope } from '../../host/suit/index.js';
import { verifyEnvelope } from '../../host/verifier/index.js';
import { createSigner } from '../../host/cose/index.js';
import { loadSigningKey } from '../../host/keys/index.js';
import { IETF_KEY } from '../vectors/corpus.js';
import { readSharedJson, sharedPath } from '../helpers/shared.js';
import { checkEnvelope, readDeterministic } from './support/cbor.js';
import { makeWorkspace, seededBytes, sha256Hex } from './support/fixtures.js';

const arm = (n: string) => sharedPath('vectors', 'arm-suit-tool', 'examples', `example${n}.json`);

function issuesOf(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    if (e instanceof DescriptionError) return e.issues.map((i) => `${i.path}: ${i.message}`);
    throw e;
  }
  throw new Error('expected a DescriptionError');
}

describe('suit-tool descriptions (github.com/ARMmbed/suit-manifest-generator examples)', () => {
  it('compiles examples 0, 1, 2 (flat text fields) and 5 as suit-tool would', () => {
    for (const n of ['0', '1', '2', '5']) {
      const built = buildEnvelope(loadDescription(arm(n)));
      const { manifest, members } = checkEnvelope(built.envelope);
      expect(manifest.get(1)).toBe(1);
      expect(manifest.get(2)).toBe(Number(n));
      if (n === '2') {
        const text = readDeterministic(members.get(23)!) as Map<string, Map<unknown, unknown>>;
        const component = [...text.get('en-US')!].find(([k]) => Array.isArray(k))![1] as Map<number, string>;
        expect([...component.keys()]).toEqual([3, 4, 5, 6]); // vendor-domain, model-info, component-description, component-version
        expect(component.get(4)).toBe('suit');
      }
    }
  });

  it('migrates the fields of older drafts in examples 3, 4, 6 and 7, with a warning naming each, instead of refusing them', () => {
    const warnings = (n: string) => (loadDescription(arm(n)).warnings ?? []).map((w) => `${w.path}: ${w.message}`);
    // 3 and 7: A/B by offset (component-offset, key 5) -> slot, with the offset as the slot value.
    for (const n of ['3', '7']) {
      expect(warnings(n)).toEqual([
        "components[0].offset: 'offset' is the component-offset of older SUIT drafts, which draft-37 replaced by component-slot (the same key 5): migrated to slot 33792",
        "components[1].offset: 'offset' is the component-offset of older SUIT drafts, which draft-37 replaced by component-slot (the same key 5): migrated to slot 541696",
      ]);
      expect(loadDescription(arm(n)).components[0]!.slots!.map((s) => s.slot)).toEqual([33792, 541696]);
    }
    // 4: compression dropped; what is left is the published IETF example 4, byte for byte.
    expect(warnings('4')).toEqual([
      expect.stringMatching(/^components\[0\]\.compression-info: compression was removed from SUIT .*: dropped/),
      expect.stringMatching(/^components\[0\]\.decompress-on-load: compression was removed/),
    ]);
    const ex4 = readSharedJson<{ examples: { name: string; envelope_hex: string }[] }>('vectors', 'rfc-examples.json').examples.find((e) => e.name.startsWith('example4'))!;
    expect(Buffer.from(buildEnvelope(loadDescription(arm('4'))).manifest)).toEqual(Buffer.from(parseEnvelope(new Uint8Array(Buffer.from(ex4.envelope_hex, 'hex'))).manifest.content));
    // 6: the old dependency model: the dependency is built from its description and signed with key-file.
    expect(warnings('6')).toEqual([
      "components[0].uri: no 'file' or 'install-digest' to check an image against: nothing is fetched from this URI; the component's identity (vendor-id, class-id) is checked",
      expect.stringMatching(/^dependencies\[0\]\.src-file: 'src-file' and 'key-file' .* are migrated: built here from deps\/example6a\.json and signed with \.\.\/private_key\.pem \(\d+ bytes\), processed as a trust-domains dependency, written to 'deps\/example6a\.suit' as suit-tool does$/),
    ]);
    const six = loadDescription(arm('6'));
    const dep = six.dependencies[0]!;
    expect(dep).toMatchObject({ id: [new Uint8Array(Buffer.from('example6a.suit'))], source: { uri: 'http://server.local/example6a.suit', integrated: false }, writeTo: sharedPath('vectors', 'arm-suit-tool', 'examples', 'deps', 'example6a.suit') });
    expect(verifyEnvelope(dep.envelope, { trust: [IETF_KEY] })).toMatchObject({ accepted: true, sequenceNumber: 5n });
    const signer = createSigner(loadSigningKey(sharedPath('vectors', 'arm-suit-tool', 'private_key.pem')));
    expect(verifyEnvelope(buildEnvelope(six, { signers: [signer] }).envelope, { trust: [IETF_KEY] }).accepted).toBe(true);
  });

  it('a src-file that depends on itself, or a key-file that is missing, is an error naming the field', () => {
    const ws = makeWorkspace('suit-tool-deps');
    ws.write('loop.json', JSON.stringify({ 'manifest-sequence-number': 1, components: [{ 'install-id': ['00'], 'vendor-id': 'arm.com', 'class-id': 'suit' }], dependencies: [{ 'src-file': 'loop.json', 'key-file': 'k.pem', file: 'loop.suit' }] }));
    expect(issuesOf(() => loadDescription(join(ws.dir, 'loop.json')))).toEqual([expect.stringMatching(/^dependencies\[0\]\.src-file: 'loop\.json' depends on itself/)]);
    ws.write('a.json', JSON.stringify({ 'manifest-sequence-number': 1, components: [{ 'install-id': ['00'], 'vendor-id': 'arm.com', 'class-id': 'suit' }] }));
    ws.write('b.json', JSON.stringify({ 'manifest-sequence-number': 1, components: [{ 'install-id': ['00'], 'vendor-id': 'arm.com', 'class-id': 'suit' }], dependencies: [{ 'src-file': 'a.json', 'key-file': 'missing.pem' }] }));
    expect(issuesOf(() => loadDescription(join(ws.dir, 'b.json')))).toEqual([expect.stringMatching(/^dependencies\[0\]\.key-file: /)]);
  });

  it("takes digest and size from 'file' relative to the description, and names vendor/class by uuid5 as suit-tool does", () => {
    const ws = makeWorkspace('suit-tool');
    ws.write('fw.bin', seededBytes('fw', 1234));
    const plan = parseDescription(
      JSON.stringify({
        'manifest-version': 1,
        'manifest-sequence-number': 7,
        components: [{ 'install-id': ['00'], file: 'fw.bin', 'vendor-id': 'arm.com', 'class-id': 'suit', uri: 'http://example.com/fw.bin', bootable: true }],
      }),
      { file: 'fw.json', dir: ws.dir },
    );
    const c = plan.components[0]!;
    expect(Buffer.from(c.vendor!).toString('hex')).toBe('fa6b4a53d5ad5fdfbe9de663e4d41ffe'); // the IETF examples' vendor id
    expect(Buffer.from(c.class!).toString('hex')).toBe('1492af1425695e48bf429b2d51f2ab45'); // and class id
    expect(c.image!.size).toBe(1234);
    expect(Buffer.from(c.image!.digest.bytes).toString('hex')).toBe(sha256Hex(seededBytes('fw', 1234)));
    expect(c.bootable).toBe(true);
  });

  it('groups entries sharing an install-id into A/B slots and emits invoke only for a single bootable entry', () => {
    const entry = (slot: number, digit: string) => ({
      'install-id': ['00'], slot, bootable: true, uri: `http://example.com/${slot}.bin`,
      'install-digest': { 'algorithm-id': 'sha256', 'digest-bytes': digit.repeat(64) }, 'install-size': 100 + slot,
      'vendor-id': 'fa6b4a53-d5ad-5fdf-be9d-e663e4d41ffe', 'class-id': '1492af14-2569-5e48-bf42-9b2d51f2ab45',
    });
    const plan = parseDescription(JSON.stringify({ 'manifest-sequence-number': 1, components: [entry(0, 'a'), entry(1, 'b')] }));
    expect(plan.components).toHaveLength(1);
    expect(plan.components[0]!.slots!.map((s) => [s.slot, s.image.size, s.source?.uri])).toEqual([[0, 100, 'http://example.com/0.bin'], [1, 101, 'http://example.com/1.bin']]);
    expect(plan.components[0]!.bootable).toBe(false);
    expect(issuesOf(() => parseDescription(JSON.stringify({ 'manifest-sequence-number': 1, components: [{ ...entry(0, 'a'), 'vendor-id': undefined }] })))).toEqual([
      "components: a 'vendor-id' is required for at least one component (suit-tool rule)",
      "components: a 'class-id' is required for at least one component that has a 'vendor-id' (suit-tool rule)",
    ]);
    // A class-id name needs the entry's vendor-id to be made into a UUID; a device-id is a UUID.
    const named = { ...entry(0, 'a'), 'vendor-id': undefined, 'class-id': 'suit', 'device-id': 'board-7' };
    expect(issuesOf(() => parseDescription(JSON.stringify({ 'manifest-sequence-number': 1, components: [named] })))).toEqual(expect.arrayContaining([
      "components[0].class-id: 'suit' is not a UUID: a class-id given by name is made within the vendor-id (as suit-tool does): give this entry a 'vendor-id', or the class-id as a UUID",
      "components[0].device-id: 'board-7' is not a UUID: a device ID is given as a UUID (8-4-4-4-12 hexadecimal digits)",
    ]));
  });
});

describe('suitrig manifest create on the Arm examples with older draft fields', () => {
  it('builds 3, 4, 6 and 7 with warnings on stderr, writes example 6\'s dependency as suit-tool does, and the device takes it', async () => {
    const ws = makeWorkspace('arm');
    cpSync(sharedPath('vectors', 'arm-suit-tool'), join(ws.dir, 'arm'), { recursive: true });
    const examples = join(ws.dir, 'arm', 'examples');
    for (const n of ['3', '4', '6', '7']) {
      const r = await runCli(['manifest', 'create', `example${n}.json`, '--key', '../private_key.pem', '--out', `example${n}.suit`], { cwd: examples });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(new RegExp(`^manifest create: warning: example${n}\\.json:\\d+:\\d+  (components|dependencies)\\[\\d\\]\\.(offset|compression-info|uri|src-file): `, 'm'));
    }
    expect(existsSync(join(examples, 'deps', 'example6a.suit'))).toBe(true);
    writeFileSync(join(ws.dir, 'ietf.pub.pem'), readSharedJson<{ examples: { public_key_pem?: string }[] }>('vectors', 'rfc-examples.json').examples[0]!.public_key_pem!);
    const v = await runCli(
      ['verify', 'example6.suit', '--trust', '../../ietf.pub.pem', '--run', 'dependency-resolution,install', '--payload', 'http://server.local/example6a.suit=deps/example6a.suit', '--json'],
      { cwd: examples },
    );
    const j = JSON.parse(v.stdout);
    // The dependency is fetched, checked and processed; its own install then needs its payload.
    expect(j.run.records.map((r: { command: string; manifest: number[] }) => `${r.manifest.join('.')}:${r.command}`)).toEqual(
      expect.arrayContaining([':fetch', ':dependency-integrity', ':process-dependency', '0:fetch']),
    );
  });
});

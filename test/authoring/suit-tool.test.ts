/** suit-tool's JSON input as it is: the Arm repository's examples, and suit-tool's own rules. */
import { describe, expect, it } from 'vitest';
import { buildEnvelope, DescriptionError, loadDescription, parseDescription } from '../../host/suit/index.js';
import { sharedPath } from '../helpers/shared.js';
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

  it('reports what draft-37 cannot express instead of dropping it', () => {
    const three = issuesOf(() => loadDescription(arm('3')));
    expect(three).toHaveLength(4);
    expect(three).toEqual(expect.arrayContaining([
      "components[0].offset: component-offset was replaced by component-slot in later SUIT drafts: use 'slot'",
      "components[1].offset: component-offset was replaced by component-slot in later SUIT drafts: use 'slot'",
      "components[0]: missing 'slot' (the slot number: components sharing an install-id are A/B alternatives)",
      "components[1]: missing 'slot' (the slot number: components sharing an install-id are A/B alternatives)",
    ]));
    expect(issuesOf(() => loadDescription(arm('4')))).toEqual(expect.arrayContaining([expect.stringMatching(/^components\[0\]\.compression-info: compression was removed/)]));
    const six = issuesOf(() => loadDescription(arm('6')));
    expect(six).toEqual(expect.arrayContaining([
      "components[0]: needs 'file', or 'install-digest' and 'install-size'",
      expect.stringMatching(/^dependencies\[0\]\.src-file: building the dependency from its description is not supported/),
    ]));
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

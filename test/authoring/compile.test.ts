/** The compiler's output for dependencies and description details, read back with cborg. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSigner } from '../../host/cose/index.js';
import { loadSigningKey } from '../../host/keys/index.js';
import { buildEnvelope, compileManifest, parseDescription } from '../../host/suit/index.js';
import { encodeCbor, type CborValue } from '../../host/suit/cbor/encode.js';
import { checkEnvelope, hex, readDeterministic } from './support/cbor.js';
import { EXAMPLE_IDENTITY, makeWorkspace, seededBytes, sha256Hex } from './support/fixtures.js';

const ws = makeWorkspace('compile');
ws.write('radio.bin', seededBytes('c-radio', 800));
ws.write('app.bin', seededBytes('c-app', 1600));
const key = ws.key('es256', 'author');
const signer = createSigner(loadSigningKey(key.file));

/** Command/argument pairs of an encoded sequence, commands as numbers. */
const seq = (b: Uint8Array) => readDeterministic(b) as unknown[];
const commands = (b: Uint8Array) => seq(b).filter((_, i) => i % 2 === 0);

describe('dependencies (trust-domains-11 §6.1)', () => {
  const dep = buildEnvelope(parseDescription(`template: download-install\nsequence-number: 1\n${EXAMPLE_IDENTITY}components:\n  - {id: [radio], image: radio.bin, uri: 'https://fw.example.com/radio.bin', bootable: false}\n`, { dir: ws.dir }), { signers: [signer] });
  writeFileSync(join(ws.dir, 'radio.suit'), dep.envelope);
  const depManifest = checkEnvelope(dep.envelope);

  it('lists the dependency as a component with its prefix, and processes it where it has sequences', () => {
    const plan = parseDescription(`template: dependencies\nsequence-number: 2\n${EXAMPLE_IDENTITY}components:\n  - {id: [app], image: app.bin, uri: 'https://fw.example.com/app.bin'}\ndependencies:\n  - {envelope: radio.suit, prefix: [radio]}\n`, { dir: ws.dir });
    const c = compileManifest(plan);
    const common = readDeterministic(c.common) as Map<number, unknown>;
    expect((common.get(2) as Uint8Array[][]).map((id) => id.map((s) => Buffer.from(s).toString()))).toEqual([['app'], ['radio.suit']]);
    const deps = common.get(1) as Map<number, Map<number, Uint8Array[]>>;
    expect([...deps.keys()]).toEqual([1]);
    expect(Buffer.from(deps.get(1)!.get(1)![0]!).toString()).toBe('radio');
    // Shared: the dependency's manifest digest (its wrapper digest) and envelope size.
    const shared = seq(common.get(4) as Uint8Array);
    const depParams = shared[shared.length - 1] as Map<number, unknown>;
    expect(shared.slice(-4, -1)).toEqual([12, 1, 20]);
    expect(readDeterministic(depParams.get(3) as Uint8Array)).toEqual(readDeterministic(depManifest.auth[0]!));
    expect(depParams.get(14)).toBe(dep.envelope.length);
    // dependency-resolution: select, uri, fetch, dependency-integrity (no process: the dependency has no such sequence).
    expect(seq(c.sequences.get('dependency-resolution')!)).toEqual([12, 1, 20, new Map([[21, '#radio.suit']]), 21, 2, 7, 15]);
    // install: the dependency first (it has install), then the own component.
    expect(commands(c.sequences.get('install')!)).toEqual([12, 7, 11, 12, 20, 21, 3]);
    expect(commands(c.sequences.get('validate')!)).toEqual([12, 7, 11, 12, 3]);
    expect(commands(c.sequences.get('invoke')!)).toEqual([12, 23]); // the dependency has no invoke
    expect(c.payloads.get('#radio.suit')).toEqual(dep.envelope);
  });

  it('refuses a dependency file that is not a usable envelope', () => {
    ws.write('broken.suit', dep.envelope.subarray(0, 40));
    expect(() => parseDescription(`template: dependencies\nsequence-number: 2\ndependencies:\n  - {envelope: broken.suit}\n`, { dir: ws.dir, file: 'd.yaml' })).toThrow(/dependencies\[0\]\.envelope: 'broken\.suit' is not a usable SUIT envelope/);
  });
});

describe('description details', () => {
  it("reads h'..' segments as hex, other segments as UTF-8, and integrates a staged image under #file by default", () => {
    const plan = parseDescription(`template: download-install\nsequence-number: 1\n${EXAMPLE_IDENTITY}components:\n  - id: ["h'00'", app]\n    image: app.bin\n    stage: {id: [stage]}\n`, { dir: ws.dir });
    const c = plan.components[0]!;
    expect(c.id.map(hex)).toEqual(['00', hex(Buffer.from('app'))]);
    expect(c.stage!.source).toEqual({ uri: '#app.bin', integrated: true });
    const built = buildEnvelope(plan);
    expect(sha256Hex(checkEnvelope(built.envelope).members.get('#app.bin')!)).toBe(sha256Hex(seededBytes('c-app', 1600)));
  });

  it('puts the description itself into the text with include-source, and checks the language tag', () => {
    const text = `template: secure-boot\nsequence-number: 1\n${EXAMPLE_IDENTITY}text: {include-source: true}\ncomponents:\n  - {id: [app], image: app.bin}\n`;
    const built = buildEnvelope(parseDescription(text, { dir: ws.dir }));
    const t = readDeterministic(checkEnvelope(built.envelope).members.get(23)!) as Map<string, Map<number, string>>;
    expect(t.get('en-US')!.get(4)).toBe(text);
    expect(() => parseDescription(text.replace('include-source: true', 'language: "en US"'), { dir: ws.dir })).toThrow(/text\.language: 'en US' is not a language tag/);
  });

  it('checks a second component against its own identity only', () => {
    const plan = parseDescription(`template: multi-image\nsequence-number: 1\n${EXAMPLE_IDENTITY}components:\n  - {id: [a], image: app.bin}\n  - {id: [b], image: radio.bin, vendor: radio.example, class: r1}\n`, { dir: ws.dir });
    const shared = seq((readDeterministic(compileManifest(plan).common) as Map<number, Uint8Array>).get(4)!);
    expect(commands(encodeCbor(shared as CborValue[])).filter((x) => x === 1).length).toBe(2); // condition-vendor-identifier once per component
    expect(hex(plan.components[1]!.vendor!)).not.toBe(hex(plan.components[0]!.vendor!));
    expect(plan.components[1]!.bootable).toBe(false);
  });

  it('refuses the same component identifier twice', () => {
    expect(() => parseDescription(`template: multi-image\nsequence-number: 1\n${EXAMPLE_IDENTITY}components:\n  - {id: [a], image: app.bin}\n  - {id: [a], image: radio.bin}\n`, { dir: ws.dir })).toThrow(/components\[1\]\.id: component identifier used twice \(also at components\[0\]\.id\)/);
  });
});

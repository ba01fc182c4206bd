/**
 * Authoring parity (issue 15): `manifest parse` turns an envelope back into a description (the
 * explicit form), and `manifest create` on that description gives the same manifest, byte for
 * byte — for every template (with severable, severed and integrated members and dependencies)
 * and for every SUIT vector in ../shared/vectors (IETF examples, trust-domains, encryption,
 * libcsuit). `sever` takes severable members out of a signed envelope; `verify --member` puts
 * them back.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { buildEnvelope, describeEnvelope, loadDescription, parseDescription, parseEnvelope, type BuildOptions } from '../../host/suit/index.js';
import { allVectors } from '../vectors/corpus.js';
import { runCli } from '../helpers/cli.js';
import { readSharedJson, sharedPath } from '../helpers/shared.js';
import { EXAMPLE_IDENTITY, makeWorkspace, seededBytes } from './support/fixtures.js';

const ws = makeWorkspace('parse');
ws.write('app.bin', seededBytes('app', 4000));
ws.write('app-a.bin', seededBytes('app-a', 3000));
ws.write('app-b.bin', seededBytes('app-b', 3100));
ws.write('radio.bin', seededBytes('radio', 700));
const ietfPem = readSharedJson<{ examples: { public_key_pem?: string }[] }>('vectors', 'rfc-examples.json').examples[0]!.public_key_pem!;
ws.write('ietf.pub.pem', ietfPem);

const TEMPLATES: Record<string, string> = {
  'secure-boot': `template: secure-boot\nsequence-number: 1\n${EXAMPLE_IDENTITY}components:\n  - {id: [app], image: app.bin}\n`,
  'download-install': `template: download-install\nsequence-number: 2\n${EXAMPLE_IDENTITY}reference-uri: https://fw.example.com/app.suit\ntext: {manifest-description: app 2}\ncomponents:\n  - {id: [app], image: app.bin, uri: https://fw.example.com/app.bin, text: {component-version: 1.2.0}}\n`,
  'integrated': `template: download-install\nsequence-number: 3\n${EXAMPLE_IDENTITY}components:\n  - {id: [app], image: app.bin, integrated: true}\n`,
  'ab-slots': `template: ab-slots\nsequence-number: 4\n${EXAMPLE_IDENTITY}components:\n  - id: [app]\n    slots:\n      - {slot: 0, image: app-a.bin, uri: https://fw.example.com/a.bin}\n      - {slot: 1, image: app-b.bin, uri: https://fw.example.com/b.bin}\n`,
  'load-external': `template: load-external\nsequence-number: 5\n${EXAMPLE_IDENTITY}components:\n  - {id: [ext, app], image: app.bin, stage: {id: [staging], uri: https://fw.example.com/app.bin}, load: {id: [ram]}}\n`,
  'multi-image': `template: multi-image\nsequence-number: 6\n${EXAMPLE_IDENTITY}severable: true\ncomponents:\n  - {id: [app], image: app.bin, uri: https://fw.example.com/app.bin}\n  - {id: [radio], image: radio.bin, uri: https://fw.example.com/radio.bin, device: 3b7d1c0e-2f4a-4e8b-9c6d-5a1b2c3d4e5f, vendor: example.com}\n`,
};

/** describe -> description text (payload files written to the workspace) -> plan -> envelope. */
function roundTrip(envelope: Uint8Array, label: string, opts: BuildOptions = {}) {
  const d = describeEnvelope(envelope);
  for (const p of d.payloads) ws.write(p.file, p.bytes);
  const text = stringify(d.document, { lineWidth: 0 });
  ws.write(`${label}.yaml`, text);
  return { description: d, text, built: buildEnvelope(parseDescription(text, { file: `${label}.yaml`, dir: ws.dir }), opts) };
}

const manifestOf = (env: Uint8Array) => Buffer.from(parseEnvelope(env).manifest.content);
const integratedOf = (env: Uint8Array) => parseEnvelope(env).members.filter((m) => typeof m.key === 'string').map((m) => [m.key, Buffer.from(m.raw).toString('hex')]);

describe('create -> parse -> create gives the same manifest', () => {
  ws.write('dep.yaml', TEMPLATES['secure-boot']!);
  const dep = buildEnvelope(loadDescription(join(ws.dir, 'dep.yaml'))).envelope;
  ws.write('dep.suit', dep);
  const withDependency = `template: dependencies\nsequence-number: 7\n${EXAMPLE_IDENTITY}manifest-component-id: [root.suit]\ndependencies:\n  - {envelope: dep.suit, prefix: [vendor, dep.suit]}\n  - {envelope: dep.suit, id: [dep2.suit], uri: https://fw.example.com/dep.suit}\n`;

  it.each([...Object.entries(TEMPLATES), ['dependencies', withDependency]])('%s', (name, text) => {
    ws.write(`${name}.in.yaml`, text);
    const original = buildEnvelope(loadDescription(join(ws.dir, `${name}.in.yaml`)));
    const { built, text: described } = roundTrip(original.envelope, name);
    expect(described).toMatch(/^template: explicit$/m);
    expect(Buffer.from(built.manifest)).toEqual(Buffer.from(original.manifest));
    expect(integratedOf(built.envelope)).toEqual(integratedOf(original.envelope));
    // And once more: the description of the rebuilt envelope is the same description.
    expect(roundTrip(built.envelope, `${name}.again`).text).toBe(described);
  });

  it('severable members stay severable, severed ones keep their digest', () => {
    ws.write('sev.yaml', TEMPLATES['download-install']!);
    const plan = loadDescription(join(ws.dir, 'sev.yaml'));
    for (const opts of [{ severable: true }, { severable: true, sever: ['install'] as const }, { sever: 'all' as const }]) {
      const original = buildEnvelope(plan, { ...opts, sever: 'sever' in opts ? opts.sever : undefined });
      const { built, description } = roundTrip(original.envelope, 'sev-rt');
      expect(Buffer.from(built.manifest)).toEqual(Buffer.from(original.manifest));
      expect(built.severed).toEqual(original.severed);
      if (original.severed.includes('install')) expect(description.document.install).toMatchObject({ severed: { algorithm: 'sha-256' } });
    }
  });
});

describe('every SUIT vector in ../shared/vectors parses to a description that builds its manifest again', () => {
  const vectors = allVectors();
  it(`${vectors.length} envelopes`, () => {
    for (const v of vectors) {
      const { built } = roundTrip(v.bytes, 'vector');
      expect(manifestOf(built.envelope), v.name).toEqual(manifestOf(v.bytes));
      expect(integratedOf(built.envelope), v.name).toEqual(integratedOf(v.bytes));
    }
  });
});

describe('suitrig manifest parse, sever, verify --member', () => {
  const ex2 = allVectors().find((v) => v.name === 'rfc/example2-download-install-boot-severed')!.bytes;
  const expI = allVectors().find((v) => v.name === 'libcsuit/suit_manifest_expI.suit')!.bytes;
  ws.write('ex2.suit', ex2);
  ws.write('expI.suit', expI);
  const ietfKey = sharedPath('vectors', 'ietf-manifest-spec', 'private_key.pem');

  it('parse writes the description and the integrated payloads; create on it gives the same manifest digest', async () => {
    const p = await runCli(['manifest', 'parse', 'expI.suit', '--out', 'expI.yaml'], { cwd: ws.dir });
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout).toMatch(/^wrote .*expI\.yaml \(explicit description; builds the same manifest, \d+ bytes, sha-256 [0-9a-f]{16}\.\.\.\)$/m);
    expect(p.stdout).toMatch(/^wrote .*tc \(integrated payload #tc, 20 bytes\)$/m);
    expect(readFileSync(join(ws.dir, 'tc'), 'utf8')).toBe('Hello, Secure World!');
    const c = await runCli(['manifest', 'create', 'expI.yaml', '--key', ietfKey, '--out', 'expI-again.suit', '--json'], { cwd: ws.dir });
    expect(c.code, c.stderr).toBe(0);
    expect(JSON.parse(c.stdout).manifestDigest).toBe(Buffer.from(parseEnvelope(expI).authentication!.digest.bytes).toString('hex'));
    const v = await runCli(['verify', 'expI-again.suit', '--trust', 'ietf.pub.pem'], { cwd: ws.dir });
    expect(v.code, v.stdout).toBe(0);
    const j = await runCli(['manifest', 'parse', 'ex2.suit', '--out', 'ex2.json', '--json'], { cwd: ws.dir });
    expect(JSON.parse(j.stdout)).toMatchObject({ identical: true, notes: [expect.stringMatching(/^1 authentication block/)] });
    expect(JSON.parse(readFileSync(join(ws.dir, 'ex2.json'), 'utf8')).install).toMatchObject({ severable: true, commands: expect.any(Array) });
  });

  it('sever takes members out (signature still valid), verify --member puts them back and checks them', async () => {
    const s = await runCli(['sever', 'ex2.suit', '--member', 'install,text', '--out', 'ex2-severed.suit', '--save-members', '.'], { cwd: ws.dir });
    expect(s.code, s.stderr).toBe(0);
    expect(s.stdout).toMatch(/^severed {3}install \(\d+ bytes\)$/m);
    const severed = new Uint8Array(readFileSync(join(ws.dir, 'ex2-severed.suit')));
    expect(severed.length).toBeLessThan(ex2.length);
    // The severed copy still verifies; running install needs the member.
    expect((await runCli(['verify', 'ex2-severed.suit', '--trust', 'ietf.pub.pem'], { cwd: ws.dir })).code).toBe(0);
    const without = await runCli(['verify', 'ex2-severed.suit', '--trust', 'ietf.pub.pem', '--run', 'install', '--json'], { cwd: ws.dir });
    expect(JSON.parse(without.stdout)).toMatchObject({ accepted: false, detail: 'severed' });
    const back = await runCli(['verify', 'ex2-severed.suit', '--trust', 'ietf.pub.pem', '--member', 'install=install.cbor', '--member', 'text=text.cbor', '--run', 'install', '--json'], { cwd: ws.dir });
    expect(JSON.parse(back.stdout).run.records.map((r: { command: string }) => r.command)).toContain('fetch');
    // A member that does not match its digest is refused by the core.
    ws.write('bad-install.cbor', Buffer.concat([readFileSync(join(ws.dir, 'install.cbor')), Buffer.from([0])]));
    const bad = await runCli(['verify', 'ex2-severed.suit', '--trust', 'ietf.pub.pem', '--member', 'install=bad-install.cbor', '--json'], { cwd: ws.dir });
    expect(JSON.parse(bad.stdout)).toMatchObject({ accepted: false, reason: 'unauthorised', detail: 'severable-digest-mismatch' });
    // Naming a member the manifest holds no digest of, or one the envelope still has: usage errors.
    const notSeverable = await runCli(['sever', 'ex2-severed.suit', '--member', 'payload-fetch', '--out', 'x.suit'], { cwd: ws.dir });
    expect(notSeverable.code).toBe(2);
    expect(notSeverable.stderr).toMatch(/payload-fetch: the manifest does not hold a digest of it/);
    const twice = await runCli(['verify', 'ex2.suit', '--trust', 'ietf.pub.pem', '--member', 'install=install.cbor'], { cwd: ws.dir });
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/--member install: given twice/);
    expect((await runCli(['verify', 'ex2.suit', '--trust', 'ietf.pub.pem', '--member', 'nothing=install.cbor'], { cwd: ws.dir })).code).toBe(2);
  });
});

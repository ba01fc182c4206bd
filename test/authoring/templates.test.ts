/**
 * Every template and every algorithm through the CLI: `manifest create` -> envelope checked
 * independently (cborg, node:crypto) -> `inspect --json` shows what the description said.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { checkEnvelope, hex, readDeterministic } from './support/cbor.js';
import { EXAMPLE_IDENTITY, makeWorkspace, seededBytes, sha256Hex, verifyBlock, type TestKey } from './support/fixtures.js';

const VENDOR = 'cfbff0d1-9375-5685-968c-48ce8b15ae17'; // uuid5(NAMESPACE_DNS, 'example.com'), computed with Python's uuid
const CLASS = '5f363112-95cf-534f-a3d1-fc8ef6f4962a'; // uuid5(VENDOR, 'board-a')
const DEVICE = '3b7d1c0e-2f4a-4e8b-9c6d-5a1b2c3d4e5f';

const ws = makeWorkspace('templates');
const images = {
  app: ws.write('app.bin', seededBytes('app', 5000)),
  appA: ws.write('app-a.bin', seededBytes('app-a', 3000)),
  appB: ws.write('app-b.bin', seededBytes('app-b', 3100)),
  radio: ws.write('radio.bin', seededBytes('radio', 700)),
};
const digestOf = (p: string) => sha256Hex(readFileSync(p));

const DESCRIPTIONS: Record<string, string> = {
  'secure-boot': `
template: secure-boot
sequence-number: 1
${EXAMPLE_IDENTITY}components:
  - id: [app]
    image: app.bin
    slot-size: 0x2000
`,
  'download-install': `
template: download-install
sequence-number: 2
vendor: ${VENDOR}
class: board-a
device: ${DEVICE}
text:
  manifest-description: app 1.2.0 for board A
components:
  - id: [app]
    image: app.bin
    uri: https://fw.example.com/app.bin
    text:
      component-version: 1.2.0
`,
  'download-install-integrated': `
template: download-install
sequence-number: 3
vendor: example.com
class: ${CLASS}
components:
  - id: [app]
    image: app.bin
    integrated: true
`,
  'ab-slots': `
template: ab-slots
sequence-number: 4
${EXAMPLE_IDENTITY}components:
  - id: [app]
    slots:
      - {slot: 0, image: app-a.bin, uri: https://fw.example.com/app-a.bin}
      - {slot: 1, image: app-b.bin, uri: https://fw.example.com/app-b.bin}
`,
  'load-external': `
template: load-external
sequence-number: 5
${EXAMPLE_IDENTITY}components:
  - id: [ext-flash, app]
    image: app.bin
    stage: {id: [staging], uri: https://fw.example.com/app.bin}
    load: {id: [ram]}
`,
  'multi-image': `
template: multi-image
sequence-number: 6
${EXAMPLE_IDENTITY}components:
  - id: [app]
    image: app.bin
    uri: https://fw.example.com/app.bin
  - id: [radio]
    image: radio.bin
    uri: https://fw.example.com/radio.bin
`,
};
for (const [name, text] of Object.entries(DESCRIPTIONS)) ws.write(`${name}.yaml`, text);

const keys: TestKey[] = [ws.key('es256', 'p256'), ws.key('ed25519', 'ed'), ws.key('hmac256', 'mac')];
const ALGS: [TestKey, string | undefined, number][] = [
  [keys[0]!, undefined, -7],
  [keys[0]!, 'esp256', -9],
  [keys[1]!, undefined, -8],
  [keys[1]!, 'ed25519', -19],
  [keys[2]!, undefined, 5],
];

interface Cmd {
  command: string;
  component?: number;
  parameters?: Record<string, unknown>;
  sequences?: Cmd[][];
}
interface Report {
  authentication: { digestMatchesManifest: boolean; blocks: { structure: string; algorithmId: number; keyId?: string }[] };
  manifest: { sequenceNumber: number; components: string[][]; shared: Cmd[]; members: { name: string; state: string; commands?: Cmd[]; text?: Record<string, Record<string, unknown>> }[] };
  payloads: { key: string; bytes: number; sha256: string }[];
  problems: string[];
}

/** Every override-parameters map, anywhere (try-each included). */
function allParams(cmds: Cmd[] | undefined, out: Record<string, unknown>[] = []): Record<string, unknown>[] {
  for (const c of cmds ?? []) {
    if (c.parameters) out.push(c.parameters);
    for (const s of c.sequences ?? []) allParams(s, out);
  }
  return out;
}
const names = (cmds: Cmd[] | undefined) => (cmds ?? []).map((c) => c.command);
const member = (r: Report, name: string) => r.manifest.members.find((m) => m.name === name);

async function createAndInspect(template: string, key: TestKey, alg: string | undefined): Promise<{ envelope: Uint8Array; report: Report }> {
  const out = join(ws.dir, `${template}.${key.alg}.${alg ?? 'default'}.suit`);
  const r = await ws.manifestCreate(`${template}.yaml`, key.file, out, alg ? ['--alg-id', alg] : []);
  expect(r.code, r.stderr).toBe(0);
  const i = await runCli(['inspect', out, '--json']);
  expect(i.code, i.stderr).toBe(0);
  return { envelope: new Uint8Array(readFileSync(out)), report: JSON.parse(i.stdout) as Report };
}

describe('manifest create -> independent check -> inspect, for every template and algorithm', () => {
  for (const template of Object.keys(DESCRIPTIONS)) {
    it(template, async () => {
      for (const [key, alg, algId] of ALGS) {
        const { envelope, report } = await createAndInspect(template, key, alg);
        const { auth, manifest } = checkEnvelope(envelope);
        expect(auth).toHaveLength(2);
        const v = verifyBlock(auth[1]!, auth[0]!, key);
        expect(v, `${template} ${key.alg} ${alg}`).toMatchObject({ ok: true, alg: algId });
        // Another key of the same kind does not verify it.
        const other = keys.find((k) => k !== key && k.alg === key.alg) ?? makeWorkspace('other').key(key.alg, 'other');
        expect(verifyBlock(auth[1]!, auth[0]!, other).ok).toBe(false);
        expect(manifest.get(2)).toBe(Number(/sequence-number: (\d+)/.exec(DESCRIPTIONS[template]!)![1]));
        expect(report.problems).toEqual([]);
        expect(report.authentication.digestMatchesManifest).toBe(true);
        expect(report.authentication.blocks[0]).toMatchObject({ algorithmId: algId, structure: key.alg === 'hmac256' ? 'COSE_Mac0' : 'COSE_Sign1' });
        expect(report.authentication.blocks[0]!.keyId).toBe(v.kid);
      }
    });
  }

  it('inspect shows what each description said', async () => {
    const key = keys[0]!;
    const params = (r: Report) => allParams([...r.manifest.shared, ...r.manifest.members.flatMap((m) => m.commands ?? [])]);
    const values = (r: Report, name: string) => params(r).filter((p) => name in p).map((p) => p[name]);
    const digests = (r: Report) => values(r, 'image-digest').map((d) => (d as { hex: string }).hex);

    let { report: r } = await createAndInspect('secure-boot', key, undefined);
    expect(r.manifest.components).toEqual([['app']]);
    expect(values(r, 'vendor-identifier')).toEqual([VENDOR]);
    expect(values(r, 'class-identifier')).toEqual([CLASS]);
    expect(digests(r)).toEqual([digestOf(images.app)]);
    expect(values(r, 'image-size')).toEqual([5000]);
    expect(r.manifest.members.map((m) => m.name)).toEqual(['validate', 'invoke']);

    ({ report: r } = await createAndInspect('download-install', key, undefined));
    expect(values(r, 'device-identifier')).toEqual([DEVICE]);
    expect(names(r.manifest.shared)).toEqual(['directive-override-parameters', 'condition-vendor-identifier', 'condition-class-identifier', 'condition-device-identifier']);
    expect(values(r, 'uri')).toEqual(['https://fw.example.com/app.bin']);
    expect(names(member(r, 'install')!.commands)).toEqual(['directive-override-parameters', 'directive-fetch', 'condition-image-match']);
    expect(member(r, 'text')).toMatchObject({ state: 'severable', text: { 'en-US': { 'manifest-description': 'app 1.2.0 for board A', components: [{ component: ['app'], fields: { 'component-version': '1.2.0' } }] } } });

    ({ report: r } = await createAndInspect('download-install-integrated', key, undefined));
    expect(values(r, 'uri')).toEqual(['#app.bin']);
    expect(r.payloads).toEqual([{ key: '#app.bin', bytes: 5000, sha256: digestOf(images.app) }]);

    ({ report: r } = await createAndInspect('ab-slots', key, undefined));
    expect(values(r, 'component-slot')).toEqual([0, 1, 0, 1, 0, 1]); // shared, install and invoke each try both slots
    expect(digests(r)).toEqual([digestOf(images.appA), digestOf(images.appB)]);
    expect(values(r, 'image-size')).toEqual([3000, 3100]);
    expect(values(r, 'uri')).toEqual(['https://fw.example.com/app-a.bin', 'https://fw.example.com/app-b.bin']);
    expect(names(member(r, 'invoke')!.commands)).toEqual(['directive-try-each', 'directive-invoke']);

    ({ report: r } = await createAndInspect('load-external', key, undefined));
    expect(r.manifest.components).toEqual([['ext-flash', 'app'], ['staging'], ['ram']]);
    expect(names(member(r, 'payload-fetch')!.commands)).toEqual(['directive-set-component-index', 'directive-override-parameters', 'directive-fetch', 'condition-image-match']);
    expect(member(r, 'load')!.commands![1]!.parameters).toMatchObject({ 'source-component': 0, 'image-size': 5000 });
    expect(member(r, 'invoke')!.commands![0]).toMatchObject({ command: 'directive-set-component-index', component: 2 });

    ({ report: r } = await createAndInspect('multi-image', key, undefined));
    expect(r.manifest.components).toEqual([['app'], ['radio']]);
    expect(digests(r)).toEqual([digestOf(images.app), digestOf(images.radio)]);
    expect(names(member(r, 'invoke')!.commands)).toEqual(['directive-set-component-index', 'directive-invoke']);
  });

  it('the same description and key give the same bytes (deterministic CBOR, RFC 6979 ECDSA)', async () => {
    for (const key of keys) {
      const a = join(ws.dir, 'det-a.suit');
      const b = join(ws.dir, 'det-b.suit');
      for (const out of [a, b]) expect((await ws.manifestCreate('download-install.yaml', key.file, out)).code).toBe(0);
      expect(hex(readFileSync(a))).toBe(hex(readFileSync(b)));
    }
  });

  it('--severable and --sever: members move out of the manifest, severed ones out of the envelope', async () => {
    const out = join(ws.dir, 'sev.suit');
    let r = await ws.manifestCreate('download-install.yaml', keys[0]!.file, out, ['--severable', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ severable: ['install', 'text'], severed: [] });
    let env = checkEnvelope(readFileSync(out));
    expect(Array.isArray(env.manifest.get(20))).toBe(true);
    expect(env.members.has(20)).toBe(true);
    r = await ws.manifestCreate('download-install.yaml', keys[0]!.file, out, ['--sever', 'all']);
    expect(r.code, r.stderr).toBe(0);
    env = checkEnvelope(readFileSync(out));
    expect(env.severed.sort()).toEqual([20, 23]);
    const i = JSON.parse((await runCli(['inspect', out, '--json'])).stdout) as Report;
    expect(member(i, 'install')!.state).toBe('severed');
    // Without --severable only text is severable; install stays in the manifest.
    r = await ws.manifestCreate('download-install.yaml', keys[0]!.file, out);
    env = checkEnvelope(readFileSync(out));
    expect(env.manifest.get(20)).toBeInstanceOf(Uint8Array);
    expect(env.members.has(23)).toBe(true);
  });

  it('--payloads integrated carries the images; --payloads detached needs a URI', async () => {
    const out = join(ws.dir, 'pay.suit');
    let r = await ws.manifestCreate('multi-image.yaml', keys[0]!.file, out, ['--payloads', 'integrated', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).integrated).toEqual(['https://fw.example.com/app.bin', 'https://fw.example.com/radio.bin']);
    const env = checkEnvelope(readFileSync(out));
    expect(sha256Hex(env.members.get('https://fw.example.com/radio.bin')!)).toBe(digestOf(images.radio));
    r = await ws.manifestCreate('download-install-integrated.yaml', keys[0]!.file, join(ws.dir, 'never.suit'), ['--payloads', 'detached']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/components\[0\]: cannot detach the payload: its only URI is the envelope key '#app.bin'/);
  });

  it('reads the manifest text with cborg as a SUIT_Text_Map keyed by component identifier', async () => {
    const { envelope } = await createAndInspect('download-install', keys[0]!, undefined);
    const text = readDeterministic(checkEnvelope(envelope).members.get(23)!) as Map<string, Map<unknown, unknown>>;
    const lmap = text.get('en-US')!;
    expect(lmap.get(1)).toBe('app 1.2.0 for board A');
    const [componentKey] = [...lmap.keys()].filter(Array.isArray) as Uint8Array[][];
    expect(Buffer.from(componentKey![0]!).toString()).toBe('app');
  });
});

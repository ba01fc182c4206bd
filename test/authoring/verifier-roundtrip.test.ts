/**
 * What suitrig authors, the verifier core (build/verifier.wasm via host/verifier) accepts with
 * the right key and refuses with a wrong one, for every template and algorithm; and the
 * author + operator policy (RFC 9019 §7) holds only when both signatures are present.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTrustArg } from '../../host/keys/index.js';
import { verifyEnvelope } from '../../host/verifier/index.js';
import { runCli } from '../helpers/cli.js';
import { EXAMPLE_IDENTITY, makeWorkspace, seededBytes, type TestKey } from './support/fixtures.js';

const ws = makeWorkspace('roundtrip');
ws.write('app.bin', seededBytes('rt-app', 6000));
ws.write('a.bin', seededBytes('rt-a', 3000));
ws.write('b.bin', seededBytes('rt-b', 3001));
ws.write('radio.bin', seededBytes('rt-radio', 900));

const SPECS: Record<string, string> = {
  'secure-boot': `template: secure-boot\nsequence-number: 1\n${EXAMPLE_IDENTITY}components:\n  - {id: [app], image: app.bin}\n`,
  'download-install': `template: download-install\nsequence-number: 2\n${EXAMPLE_IDENTITY}text: {manifest-description: rt}\ncomponents:\n  - {id: [app], image: app.bin, uri: 'https://fw.example.com/app.bin'}\n`,
  'integrated': `template: download-install\nsequence-number: 3\n${EXAMPLE_IDENTITY}components:\n  - {id: [app], image: app.bin, integrated: true}\n`,
  'ab-slots': `template: ab-slots\nsequence-number: 4\n${EXAMPLE_IDENTITY}components:\n  - id: [app]\n    slots:\n      - {slot: 0, image: a.bin, uri: 'https://fw.example.com/a.bin'}\n      - {slot: 1, image: b.bin, uri: 'https://fw.example.com/b.bin'}\n`,
  'load-external': `template: load-external\nsequence-number: 5\n${EXAMPLE_IDENTITY}components:\n  - id: [flash, app]\n    image: app.bin\n    stage: {id: [staging], uri: 'https://fw.example.com/app.bin'}\n    load: {id: [ram]}\n`,
  'multi-image': `template: multi-image\nsequence-number: 6\n${EXAMPLE_IDENTITY}components:\n  - {id: [app], image: app.bin, uri: 'https://fw.example.com/app.bin'}\n  - {id: [radio], image: radio.bin, integrated: true}\n`,
  'dependencies': `template: dependencies\nsequence-number: 7\ndependencies:\n  - {envelope: dep.suit}\n`,
  'dependencies-with-own-image': `template: dependencies\nsequence-number: 8\n${EXAMPLE_IDENTITY}components:\n  - {id: [app], image: app.bin, uri: 'https://fw.example.com/app.bin'}\ndependencies:\n  - {envelope: dep.suit, uri: 'https://fw.example.com/dep.suit', prefix: [radio]}\n`,
};
for (const [name, text] of Object.entries(SPECS)) ws.write(`${name}.yaml`, text);
ws.write('dep.yaml', `template: download-install\nsequence-number: 1\n${EXAMPLE_IDENTITY}components:\n  - {id: [radio], image: radio.bin, integrated: true, bootable: false}\n`);

const keys = { es256: ws.key('es256', 'p256'), ed25519: ws.key('ed25519', 'ed'), hmac256: ws.key('hmac256', 'mac') };
const strangers = { es256: ws.key('es256', 'p256-x'), ed25519: ws.key('ed25519', 'ed-x'), hmac256: ws.key('hmac256', 'mac-x') };
const ALGS: [keyof typeof keys, string | undefined][] = [['es256', undefined], ['es256', 'esp256'], ['ed25519', undefined], ['ed25519', 'ed25519'], ['hmac256', undefined]];

async function create(spec: string, key: TestKey, alg?: string, extra: string[] = []): Promise<Uint8Array> {
  const out = join(ws.dir, `${spec}.${key.alg}.${alg ?? 'd'}.suit`);
  const r = await ws.manifestCreate(`${spec}.yaml`, key.file, out, [...(alg ? ['--alg-id', alg] : []), ...extra]);
  expect(r.code, r.stderr).toBe(0);
  return new Uint8Array(readFileSync(out));
}

describe('the wasm verifier accepts what suitrig authors', () => {
  it('builds the dependency envelope first', async () => {
    const r = await ws.manifestCreate('dep.yaml', keys.es256.file, 'dep.suit');
    expect(r.code, r.stderr).toBe(0);
    expect(verifyEnvelope(readFileSync(join(ws.dir, 'dep.suit')), { trust: [parseTrustArg(keys.es256.pub)] }).accepted).toBe(true);
  });

  for (const spec of Object.keys(SPECS)) {
    it(`${spec}: accepted with the right key, refused with another, for every algorithm`, async () => {
      for (const [family, alg] of ALGS) {
        const envelope = await create(spec, keys[family], alg);
        const ok = verifyEnvelope(envelope, { trust: [parseTrustArg(keys[family].pub)] });
        expect(ok, `${spec} ${family} ${alg ?? 'default'}: ${ok.message}`).toMatchObject({ accepted: true, reason: 'ok' });
        expect(ok.signatures[0]).toMatchObject({ status: 'verified', role: 'author' });
        expect(ok.sequenceNumber).toBe(BigInt(/sequence-number: (\d+)/.exec(SPECS[spec]!)![1]!));
        const bad = verifyEnvelope(envelope, { trust: [parseTrustArg(strangers[family].pub)] });
        expect(bad, `${spec} ${family} ${alg ?? 'default'} with a stranger's key`).toMatchObject({ accepted: false, reason: 'unauthorised' });
      }
    });
  }

  it('severed members and integrated payloads still verify', async () => {
    const envelope = await create('download-install', keys.es256, undefined, ['--severable', '--sever', 'text']);
    const r = verifyEnvelope(envelope, { trust: [parseTrustArg(keys.es256.pub)] });
    expect(r).toMatchObject({ accepted: true });
    expect(r.manifest!.sections).toMatchObject({ install: 'present', validate: 'present', invoke: 'present' });
  });

  it('--require author,operator passes only with both signatures', async () => {
    const author = keys.es256;
    const operator = keys.ed25519;
    const trust = [parseTrustArg(author.pub), parseTrustArg(`operator=${operator.pub}`)];
    const single = join(ws.dir, 'single.suit');
    const both = join(ws.dir, 'both.suit');
    expect((await ws.manifestCreate('integrated.yaml', author.file, single)).code).toBe(0);
    expect((await runCli(['sign', single, '--key', operator.file, '--role', 'operator', '--out', both])).code).toBe(0);
    const one = verifyEnvelope(readFileSync(single), { trust, require: ['author', 'operator'] });
    expect(one.accepted).toBe(false);
    expect(verifyEnvelope(readFileSync(single), { trust, require: ['author'] }).accepted).toBe(true);
    const two = verifyEnvelope(readFileSync(both), { trust, require: ['author', 'operator'] });
    expect(two, two.message).toMatchObject({ accepted: true });
    expect(two.signatures.map((s) => [s.status, s.role])).toEqual([['verified', 'author'], ['verified', 'operator']]);
    // Operator alone (the author's signature stripped by re-creating with the operator key) does not satisfy the policy either.
    const opOnly = await create('integrated', operator);
    expect(verifyEnvelope(opOnly, { trust, require: ['author', 'operator'] }).accepted).toBe(false);
  });
});

/**
 * `manifest create --encrypt-for` (draft-ietf-suit-firmware-encryption): the payload files it
 * writes are decrypted here with node:crypto alone (AES-KW unwrap, ECDH + HKDF with the draft's
 * COSE_KDF_Context, AES-GCM / AES-CTR), read with cborg; the core decrypts them too (`verify --run
 * --decrypt-key`), while fetching or in the install copy from a staging component; `inspect` names
 * the encryption; bad combinations are usage errors that write nothing.
 */
import { createDecipheriv, createECDH, generateKeyPairSync, hkdfSync, type DecipherGCM } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as cborg from 'cborg';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { readCbor, readDeterministic, Tagged } from './support/cbor.js';
import { EXAMPLE_IDENTITY, makeWorkspace, seededBytes } from './support/fixtures.js';

const ws = makeWorkspace('encrypt');
const image = seededBytes('encrypt-app', 70_000);
ws.write('app.bin', image);
ws.write('kek16.key', seededBytes('kek16', 16));
ws.write('kek32.key', seededBytes('kek32', 32));
const device = generateKeyPairSync('ec', { namedCurve: 'P-256' });
ws.write('dev.pem', device.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
ws.write('dev.pub.pem', device.publicKey.export({ type: 'spki', format: 'pem' }) as string);
const author = ws.key('es256', 'author');
const URI = 'https://fw.example.com/app.bin';
ws.write('spec-not-key.txt', 'not a key');
ws.write('fetch.yaml', `template: download-install\nsequence-number: 2\n${EXAMPLE_IDENTITY}components:\n  - id: [app]\n    image: app.bin\n    uri: ${URI}\n`);
ws.write('staged.yaml', `template: download-install\nsequence-number: 2\n${EXAMPLE_IDENTITY}components:\n  - id: [app]\n    image: app.bin\n    stage: {id: [staging], uri: ${URI}}\n`);

/** The encryption-info values of the manifest's install sequence, decoded. */
function encryptionInfos(envelope: Uint8Array): Tagged[] {
  const env = (readCbor(envelope) as Tagged).value as Map<number, Uint8Array>;
  const manifest = readDeterministic(env.get(3)!) as Map<number, Uint8Array>;
  const install = readDeterministic(manifest.get(20)!) as unknown[];
  const out: Tagged[] = [];
  for (let i = 0; i + 1 < install.length; i += 2) {
    const arg = install[i + 1];
    if (install[i] === 20 && arg instanceof Map && arg.get(19) instanceof Uint8Array) out.push(cborg.decode(arg.get(19), { useMaps: true, tags: Object.assign([], { 96: (v: unknown) => new Tagged(96, v) }) }) as Tagged);
  }
  return out;
}

/** RFC 3394 unwrap with node:crypto. */
function unwrap(kek: Uint8Array, wrapped: Uint8Array): Buffer {
  const d = createDecipheriv(`id-aes${kek.length * 8}-wrap`, kek, Buffer.from('a6a6a6a6a6a6a6a6', 'hex'));
  return Buffer.concat([d.update(wrapped), d.final()]);
}

/** Decrypts `ciphertext` with one recipient's key (a KEK, or the device's P-256 private key), independently of suitrig. */
function decrypt(info: Tagged, ciphertext: Uint8Array, key: { kek: Uint8Array } | { d: Buffer }): Buffer {
  const [prot, unprot, , recipients] = info.value as [Uint8Array, Map<number, unknown>, null, unknown[][]];
  const body = new Map([...(prot.length ? (cborg.decode(prot, { useMaps: true }) as Map<number, unknown>) : new Map()), ...unprot]);
  const alg = body.get(1) as number;
  const iv = body.get(5) as Uint8Array;
  let cek: Buffer | undefined;
  for (const [rp, ru, wrapped] of recipients as [Uint8Array, Map<number, unknown>, Uint8Array][]) {
    try {
      if ('kek' in key) {
        cek = unwrap(key.kek, wrapped);
      } else {
        const epk = ru.get(-1) as Map<number, Uint8Array>;
        if (!epk) continue;
        const ecdh = createECDH('prime256v1');
        ecdh.setPrivateKey(key.d);
        const z = ecdh.computeSecret(Buffer.concat([Buffer.from([4]), epk.get(-2)!, epk.get(-3)!]));
        const ralg = (cborg.decode(rp, { useMaps: true }) as Map<number, number>).get(1)!;
        const kwAlg = ralg + 26;
        const bytes = { [-3]: 16, [-4]: 24, [-5]: 32 }[kwAlg]!;
        const context = cborg.encode([kwAlg, [null, null, null], [null, null, null], [bytes * 8, rp, Buffer.from('SUIT Payload Encryption')]]);
        cek = unwrap(new Uint8Array(hkdfSync('sha256', z, Buffer.alloc(0), context, bytes)), wrapped);
      }
      break;
    } catch {
      // not this recipient
    }
  }
  if (!cek) throw new Error('no recipient opened');
  if (alg > 0) {
    const d = createDecipheriv(`aes-${cek.length * 8}-gcm`, cek, iv) as DecipherGCM;
    d.setAAD(cborg.encode(['Encrypt', prot, new Uint8Array(0)]));
    d.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
    return Buffer.concat([d.update(ciphertext.subarray(0, ciphertext.length - 16)), d.final()]);
  }
  const d = createDecipheriv(`aes-${cek.length * 8}-ctr`, cek, iv);
  return Buffer.concat([d.update(ciphertext), d.final()]);
}

describe('manifest create --encrypt-for', () => {
  it.each(['a128gcm', 'a256gcm', 'a128ctr', 'a256ctr'])('%s: the payload file decrypts with each recipient\'s key, independently and in the core (decrypt while fetching)', async (alg) => {
    const out = join(ws.dir, `fetch-${alg}.suit`);
    const r = await ws.manifestCreate('fetch.yaml', author.file, out, ['--encrypt-for', 'kek16.key', '--encrypt-for', 'kek32.key', '--encrypt-for', 'dev.pub.pem', '--encryption', alg, '--payload-dir', ws.dir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as { encrypted: { uri: string; file: string; bytes: number }[] };
    expect(summary.encrypted).toEqual([{ uri: URI, file: join(ws.dir, 'app.bin.enc'), bytes: image.length + (alg.endsWith('gcm') ? 16 : 0) }]);
    const ciphertext = readFileSync(join(ws.dir, 'app.bin.enc'));
    expect(ciphertext.subarray(0, 64).equals(Buffer.from(image.subarray(0, 64)))).toBe(false);
    const [info] = encryptionInfos(readFileSync(out));
    expect(info!.tag).toBe(96);
    for (const key of [{ kek: seededBytes('kek16', 16) }, { kek: seededBytes('kek32', 32) }, { d: Buffer.from(device.privateKey.export({ format: 'jwk' }).d!, 'base64url') }]) {
      expect(decrypt(info!, ciphertext, key).equals(Buffer.from(image))).toBe(true);
    }
    for (const k of ['kek16.key', 'kek32.key', 'dev.pem']) {
      const v = await runCli(['verify', out, '--trust', author.pub, '--run', 'install', '--payload', `${URI}=${join(ws.dir, 'app.bin.enc')}`, '--decrypt-key', k, '--json'], { cwd: ws.dir });
      expect(v.code, `${k}: ${v.stdout}`).toBe(0);
    }
    const none = await runCli(['verify', out, '--trust', author.pub, '--run', 'install', '--payload', `${URI}=${join(ws.dir, 'app.bin.enc')}`, '--json'], { cwd: ws.dir });
    expect(none.code).toBe(1);
    expect(JSON.parse(none.stdout)).toMatchObject({ accepted: false, detail: 'no-decryption-key' });
  });

  it('a staged payload is fetched encrypted (its digest checked before decryption) and decrypted by the install copy', async () => {
    const out = join(ws.dir, 'staged.suit');
    expect((await ws.manifestCreate('staged.yaml', author.file, out, ['--encrypt-for', 'dev.pub.pem', '--payload-dir', ws.dir])).code).toBe(0);
    const v = await runCli(['verify', out, '--trust', author.pub, '--run', 'payload-fetch,install', '--payload', `${URI}=${join(ws.dir, 'app.bin.enc')}`, '--decrypt-key', 'dev.pem', '--json'], { cwd: ws.dir });
    expect(v.code, v.stdout).toBe(0);
    const run = JSON.parse(v.stdout).run as { records: { section: string; command: string; outcome: string }[] };
    expect(run.records.filter((x) => x.section !== 'shared').map((x) => `${x.section} ${x.command} ${x.outcome}`)).toEqual([
      'payload-fetch fetch passed', 'payload-fetch image-match passed', 'install copy passed', 'install image-match passed',
    ]);
  });

  it('an integrated payload is carried encrypted; inspect names the encryption', async () => {
    const out = join(ws.dir, 'integrated.suit');
    expect((await ws.manifestCreate('fetch.yaml', author.file, out, ['--encrypt-for', 'kek16.key', '--payloads', 'integrated'])).code).toBe(0);
    const env = (readCbor(readFileSync(out)) as Tagged).value as Map<unknown, Uint8Array>;
    const carried = env.get(URI)!;
    expect(carried.length).toBe(image.length + 16);
    expect(decrypt(encryptionInfos(readFileSync(out))[0]!, carried, { kek: seededBytes('kek16', 16) }).equals(Buffer.from(image))).toBe(true);
    expect((await runCli(['verify', out, '--trust', author.pub, '--run', 'install', '--decrypt-key', 'kek16.key'], { cwd: ws.dir })).code).toBe(0);
    const shown = await runCli(['inspect', out]);
    expect(shown.stdout).toMatch(/encryption-info +A128GCM \(1\), IV [0-9a-f]{24}, for A128KW \(-3\)/);
  });

  it('refuses what it cannot do as usage errors, writing nothing', async () => {
    const out = join(ws.dir, 'never.suit');
    const cases: [string[], RegExp][] = [
      [['--payload-dir', ws.dir], /--payload-dir goes with --encrypt-for/],
      [['--encrypt-for', 'kek16.key'], /--payload-dir is needed: the encrypted payload of https:\/\/fw.example.com\/app.bin/],
      [['--encrypt-for', 'kek16.key', '--encryption', 'des'], /--encryption des: expected one of a128gcm/],
      [['--encrypt-for', 'spec-not-key.txt', '--payload-dir', ws.dir], /--encrypt-for .*spec-not-key.txt: not an encryption key \(9 bytes\)/],
    ];
    for (const [extra, msg] of cases) {
      const r = await ws.manifestCreate('fetch.yaml', author.file, out, extra);
      expect(r.code, extra.join(' ')).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(existsSync(out)).toBe(false);
    }
    writeFileSync(join(ws.dir, 'ab.yaml'), `template: ab-slots\nsequence-number: 2\n${EXAMPLE_IDENTITY}components:\n  - id: [app]\n    slots:\n      - {slot: 0, image: app.bin, uri: https://fw/a.bin}\n      - {slot: 1, image: app.bin, uri: https://fw/b.bin}\n`);
    const ab = await ws.manifestCreate('ab.yaml', author.file, out, ['--encrypt-for', 'kek16.key', '--payload-dir', ws.dir]);
    expect(ab.code).toBe(2);
    expect(ab.stderr).toMatch(/A\/B slot images are not encrypted/);
  });
});

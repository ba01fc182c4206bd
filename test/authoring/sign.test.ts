/** `suitrig sign`: a further signature (RFC 9019 §7) that leaves the manifest and all other members alone. */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createPublicKey } from 'node:crypto';
import { addSignature } from '../../host/suit/index.js';
import { createSigner } from '../../host/cose/index.js';
import { loadSigningKey } from '../../host/keys/index.js';
import { encodeCbor, Tag, type CborValue } from '../../host/suit/cbor/encode.js';
import { checkEnvelope, hex, IETF_PUBLIC_KEY_PEM, ietfExampleHex } from './support/cbor.js';
import { EXAMPLE_IDENTITY, makeWorkspace, seededBytes, verifyBlock } from './support/fixtures.js';

const ws = makeWorkspace('sign');
ws.write('app.bin', seededBytes('sign-app', 2048));
ws.write('spec.yaml', `
template: download-install
sequence-number: 9
${EXAMPLE_IDENTITY}severable: true
text: {manifest-description: signed twice}
components:
  - id: [app]
    image: app.bin
    integrated: true
`);
const author = ws.key('es256', 'author');
const operator = ws.key('ed25519', 'operator');
const macKey = ws.key('hmac256', 'mac');

describe('suitrig sign', () => {
  it('appends a verifying operator signature; every other byte stays the same', async () => {
    const first = join(ws.dir, 'a.suit');
    const second = join(ws.dir, 'ab.suit');
    expect((await ws.manifestCreate('spec.yaml', author.file, first)).code).toBe(0);
    const r = await runCli(['sign', first, '--key', operator.file, '--role', 'operator', '--out', second]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/added operator signature 2: EdDSA \(-8\), key id [0-9a-f]{16}/);
    const before = checkEnvelope(readFileSync(first));
    const after = checkEnvelope(readFileSync(second));
    expect(after.auth).toHaveLength(3);
    expect(hex(after.auth[0]!)).toBe(hex(before.auth[0]!));
    expect(hex(after.auth[1]!)).toBe(hex(before.auth[1]!));
    expect(verifyBlock(after.auth[1]!, after.auth[0]!, author).ok).toBe(true);
    expect(verifyBlock(after.auth[2]!, after.auth[0]!, operator).ok).toBe(true);
    expect(verifyBlock(after.auth[2]!, after.auth[0]!, author).ok).toBe(false);
    expect([...after.members.keys()]).toEqual([...before.members.keys()]);
    for (const [k, v] of before.members) if (k !== 2) expect(hex(after.members.get(k)!), `member ${String(k)}`).toBe(hex(v));
    // The new envelope differs from the old only inside the authentication wrapper.
    const a = readFileSync(first);
    const b = readFileSync(second);
    const tail = a.length - a.indexOf(Buffer.from(before.members.get(3)!));
    expect(hex(b.subarray(b.length - tail))).toBe(hex(a.subarray(a.length - tail)));
  });

  it('signs in place with a MAC, and refuses to sign twice with the same key', async () => {
    const file = join(ws.dir, 'inplace.suit');
    expect((await ws.manifestCreate('spec.yaml', author.file, file)).code).toBe(0);
    const r = await runCli(['sign', file, '--key', macKey.file, '--out', file, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ role: 'operator', signatures: 2, added: { algorithm: 'HMAC 256/256', algorithmId: 5 } });
    const env = checkEnvelope(readFileSync(file));
    expect(verifyBlock(env.auth[2]!, env.auth[0]!, macKey).ok).toBe(true);
    const again = await runCli(['sign', file, '--key', author.file, '--out', join(ws.dir, 'twice.suit')]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already signed with this key/);
    expect(existsSync(join(ws.dir, 'twice.suit'))).toBe(false);
  });

  it('refuses an envelope whose wrapper digest does not match its manifest, and leaves no output', async () => {
    const good = join(ws.dir, 'good.suit');
    expect((await ws.manifestCreate('spec.yaml', author.file, good)).code).toBe(0);
    const bytes = new Uint8Array(readFileSync(good));
    const env = checkEnvelope(bytes);
    // Flip the last byte of the sequence number's neighbourhood inside the manifest bstr.
    const at = Buffer.from(bytes).indexOf(Buffer.from(env.members.get(3)!)) + 4;
    bytes[at]! ^= 0x01;
    const bad = join(ws.dir, 'tampered.suit');
    writeFileSync(bad, bytes);
    const out = join(ws.dir, 'tampered-signed.suit');
    const r = await runCli(['sign', bad, '--key', operator.file, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/digest does not match the manifest/);
    expect(existsSync(out)).toBe(false);
    const notSuit = ws.write('not.suit', 'hello');
    const r2 = await runCli(['sign', notSuit, '--key', operator.file, '--out', out]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/not a SUIT envelope/);
    // A wrapper whose contents are not CBOR: an envelope error naming the wrapper, not an internal error.
    const brokenWrapper = ws.write('wrapper.suit', encodeCbor(new Tag(new Map<CborValue, CborValue>([[2, Uint8Array.of(0xff)], [3, encodeCbor(new Map())]]), 107)));
    const r3 = await runCli(['sign', brokenWrapper, '--key', operator.file, '--out', out]);
    expect(r3.code).toBe(2);
    expect(r3.stderr).toMatch(/wrapper\.suit: authentication wrapper: indefinite-length item/);
    expect(existsSync(out)).toBe(false);
  });

  it('names the option for a public key given as --key and for a bad role', async () => {
    const good = join(ws.dir, 'x.suit');
    expect((await ws.manifestCreate('spec.yaml', author.file, good)).code).toBe(0);
    const r = await runCli(['sign', good, '--key', operator.pub, '--out', join(ws.dir, 'y.suit')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--key .*operator\.pub\.pem: is a public key; signing needs a private key/);
    const r2 = await runCli(['sign', good, '--key', operator.file, '--role', 'Operator!', '--out', join(ws.dir, 'y.suit')]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/--role Operator!/);
  });

  it('countersigns envelopes made elsewhere (IETF example 0, tagged and untagged): the published signature still verifies', () => {
    const published = ietfExampleHex(0)[1]!;
    const ietf = { alg: 'es256' as const, file: '', pub: '', publicKey: createPublicKey(IETF_PUBLIC_KEY_PEM) };
    for (const input of [published, published.subarray(2)]) {
      const out = addSignature(input, createSigner(loadSigningKey(operator.file)));
      expect(hex(out.subarray(0, 2)) === 'd86b').toBe(input === published);
      const env = checkEnvelope(input === published ? out : Uint8Array.of(0xd8, 0x6b, ...out));
      expect(env.auth).toHaveLength(3);
      expect(verifyBlock(env.auth[1]!, env.auth[0]!, ietf).ok).toBe(true);
      expect(verifyBlock(env.auth[2]!, env.auth[0]!, operator).ok).toBe(true);
      expect(hex(env.members.get(3)!)).toBe(hex(checkEnvelope(published).members.get(3)!));
    }
  });
});

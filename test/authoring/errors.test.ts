/** Bad input to `manifest create`: exit 2, a message naming the field (with line and column), no output file. */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDescription, DescriptionError } from '../../host/suit/index.js';
import { EXAMPLE_IDENTITY, makeWorkspace, seededBytes } from './support/fixtures.js';

const ws = makeWorkspace('errors');
ws.write('app.bin', seededBytes('err-app', 4096));
mkdirSync(join(ws.dir, 'other'));
ws.write('other/app.bin', seededBytes('err-other-app', 4096));
const key = ws.key('es256', 'author');
ws.write('spec.yaml', '');
const edKey = ws.key('ed25519', 'ed');

const GOOD = `template: download-install
sequence-number: 1
${EXAMPLE_IDENTITY}components:
  - id: [app]
    image: app.bin
    uri: https://fw.example.com/app.bin
`;

/** Two components whose images are both called app.bin, in different folders. */
const TWO_IMAGES = (first: string, second: string) => `template: multi-image
sequence-number: 1
${EXAMPLE_IDENTITY}components:
  - {id: [a], image: app.bin, ${first}}
  - {id: [b], image: other/app.bin, ${second}}
`;

async function create(spec: string, extra: string[] = []): Promise<{ code: number; stderr: string; out: string }> {
  const file = ws.write('spec.yaml', spec);
  const out = join(ws.dir, 'out.suit');
  const r = await ws.manifestCreate(file, key.file, out, extra);
  return { code: r.code, stderr: r.stderr, out };
}

describe('manifest create rejects bad input with exit 2, naming the field, leaving no file', () => {
  const cases: [string, string, RegExp][] = [
    ['missing image file', GOOD.replace('image: app.bin', 'image: missing.bin'), /spec\.yaml:7:12 {2}components\[0\]\.image: image file 'missing\.bin' not found/],
    ['unknown template', GOOD.replace('download-install', 'download-and-pray'), /spec\.yaml:1:11 {2}template: unknown template 'download-and-pray'; expected one of: secure-boot, download-install, ab-slots, load-external, multi-image, dependencies/],
    ['malformed UUID', GOOD.replace('vendor: example.com', 'vendor: fa6b4a53-d5ad-5fdf-be9d-e663e4d41ff'), /spec\.yaml:3:9 {2}vendor: malformed UUID 'fa6b4a53-d5ad-5fdf-be9d-e663e4d41ff'/],
    ['sequence number out of range', GOOD.replace('sequence-number: 1', 'sequence-number: 18446744073709551616'), /sequence-number: 18446744073709551616 is out of range: expected a sequence number from 0 to 18446744073709551615/],
    ['negative sequence number', GOOD.replace('sequence-number: 1', 'sequence-number: -1'), /sequence-number: -1 is out of range/],
    ['image larger than the slot', GOOD.replace('    uri:', '    slot-size: 4095\n    uri:'), /components\[0\]\.image: image 'app\.bin' is 4096 bytes, larger than the slot \(slot-size 4095\)/],
    ['unknown field', GOOD.replace('    uri:', '    url: x\n    uri:'), /components\[0\]\.url: unknown field 'url'/],
    ['template mismatch', GOOD.replace('download-install', 'secure-boot'), /components\[0\]\.uri: template secure-boot: the image is already on the device/],
    ['not a description', 'hello: world\n', /not a manifest description/],
    ['YAML syntax', 'template: [unclosed\n', /spec\.yaml:\d+:\d+/],
    ['two YAML documents', `${GOOD}---\nsequence-number: 2\n`, /spec\.yaml:9:1 {2}the description must hold one YAML document, found more/],
    ['a YAML tag suitrig does not know', GOOD.replace('image: app.bin', 'image: !file app.bin'), /spec\.yaml:7:12 {2}Unresolved tag: !file/],
    ['a device ID given as a name', GOOD.replace('components:', 'device: my-board\ncomponents:'), /spec\.yaml:5:9 {2}device: 'my-board' is not a UUID: a device ID is given as a UUID/],
    ['a class name on a component without a vendor', TWO_IMAGES('uri: https://fw.example.com/a.bin', 'class: radio'), /spec\.yaml:7:\d+ {2}components\[1\]\.class: 'radio' is not a UUID: a class given by name is made within the vendor UUID/],
    ['two images carried under one envelope key', TWO_IMAGES('integrated: true', 'integrated: true'), /spec\.yaml:7:5 {2}components\[1\]: the URI '#app\.bin' already names a different payload at components\[0\] \(an integrated image without a 'uri' is carried under '#<file name>'\)/],
    ['two images fetched from one URI', TWO_IMAGES('uri: https://fw.example.com/app.bin', 'uri: https://fw.example.com/app.bin'), /spec\.yaml:7:5 {2}components\[1\]: the URI 'https:\/\/fw\.example\.com\/app\.bin' already names a different payload at components\[0\]; give each payload its own URI/],
    // Hostile YAML gives a message with the limit, not the parser's stack trace or a stack overflow.
    ['an alias bomb', `${GOOD}a: &a [x, x, x, x, x, x, x, x, x]\n${'bcdefgh'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(', ')}]`).join('\n')}\n`, /spec\.yaml:\d+:\d+ {2}aliases expand beyond the limit of 100 \(maxAliasCount\) for the description: a YAML alias bomb is not read/],
    ['lists nested 50,000 deep', `${GOOD}deep: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`, /spec\.yaml:9:70 {2}mappings and lists nest deeper than 64 levels, the limit for the description/],
    ['mappings nested 100 deep', `${GOOD}${Array.from({ length: 100 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n')} 1\n`, /spec\.yaml:\d+:\d+ {2}mappings and lists nest deeper than 64 levels/],
  ];
  for (const [name, spec, message] of cases) {
    it(name, async () => {
      const before = readdirSync(ws.dir).length;
      const r = await create(spec);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(existsSync(r.out)).toBe(false);
      expect(readdirSync(ws.dir).length).toBe(before); // no temporary file left behind either
    });
  }

  it('reports every problem at once, in file order', async () => {
    const spec = GOOD.replace('sequence-number: 1', 'sequence-number: x').replace('image: app.bin', 'image: nope.bin').replace('class: board-a', 'class: 1492af14-2569-5e48-bf42');
    const r = await create(spec);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/3 problems/);
    const lines = r.stderr.split('\n').filter((l) => /spec\.yaml:\d+/.test(l));
    expect(lines.map((l) => /spec\.yaml:(\d+)/.exec(l)![1])).toEqual(['2', '4', '7']);
  });

  it('names --alg-id and --key for a key of the wrong type', async () => {
    let r = await create(GOOD, ['--alg-id', 'ed25519']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--alg-id ed25519 needs an Ed25519 key, but the key is an ECDSA P-256 key \(--key .*author\.pem\)/);
    expect(existsSync(r.out)).toBe(false);
    r = await (async () => {
      const out = join(ws.dir, 'out.suit');
      const x = await ws.manifestCreate(ws.write('spec.yaml', GOOD), edKey.pub, out);
      return { code: x.code, stderr: x.stderr, out };
    })();
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--key .*ed\.pub\.pem: is a public key; signing needs a private key/);
    const missing = await create(GOOD, []).then(async () => ws.manifestCreate('spec.yaml', 'nokey.pem', 'x.suit'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--key .*nokey\.pem: cannot read key file \(no such file\)/);
  });

  it('keeps an existing output file when the build fails', async () => {
    const out = ws.write('keep.suit', 'previous envelope');
    const r = await ws.manifestCreate(ws.write('spec.yaml', GOOD.replace('app.bin', 'gone.bin')), key.file, out);
    expect(r.code).toBe(2);
    expect(existsSync(out)).toBe(true);
    expect((await import('node:fs')).readFileSync(out, 'utf8')).toBe('previous envelope');
  });

  it('the API throws a DescriptionError listing issues with path, line and column', () => {
    try {
      parseDescription(GOOD.replace('vendor: example.com', 'vendor: 12345678-1234'), { file: 'd.yaml', dir: ws.dir });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DescriptionError);
      expect((e as DescriptionError).issues).toEqual([{ path: 'vendor', line: 3, col: 9, message: "malformed UUID '12345678-1234' (expected 8-4-4-4-12 hexadecimal digits)" }]);
    }
  });
});

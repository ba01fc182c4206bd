/** `suitrig image create` / `image verify` from the command line (in-process). */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { makeKey, tempDir } from './helpers.js';

const dir = tempDir('mcuboot-cli');
makeKey(dir, 'author', 'p256');
makeKey(dir, 'other', 'ed25519');
writeFileSync(join(dir, 'app.bin'), Buffer.alloc(5000, 0x5a));
writeFileSync(join(dir, 'mac.key'), Buffer.alloc(32, 1));

describe('suitrig image create / verify', () => {
  it('creates a padded, confirmed image that verifies with the right key only', async () => {
    const c = await runCli(['image', 'create', 'app.bin', '--key', 'author.pem', '--version', '1.2.3+4', '--security-counter', '7', '--pad', '--slot-size', '0x10000', '--confirm', '--out', 'app.signed.bin'], { cwd: dir });
    expect(c.stderr).toBe('');
    expect(c.code).toBe(0);
    expect(c.stdout).toMatch(/MCUboot image 1\.2\.3\+4, \d+ bytes padded to 65536, confirmed, ECDSA P-256.*security counter 7/);
    const img = readFileSync(join(dir, 'app.signed.bin'));
    expect(img.length).toBe(0x10000);
    expect(img.readUInt32LE(0)).toBe(0x96f3b83d);
    expect(img[0x10000 - 24]).toBe(1);

    const ok = await runCli(['image', 'verify', 'app.signed.bin', '--trust', 'author.pub.pem'], { cwd: dir });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^valid: app\.signed\.bin: MCUboot image 1\.2\.3\+4/);
    const bad = await runCli(['image', 'verify', 'app.signed.bin', '--trust', 'other.pub.pem', '--json'], { cwd: dir });
    expect(bad.code).toBe(1);
    const j = JSON.parse(bad.stdout) as { valid: boolean; reason: string; securityCounter: number };
    expect(j).toMatchObject({ valid: false, reason: 'untrusted-key', securityCounter: 7 });
    const rb = await runCli(['image', 'verify', 'app.signed.bin', '--trust', 'author.pub.pem', '--security-counter', '8'], { cwd: dir });
    expect(rb.code).toBe(1);
    expect(rb.stdout).toMatch(/below the stored counter 8 \(rollback\)/);
  });

  it('gives exit 2 with a clear message and writes no file for bad input', async () => {
    const cases: [string[], RegExp][] = [
      [['image', 'create', 'missing.bin', '--key', 'author.pem', '--version', '1.0.0', '--out', 'x1.bin'], /cannot read missing\.bin: no such file/],
      [['image', 'create', 'app.bin', '--key', 'author.pem', '--version', '1.0', '--out', 'x2.bin'], /--version: version '1\.0' is not X\.Y\.Z/],
      [['image', 'create', 'app.bin', '--key', 'mac.key', '--version', '1.0.0', '--out', 'x3.bin'], /not a symmetric key/],
      [['image', 'create', 'app.bin', '--key', 'author.pub.pem', '--version', '1.0.0', '--out', 'x4.bin'], /signing needs a private key/],
      [['image', 'create', 'app.bin', '--key', 'author.pem', '--version', '1.0.0', '--confirm', '--out', 'x5.bin'], /--confirm needs --slot-size/],
      [['image', 'create', 'app.bin', '--key', 'author.pem', '--version', '1.0.0', '--pad', '--slot-size', '0x1000', '--out', 'x6.bin'], /exceeds the slot size 0x1000/],
      [['image', 'create', 'app.bin', '--key', 'author.pem', '--version', '1.0.0', '--slot-size', '0x1000', '--out', 'x7.bin'], /exceeds the slot size 0x1000/],
      [['image', 'create', 'app.bin', '--key', 'author.pem', '--version', '1.0.0', '--security-counter', '-1', '--out', 'x8.bin'], /security-counter/],
      [['image', 'create', 'app.bin', '--key', 'author.pem', '--version', '1.0.0', '--pad', '--slot-size', '0x2000', '--align', '3', '--out', 'x9.bin'], /--align 3: expected 1, 2, 4, 8, 16 or 32/],
      [['image', 'create', 'app.bin', '--key', 'author.pem', '--version', '1.0.0', '--pad', '--slot-size', String(0x200 + 5000 + 152 + 384 * 4 + 48 - 1), '--align', '4', '--out', 'x10.bin'], /trailer \(0x630\) exceeds/],
      [['image', 'verify', 'app.bin'], /--trust is required/],
      [['image', 'verify', 'nope.bin', '--trust', 'author.pub.pem'], /no such file/],
      [['image', 'verify', 'app.bin', '--trust', 'nokey.pem'], /--trust .*nokey\.pem: cannot read key file \(no such file\)/],
      [['image', 'verify', 'app.bin', '--trust', 'operator='], /--trust operator=: no key file given/],
      [['image', 'verify', 'app.bin', '--trust', 'mac.key'], /symmetric key cannot verify/],
    ];
    for (const [argv, msg] of cases) {
      const r = await runCli(argv, { cwd: dir });
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr, argv.join(' ')).toMatch(msg);
      const out = argv[argv.indexOf('--out') + 1];
      if (argv.includes('--out')) expect(existsSync(join(dir, out!))).toBe(false);
    }
  });

  it('rejects a file that is not an MCUboot image with exit 1 and the reason', async () => {
    const r = await runCli(['image', 'verify', 'app.bin', '--trust', 'author.pub.pem'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/bad image magic 0x5a5a5a5a.*\(format\)/);
  });
});

describe('suitrig inspect <mcuboot-image>', () => {
  it('recognises the image by its magic and shows header, TLVs, hash and trailer', async () => {
    const c = await runCli(['image', 'create', 'app.bin', '--key', 'author.pem', '--version', '2.0.1+7', '--security-counter', '3', '--pad', '--slot-size', '0x8000', '--out', 'insp.bin'], { cwd: dir });
    expect(c.code).toBe(0);
    const r = await runCli(['inspect', 'insp.bin'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^MCUboot image, version 2\.0\.1\+7/);
    expect(r.stdout).toMatch(/SEC_CNT +0x50 +4 B +3/);
    expect(r.stdout).toMatch(/matches SHA256 TLV/);
    expect(r.stdout).toMatch(/trailer +magic good, image_ok unset/);
    const j = await runCli(['inspect', 'insp.bin', '--json'], { cwd: dir });
    expect(JSON.parse(j.stdout)).toMatchObject({ format: 'mcuboot', header: { version: '2.0.1+7', hdrSize: 512 }, securityCounter: 3, hash: { matches: true } });
  });

  it('exits 1 naming the problem when the hash does not match', async () => {
    const img = readFileSync(join(dir, 'insp.bin'));
    img[0x300]! ^= 1;
    writeFileSync(join(dir, 'insp-bad.bin'), img);
    const r = await runCli(['inspect', 'insp-bad.bin', '--json'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).hash.matches).toBe(false);
  });
});

/**
 * Every file the command line reads is a regular file within the limit for its kind
 * (host/util/bounded-read.ts): devices, FIFOs and directories are refused before a byte is read,
 * larger files after at most limit + 1 bytes, each error naming the option, the path and what
 * was wanted or the limit. Large files are sparse, so the tests write almost nothing.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FILE_LIMITS, FileReadError, readBoundedFile } from '../../../host/util/bounded-read.js';
import { runCli } from '../../helpers/cli.js';
import { readShared, readSharedJson } from '../../helpers/shared.js';

const dir = mkdtempSync(join(tmpdir(), 'suitrig-inputs-'));
const rfc = readSharedJson<{ examples: { envelope_hex: string; public_key_pem: string }[] }>('vectors', 'rfc-examples.json');
writeFileSync(join(dir, 'ex0.suit'), Buffer.from(rfc.examples[0]!.envelope_hex, 'hex'));
writeFileSync(join(dir, 'ietf.pub.pem'), rfc.examples[0]!.public_key_pem);
writeFileSync(join(dir, 'ietf.pem'), readShared('vectors', 'ietf-manifest-spec', 'private_key.pem'));
mkdirSync(join(dir, 'a-dir'));
const sparse = (name: string, size: number) => {
  writeFileSync(join(dir, name), '');
  truncateSync(join(dir, name), size);
  return name;
};

const cli = (...argv: string[]) => runCli(argv, { cwd: dir });

/** A FIFO with a writer that writes a few bytes once a reader opens it (so an old blocking read returns). */
function fifo(name: string) {
  const path = join(dir, name);
  return new Promise<{ path: string; stop: () => void }>((ok) => {
    const mk = spawn('mkfifo', [path]);
    mk.once('exit', () => {
      const writer = spawn('sh', ['-c', `printf abc > '${path}'`], { stdio: 'ignore' });
      ok({ path, stop: () => writer.kill() });
    });
  });
}

const stops: (() => void)[] = [];
afterAll(() => stops.forEach((s) => s()));

describe('command-line input files', () => {
  it('refuses a device for every kind of file argument, naming the option, the path and that a regular file is wanted', async () => {
    const cases: [string[], RegExp][] = [
      [['verify', '/dev/null', '--trust', 'ietf.pub.pem'], /^suitrig verify: \/dev\/null: is a character device; an envelope must be a regular file$/m],
      [['verify', 'ex0.suit', '--trust', '/dev/null'], /--trust \/dev\/null: cannot read key file \(is a character device; a key file must be a regular file\)/],
      [['verify', 'ex0.suit', '--trust', 'ietf.pub.pem', '--device', '/dev/null'], /\/dev\/null: cannot read identity file \(is a character device/],
      [['verify', 'ex0.suit', '--trust', 'ietf.pub.pem', '--run', 'install', '--payload', 'http://x/a.bin=/dev/null'], /--payload http:\/\/x\/a\.bin: \/dev\/null: is a character device; an image or payload must be a regular file/],
      [['manifest', 'create', '/dev/null', '--key', 'ietf.pem', '--out', 'x.suit'], /\/dev\/null.*is a character device; a manifest description must be a regular file/],
      [['sign', '/dev/null', '--key', 'ietf.pem', '--out', 'x.suit'], /\/dev\/null: is a character device; an envelope must be a regular file/],
      [['inspect', '/dev/null'], /\/dev\/null: is a character device/],
      [['image', 'verify', '/dev/null', '--trust', 'ietf.pub.pem'], /\/dev\/null: is a character device; an image or payload must be a regular file/],
      [['inspect', 'a-dir'], /a-dir: is a directory; an envelope must be a regular file/],
    ];
    for (const [argv, msg] of cases) {
      const r = await cli(...argv);
      expect({ argv, code: r.code, stderr: r.stderr }).toMatchObject({ argv, code: 2, stderr: expect.stringMatching(msg) });
    }
  });

  it('refuses a FIFO without reading from it', async () => {
    const f = await fifo('pipe.suit');
    stops.push(f.stop);
    const r = await cli('verify', f.path, '--trust', 'ietf.pub.pem');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/pipe\.suit: is a FIFO; an envelope must be a regular file/);
  });

  it('refuses regular files larger than the limit for their kind, naming the limit', async () => {
    const key = sparse('big.key', FILE_LIMITS.key.bytes + 1);
    const payload = sparse('big.bin', FILE_LIMITS.image.bytes + 1);
    const envelope = sparse('big.suit', FILE_LIMITS.envelope.bytes + 1);
    const description = sparse('big.yaml', FILE_LIMITS.description.bytes + 1);
    const cases: [string[], RegExp][] = [
      [['verify', 'ex0.suit', '--trust', key], /--trust \S*big\.key: cannot read key file \(larger than 16384 bytes, the limit for a key file\)/],
      [['verify', 'ex0.suit', '--trust', 'ietf.pub.pem', '--run', 'install', '--payload', `u=${payload}`], /--payload u: big\.bin: larger than 16777216 bytes, the limit for an image or payload/],
      [['verify', envelope, '--trust', 'ietf.pub.pem'], /big\.suit: larger than 16842752 bytes, the limit for an envelope/],
      [['manifest', 'create', description, '--key', 'ietf.pem', '--out', 'x.suit'], /big\.yaml.*larger than 1048576 bytes, the limit for a manifest description/],
    ];
    for (const [argv, msg] of cases) {
      const r = await cli(...argv);
      expect({ argv, code: r.code, stderr: r.stderr }).toMatchObject({ argv, code: 2, stderr: expect.stringMatching(msg) });
    }
  });

  it('reads a regular file of exactly the limit whole', () => {
    const p = join(dir, sparse('exact.key', FILE_LIMITS.key.bytes));
    expect(readBoundedFile(p, 'key').length).toBe(FILE_LIMITS.key.bytes);
    expect(() => readBoundedFile(join(dir, 'absent'), 'key')).toThrow(FileReadError);
    expect(() => readBoundedFile(join(dir, 'absent'), 'key')).toThrow(/absent: no such file$/);
  });
});

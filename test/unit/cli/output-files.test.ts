/**
 * Every output path (`--out`, keygen's files, run's `--junit` / `--report`) is written only when
 * it is a regular file or a new name in an existing directory (host/util/atomic-write.ts
 * checkOutputPath): FIFOs, directories and symbolic links are left as they are, a missing
 * directory is not created, and each error names the option and the path. A FIFO stands for
 * device nodes, which only root could replace.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'suitrig-outputs-'));
execFileSync('mkfifo', [join(dir, 'pipe')]);
mkdirSync(join(dir, 'a-dir'));
writeFileSync(join(dir, 'target.bin'), 'keep me');
symlinkSync(join(dir, 'target.bin'), join(dir, 'link.bin'));

const cli = (...argv: string[]) => runCli(argv, { cwd: dir });
const app = (out: string) => cli('board', 'app', '--behaviour', 'healthy', '--version', '1.0.0', '--size', '64', '--out', out);

describe('command-line output paths', () => {
  it('refuses a FIFO, a directory and a symbolic link, leaving each as it was', async () => {
    const cases: [string, RegExp][] = [
      ['pipe', /--out \S*pipe: is a FIFO; outputs are written only to regular files or new paths/],
      ['a-dir', /--out \S*a-dir: is a directory; outputs are written only to regular files or new paths/],
      ['link.bin', /--out \S*link\.bin: is a symbolic link; outputs are not written through links/],
    ];
    for (const [out, msg] of cases) {
      const r = await app(out);
      expect({ out, code: r.code, stderr: r.stderr }).toMatchObject({ out, code: 2, stderr: expect.stringMatching(msg) });
    }
    expect(lstatSync(join(dir, 'pipe')).isFIFO()).toBe(true);
    expect(lstatSync(join(dir, 'link.bin')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, 'target.bin'), 'utf8')).toBe('keep me');
  });

  it('does not create a missing directory: the error names it', async () => {
    const r = await app('no-such-dir/app.bin');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--out \S*no-such-dir\/app\.bin: directory \S*no-such-dir does not exist/);
    expect(existsSync(join(dir, 'no-such-dir'))).toBe(false);
  });

  it('writes a new path and replaces a regular file', async () => {
    expect((await app('new.bin')).code).toBe(0);
    expect((await app('new.bin')).code).toBe(0);
    expect(lstatSync(join(dir, 'new.bin')).size).toBe(64);
  });

  it('keygen refuses a symbolic link among its files, even with --force', async () => {
    symlinkSync(join(dir, 'target.bin'), join(dir, 'k.key'));
    const r = await cli('keygen', '--alg', 'hmac256', '--out', 'k', '--force');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--out \S*k\.key: is a symbolic link/);
    expect(readFileSync(join(dir, 'target.bin'), 'utf8')).toBe('keep me');
  });

  it('run checks --junit and --report before it starts, naming the option', async () => {
    const junit = await cli('run', 'rfc9019', '--board', 'virtual', '--dry-run', '--junit', 'pipe');
    expect(junit.code).toBe(2);
    expect(junit.stderr).toMatch(/--junit \S*pipe: is a FIFO/);
    const report = await cli('run', 'rfc9019', '--board', 'virtual', '--dry-run', '--report', 'missing/report.json');
    expect(report.code).toBe(2);
    expect(report.stderr).toMatch(/--report \S*missing\/report\.json: directory \S*missing does not exist/);
  });
});

/** The command-line dispatcher: command matching, strict options, exit statuses, --help and --version. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dispatch } from '../../../rig/cli/dispatch.js';
import { EXIT_NEGATIVE, UsageError, type CliIo, type Command } from '../../../rig/cli/command.js';

function io() {
  const out = { stdout: '', stderr: '' };
  const cio: CliIo = {
    stdout: { write: (s: string) => (out.stdout += s) },
    stderr: { write: (s: string) => (out.stderr += s) },
    env: {},
    cwd: '/',
  };
  return { out, cio };
}

const echo: Command = {
  path: ['demo', 'echo'],
  summary: 'echo a word',
  usage: '<word> [--upper]',
  options: { upper: { type: 'boolean', description: 'upper-case it' }, times: { type: 'string', value: '<n>', description: 'repeat' } },
  positionals: { min: 1, max: 1 },
  async run(args, cio) {
    if (args.positionals[0] === 'bad') throw new UsageError('bad word');
    if (args.positionals[0] === 'no') return EXIT_NEGATIVE;
    const w = args.positionals[0]!;
    cio.stdout.write((args.values['upper'] ? w.toUpperCase() : w) + '\n');
    return 0;
  },
};

describe('cli dispatch', () => {
  it('runs the longest matching command with parsed options', async () => {
    const { out, cio } = io();
    expect(await dispatch(['demo', 'echo', 'hi', '--upper'], [echo], cio)).toBe(0);
    expect(out.stdout).toBe('HI\n');
  });
  it('maps unknown options and missing arguments to exit 2 with a hint', async () => {
    const a = io();
    expect(await dispatch(['demo', 'echo', 'hi', '--nope'], [echo], a.cio)).toBe(2);
    expect(a.out.stderr).toMatch(/suitrig demo echo: .*--nope.*\nRun 'suitrig demo echo --help'/s);
    const b = io();
    expect(await dispatch(['demo', 'echo'], [echo], b.cio)).toBe(2);
    expect(b.out.stderr).toMatch(/missing argument/);
  });
  it("a negative number after a string option is that option's value, for its reader to judge", async () => {
    const seen: unknown[] = [];
    const cmd: Command = { ...echo, async run(args) { seen.push(args.values['times'], args.positionals); return 0; } };
    expect(await dispatch(['demo', 'echo', 'hi', '--times', '-3'], [cmd], io().cio)).toBe(0);
    expect(seen).toEqual(['-3', ['hi']]);
    // after `--` everything is positional, as parseArgs has it
    expect(await dispatch(['demo', 'echo', '--', '-3'], [cmd], io().cio)).toBe(0);
    expect(seen[3]).toEqual(['-3']);
  });
  it('passes through negative results and usage errors', async () => {
    expect(await dispatch(['demo', 'echo', 'no'], [echo], io().cio)).toBe(1);
    const c = io();
    expect(await dispatch(['demo', 'echo', 'bad'], [echo], c.cio)).toBe(2);
    expect(c.out.stderr).toContain('bad word');
  });
  it('prints help for a command and for the whole tool', async () => {
    const a = io();
    expect(await dispatch(['demo', 'echo', '--help'], [echo], a.cio)).toBe(0);
    expect(a.out.stdout).toContain('Usage: suitrig demo echo <word> [--upper]');
    expect(a.out.stdout).toContain('--times <n>');
    const b = io();
    expect(await dispatch(['--help'], [echo], b.cio)).toBe(0);
    expect(b.out.stdout).toContain('demo echo');
    const c = io();
    expect(await dispatch(['frobnicate'], [echo], c.cio)).toBe(2);
    expect(c.out.stderr).toContain("unknown command 'frobnicate'");
  });
  it('prints the version of package.json, from the sources as from dist/', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    const a = io();
    expect(await dispatch(['--version'], [echo], a.cio)).toBe(0);
    expect(a.out.stdout).toBe(`suitrig ${version}\n`);
  });
});

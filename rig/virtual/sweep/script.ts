/**
 * The command line of the long power-cut runs (`npm run soak:powercut`, soak.ts; `npm run
 * sweep:suit`, ../suit/sweep-main.ts): options parsed strictly (node:util parseArgs), integers
 * and profiles checked by name, and one way out for a bad argument — `<script>: <what is
 * wrong>` on stderr, exit 2. The script's own result is its exit code: 0 nothing bricked, 1
 * otherwise.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { getProfile, PROFILES, type BoardProfile } from '../profiles.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** A bad argument: the script prints the message and exits 2. */
export class ScriptArgumentError extends Error {
  override name = 'ScriptArgumentError';
}

/** The integer `--name` gives, in [min, max]. */
export function intArg(name: string, text: string | undefined, min: number, max = 0xffff_ffff): number {
  const n = Number(text);
  if (text === undefined || !/^\d+$/.test(text) || n < min || n > max) throw new ScriptArgumentError(`--${name}: expected an integer ${min}..${max}, got '${text}'`);
  return n;
}

/** The profile `--profile` names. */
export function profileArg(name: string): BoardProfile {
  if (!PROFILES[name]) throw new ScriptArgumentError(`--profile: unknown profile '${name}' (${Object.keys(PROFILES).join(', ')})`);
  return getProfile(name);
}

/** Parses the process arguments against `options` and sets the exit code `main` returns (2 for a bad argument). */
export function runScript<O extends Options>(script: string, options: O, main: (values: ReturnType<typeof parseArgs<{ options: O; strict: true }>>['values']) => number): void {
  try {
    process.exitCode = main(parseArgs({ args: process.argv.slice(2), options, strict: true }).values);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (!(e instanceof ScriptArgumentError) && !(typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))) throw e;
    process.stderr.write(`${script}: ${(e as Error).message}\n`);
    process.exitCode = 2;
  }
}

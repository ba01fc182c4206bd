/**
 * The command line of the rig's npm scripts (`npm run soak:powercut`, soak.ts; `npm run
 * sweep:suit`, rig/sweeps/suit-main.ts; `npm run bench`, rig/bench/main.ts): `--help` prints the
 * script's usage, options are parsed strictly (node:util parseArgs), integers and profiles are
 * checked by name, and one way out for a bad argument — `<script>: <what is wrong>` and where
 * the usage is, on stderr, exit 2 — never a stack trace. The script's own result is its exit
 * code (for the sweeps: 0 nothing bricked, 1 otherwise).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError, attachNegativeValues } from './command.js';
import { getProfile, PROFILES, type BoardProfile } from '../virtual/profiles.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * A bad argument: the script prints the message and exits 2. A UsageError, so that the
 * command line's own option readers (seeds, --flash-scale) serve the scripts too.
 */
export class ScriptArgumentError extends UsageError {
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

type Values<O extends Options> = ReturnType<typeof parseArgs<{ options: O; strict: true }>>['values'];

/** Prints a bad argument's message (exit 2); anything else is a bug and is thrown on. */
function reportBadArgument(script: string, e: unknown): void {
  const code = (e as { code?: unknown }).code;
  if (!(e instanceof UsageError) && !(typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))) throw e;
  process.stderr.write(`${script}: ${(e as Error).message}\nRun 'npm run ${script} -- --help' for usage.\n`);
  process.exitCode = 2;
}

/**
 * The process arguments parsed against `options` and read by `check`; undefined when `--help`
 * (or `-h`) printed `usage` instead, or a bad argument was reported (exit code 2).
 */
export function scriptArgs<O extends Options, T>(script: string, usage: string, options: O, check: (values: Values<O>) => T): T | undefined {
  const args = process.argv.slice(2);
  const end = args.indexOf('--');
  if ((end < 0 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h')) {
    process.stdout.write(usage.trimEnd() + '\n');
    return undefined;
  }
  try {
    return check(parseArgs({ args: attachNegativeValues(args, options), options, strict: true }).values);
  } catch (e) {
    reportBadArgument(script, e);
    return undefined;
  }
}

/** Runs `main` with the arguments (scriptArgs) and sets the exit code it returns. */
export function runScript<O extends Options>(script: string, usage: string, options: O, main: (values: Values<O>) => number | Promise<number>): void {
  const values = scriptArgs(script, usage, options, (v) => v);
  if (values === undefined) return;
  const fail = (e: unknown): void => reportBadArgument(script, e);
  try {
    const result = main(values);
    if (typeof result === 'number') process.exitCode = result;
    else result.then((n) => void (process.exitCode = n), fail);
  } catch (e) {
    fail(e);
  }
}

/**
 * The command-line contract shared by every `suitrig` command (DESIGN.md "Command line"):
 * one Command object per command, parsed with node:util parseArgs (strict), exit status
 * 0 success / 1 clean negative result / 2 usage or environment error, and `--json` output
 * that is one JSON document on stdout and nothing else there.
 */
import { jsonReplacer } from '../../host/util/json.js';

export const EXIT_OK = 0;
export const EXIT_NEGATIVE = 1;
export const EXIT_USAGE = 2;

export interface OptionDef {
  type: 'string' | 'boolean';
  /** May be given more than once; the value is then an array. */
  multiple?: boolean;
  short?: string;
  /** Placeholder shown in help, e.g. `<file>`. */
  value?: string;
  description: string;
}

export interface CliIo {
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Aborted on SIGINT so long operations can cancel cleanly. */
  signal?: AbortSignal;
}

export type OptionValues = Record<string, string | boolean | string[] | boolean[] | undefined>;

export interface ParsedArgs {
  values: OptionValues;
  positionals: string[];
}

export interface Command {
  /** Words after `suitrig`, e.g. `['manifest', 'create']`. */
  path: string[];
  /** One line for `suitrig --help`. */
  summary: string;
  /** Synopsis, without the leading `suitrig <path>`. */
  usage: string;
  /** Further paragraphs for `--help`. */
  details?: string;
  options: Record<string, OptionDef>;
  positionals: { min: number; max: number };
  run(args: ParsedArgs, io: CliIo): Promise<number>;
}

import { UsageError } from '../../host/util/errors.js';

export { EnvironmentError, UsageError } from '../../host/util/errors.js';

/**
 * `--baud -5` as `--baud=-5`: parseArgs takes a value starting with '-' for an option of its own
 * and answers "argument is ambiguous", so a negative number would never reach the option's
 * reader, which names the option and the range it accepts.
 */
export function attachNegativeValues(args: string[], options: Readonly<Record<string, { type: 'string' | 'boolean' }>>): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const next = args[i + 1];
    if (a === '--') return [...out, ...args.slice(i)];
    if (a.startsWith('--') && options[a.slice(2)]?.type === 'string' && next !== undefined && /^-[0-9.]/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** Typed option readers: they turn parseArgs' loose values into what a command expects. */
export function optString(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new UsageError(`--${name} takes a value`);
  return v;
}

export function optStrings(args: ParsedArgs, name: string): string[] {
  const v = args.values[name];
  if (v === undefined) return [];
  if (Array.isArray(v)) return v.map(String);
  return [String(v)];
}

export function optFlag(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}

export function requireString(args: ParsedArgs, name: string): string {
  const v = optString(args, name);
  if (v === undefined || v === '') throw new UsageError(`--${name} is required`);
  return v;
}

/** A non-negative integer option, as bigint (sequence numbers are uint64 in SUIT). */
export function optUint(args: ParsedArgs, name: string, max: bigint = 0xffff_ffff_ffff_ffffn): bigint | undefined {
  const v = optString(args, name);
  if (v === undefined) return undefined;
  if (!/^(0|[1-9][0-9]*|0x[0-9a-fA-F]+)$/.test(v)) throw new UsageError(`--${name}: expected a non-negative integer, got '${v}'`);
  const n = BigInt(v);
  if (n > max) throw new UsageError(`--${name}: ${v} is larger than the maximum ${max}`);
  return n;
}

/** Writes one JSON document; bigints become numbers or decimal strings, byte arrays hex. */
export function printJson(io: CliIo, value: unknown): void {
  io.stdout.write(JSON.stringify(value, jsonReplacer, 2) + '\n');
}

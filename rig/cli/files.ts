/**
 * The files commands read and write, with the errors the command-line contract wants (DESIGN.md
 * "Command line": exit 2 naming the file): inputs read whole (envelopes, images, payloads given
 * as `--payload <uri>=<file>`), outputs written whole or not at all (host/util/atomic-write.ts),
 * their directory created when missing.
 */
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { writeFileAtomic } from '../../host/util/atomic-write.js';
import { EnvironmentError, UsageError } from './command.js';

export interface ReadInputOptions {
  /** What the error message starts with (default: the file name as given). */
  label?: string;
  /** Refuse larger files before reading them. */
  maxBytes?: number;
}

/** The bytes of `file` (relative to `cwd`), or an EnvironmentError naming it. */
export function readInputFile(file: string, cwd: string, opts: ReadInputOptions = {}): Uint8Array {
  const label = opts.label ?? file;
  const path = resolve(cwd, file);
  try {
    if (opts.maxBytes !== undefined && statSync(path).size > opts.maxBytes) throw new EnvironmentError(`${label}: larger than ${opts.maxBytes} bytes`);
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    if (e instanceof EnvironmentError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new EnvironmentError(`${label}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
}

/**
 * Writes `data` to `path` atomically, creating its directory when missing, or an
 * EnvironmentError naming the option that gave the file (`--out`, `--junit`). Returns `path`.
 */
export function writeOutputFile(path: string, data: Uint8Array | string, option = '--out'): string {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileAtomic(path, data);
  } catch (e) {
    throw new EnvironmentError(`${option} ${path}: cannot write (${(e as Error).message})`);
  }
  return path;
}

/** `--payload <uri>=<file>`: the URI exactly as the manifest writes it (split at the last '='). */
export function payloadFiles(args: string[], cwd: string): Map<string, Uint8Array> {
  const map = new Map<string, Uint8Array>();
  for (const a of args) {
    const eq = a.lastIndexOf('=');
    if (eq <= 0 || eq === a.length - 1) throw new UsageError(`--payload ${a}: expected <uri>=<file>`);
    const uri = a.slice(0, eq);
    const file = a.slice(eq + 1);
    map.set(uri, readInputFile(file, cwd, { label: `--payload ${uri}: ${file}` }));
  }
  return map;
}

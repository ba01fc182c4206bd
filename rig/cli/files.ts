/**
 * The files commands read and write, with the errors the command-line contract wants (DESIGN.md
 * "Command line": exit 2 naming the file): inputs read whole, regular files within the limit for
 * their kind (envelopes, images, payloads given as `--payload <uri>=<file>`); outputs written
 * whole or not at all, only to regular files or new paths in existing directories
 * (host/util/atomic-write.ts).
 */
import { resolve } from 'node:path';
import { OutputPathError, checkOutputPath, writeFileAtomic } from '../../host/util/atomic-write.js';
import { FileReadError, readBoundedFile, type FileKind } from '../../host/util/bounded-read.js';
import { EnvironmentError, UsageError } from './command.js';

/**
 * The bytes of `file` (relative to `cwd`): a regular file within the limit for its kind
 * (host/util/bounded-read.ts), or an EnvironmentError starting with `label` (default: the file
 * name as given; options put their name first, `--payload <uri>: <file>`).
 */
export function readInputFile(file: string, cwd: string, kind: FileKind, label = file): Uint8Array {
  try {
    return readBoundedFile(resolve(cwd, file), kind);
  } catch (e) {
    if (e instanceof FileReadError) throw new EnvironmentError(`${label}: ${e.reason}`);
    throw e;
  }
}

/**
 * Throws an EnvironmentError naming `option` unless `path` can take an output: a regular file or
 * a new name in an existing directory (host/util/atomic-write.ts checkOutputPath). Commands that
 * work for long before they write (run's reports) check first, so that a bad path fails at once.
 */
export function checkOutputFile(path: string, option = '--out'): void {
  try {
    checkOutputPath(path);
  } catch (e) {
    if (e instanceof OutputPathError) throw new EnvironmentError(`${option} ${path}: ${e.reason}`);
    throw e;
  }
}

/**
 * Writes `data` to `path` atomically, or an EnvironmentError naming the option that gave the
 * file (`--out`, `--junit`). Returns `path`.
 */
export function writeOutputFile(path: string, data: Uint8Array | string, option = '--out'): string {
  try {
    writeFileAtomic(path, data);
  } catch (e) {
    if (e instanceof OutputPathError) throw new EnvironmentError(`${option} ${path}: ${e.reason}`);
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
    map.set(uri, readInputFile(file, cwd, 'image', `--payload ${uri}: ${file}`));
  }
  return map;
}

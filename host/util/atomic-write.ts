/**
 * Output files that are either complete or absent: write to a temporary file in the target's
 * directory, flush it, then rename (or hard-link, when the target must not exist yet) it into
 * place. A failure at any point leaves no partial file behind.
 *
 * Only a new path or a regular file is written (checkOutputPath): the rename would otherwise
 * replace whatever the path names — a device node (`--out /dev/full` as root), a FIFO, or a
 * symbolic link, which it replaces by a regular file instead of writing through. Symbolic links
 * are refused rather than followed: a link planted in a shared directory must not redirect what
 * the rig writes. The directory must exist: a mistyped path is an error, not a new directory.
 */
import { closeSync, fsyncSync, linkSync, lstatSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { fileTypeText } from './file-type.js';

/** Why `path` may not be written; `reason` does not name the path (the caller does, with its option). */
export class OutputPathError extends Error {
  override name = 'OutputPathError';
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
  }
}

/** Throws an OutputPathError unless `path` is a regular file or a new name in an existing directory. */
export function checkOutputPath(path: string): void {
  let st;
  try {
    st = lstatSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new OutputPathError(path, (e as Error).message);
    const dir = dirname(path);
    let d;
    try {
      d = statSync(dir);
    } catch {
      throw new OutputPathError(path, `directory ${dir} does not exist (outputs do not create directories)`);
    }
    if (!d.isDirectory()) throw new OutputPathError(path, `${dir} is not a directory`);
    return;
  }
  if (st.isSymbolicLink()) throw new OutputPathError(path, 'is a symbolic link; outputs are not written through links (name the file it points to)');
  if (!st.isFile()) throw new OutputPathError(path, `is ${fileTypeText(st)}; outputs are written only to regular files or new paths`);
}

export interface AtomicWriteOptions {
  /** File mode of the new file (default 0o644; key files use 0o600). */
  mode?: number;
  /** Fail with EEXIST instead of replacing an existing file. */
  exclusive?: boolean;
  /** Also fsync the directory after the rename, so that the new file survives a power loss (state
   *  that must never go back, e.g. a stateful signature key). */
  durable?: boolean;
}

function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function writeFileAtomic(path: string, data: Uint8Array | string, opts: AtomicWriteOptions = {}): void {
  checkOutputPath(path);
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', opts.mode ?? 0o644);
  try {
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (opts.exclusive) linkSync(tmp, path);
    else renameSync(tmp, path);
    if (opts.durable) syncDirectory(dirname(path));
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // already renamed into place
    }
  }
}

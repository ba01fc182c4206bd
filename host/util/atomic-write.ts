/**
 * Output files that are either complete or absent: write to a temporary file in the target's
 * directory, flush it, then rename (or hard-link, when the target must not exist yet) it into
 * place. A failure at any point leaves no partial file behind.
 */
import { closeSync, fsyncSync, linkSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

export interface AtomicWriteOptions {
  /** File mode of the new file (default 0o644; key files use 0o600). */
  mode?: number;
  /** Fail with EEXIST instead of replacing an existing file. */
  exclusive?: boolean;
}

export function writeFileAtomic(path: string, data: Uint8Array | string, opts: AtomicWriteOptions = {}): void {
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
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // already renamed into place
    }
  }
}

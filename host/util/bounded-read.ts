/**
 * Reads a file a user named (a command-line argument, a file a lab file or a manifest
 * description points at): a regular file only, and at most the limit for its kind. A device
 * (`/dev/zero`), FIFO or socket would otherwise be read until memory runs out, or block; a
 * regular file is read at most limit + 1 bytes, so a file that grows while it is read is bounded
 * too. Callers put the option or field in front of the error's reason.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { fileTypeText } from './file-type.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * Largest firmware image or payload read: above any internal flash of the MCUs SUIT devices are
 * built on (the rig's board profiles have 384-400 KiB slots), with room for boards whose slots
 * live in external flash.
 */
const IMAGE_LIMIT = 16 * MiB;

/** The limit per kind of file, with how messages name the kind. */
export const FILE_LIMITS = {
  /** PEM and COSE_Key forms of P-256, Ed25519 and HMAC keys take well under 1 KiB. */
  key: { bytes: 16 * KiB, what: 'a key file' },
  identity: { bytes: 64 * KiB, what: 'an identity file' },
  /** Hand-written text, not data dumps. */
  description: { bytes: 1 * MiB, what: 'a manifest description' },
  lab: { bytes: 1 * MiB, what: 'a lab file' },
  /** Payloads, application images and MCUboot images. */
  image: { bytes: IMAGE_LIMIT, what: 'an image or payload' },
  /**
   * The verifier core keeps an envelope's non-payload members in a 64 KiB region (assembly/index.ts);
   * integrated payloads stream past it and add up to one image.
   */
  envelope: { bytes: IMAGE_LIMIT + 64 * KiB, what: 'an envelope' },
} as const satisfies Record<string, { bytes: number; what: string }>;

export type FileKind = keyof typeof FILE_LIMITS;

/** Why a file could not be read; `reason` does not name the file (the caller does). */
export class FileReadError extends Error {
  override name = 'FileReadError';
  constructor(
    readonly path: string,
    readonly reason: string,
    readonly code?: string,
  ) {
    super(`${path}: ${reason}`);
  }
}

/** The bytes of the regular file at `path`, at most FILE_LIMITS[kind]; else a FileReadError. */
export function readBoundedFile(path: string, kind: FileKind): Uint8Array {
  const { bytes: limit, what } = FILE_LIMITS[kind];
  let fd: number;
  try {
    // Non-blocking, so that opening a FIFO nobody writes to returns instead of waiting.
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new FileReadError(path, code === 'ENOENT' ? 'no such file' : (e as Error).message, code);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new FileReadError(path, `is ${fileTypeText(st)}; ${what} must be a regular file`);
    const tooLarge = () => new FileReadError(path, `larger than ${limit} bytes, the limit for ${what}`);
    if (st.size > limit) throw tooLarge();
    let buf = Buffer.allocUnsafe(st.size + 1);
    let off = 0;
    for (;;) {
      if (off === buf.length) {
        const grown = Buffer.allocUnsafe(Math.min(buf.length * 2, limit + 1));
        buf.copy(grown, 0, 0, off);
        buf = grown;
      }
      const n = readSync(fd, buf, off, buf.length - off, null);
      if (n === 0) break;
      off += n;
      if (off > limit) throw tooLarge();
    }
    return new Uint8Array(buf.buffer, buf.byteOffset, off);
  } catch (e) {
    if (e instanceof FileReadError) throw e;
    throw new FileReadError(path, (e as Error).message, (e as NodeJS.ErrnoException).code);
  } finally {
    closeSync(fd);
  }
}

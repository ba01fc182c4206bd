/**
 * What an upload writes to: the request fields of each chunk and how to read the board's
 * answer. One engine (engine.ts) serves the image group upload (with `sha` for resume and
 * verification) and the SUIT group's envelope, missing-image and cache uploads.
 */
import type { SmpMap } from '../cbor.js';
import { MgmtErr, responseError, SmpRcError, type SmpErrorResponse, type SmpRequestRef } from '../errors.js';
import { optBool, uint } from '../fields.js';

export interface ChunkAnswer {
  /** Offset the board expects next (the bytes it holds). */
  off: number;
  /** The board's verdict on the whole upload's SHA-256, when it checks it. */
  match?: boolean;
}

export interface UploadTarget {
  /** For messages: `image 0`, `SUIT envelope`. */
  readonly what: string;
  readonly group: number;
  readonly command: number;
  /** An off-0 chunk with the same identity resumes a session the board still holds. */
  readonly resumable: boolean;
  /** The request carrying `data` at `off`; the off-0 chunk carries the upload's fields. */
  body(off: number, data: Uint8Array, total: number): SmpMap;
  /** Reads an answer; throws SmpErrorResponse when the board refused the chunk. */
  parse(answer: SmpMap, request: SmpRequestRef): ChunkAnswer;
  /**
   * Whether a refusal means the board already has the whole upload and moved on (a late chunk,
   * sent again after a lost answer, reaching a board that finished the transfer); asked only once
   * every byte has been sent.
   */
  movedOn?(refusal: SmpErrorResponse): boolean;
}

/** Image group upload (notes/smp.md §4): `sha` tags the session for resume and is checked at the end. */
export function imageTarget(options: { image?: number; sha: Uint8Array; upgrade?: boolean }): UploadTarget {
  const image = options.image ?? 0;
  return {
    what: `image ${image}`,
    group: 1,
    command: 1,
    resumable: true,
    body: (off, data, total) =>
      off === 0 ? { image, len: total, off, sha: options.sha, data, upgrade: options.upgrade ? true : undefined } : { off, data },
    parse(answer, request) {
      const err = responseError(answer, request);
      if (err) throw err;
      return { off: uint(answer, 'off', 'image upload answer'), match: optBool(answer, 'match', 'image upload answer') };
    },
  };
}

/**
 * SUIT group uploads (nRF Connect SDK suitfu): the answer always carries `rc` and `off`; a
 * wrong offset is answered with rc 1 and the expected `off`, which is not a failure.
 */
export function suitTarget(what: string, command: number, extra: { first?: SmpMap; every?: SmpMap; endsSession?: boolean } = {}): UploadTarget {
  return {
    what,
    group: 66,
    command,
    resumable: false,
    // A payload stream ends with its last byte: the board closes the session and answers ENOENT to anything after.
    ...(extra.endsSession ? { movedOn: (e: SmpErrorResponse) => e instanceof SmpRcError && e.rc === MgmtErr.ENOENT } : {}),
    body: (off, data, total) => (off === 0 ? { ...extra.every, ...extra.first, off, len: total, data } : { ...extra.every, off, data }),
    parse(answer, request) {
      const err = responseError(answer, request);
      if (err && !(err instanceof SmpRcError && err.rc === MgmtErr.EUNKNOWN && answer['off'] !== undefined)) throw err;
      return { off: uint(answer, 'off', `${what} upload answer`) };
    },
  };
}

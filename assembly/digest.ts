/**
 * SUIT_Digest = [algorithm-id, bytes, * extensions] (draft-ietf-suit-manifest-37 §10), as the
 * authentication wrapper (§8.3) and the integrity check values of severed members (§8.4.12)
 * carry it: read at the cursor, then compared in constant time with the SHA-256 (-16) of the
 * bytes it covers. Extensions are skipped; the caller refuses other algorithms.
 */
import { DIGEST_TMP } from './layout';
import * as cbor from './cbor';
import { sha256 } from './sha256';
import { ctEqual } from './ct';

export const SHA256: i64 = -16;

/** The digest read last: algorithm id and where its bytes are. */
export let digestAlg: i64 = 0;
export let digestPtr: u32 = 0;
export let digestLen: u32 = 0;

/** Reads one SUIT_Digest at the cursor; an array of fewer than two elements fails with `short`. */
export function readDigest(short: i32): bool {
  if (!cbor.readArray()) return false;
  let n = cbor.vCount;
  if (n != cbor.INDEF && n < 2) return cbor.fail(short);
  if (!cbor.readInt()) return false;
  digestAlg = cbor.vInt;
  if (!cbor.readBstr()) return false;
  digestPtr = cbor.vPtr;
  digestLen = cbor.vLen;
  if (n != cbor.INDEF) n -= 2;
  while (cbor.hasNext(n)) {
    if (n != cbor.INDEF) n--;
    if (!cbor.skip()) return false;
  }
  return cbor.rerr == 0;
}

/** Whether the digest read last is the SHA-256 of [p, p+n); leaves that SHA-256 in DIGEST_TMP. */
export function digestMatches(p: u32, n: u32): bool {
  sha256(p, n, DIGEST_TMP);
  return digestLen == 32 && ctEqual(DIGEST_TMP, digestPtr, 32);
}

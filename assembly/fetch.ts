/**
 * suit-directive-fetch (draft-ietf-suit-manifest-37 §8.4.10.4): the request the core suspends on
 * (layout.ts REQUEST: the URI exactly as written, component, image-size and image-digest when
 * set), and the stream of payload bytes that follows: each chunk is checked against image-size,
 * written to the component and hashed, so that the image's digest is known when the fetch ends.
 * A component with suit-parameter-encryption-info is decrypted as it is fetched (decrypt.ts):
 * image-size and the digest are then those of the plaintext written.
 * Integrated payloads (§7.5; text keys of the envelope): in the root envelope the host streams
 * them from its copy (source 1, with their position); inside a dependency envelope the core copies
 * them from the dependency's component itself.
 */
import { REQUEST, IO, IO_SIZE, DIGEST_TMP } from './layout';
import * as cbor from './cbor';
import * as c from './codes';
import * as k from './commands';
import { ctxAddr, shaInit, shaUpdate, shaFinal } from './sha256';
import * as p from './platform';
import * as prm from './params';
import { PASS, NOT_EVALUATED, dry, setProps, orderAllows } from './context';
import { handle, markWritten, cacheDigest } from './components';
import { depPath, loadedComponent } from './dependency';
import { expectedDigest, expPtr, imageProps, setActualLen } from './conditions';
import { SHA256 } from './digest';
import { decActive, decBegin, decChunk, decEmit, decEnd, decWipe, plainBytes } from './decrypt';
import { member, findTextMember, M_ENC_LEN, M_OFFSET } from './state';

export const FETCH_PENDING: i32 = 3;

// REQUEST layout (index.ts documents it for the host)
const Q_URI: u32 = 0;
const Q_URI_LEN: u32 = 4;
const Q_COMP: u32 = 8;
const Q_DEP: u32 = 12;
const Q_SIZE: u32 = 16; // i64, -1 unknown
const Q_DIGEST: u32 = 24; // u32 ptr of digest bytes, 0 none
const Q_DIGEST_LEN: u32 = 28;
const Q_DIGEST_ALG: u32 = 32;
const Q_SOURCE: u32 = 36; // 0 fetch by URI, 1 integrated payload of the root envelope
const Q_OFFSET: u32 = 40; // u64 integrated: offset of the payload in the envelope
const Q_LENGTH: u32 = 48; // u64 integrated: its length
const Q_RECEIVED: u32 = 56; // u64
const Q_HANDLE: u32 = 64;
const Q_LEVEL: u32 = 68;
const Q_SIZE_OF: u32 = 72;

export function requestComponent(): i32 {
  return load<i32>(REQUEST + Q_COMP);
}

/**
 * Starts the fetch of component ci. Returns FETCH_PENDING (the host supplies the bytes), PASS (done
 * inside the core), NOT_EVALUATED (dry run) or -detail.
 */
export function fetchStart(lvl: i32, ci: i32): i32 {
  setProps(0);
  if (!prm.paramBytes(lvl, ci, k.P_URI, cbor.MT_TSTR)) return -c.D_PARAM_MISSING;
  const uri = cbor.vPtr;
  const uriLen = cbor.vLen;
  if (dry) return NOT_EVALUATED;
  const h = handle(lvl, ci);
  if (h < 0) return -c.D_COMPONENT;
  if (!orderAllows(ci, -1)) return -c.D_STRICT_ORDER;
  // The content key first: a device that cannot decrypt leaves the component as it was.
  decWipe();
  if (prm.hasParam(lvl, ci, k.P_ENCRYPTION_INFO)) {
    const d = decBegin(lvl, ci);
    if (d != 0) return -d;
  }
  const q = REQUEST;
  memory.fill(q, 0, Q_SIZE_OF);
  store<u32>(q + Q_URI, uri);
  store<u32>(q + Q_URI_LEN, uriLen);
  store<i32>(q + Q_COMP, ci);
  store<i32>(q + Q_DEP, depPath(lvl));
  store<i32>(q + Q_HANDLE, h);
  store<i32>(q + Q_LEVEL, lvl);
  let size: i64 = -1;
  if (prm.paramInt(lvl, ci, k.P_SIZE)) size = cbor.vInt;
  store<i64>(q + Q_SIZE, size);
  if (expectedDigest(lvl, ci) == 0) {
    store<u32>(q + Q_DIGEST, expPtr);
    store<u32>(q + Q_DIGEST_LEN, 32);
    store<i32>(q + Q_DIGEST_ALG, <i32>SHA256);
  }
  markWritten(h);
  if (p.pErase(h) != 0) return fetchAbandon(c.D_WRITE);
  shaInit(ctxAddr(2));
  const mi = findTextMember(lvl, uri, uriLen);
  if (mi < 0) return FETCH_PENDING;
  const m = member(lvl, mi);
  const base = load<u64>(m + M_OFFSET);
  const total = <u64>load<u32>(m + M_ENC_LEN);
  store<u64>(q + Q_OFFSET, base);
  store<u64>(q + Q_LENGTH, total);
  if (lvl == 0) {
    store<i32>(q + Q_SOURCE, 1);
    return FETCH_PENDING;
  }
  // Inside the dependency envelope, which the core reads back from its component.
  const hs = handle(lvl - 1, loadedComponent(lvl));
  let off: u64 = 0;
  while (off < total) {
    const want = <u32>min<u64>(<u64>IO_SIZE, total - off);
    if (p.pRead(hs, base + off, IO, want) != <i32>want) return fetchAbandon(c.D_READ);
    const d = fetchChunk(want);
    if (d != 0) return fetchAbandon(d);
    off += <u64>want;
  }
  const e = fetchFinish();
  return e != 0 ? -e : PASS;
}

/** The fetch in progress ends without its payload: no key or keystream stays. Returns -detail. */
export function fetchAbandon(detail: i32): i32 {
  decWipe();
  return -detail;
}

/** Writes and hashes IO[0..len) of the fetch in progress. Returns 0 or a detail. */
export function fetchChunk(len: u32): i32 {
  const q = REQUEST;
  const got = load<u64>(q + Q_RECEIVED);
  const size = load<i64>(q + Q_SIZE);
  if (decActive()) {
    decChunk(IO, len);
    const e = decEmit(load<i32>(q + Q_HANDLE), ctxAddr(2), size);
    if (e != 0) {
      decWipe();
      return e;
    }
  } else {
    if (size >= 0 && got + <u64>len > <u64>size) return c.D_SIZE;
    if (len > 0 && p.pWrite(load<i32>(q + Q_HANDLE), got, IO, len) != 0) return c.D_WRITE;
    shaUpdate(ctxAddr(2), IO, len);
  }
  store<u64>(q + Q_RECEIVED, got + <u64>len);
  return 0;
}

/** Ends the fetch in progress: size check, finish, digest cached. Returns 0 or a detail. */
export function fetchFinish(): i32 {
  const q = REQUEST;
  let got = load<u64>(q + Q_RECEIVED);
  if (decActive()) {
    const t = decEnd();
    if (t != 0) return t;
    got = plainBytes;
  }
  const size = load<i64>(q + Q_SIZE);
  if (size >= 0 && got != <u64>size) return c.D_SIZE;
  if (p.pFinish(load<i32>(q + Q_HANDLE), got) != 0) return c.D_WRITE;
  shaFinal(ctxAddr(2), DIGEST_TMP);
  cacheDigest(load<i32>(q + Q_LEVEL), load<i32>(q + Q_COMP), got, DIGEST_TMP);
  setActualLen(got);
  setProps(imageProps());
  return 0;
}

/**
 * Streaming scan of a SUIT_Envelope (draft-ietf-suit-manifest-37 §8.2, trust-domains §5.3 for
 * integrated dependencies): tag 107 or untagged, a map whose members are all bstr-wrapped.
 * Bytes arrive in chunks of any size. Members with integer keys (delegation chains,
 * authentication wrapper, manifest, severable members, extensions) are copied whole (bstr head +
 * content) into the level's share of the arena (layout.ts: the root's at most 64 KiB, a
 * dependency's what its dependents left); members with text keys (integrated payloads / dependencies) are only
 * recorded as (key, offset, length) and skipped, so an image of any size never enters the core.
 * Keys must be in deterministic order (RFC 8949 §4.2.1); nothing may follow the map.
 */
import { ARENA, ARENA_END, ROOT_REGION_SIZE, MAX_MEMBERS, STATE_USED_END } from './layout';
import * as cbor from './cbor';
import {
  D_TRUNCATED, D_TRAILING, D_TYPE, D_LIMIT, D_ORDER, D_NOT_ENVELOPE, D_REGION_FULL, D_MEMBER_TYPE,
  D_INDEFINITE, D_RESERVED, D_NO_AUTH, D_NO_MANIFEST, D_AUTH_AFTER_MANIFEST,
} from './codes';
import {
  member, mx, MK_INT, MK_TEXT, M_KIND, M_KEY, M_TEXT, M_TEXT_LEN, M_ENC, M_ENC_LEN, M_OFFSET,
  X_MEMBERS, X_REGION_USED, X_AUTH, X_MANIFEST, X_TOTAL, X_REGION, X_REGION_END,
} from './state';

const ST_START: i32 = 0; // tag 107 or the map head
const ST_MAP: i32 = 1; // the map head after the tag
const ST_KEY: i32 = 2;
const ST_KEYTEXT: i32 = 3;
const ST_VALHEAD: i32 = 4;
const ST_VALBODY: i32 = 5;
const ST_END: i32 = 6;
const ST_ERROR: i32 = 7;

const KEY_TEXT_MAX: u32 = 255;
/** Bytes of a head being assembled across chunk boundaries (at most 9). */
const HBUF: u32 = STATE_USED_END;

let sLevel: i32 = 0;
let sState: i32 = ST_ERROR;
let sPos: u64 = 0; // bytes consumed so far
let sTotal: u64 = 0; // declared envelope length
let sHlen: u32 = 0;
let sCount: u32 = 0; // entries left, or cbor.INDEF
let sKeyMajor: u32 = 0;
let sKeyArg: u64 = 0;
let sKeyText: u32 = 0; // ptr of the key text in the region
let sKeyLen: u32 = 0;
let sKeyGot: u32 = 0;
let sRemain: u64 = 0; // content bytes of the current value still to come
let sKeep: bool = false;
let sWrite: u32 = 0; // where kept content goes next
let sPrevMajor: u32 = 0xff; // previous key, for the order check
let sPrevArg: u64 = 0;
let sPrevText: u32 = 0;
export let scanErr: i32 = 0;

function err(d: i32): bool {
  if (scanErr == 0) scanErr = d;
  sState = ST_ERROR;
  return false;
}

/** Starts scanning an envelope of `total` bytes into `level`. */
export function scanBegin(level: i32, total: u64): void {
  sLevel = level;
  sState = ST_START;
  sPos = 0;
  sTotal = total;
  sHlen = 0;
  sCount = 0;
  sPrevMajor = 0xff;
  scanErr = 0;
  const x = mx(level);
  memory.fill(x, 0, 24);
  // A dependency's bytes start where its dependent's end (8-byte aligned for the u64 reads).
  let base = ARENA;
  let end = ARENA + ROOT_REGION_SIZE;
  if (level > 0) {
    const px = mx(level - 1);
    base = (load<u32>(px + X_REGION) + load<u32>(px + X_REGION_USED) + 7) & ~7;
    end = ARENA_END;
  }
  store<u32>(x + X_REGION, base);
  store<u32>(x + X_REGION_END, end);
  store<i32>(x + X_AUTH, -1);
  store<i32>(x + X_MANIFEST, -1);
  store<u64>(x + X_TOTAL, total);
}

function used(): u32 {
  return load<u32>(mx(sLevel) + X_REGION_USED);
}

function reserve(n: u64): u32 {
  const x = mx(sLevel);
  const u = used();
  const at = load<u32>(x + X_REGION) + u;
  if (<u64>at + n > <u64>load<u32>(x + X_REGION_END)) return 0;
  store<u32>(x + X_REGION_USED, u + <u32>n);
  return at;
}

/** Length of a head whose initial byte is `ib`, 0 if reserved. */
function headLen(ib: u32): u32 {
  const ai = ib & 31;
  if (ai < 24 || ai == 31) return 1;
  if (ai > 27) return 0;
  return 1 + (<u32>1 << (ai - 24));
}

/** Decodes the assembled head in HBUF (cbor.hMajor / hArg / hIndef). */
function decodeHead(): bool {
  cbor.setInput(HBUF, HBUF + sHlen);
  if (!cbor.head()) return err(cbor.rerr);
  return true;
}

/** Order of member keys: ints (uint before nint, by argument), then texts by encoding. */
function keyAfterPrevious(): bool {
  if (sPrevMajor == 0xff) return true;
  // manifest-37 §8.3: the authentication wrapper must come before the manifest.
  if (sKeyMajor == cbor.MT_UINT && sKeyArg == 2 && sPrevMajor == cbor.MT_UINT && sPrevArg == 3) return err(D_AUTH_AFTER_MANIFEST);
  if (sKeyMajor != sPrevMajor) return sKeyMajor > sPrevMajor ? true : err(D_ORDER);
  if (sKeyMajor != cbor.MT_TSTR) return sKeyArg > sPrevArg ? true : err(D_ORDER);
  if (sKeyArg != sPrevArg) return sKeyArg > sPrevArg ? true : err(D_ORDER);
  const c = memory.compare(sPrevText, sKeyText, <usize>sKeyLen);
  return c < 0 ? true : err(D_ORDER);
}

function onHead(): bool {
  if (!decodeHead()) return false;
  const major = cbor.hMajor;
  if (sState == ST_START) {
    if (major == cbor.MT_TAG) {
      if (cbor.hArg != 107) return err(D_NOT_ENVELOPE);
      sState = ST_MAP;
      return true;
    }
    sState = ST_MAP;
  }
  if (sState == ST_MAP) {
    if (major != cbor.MT_MAP) return err(D_NOT_ENVELOPE);
    sCount = cbor.hIndef ? cbor.INDEF : (cbor.hArg > <u64>MAX_MEMBERS ? 0xfffffffe : <u32>cbor.hArg);
    if (sCount == 0xfffffffe) return err(D_LIMIT);
    sState = sCount == 0 ? ST_END : ST_KEY;
    return true;
  }
  if (sState == ST_KEY) {
    if (major == cbor.MT_SIMPLE && cbor.hIndef) {
      if (sCount != cbor.INDEF) return err(D_TYPE);
      sState = ST_END;
      return true;
    }
    const n = <i32>load<u32>(mx(sLevel) + X_MEMBERS);
    if (n >= MAX_MEMBERS) return err(D_LIMIT);
    sKeyMajor = major;
    sKeyArg = cbor.hArg;
    if (major == cbor.MT_UINT || major == cbor.MT_NINT) {
      if (cbor.hArg > 0x7fffffff) return err(D_LIMIT);
      if (!keyAfterPrevious()) return false;
      sState = ST_VALHEAD;
      return true;
    }
    if (major != cbor.MT_TSTR) return err(D_TYPE);
    if (cbor.hIndef) return err(D_INDEFINITE);
    if (cbor.hArg > <u64>KEY_TEXT_MAX) return err(D_LIMIT);
    sKeyLen = <u32>cbor.hArg;
    sKeyGot = 0;
    sKeyText = reserve(<u64>sKeyLen);
    if (sKeyText == 0) return err(D_REGION_FULL);
    sState = sKeyLen == 0 ? ST_VALHEAD : ST_KEYTEXT;
    if (sKeyLen == 0 && !keyAfterPrevious()) return false;
    return true;
  }
  // ST_VALHEAD: every envelope member is a definite-length bstr.
  if (major != cbor.MT_BSTR) return err(D_MEMBER_TYPE);
  if (cbor.hIndef) return err(D_INDEFINITE);
  const i = <i32>load<u32>(mx(sLevel) + X_MEMBERS);
  const m = member(sLevel, i);
  const isInt = sKeyMajor != cbor.MT_TSTR;
  store<u32>(m + M_KIND, isInt ? MK_INT : MK_TEXT);
  store<i32>(m + M_KEY, isInt ? (sKeyMajor == cbor.MT_UINT ? <i32>sKeyArg : -1 - <i32>sKeyArg) : 0);
  store<u32>(m + M_TEXT, isInt ? 0 : sKeyText);
  store<u32>(m + M_TEXT_LEN, isInt ? 0 : sKeyLen);
  store<u64>(m + M_OFFSET, sPos);
  sRemain = cbor.hArg;
  sKeep = isInt;
  if (isInt) {
    const enc = reserve(<u64>sHlen + cbor.hArg);
    if (enc == 0) return err(D_REGION_FULL);
    memory.copy(enc, HBUF, sHlen);
    store<u32>(m + M_ENC, enc);
    store<u32>(m + M_ENC_LEN, sHlen + <u32>cbor.hArg);
    sWrite = enc + sHlen;
    const x = mx(sLevel);
    if (sKeyMajor == cbor.MT_UINT && sKeyArg == 2) store<i32>(x + X_AUTH, i);
    if (sKeyMajor == cbor.MT_UINT && sKeyArg == 3) store<i32>(x + X_MANIFEST, i);
  } else {
    store<u32>(m + M_ENC, 0);
    store<u32>(m + M_ENC_LEN, <u32>min<u64>(cbor.hArg, 0xffffffff));
    if (cbor.hArg > 0xffffffff) return err(D_LIMIT);
  }
  store<u32>(mx(sLevel) + X_MEMBERS, <u32>(i + 1));
  sPrevMajor = sKeyMajor;
  sPrevArg = sKeyArg;
  sPrevText = sKeyText;
  if (sRemain == 0) return memberDone();
  sState = ST_VALBODY;
  return true;
}

function memberDone(): bool {
  if (sCount != cbor.INDEF) {
    sCount--;
    sState = sCount == 0 ? ST_END : ST_KEY;
  } else {
    sState = ST_KEY;
  }
  return true;
}

/** Consumes `len` bytes at `src`. False once the envelope is known to be malformed. */
export function scanFeed(src: u32, len: u32): bool {
  let i: u32 = 0;
  while (i < len) {
    const s = sState;
    if (s == ST_ERROR) return false;
    if (s == ST_END) return err(D_TRAILING);
    if (s == ST_VALBODY) {
      const take = <u32>min<u64>(sRemain, <u64>(len - i));
      if (sKeep) {
        memory.copy(sWrite, src + i, take);
        sWrite += take;
      }
      i += take;
      sPos += take;
      sRemain -= take;
      if (sRemain == 0) memberDone();
      continue;
    }
    if (s == ST_KEYTEXT) {
      const take = min<u32>(sKeyLen - sKeyGot, len - i);
      memory.copy(sKeyText + sKeyGot, src + i, take);
      sKeyGot += take;
      i += take;
      sPos += take;
      if (sKeyGot == sKeyLen) {
        if (!keyAfterPrevious()) return false;
        sState = ST_VALHEAD;
      }
      continue;
    }
    // Assemble a head byte by byte (it may straddle chunks).
    const b = <u32>load<u8>(src + i);
    store<u8>(HBUF + sHlen, <u8>b);
    sHlen++;
    i++;
    sPos++;
    const need = headLen(<u32>load<u8>(HBUF));
    if (need == 0) return err(D_RESERVED);
    if (sHlen < need) continue;
    const ok = onHead();
    sHlen = 0;
    if (!ok) return false;
  }
  return sState != ST_ERROR;
}

/** Ends the scan: the map must be complete, the declared length consumed, 2 and 3 present. */
export function scanEnd(): bool {
  if (sState == ST_ERROR) return false;
  if (sState != ST_END || sPos != sTotal) return err(D_TRUNCATED);
  const x = mx(sLevel);
  if (load<i32>(x + X_MANIFEST) < 0) return err(D_NO_MANIFEST);
  if (load<i32>(x + X_AUTH) < 0) return err(D_NO_AUTH);
  return true;
}

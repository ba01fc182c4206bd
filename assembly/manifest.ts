/**
 * Manifest decoding and well-formedness (draft-ietf-suit-manifest-37 §8.4, trust-domains-11 §5,
 * update-management-14 §3), run only after the envelope has been authenticated (§6.2: verify
 * before parsing further). Fills the level's manifest index (state.ts): sequence number,
 * components, dependencies, where each command sequence lies; checks severable members against
 * their digests; and checks every command sequence: known command codes, argument types,
 * component indices in range, parameter types, nesting bounded.
 */
import { MAX_COMPONENTS, MAX_PARAMS } from './layout';
import * as cbor from './cbor';
import { readDigest, digestMatches, digestAlg, SHA256 } from './digest';
import * as c from './codes';
import * as k from './commands';
import {
  member, mx, findIntMember, sectionSlot, sectionKey, M_ENC, M_ENC_LEN, M_KIND, M_KEY, MK_INT, X_MEMBERS, X_MANIFEST, X_SEQ, X_NCOMP,
  X_DEPMASK, X_SPACE, X_SHARED, X_REFURI, X_SECTIONS, NSECT, X_COMPIDS, X_PREFIX, X_MCID,
  X_VERSION_OK, X_SET_VERSION, X_DIGEST, SEC_ABSENT, SEC_PRESENT, SEC_SEVERED,
} from './state';

/** Where the first well-formedness error is: section key (3 = common / shared) and offset. */
export let errSection: i32 = 0;
export let errOffset: u32 = 0;
let secBase: u32 = 0;
let checkLevel: i32 = 0;

const MAX_SEQ_DEPTH: i32 = 8;

function bad(d: i32): bool {
  return cbor.fail(d);
}

/** `level`'s component index i exists (a listed component or a dependency). */
export function validIndex(level: i32, i: u64): bool {
  const x = mx(level);
  if (i >= <u64>MAX_COMPONENTS) return false;
  return i < <u64>load<u32>(x + X_NCOMP) || ((load<u32>(x + X_DEPMASK) >> <u32>i) & 1) != 0;
}

function checkUuid(): bool {
  if (!cbor.readBstr()) return false;
  return cbor.vLen == 16 ? true : bad(c.D_VALUE);
}

/** bstr .cbor SUIT_Digest */
function checkDigestBstr(): bool {
  const outer = cbor.enterBstr();
  if (outer == 0) return false;
  return readDigest(c.D_BAD_ARGUMENT) && cbor.leaveBstr(outer);
}

/** bstr .cbor [comparison-type 1..5, [+int]] (update-management §4.4) */
function checkVersionBstr(): bool {
  const outer = cbor.enterBstr();
  if (outer == 0) return false;
  if (!cbor.readArray()) return false;
  if (cbor.vCount != 2) return bad(c.D_BAD_ARGUMENT);
  if (!cbor.readUint()) return false;
  if (cbor.vInt < 1 || cbor.vInt > 5) return bad(c.D_BAD_ARGUMENT);
  return checkIntArray() && cbor.leaveBstr(outer);
}

/** [+int] */
export function checkIntArray(): bool {
  if (!cbor.readArray()) return false;
  let n = cbor.vCount;
  if (n == 0) return bad(c.D_BAD_ARGUMENT);
  while (cbor.hasNext(n)) {
    if (n != cbor.INDEF) n--;
    if (!cbor.readInt()) return false;
  }
  return cbor.rerr == 0;
}

/** A bstr whose content is one well-formed CBOR item of major type `major`. */
function checkWrapped(major: u32): bool {
  const outer = cbor.enterBstr();
  if (outer == 0) return false;
  if (cbor.peekMajor() != major) return bad(c.D_TYPE);
  return cbor.skip() && cbor.leaveBstr(outer);
}

function checkParamValue(key: i64): bool {
  switch (k.paramType(key)) {
    case k.T_VENDOR:
      if (cbor.peekMajor() == cbor.MT_TAG) {
        if (!cbor.readTag()) return false;
        if (cbor.hArg != 112) return bad(c.D_BAD_ARGUMENT);
        return cbor.readBstr();
      }
      return checkUuid();
    case k.T_UUID: return checkUuid();
    case k.T_DIGEST: return checkDigestBstr();
    case k.T_UINT: return cbor.readUint();
    case k.T_BOOL: return cbor.readBool();
    case k.T_BSTR: return cbor.readBstr();
    case k.T_TSTR: return cbor.readTstr();
    case k.T_INT: return cbor.readInt();
    case k.T_VERSION: return checkVersionBstr();
    case k.T_CBOR_MAP: return checkWrapped(cbor.MT_MAP);
    case k.T_CUSTOM: {
      const m = cbor.peekMajor();
      if (m == cbor.MT_UINT || m == cbor.MT_NINT) return cbor.readInt();
      if (m == cbor.MT_BSTR) return cbor.readBstr();
      if (m == cbor.MT_TSTR) return cbor.readTstr();
      return cbor.readBool();
    }
    default:
      return bad(c.D_UNKNOWN_PARAMETER);
  }
}

/** {+ SUIT_Parameters}: known keys, typed values, deterministic key order. */
export function checkParamMap(): bool {
  if (!cbor.readMap()) return false;
  let n = cbor.vCount;
  if (n == 0) return bad(c.D_BAD_ARGUMENT);
  let prevKey: u64 = 0;
  while (cbor.hasNext(n)) {
    if (n != cbor.INDEF) n--;
    prevKey = cbor.readIntKey(prevKey);
    if (prevKey == 0) return false;
    const key = cbor.vInt;
    if (key >= <i64>MAX_PARAMS) return bad(c.D_UNKNOWN_PARAMETER);
    if (!checkParamValue(key)) return false;
  }
  return cbor.rerr == 0;
}

/** IndexArg = uint / true / [+uint], every index a component or dependency of the manifest. */
function checkIndexArg(): bool {
  const m = cbor.peekMajor();
  if (m == cbor.MT_SIMPLE) {
    if (!cbor.readBool()) return false;
    return cbor.vInt == 1 ? true : bad(c.D_BAD_ARGUMENT);
  }
  if (m == cbor.MT_ARRAY) {
    if (!cbor.readArray()) return false;
    let n = cbor.vCount;
    if (n == 0) return bad(c.D_BAD_ARGUMENT);
    while (cbor.hasNext(n)) {
      if (n != cbor.INDEF) n--;
      if (!cbor.readU64()) return false;
      if (!validIndex(checkLevel, cbor.hArg)) return bad(c.D_INDEX_RANGE);
    }
    return cbor.rerr == 0;
  }
  if (!cbor.readU64()) return false;
  return validIndex(checkLevel, cbor.hArg) ? true : bad(c.D_INDEX_RANGE);
}

/** A bstr holding a command sequence, checked recursively. */
function checkSeqBstr(shared: bool, depth: i32): bool {
  const outer = cbor.enterBstr();
  if (outer == 0) return false;
  return checkSeq(cbor.vPtr, cbor.vLen, shared, false, depth + 1) && cbor.leaveBstr(outer);
}

/**
 * SUIT_Command_Sequence = [+ (cmd, arg)] at [p, p+n). `top`: a top-level sequence, which must
 * begin with set-component-index when the manifest has more than one component (§6.2).
 */
export function checkSeq(p: u32, n: u32, shared: bool, top: bool, depth: i32): bool {
  if (depth > MAX_SEQ_DEPTH) return bad(c.D_DEPTH);
  cbor.setCursor(p, p + n);
  if (!cbor.readArray()) return false;
  let count = cbor.vCount;
  if (count != cbor.INDEF && (count & 1) != 0) return bad(c.D_BAD_ARGUMENT);
  const x = mx(checkLevel);
  const many = load<u32>(x + X_SPACE) > 1;
  let first = true;
  while (cbor.hasNext(count)) {
    if (count != cbor.INDEF) count -= 2;
    const at = cbor.rp;
    errOffset = at - secBase;
    if (!cbor.readInt()) return false;
    const cmd = cbor.vInt;
    const kind = k.argKind(cmd);
    if (kind == k.A_NONE) return bad(c.D_UNKNOWN_COMMAND);
    if (shared && !k.sharedAllowed(kind)) return bad(c.D_SHARED_COMMAND);
    // override-multiple also sets the component index (update-management §5.7).
    if (top && first && many && kind != k.A_INDEX && kind != k.A_MULTI) return bad(c.D_NEEDS_INDEX);
    first = false;
    let ok = true;
    switch (kind) {
      case k.A_POLICY_COND:
      case k.A_POLICY_DIR:
        ok = cbor.readUint();
        break;
      case k.A_INDEX:
        ok = checkIndexArg();
        break;
      case k.A_PARAMS:
        ok = checkParamMap();
        break;
      case k.A_SEQUENCE:
        ok = checkSeqBstr(shared, depth);
        break;
      case k.A_TRY_EACH: {
        if (!cbor.readArray()) return false;
        let m = cbor.vCount;
        let seqs = 0;
        let sawNil = false;
        while (cbor.hasNext(m)) {
          if (m != cbor.INDEF) m--;
          if (sawNil) return bad(c.D_BAD_ARGUMENT);
          if (cbor.takeNull()) {
            sawNil = true;
            continue;
          }
          if (!checkSeqBstr(shared, depth)) return false;
          seqs++;
        }
        ok = cbor.rerr == 0 && (seqs > 0 || bad(c.D_BAD_ARGUMENT));
        break;
      }
      case k.A_MULTI: {
        // {+ uint => {+ SUIT_Parameters}}
        if (!cbor.readMap()) return false;
        let m = cbor.vCount;
        if (m == 0) return bad(c.D_BAD_ARGUMENT);
        let prevKey: u64 = 0;
        while (cbor.hasNext(m)) {
          if (m != cbor.INDEF) m--;
          prevKey = cbor.readUintKey(prevKey);
          if (prevKey == 0) return false;
          if (!validIndex(checkLevel, cbor.hArg)) return bad(c.D_INDEX_RANGE);
          if (!checkParamMap()) return false;
        }
        ok = cbor.rerr == 0;
        break;
      }
      case k.A_COPY_PARAMS: {
        // {+ uint => [+ int]}
        if (!cbor.readMap()) return false;
        let m = cbor.vCount;
        if (m == 0) return bad(c.D_BAD_ARGUMENT);
        while (cbor.hasNext(m)) {
          if (m != cbor.INDEF) m--;
          if (!cbor.readU64()) return false;
          if (!validIndex(checkLevel, cbor.hArg)) return bad(c.D_INDEX_RANGE);
          if (!checkIntArray()) return false;
        }
        ok = cbor.rerr == 0;
        break;
      }
    }
    if (!ok) {
      errOffset = at - secBase;
      return false;
    }
  }
  if (cbor.rerr != 0) return false;
  if (cbor.rp != p + n) return bad(c.D_TRAILING);
  return true;
}

/** [* bstr] (a SUIT_Component_Identifier); records its encoding span at `slot`. */
function readComponentId(slot: u32): bool {
  const start = cbor.rp;
  if (!cbor.readArray()) return false;
  let n = cbor.vCount;
  while (cbor.hasNext(n)) {
    if (n != cbor.INDEF) n--;
    if (!cbor.readBstr()) return false;
  }
  if (cbor.rerr != 0) return false;
  store<u32>(slot, start);
  store<u32>(slot + 4, cbor.rp - start);
  return true;
}

function parseCommon(level: i32, p: u32, n: u32): bool {
  const x = mx(level);
  cbor.setCursor(p, p + n);
  if (!cbor.readMap()) return false;
  let cnt = cbor.vCount;
  let prevKey: u64 = 0;
  while (cbor.hasNext(cnt)) {
    if (cnt != cbor.INDEF) cnt--;
    prevKey = cbor.readIntKey(prevKey);
    if (prevKey == 0) return false;
    const key = cbor.vInt;
    if (key == 1) {
      // suit-dependencies {+ uint => {? 1: prefix}}
      if (!cbor.readMap()) return false;
      let m = cbor.vCount;
      let prevDep: u64 = 0;
      while (cbor.hasNext(m)) {
        if (m != cbor.INDEF) m--;
        prevDep = cbor.readUintKey(prevDep);
        if (prevDep == 0) return false;
        const idx = cbor.hArg;
        if (idx >= <u64>MAX_COMPONENTS) return bad(c.D_LIMIT);
        store<u32>(x + X_DEPMASK, load<u32>(x + X_DEPMASK) | (<u32>1 << <u32>idx));
        if (!cbor.readMap()) return false;
        let e = cbor.vCount;
        while (cbor.hasNext(e)) {
          if (e != cbor.INDEF) e--;
          if (!cbor.readInt()) return false;
          if (cbor.vInt == 1) {
            if (!readComponentId(x + X_PREFIX + (<u32>idx << 3))) return false;
          } else if (!cbor.skip()) {
            return false;
          }
        }
      }
    } else if (key == 2) {
      if (!cbor.readArray()) return false;
      let m = cbor.vCount;
      let i: u32 = 0;
      while (cbor.hasNext(m)) {
        if (m != cbor.INDEF) m--;
        if (i >= <u32>MAX_COMPONENTS) return bad(c.D_LIMIT);
        if (!readComponentId(x + X_COMPIDS + (i << 3))) return false;
        i++;
      }
      if (i == 0) return bad(c.D_BAD_ARGUMENT);
      store<u32>(x + X_NCOMP, i);
    } else if (key == 4) {
      if (!cbor.readBstr()) return false;
      store<u32>(x + X_SHARED, cbor.vPtr);
      store<u32>(x + X_SHARED + 4, cbor.vLen);
    } else if (key < 0) {
      if (!cbor.skip()) return false;
    } else {
      return bad(c.D_UNKNOWN_MEMBER);
    }
    if (cbor.rerr != 0) return false;
  }
  if (cbor.rerr != 0) return false;
  if (cbor.rp != p + n) return bad(c.D_TRAILING);
  // The index space: listed components plus dependency indices beyond them.
  let space = load<u32>(x + X_NCOMP);
  const dm = load<u32>(x + X_DEPMASK);
  if (dm != 0) space = max<u32>(space, 32 - clz<u32>(dm));
  store<u32>(x + X_SPACE, space);
  return true;
}

function setSection(level: i32, key: i32, p: u32, n: u32, state: u32): void {
  const s = mx(level) + X_SECTIONS + <u32>sectionSlot(key) * 12;
  store<u32>(s, p);
  store<u32>(s, n, 4);
  store<u32>(s, state, 8);
}

/** (ptr, len, state) of section `key` at `level`. */
export function sectionPtr(level: i32, key: i32): u32 {
  const slot = sectionSlot(key);
  return slot < 0 ? 0 : load<u32>(mx(level) + X_SECTIONS + <u32>slot * 12);
}
export function sectionLen(level: i32, key: i32): u32 {
  const slot = sectionSlot(key);
  return slot < 0 ? 0 : load<u32>(mx(level) + X_SECTIONS + <u32>slot * 12 + 4);
}
export function sectionState(level: i32, key: i32): u32 {
  const slot = sectionSlot(key);
  return slot < 0 ? SEC_ABSENT : load<u32>(mx(level) + X_SECTIONS + <u32>slot * 12 + 8);
}

/** Whether the manifest key can be severed (a SUIT_Digest in the manifest, bstr in the envelope). */
function severable(key: i64): bool {
  return key == 14 || key == 15 || key == 16 || key == 18 || key == 20 || key == 23;
}

/**
 * The severed element for manifest key `key`, whose SUIT_Digest is at the cursor: present in the
 * envelope -> digest checked, section points at it; absent -> SEC_SEVERED. Returns a D_* or 0.
 */
function checkSevered(level: i32, key: i32): i32 {
  if (!readDigest(c.D_BAD_ARGUMENT)) return cbor.rerr;
  const mi = findIntMember(level, key);
  if (mi < 0) {
    setSection(level, key, 0, 0, SEC_SEVERED);
    return 0;
  }
  if (digestAlg != SHA256) return c.D_DIGEST_ALG;
  const m = member(level, mi);
  const enc = load<u32>(m + M_ENC);
  const encLen = load<u32>(m + M_ENC_LEN);
  if (!digestMatches(enc, encLen)) return c.D_SEVERABLE_MISMATCH;
  // Content of the member bstr: skip its head.
  const save = cbor.rp;
  const saveLim = cbor.rlim;
  cbor.setCursor(enc, enc + encLen);
  cbor.readBstr();
  setSection(level, key, cbor.vPtr, cbor.vLen, SEC_PRESENT);
  cbor.setCursor(save, saveLim);
  return 0;
}

function isSequenceKey(key: i32): bool {
  return key == 7 || key == 8 || key == 9 || key == 15 || key == 16 || key == 18 || key == 20 || key == 24;
}

/**
 * Decodes and checks the authenticated manifest of `level`. Returns 0 or a D_* detail, with
 * errSection / errOffset locating a bad command.
 */
export function parseManifest(level: i32): i32 {
  const x = mx(level);
  checkLevel = level;
  errSection = 0;
  errOffset = 0;
  secBase = 0;
  // Clear what this parse fills; X_DIGEST / X_DIGEST_ENC were written by authenticate.
  memory.fill(x + X_SEQ, 0, X_DIGEST - X_SEQ);
  memory.fill(x + X_SECTIONS, 0, X_SET_VERSION + 8 - X_SECTIONS);
  return parseManifestBody(level);
}

function parseManifestBody(level: i32): i32 {
  const x = mx(level);
  const mm = member(level, load<i32>(x + X_MANIFEST));
  const enc = load<u32>(mm + M_ENC);
  cbor.setInput(enc, enc + load<u32>(mm + M_ENC_LEN));
  if (!cbor.readBstr()) return cbor.rerr;
  const mEnd = cbor.rp;
  cbor.setCursor(cbor.vPtr, mEnd);
  // A SUIT_Manifest_Tagged (1070) inside the envelope is not allowed: the map must be direct.
  if (!cbor.readMap()) return cbor.rerr;
  let n = cbor.vCount;
  let prevKey: u64 = 0;
  let have: u32 = 0;
  let commonP: u32 = 0;
  let commonN: u32 = 0;
  let digested: u32 = 0; // severable keys the manifest holds a SUIT_Digest for
  while (cbor.hasNext(n)) {
    if (n != cbor.INDEF) n--;
    prevKey = cbor.readIntKey(prevKey);
    if (prevKey == 0) return cbor.rerr;
    const key = cbor.vInt;
    if (key >= 1 && key <= 31) have |= <u32>1 << <u32>key;
    if (key == 1) {
      if (!cbor.readUint()) return cbor.rerr;
      if (cbor.vInt != 1) return c.D_VERSION;
    } else if (key == 2) {
      if (!cbor.readU64()) return cbor.rerr;
      store<u64>(x + X_SEQ, cbor.hArg);
    } else if (key == 3) {
      if (!cbor.readBstr()) return cbor.rerr;
      commonP = cbor.vPtr;
      commonN = cbor.vLen;
    } else if (key == 4) {
      if (!cbor.readTstr()) return cbor.rerr;
      store<u32>(x + X_REFURI, cbor.vPtr);
      store<u32>(x + X_REFURI + 4, cbor.vLen);
    } else if (key == 5) {
      if (!readComponentId(x + X_MCID)) return cbor.rerr;
    } else if (key == 6) {
      const outer = cbor.enterBstr();
      if (outer == 0) return cbor.rerr;
      store<u32>(x + X_SET_VERSION, cbor.vPtr);
      store<u32>(x + X_SET_VERSION + 4, cbor.vLen);
      if (!checkIntArray() || !cbor.leaveBstr(outer)) return cbor.rerr;
    } else if (key > 0 && key < 32 && (isSequenceKey(<i32>key) || severable(key))) {
      // Range first: <i32> of a key like 2^32 + 7 would be 7.
      const ikey = <i32>key;
      if (cbor.peekMajor() == cbor.MT_ARRAY && severable(key)) {
        const d = checkSevered(level, ikey);
        if (d != 0) return d;
        digested |= <u32>1 << <u32>ikey;
      } else {
        if (!cbor.readBstr()) return cbor.rerr;
        setSection(level, ikey, cbor.vPtr, cbor.vLen, SEC_PRESENT);
      }
    } else if (key < 0) {
      if (!cbor.skip()) return cbor.rerr;
    } else {
      return c.D_UNKNOWN_MEMBER;
    }
  }
  if (cbor.rerr != 0) return cbor.rerr;
  if (cbor.rp != mEnd) return c.D_TRAILING;
  if ((have & 0xe) != 0xe) return c.D_MISSING_FIELD;
  // Every other integer-keyed envelope member must be a severed element the manifest holds a
  // digest for (1 = delegation chains, not used by this processor, is tolerated).
  const members = <i32>load<u32>(x + X_MEMBERS);
  for (let i = 0; i < members; i++) {
    const m = member(level, i);
    if (load<u32>(m + M_KIND) != MK_INT) continue;
    const key = load<i32>(m + M_KEY);
    if (key == 1 || key == 2 || key == 3) continue;
    if (key < 1 || key > 31 || ((digested >> <u32>key) & 1) == 0) return c.D_UNEXPECTED_MEMBER;
  }

  errSection = 3;
  secBase = commonP;
  if (!parseCommon(level, commonP, commonN)) return cbor.rerr;
  if (load<u32>(x + X_NCOMP) == 0 && load<u32>(x + X_DEPMASK) == 0) return c.D_MISSING_FIELD;
  const sharedN = load<u32>(x + X_SHARED + 4);
  if (sharedN > 0) {
    const sp = load<u32>(x + X_SHARED);
    secBase = sp;
    if (!checkSeq(sp, sharedN, true, true, 0)) return cbor.rerr;
  }
  for (let i = 0; i < NSECT; i++) {
    const key = sectionKey(i);
    if (sectionState(level, key) != SEC_PRESENT) continue;
    const p = sectionPtr(level, key);
    const len = sectionLen(level, key);
    errSection = key;
    secBase = p;
    cbor.setCursor(p, p + len);
    if (key == 14) continue; // CoSWID: opaque to the processor
    if (key == 23) {
      if (cbor.peekMajor() != cbor.MT_MAP || !cbor.skip() || cbor.rp != p + len) return cbor.rerr != 0 ? cbor.rerr : c.D_TYPE;
      continue;
    }
    if (!checkSeq(p, len, false, true, 0)) return cbor.rerr;
  }
  errSection = 0;
  errOffset = 0;
  store<u32>(x + X_VERSION_OK, 1);
  return 0;
}



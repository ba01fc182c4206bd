/**
 * The SUIT command processor (draft-ietf-suit-manifest-37 §6, trust-domains-11 §6,
 * update-management-14 §5): runs the chosen command sequences of an authenticated manifest, each
 * preceded by the shared sequence, against the platform imports.
 *
 * It is an explicit-stack interpreter so that it can stop in the middle of any nesting and resume:
 * frames (layout.ts FRAMES) hold every executing sequence — top-level sections, try-each
 * alternatives, run-sequence arguments, dependency sequences — with their program counter, the
 * component-index selection, the soft-failure flag and the per-command loop state. A fetch from
 * outside the core returns PENDING with the request in REQUEST; the host streams the bytes in
 * (fetchData, written and hashed as they come), then fetchEnd() resumes the same loop.
 *
 * Semantics followed:
 *  - conditions fail the enclosing sequence; inside try-each (soft-failure defaults true) the next
 *    alternative runs, inside run-sequence (default false) soft-failure decides; anywhere else, and
 *    for any directive failure, the run aborts (§6.4, §8.4.8.14, §8.4.10.2, §8.4.10.7);
 *  - set-component-index true / [list]: every command runs once per selected component; try-each
 *    and run-sequence run their sequences once per component with an integer index (§6.5);
 *  - process-dependency authenticates the dependency envelope held in the component, whose digest
 *    must have been checked in this run (dependency-integrity, or image-match as trust-domains'
 *    Example 1 does), runs its shared sequence then the same section (trust-domains §6.1,
 *    §6.4-6.5); one level of dependencies (region 1).
 */
import { SCRATCH, SCRATCH_END, FRAMES, FRAME_SIZE, MAX_FRAMES, RUNLIST, MAX_RUN, REQUEST, COMPS, COMP_SIZE,
  MAX_COMPONENTS, IO, IO_SIZE, IDENTITY, IDENTITY_COUNT, MAX_IDS, DIGEST_TMP } from './layout';
import * as cbor from './cbor';
import * as c from './codes';
import * as k from './commands';
import { wBegin, wHead, wInt, wString, wp, wfull } from './cbor_write';
import { ctxAddr, shaInit, shaUpdate, shaFinal } from './sha256';
import { ctEqual } from './ct';
import * as p from './platform';
import * as prm from './params';
import { validIndex, sectionPtr, sectionLen, sectionState, parseManifest } from './manifest';
import { authenticate } from './auth';
import { scanBegin, scanFeed, scanEnd, scanErr } from './envelope';
import { resultClear, resultFail, resultInvoked } from './result';
import {
  mx, member, findTextMember, X_NCOMP, X_DEPMASK, X_SPACE, X_SHARED, X_COMPIDS, X_PREFIX, X_MANIFEST,
  X_DEP_ORDINAL, X_DIGEST, M_ENC, M_ENC_LEN, M_OFFSET, SEC_PRESENT, SEC_SEVERED,
} from './state';

// ---- run status returned to the host ----
export const ST_DONE: i32 = 0; // finished; the result says ok or why not
export const ST_PENDING: i32 = 1; // waiting for fetch data (REQUEST)
export const ST_INVOKED: i32 = 2; // an invoke handed control off (reason invoke-pending)

// ---- outcomes of one command on one component ----
const PASS: i32 = 0;
const FAIL: i32 = 1;
const NOT_EVALUATED: i32 = 2;

// ---- frame layout ----
const F_SECTION: u8 = 1; // a top-level sequence (shared or section) of the root manifest
const F_DEP: u8 = 2; // a top-level sequence of the dependency
const F_ALT: u8 = 3; // a try-each alternative
const F_RUNSEQ: u8 = 4; // a run-sequence argument

const O_KIND: u32 = 0; // u8
const O_LEVEL: u32 = 1; // u8
const O_SOFT: u32 = 2; // u8
const O_INCMD: u32 = 3; // u8: a command is being executed
const O_SECTION: u32 = 4; // i32 manifest key for records (3 = shared)
const O_BASE: u32 = 8; // u32 start of the top-level sequence (offsets are relative to it)
const O_PC: u32 = 12;
const O_END: u32 = 16;
const O_COUNT: u32 = 20; // pairs left, or INDEF
const O_CMDPTR: u32 = 24;
const O_CMD: u32 = 28; // i32
const O_ARG: u32 = 32; // u32 start of the argument
const O_ITER: u32 = 36; // u32 position in the component selection
const O_ALT: u32 = 40; // u32 try-each: next alternative ptr; process-dependency: stage
const O_ALTEND: u32 = 44; // u32 end of the try-each argument array
const O_IDXMODE: u32 = 48; // u32 0 single, 1 all, 2 list
const O_IDXVAL: u32 = 52; // u32 index, or list ptr
const O_IDXEND: u32 = 56; // u32 list end
const O_POLICY: u32 = 60; // u32 reporting policy of the current command

const IDX_SINGLE: u32 = 0;
const IDX_ALL: u32 = 1;
const IDX_LIST: u32 = 2;

// ---- per component state (COMPS): handle, flags, cached digest of the last image written ----
const C_HANDLE: u32 = 0; // i32, -2 not opened
const C_FLAGS: u32 = 4;
const C_LEN: u32 = 8; // u64
const C_DIGEST: u32 = 16; // 32 B
const CF_CACHED: u32 = 1;
const CF_INTEGRITY: u32 = 2; // passed dependency-integrity
const CF_WRITTEN: u32 = 4;

// ---- fetch request (REQUEST) ----
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

let depth: i32 = 0;
let runCount: i32 = 0;
let runPos: i32 = 0;
let runStage: i32 = 0;
let dry: bool = false;
let running: bool = false;
let fetching: bool = false;
let loadedDep: i32 = -1; // level-0 component index whose envelope is in region 1
let depSection: i32 = 0;

// Last condition failure, made the run's result only if nothing recovers from it.
let lfDetail: i32 = 0;
let lfSection: i32 = 0;
let lfOffset: u32 = 0;
let lfComp: i32 = -1;
let lfDep: i32 = -1;

// @ts-ignore: decorator
@inline function frame(i: i32): u32 {
  return FRAMES + <u32>i * FRAME_SIZE;
}
// @ts-ignore: decorator
@inline function top(): u32 {
  return frame(depth - 1);
}
// @ts-ignore: decorator
@inline function comp(level: i32, i: i32): u32 {
  return COMPS + (<u32>level * <u32>MAX_COMPONENTS + <u32>i) * COMP_SIZE;
}

function depPath(level: i32): i32 {
  return level == 0 ? -1 : load<i32>(mx(1) + X_DEP_ORDINAL);
}

/** Aborts the run at the current command of frame f (component ci). Returns ST_DONE. */
function abortAt(f: u32, detail: i32, ci: i32): i32 {
  const lvl = <i32>load<u8>(f + O_LEVEL);
  resultFail(detail, load<i32>(f + O_SECTION), load<u32>(f + O_CMDPTR) - load<u32>(f + O_BASE), ci, depPath(lvl));
  running = false;
  fetching = false;
  depth = 0;
  return ST_DONE;
}

function noteConditionFailure(f: u32, detail: i32, ci: i32): void {
  lfDetail = detail;
  lfSection = load<i32>(f + O_SECTION);
  lfOffset = load<u32>(f + O_CMDPTR) - load<u32>(f + O_BASE);
  lfComp = ci;
  lfDep = depPath(<i32>load<u8>(f + O_LEVEL));
}

/** Reports one executed command (assembly/platform.ts `record`); props = SCRATCH[0..propsLen). */
function record(f: u32, ci: i32, outcome: i32, propsLen: u32): void {
  const lvl = <i32>load<u8>(f + O_LEVEL);
  p.pRecord(depPath(lvl), load<i32>(f + O_SECTION), load<u32>(f + O_CMDPTR) - load<u32>(f + O_BASE), ci,
    load<i32>(f + O_CMD), load<u32>(f + O_POLICY), outcome, SCRATCH, propsLen);
}

function noProps(): u32 {
  wBegin(SCRATCH, SCRATCH_END);
  wHead(5, 0);
  return wp - SCRATCH;
}

// ---------------------------------------------------------------------------------------------
// Frames

function push(kind: u8, level: i32, section: i32, base: u32, seq: u32, seqLen: u32, soft: bool, idxMode: u32, idxVal: u32, idxEnd: u32): bool {
  if (depth >= MAX_FRAMES) return false;
  const f = frame(depth);
  memory.fill(f, 0, FRAME_SIZE);
  store<u8>(f + O_KIND, kind);
  store<u8>(f + O_LEVEL, <u8>level);
  store<u8>(f + O_SOFT, soft ? 1 : 0);
  store<i32>(f + O_SECTION, section);
  store<u32>(f + O_BASE, base);
  store<u32>(f + O_IDXMODE, idxMode);
  store<u32>(f + O_IDXVAL, idxVal);
  store<u32>(f + O_IDXEND, idxEnd);
  cbor.setInput(seq, seq + seqLen);
  if (!cbor.readArray()) return false; // checked by parseManifest; defensive
  store<u32>(f + O_PC, cbor.rp);
  store<u32>(f + O_END, seq + seqLen);
  store<u32>(f + O_COUNT, cbor.vCount);
  depth++;
  return true;
}

/** The k-th component index selected in frame f, or -1 past the end. */
function compAt(f: u32, kk: u32): i32 {
  const mode = load<u32>(f + O_IDXMODE);
  const lvl = <i32>load<u8>(f + O_LEVEL);
  if (mode == IDX_SINGLE) return kk == 0 ? <i32>load<u32>(f + O_IDXVAL) : -1;
  if (mode == IDX_ALL) {
    const space = <i32>load<u32>(mx(lvl) + X_SPACE);
    let n: u32 = 0;
    for (let i = 0; i < space; i++) {
      if (!validIndex(lvl, <u64>i)) continue;
      if (n == kk) return i;
      n++;
    }
    return -1;
  }
  cbor.setInput(load<u32>(f + O_IDXVAL), load<u32>(f + O_IDXEND));
  if (!cbor.readArray()) return -1;
  let n = cbor.vCount;
  let i: u32 = 0;
  while (cbor.hasNext(n)) {
    if (n != cbor.INDEF) n--;
    if (!cbor.readU64()) return -1;
    if (i == kk) return <i32>cbor.hArg;
    i++;
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------
// Components

/** The platform handle of component ci at level, opened on first use; -1 if unsupported. */
function handle(level: i32, ci: i32): i32 {
  const cs = comp(level, ci);
  let h = load<i32>(cs + C_HANDLE);
  if (h != -2) return h;
  const x = mx(level);
  const isDep = ((load<u32>(x + X_DEPMASK) >> <u32>ci) & 1) != 0;
  let id: u32 = 0;
  let idLen: u32 = 0;
  if (<u32>ci < load<u32>(x + X_NCOMP)) {
    id = load<u32>(x + X_COMPIDS + (<u32>ci << 3));
    idLen = load<u32>(x + X_COMPIDS + (<u32>ci << 3) + 4);
  } else if (load<u32>(x + X_PREFIX + (<u32>ci << 3)) != 0) {
    id = load<u32>(x + X_PREFIX + (<u32>ci << 3));
    idLen = load<u32>(x + X_PREFIX + (<u32>ci << 3) + 4);
  } else {
    // A dependency without a component identifier or prefix: the empty identifier [].
    store<u8>(SCRATCH, 0x80);
    id = SCRATCH;
    idLen = 1;
  }
  h = p.pOpen(id, idLen, isDep ? 1 : 0);
  if (h < -1) h = -1;
  store<i32>(cs + C_HANDLE, h);
  return h;
}

/** Forgets cached digests of every component backed by platform handle h. */
function invalidate(h: i32): void {
  for (let lvl = 0; lvl < 2; lvl++) {
    for (let i = 0; i < MAX_COMPONENTS; i++) {
      const cs = comp(lvl, i);
      if (load<i32>(cs + C_HANDLE) == h) store<u32>(cs + C_FLAGS, load<u32>(cs + C_FLAGS) & ~(CF_CACHED | CF_INTEGRITY));
    }
  }
}

function markWritten(level: i32, ci: i32, h: i32): void {
  invalidate(h);
  const cs = comp(level, ci);
  store<u32>(cs + C_FLAGS, load<u32>(cs + C_FLAGS) | CF_WRITTEN);
}

function cacheDigest(level: i32, ci: i32, len: u64, digest: u32): void {
  const cs = comp(level, ci);
  store<u64>(cs + C_LEN, len);
  memory.copy(cs + C_DIGEST, digest, 32);
  store<u32>(cs + C_FLAGS, load<u32>(cs + C_FLAGS) | CF_CACHED);
}

/** SHA-256 of the first `len` bytes of component h into DIGEST_TMP; false if it holds fewer. */
function hashComponent(h: i32, len: u64): bool {
  const ctx = ctxAddr(1);
  shaInit(ctx);
  let off: u64 = 0;
  while (off < len) {
    const want = <u32>min<u64>(<u64>IO_SIZE, len - off);
    const n = p.pRead(h, off, IO, want);
    if (n <= 0 || <u32>n > want) return false;
    shaUpdate(ctx, IO, <u32>n);
    off += <u64>n;
  }
  shaFinal(ctx, DIGEST_TMP);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Dependencies (trust-domains-11 §6)

/** Scans the envelope held by level-0 component ci into region 1. Returns 0 or a detail. */
function scanDependency(ci: i32): i32 {
  loadedDep = -1;
  const h = handle(0, ci);
  if (h < 0) return c.D_COMPONENT;
  const size = p.pSize(h);
  if (size < 0) return c.D_DEP_INTEGRITY;
  scanBegin(1, <u64>size);
  let off: u64 = 0;
  while (off < <u64>size) {
    const want = <u32>min<u64>(<u64>IO_SIZE, <u64>size - off);
    const n = p.pRead(h, off, IO, want);
    if (n <= 0 || <u32>n > want) return c.D_READ;
    if (!scanFeed(IO, <u32>n)) return scanErr;
    off += <u64>n;
  }
  if (!scanEnd()) return scanErr;
  return 0;
}

/** Ordinal of dependency ci among the root's dependencies (SUIT_Record manifest-id). */
function depOrdinal(ci: i32): i32 {
  const mask = load<u32>(mx(0) + X_DEPMASK);
  return <i32>popcnt<u32>(mask & ((<u32>1 << <u32>ci) - 1));
}

/** Loads, authenticates and checks the dependency in component ci into level 1. */
function loadDependency(ci: i32): i32 {
  if (loadedDep == ci) return 0;
  const d = scanDependency(ci);
  if (d != 0) return d;
  // A dependency is authenticated on its own: any one trusted signature (trust-domains §5.1).
  const a = authenticate(1, 0);
  if (a != 0) return c.D_DEP_INTEGRITY;
  const m = parseManifest(1);
  if (m != 0) return m;
  store<i32>(mx(1) + X_DEP_ORDINAL, depOrdinal(ci));
  for (let i = 0; i < MAX_COMPONENTS; i++) {
    const cs = comp(1, i);
    store<i32>(cs + C_HANDLE, -2);
    store<u32>(cs + C_FLAGS, 0);
  }
  loadedDep = ci;
  return 0;
}

/** Manifest digest (SUIT_Digest bytes) of the dependency envelope in component ci -> DIGEST_TMP. */
function dependencyDigest(ci: i32): i32 {
  const d = scanDependency(ci);
  if (d != 0) return d;
  const x = mx(1);
  const mi = load<i32>(x + X_MANIFEST);
  const m = member(1, mi);
  const ctx = ctxAddr(1);
  shaInit(ctx);
  shaUpdate(ctx, load<u32>(m + M_ENC), load<u32>(m + M_ENC_LEN));
  shaFinal(ctx, DIGEST_TMP);
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Conditions

let condDetail: i32 = 0;

function identityCheck(f: u32, lvl: i32, ci: i32, key: i32, kind: i32): i32 {
  condDetail = kind == 0 ? c.D_COND_VENDOR : kind == 1 ? c.D_COND_CLASS : c.D_COND_DEVICE;
  if (!prm.readParam(lvl, ci, key)) return FAIL;
  if (cbor.peekMajor() == cbor.MT_TAG) return FAIL; // a PEN vendor id: this device has UUIDs only
  if (!cbor.readBstr() || cbor.vLen != 16) return FAIL;
  const n = load<i32>(IDENTITY_COUNT + (<u32>kind << 2));
  if (n == 0) return NOT_EVALUATED;
  for (let i = 0; i < n; i++) {
    if (ctEqual(IDENTITY + <u32>(kind * MAX_IDS + i) * 16, cbor.vPtr, 16)) return PASS;
  }
  return FAIL;
}

/** Expected digest of component ci: returns 0 and sets expPtr, or a detail. */
let expPtr: u32 = 0;
function expectedDigest(lvl: i32, ci: i32): i32 {
  if (!prm.readParam(lvl, ci, k.P_DIGEST)) return c.D_COND_IMAGE;
  if (!cbor.readBstr()) return c.D_COND_IMAGE;
  cbor.setInput(cbor.vPtr, cbor.vPtr + cbor.vLen);
  if (!cbor.readArray() || !cbor.readInt()) return c.D_COND_IMAGE;
  const alg = cbor.vInt;
  if (!cbor.readBstr()) return c.D_COND_IMAGE;
  if (alg != -16) return c.D_DIGEST_ALG;
  if (cbor.vLen != 32) return c.D_COND_IMAGE;
  expPtr = cbor.vPtr;
  return 0;
}

let actualLen: u64 = 0;
/** Digest of component ci into DIGEST_TMP (image-size bytes if set). Returns 0 or a detail. */
function actualDigest(lvl: i32, ci: i32): i32 {
  const isDep = lvl == 0 && ((load<u32>(mx(0) + X_DEPMASK) >> <u32>ci) & 1) != 0;
  if (isDep) {
    // trust-domains §5.2: the digest of a dependency is that of its bstr-wrapped manifest.
    if (loadedDep >= 0) loadedDep = -1; // region 1 is about to be reused
    actualLen = 0;
    return dependencyDigest(ci);
  }
  const h = handle(lvl, ci);
  if (h < 0) return c.D_COMPONENT;
  let len: i64 = -1;
  if (prm.paramInt(lvl, ci, k.P_SIZE)) len = cbor.vInt;
  const cs = comp(lvl, ci);
  if ((load<u32>(cs + C_FLAGS) & CF_CACHED) != 0 && (len < 0 || <u64>len == load<u64>(cs + C_LEN))) {
    memory.copy(DIGEST_TMP, cs + C_DIGEST, 32);
    actualLen = load<u64>(cs + C_LEN);
    return 0;
  }
  if (len < 0) len = p.pSize(h);
  if (len < 0) return c.D_COND_IMAGE;
  actualLen = <u64>len;
  return hashComponent(h, <u64>len) ? 0 : c.D_COND_IMAGE;
}

/** Props of an image check: {3: << [-16, actual] >>, 14: size}. */
function imageProps(): u32 {
  wBegin(SCRATCH, SCRATCH_END);
  wHead(5, 2);
  wHead(0, 3);
  wHead(2, 36);
  wHead(4, 2);
  wInt(-16);
  wString(2, DIGEST_TMP, 32);
  wHead(0, 14);
  wHead(0, actualLen);
  return wfull ? 0 : wp - SCRATCH;
}

let propsLen: u32 = 0;

/** Evaluates condition cmd on component ci. Sets condDetail on FAIL. Returns PASS/FAIL/NOT_EVALUATED, or < 0 = abort with -detail. */
function condition(f: u32, cmd: i32, ci: i32): i32 {
  const lvl = <i32>load<u8>(f + O_LEVEL);
  propsLen = 0;
  switch (cmd) {
    case k.C_VENDOR: return identityCheck(f, lvl, ci, k.P_VENDOR, 0);
    case k.C_CLASS: return identityCheck(f, lvl, ci, k.P_CLASS, 1);
    case k.C_DEVICE: return identityCheck(f, lvl, ci, k.P_DEVICE, 2);
    case k.C_IS_DEPENDENCY:
      condDetail = c.D_COND_DEPENDENCY;
      return lvl == 0 && ((load<u32>(mx(0) + X_DEPMASK) >> <u32>ci) & 1) != 0 ? PASS : FAIL;
    case k.C_ABORT:
      condDetail = c.D_COND_ABORT;
      return FAIL;
    case k.C_IMAGE_MATCH:
    case k.C_IMAGE_NOT_MATCH: {
      condDetail = cmd == k.C_IMAGE_MATCH ? c.D_COND_IMAGE : c.D_COND_NOT_MATCH;
      const e = expectedDigest(lvl, ci);
      if (e == c.D_DIGEST_ALG) return -e;
      if (e != 0) return FAIL;
      const exp = expPtr;
      if (dry) return NOT_EVALUATED;
      const a = actualDigest(lvl, ci);
      if (a == c.D_COMPONENT || a == c.D_READ) return -a;
      if (a != 0) return FAIL;
      propsLen = imageProps();
      const same = ctEqual(DIGEST_TMP, exp, 32);
      if (same && cmd == k.C_IMAGE_MATCH && lvl == 0 && ((load<u32>(mx(0) + X_DEPMASK) >> <u32>ci) & 1) != 0) {
        // A dependency's manifest digest checked: process-dependency may use it (it still
        // authenticates the envelope). The trust-domains examples rely on this.
        const cs = comp(0, ci);
        store<u32>(cs + C_FLAGS, load<u32>(cs + C_FLAGS) | CF_INTEGRITY);
      }
      return (cmd == k.C_IMAGE_MATCH) == same ? PASS : FAIL;
    }
    case k.C_CHECK_CONTENT: {
      condDetail = c.D_COND_CONTENT;
      if (!prm.paramBytes(lvl, ci, k.P_CONTENT, cbor.MT_BSTR)) return FAIL;
      const cp = cbor.vPtr;
      const cn = cbor.vLen;
      if (dry) return NOT_EVALUATED;
      const h = handle(lvl, ci);
      if (h < 0) return -c.D_COMPONENT;
      if (p.pSize(h) != <i64>cn) return FAIL;
      // Constant time over the content (§8.4.9.3): read it all, accumulate differences.
      let diff = false;
      let off: u32 = 0;
      while (off < cn) {
        const want = min<u32>(IO_SIZE, cn - off);
        const n = p.pRead(h, <u64>off, IO, want);
        if (n != <i32>want) return FAIL;
        if (!ctEqual(IO, cp + off, want)) diff = true;
        off += want;
      }
      return diff ? FAIL : PASS;
    }
    case k.C_SLOT: {
      condDetail = c.D_COND_SLOT;
      if (!prm.paramInt(lvl, ci, k.P_SLOT)) return FAIL;
      const want = cbor.vInt;
      if (dry) return NOT_EVALUATED;
      const h = handle(lvl, ci);
      if (h < 0) return -c.D_COMPONENT;
      const s = p.pSlot(h);
      return s >= 0 && s == want ? PASS : FAIL;
    }
    case k.C_USE_BEFORE: {
      condDetail = c.D_COND_USE_BEFORE;
      if (!prm.paramInt(lvl, ci, k.P_USE_BEFORE)) return FAIL;
      const limit = cbor.vInt;
      if (dry) return NOT_EVALUATED;
      const now = p.pNow();
      return now >= 0 && now < limit ? PASS : FAIL;
    }
    case k.C_BATTERY: {
      condDetail = c.D_COND_BATTERY;
      if (!prm.paramInt(lvl, ci, k.P_BATTERY)) return FAIL;
      const need = cbor.vInt;
      if (dry) return NOT_EVALUATED;
      const b = p.pBattery();
      return b >= 0 && b >= need ? PASS : FAIL;
    }
    case k.C_AUTHORIZED: {
      condDetail = c.D_COND_AUTHORIZED;
      if (!prm.paramInt(lvl, ci, k.P_PRIORITY)) return FAIL;
      const prio = cbor.vInt;
      if (dry) return NOT_EVALUATED;
      return p.pAuthorize(prio) == 1 ? PASS : FAIL;
    }
    case k.C_VERSION: return versionCheck(lvl, ci);
    case k.C_DEP_INTEGRITY: {
      condDetail = c.D_DEP_INTEGRITY;
      if (lvl != 0) return -c.D_DEP_DEPTH;
      if (((load<u32>(mx(0) + X_DEPMASK) >> <u32>ci) & 1) == 0) return -c.D_DEP_INTEGRITY;
      const e = expectedDigest(lvl, ci);
      if (e != 0) return -c.D_DEP_INTEGRITY;
      const exp = expPtr;
      if (dry) return NOT_EVALUATED;
      loadedDep = -1;
      const d = loadDependency(ci);
      if (d != 0) return -c.D_DEP_INTEGRITY;
      // The dependency's own SUIT_Digest must be the one the dependent names.
      if (!ctEqual(mx(1) + X_DIGEST, exp, 32)) {
        loadedDep = -1;
        return -c.D_DEP_INTEGRITY;
      }
      const cs = comp(0, ci);
      store<u32>(cs + C_FLAGS, load<u32>(cs + C_FLAGS) | CF_INTEGRITY);
      return PASS;
    }
  }
  return -c.D_UNKNOWN_COMMAND;
}

/** update-management §4.4 / §5.5: compare the component's version with [type, [+int]]. */
function versionCheck(lvl: i32, ci: i32): i32 {
  condDetail = c.D_COND_VERSION;
  if (!prm.readParam(lvl, ci, k.P_VERSION) || !cbor.readBstr()) return FAIL;
  const vp = cbor.vPtr;
  const vn = cbor.vLen;
  if (dry) return NOT_EVALUATED;
  const h = handle(lvl, ci);
  if (h < 0) return -c.D_COMPONENT;
  // The device's version goes to the end of SCRATCH as i64 values.
  const dv = SCRATCH_END - 8 * 32;
  const dn = p.pVersion(h, dv, 32);
  if (dn < 0) return FAIL;
  cbor.setInput(vp, vp + vn);
  if (!cbor.readArray() || !cbor.readUint()) return FAIL;
  const type = cbor.vInt;
  if (!cbor.readArray()) return FAIL;
  let n = cbor.vCount;
  let cmp = 0; // sign of (device - manifest)
  let i = 0;
  while (cbor.hasNext(n)) {
    if (n != cbor.INDEF) n--;
    if (!cbor.readInt()) return FAIL;
    const want = cbor.vInt;
    const have: i64 = i < dn ? load<i64>(dv + <u32>i * 8) : 0;
    i++;
    if (have != want) {
      cmp = have > want ? 1 : -1;
      break;
    }
  }
  let ok = false;
  if (type == 1) ok = cmp > 0;
  else if (type == 2) ok = cmp >= 0;
  else if (type == 3) ok = cmp == 0;
  else if (type == 4) ok = cmp <= 0;
  else if (type == 5) ok = cmp < 0;
  return ok ? PASS : FAIL;
}

// ---------------------------------------------------------------------------------------------
// Directives

/** Applies a SUIT_Parameters map at the cursor to component ci (override, or set-if-unset). */
function applyParams(f: u32, lvl: i32, ci: i32, ifUnset: bool): i32 {
  if (!cbor.readMap()) return c.D_BAD_ARGUMENT;
  let n = cbor.vCount;
  while (cbor.hasNext(n)) {
    if (n != cbor.INDEF) n--;
    if (!cbor.readInt()) return c.D_BAD_ARGUMENT;
    const key = cbor.vInt;
    const vp = cbor.rp;
    if (!cbor.skip()) return c.D_BAD_ARGUMENT;
    if (key == <i64>k.P_SOFT_FAILURE) {
      // Scoped to the enclosing sequence; only try-each / run-sequence sequences may set it.
      const kind = load<u8>(f + O_KIND);
      if (kind != F_ALT && kind != F_RUNSEQ) return c.D_SOFT_FAILURE;
      const save = cbor.rp;
      const lim = cbor.rlim;
      cbor.setCursor(vp, save);
      cbor.readBool();
      store<u8>(f + O_SOFT, cbor.vInt == 1 ? 1 : 0);
      cbor.setCursor(save, lim);
    } else if (key > 0 && key < 32) {
      prm.setParam(lvl, ci, <i32>key, vp, cbor.rp - vp, ifUnset);
    }
  }
  return cbor.rerr != 0 ? c.D_BAD_ARGUMENT : 0;
}

function setIndex(f: u32): void {
  const a = load<u32>(f + O_ARG);
  cbor.setInput(a, load<u32>(f + O_PC));
  const m = cbor.peekMajor();
  if (m == cbor.MT_SIMPLE) {
    store<u32>(f + O_IDXMODE, IDX_ALL);
  } else if (m == cbor.MT_ARRAY) {
    store<u32>(f + O_IDXMODE, IDX_LIST);
    store<u32>(f + O_IDXVAL, a);
    store<u32>(f + O_IDXEND, load<u32>(f + O_PC));
  } else {
    cbor.readU64();
    store<u32>(f + O_IDXMODE, IDX_SINGLE);
    store<u32>(f + O_IDXVAL, <u32>cbor.hArg);
  }
}

/** Parameter-map commands (19, 20, 34, 35). Returns 0 or a detail. */
function paramCommand(f: u32, cmd: i32): i32 {
  const lvl = <i32>load<u8>(f + O_LEVEL);
  const a = load<u32>(f + O_ARG);
  const end = load<u32>(f + O_PC);
  if (cmd == k.D_OVERRIDE_MULTIPLE) {
    cbor.setInput(a, end);
    cbor.readMap();
    let n = cbor.vCount;
    let last: i32 = -1;
    while (cbor.hasNext(n)) {
      if (n != cbor.INDEF) n--;
      cbor.readU64();
      last = <i32>cbor.hArg;
      const d = applyParams(f, lvl, last, false);
      if (d != 0) return d;
    }
    // "The component index is set to the last component listed" (update-management §5.7).
    store<u32>(f + O_IDXMODE, IDX_SINGLE);
    store<u32>(f + O_IDXVAL, <u32>last);
    return 0;
  }
  for (let it: u32 = 0; ; it++) {
    const ci = compAt(f, it);
    if (ci < 0) break;
    cbor.setInput(a, end);
    if (cmd == k.D_COPY_PARAMS) {
      cbor.readMap();
      let n = cbor.vCount;
      while (cbor.hasNext(n)) {
        if (n != cbor.INDEF) n--;
        cbor.readU64();
        const src = <i32>cbor.hArg;
        cbor.readArray();
        let m = cbor.vCount;
        while (cbor.hasNext(m)) {
          if (m != cbor.INDEF) m--;
          cbor.readInt();
          if (cbor.vInt > 0 && cbor.vInt < 32) prm.copyParam(lvl, ci, src, <i32>cbor.vInt);
        }
      }
    } else {
      const d = applyParams(f, lvl, ci, cmd == k.D_SET_PARAMS);
      if (d != 0) return d;
    }
  }
  return 0;
}

/** write / copy / swap / invoke / unlink / wait on ci. Returns PASS, NOT_EVALUATED, ST_INVOKED + 10, or -detail. */
const INVOKED: i32 = 12;
function directive(f: u32, cmd: i32, ci: i32): i32 {
  const lvl = <i32>load<u8>(f + O_LEVEL);
  propsLen = 0;
  if (dry) return NOT_EVALUATED;
  const h = handle(lvl, ci);
  if (h < 0) return -c.D_COMPONENT;
  switch (cmd) {
    case k.D_WRITE: {
      if (prm.hasParam(lvl, ci, k.P_ENCRYPTION_INFO)) return -c.D_ENCRYPTED;
      if (!prm.paramBytes(lvl, ci, k.P_CONTENT, cbor.MT_BSTR)) return -c.D_PARAM_MISSING;
      const cp = cbor.vPtr;
      const cn = cbor.vLen;
      if (p.pErase(h) != 0) return -c.D_WRITE;
      markWritten(lvl, ci, h);
      if (cn > 0 && p.pWrite(h, 0, cp, cn) != 0) return -c.D_WRITE;
      if (p.pFinish(h, <u64>cn) != 0) return -c.D_WRITE;
      const ctx = ctxAddr(1);
      shaInit(ctx);
      shaUpdate(ctx, cp, cn);
      shaFinal(ctx, DIGEST_TMP);
      cacheDigest(lvl, ci, <u64>cn, DIGEST_TMP);
      return PASS;
    }
    case k.D_COPY:
    case k.D_SWAP: {
      if (cmd == k.D_COPY && prm.hasParam(lvl, ci, k.P_ENCRYPTION_INFO)) return -c.D_ENCRYPTED;
      if (!prm.paramInt(lvl, ci, k.P_SOURCE)) return -c.D_PARAM_MISSING;
      const src = cbor.vInt;
      if (src < 0 || !validIndex(lvl, <u64>src)) return -c.D_INDEX_RANGE;
      const hs = handle(lvl, <i32>src);
      if (hs < 0) return -c.D_COMPONENT;
      markWritten(lvl, ci, h);
      if (cmd == k.D_SWAP) {
        markWritten(lvl, <i32>src, hs);
        return p.pSwap(h, hs) == 0 ? PASS : -c.D_SWAP;
      }
      return p.pCopy(h, hs) == 0 ? PASS : -c.D_COPY;
    }
    case k.D_INVOKE: {
      let ap: u32 = 0;
      let an: u32 = 0;
      if (prm.paramBytes(lvl, ci, k.P_INVOKE_ARGS, cbor.MT_BSTR)) {
        ap = cbor.vPtr;
        an = cbor.vLen;
      }
      const r = p.pInvoke(h, ap, an);
      if (r == 1) return INVOKED;
      return r == 0 ? PASS : -c.D_INVOKE;
    }
    case k.D_UNLINK:
      return p.pUnlink(h) == 0 ? PASS : -c.D_UNLINK;
    case k.D_WAIT: {
      let ip: u32 = 0;
      let inn: u32 = 0;
      if (prm.paramBytes(lvl, ci, k.P_WAIT_INFO, cbor.MT_BSTR)) {
        ip = cbor.vPtr;
        inn = cbor.vLen;
      }
      return p.pWait(h, ip, inn) == 0 ? PASS : -c.D_WAIT;
    }
  }
  return -c.D_UNKNOWN_COMMAND;
}

// ---------------------------------------------------------------------------------------------
// Fetch

/** Starts the fetch for ci. Returns ST_PENDING (host supplies data), PASS (done in the core),
 *  NOT_EVALUATED (dry run) or -detail. */
function fetchStart(f: u32, ci: i32): i32 {
  const lvl = <i32>load<u8>(f + O_LEVEL);
  if (prm.hasParam(lvl, ci, k.P_ENCRYPTION_INFO)) return -c.D_ENCRYPTED;
  if (!prm.paramBytes(lvl, ci, k.P_URI, cbor.MT_TSTR)) return -c.D_PARAM_MISSING;
  const uri = cbor.vPtr;
  const uriLen = cbor.vLen;
  if (dry) return NOT_EVALUATED;
  const h = handle(lvl, ci);
  if (h < 0) return -c.D_COMPONENT;
  const q = REQUEST;
  memory.fill(q, 0, 72);
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
    store<i32>(q + Q_DIGEST_ALG, -16);
  }
  if (p.pErase(h) != 0) return -c.D_WRITE;
  markWritten(lvl, ci, h);
  shaInit(ctxAddr(2));
  // Integrated payloads (manifest-37 §7.5): a text key of the envelope equal to the URI.
  const mi = findTextMember(lvl, uri, uriLen);
  if (mi >= 0) {
    const m = member(lvl, mi);
    store<u64>(q + Q_OFFSET, load<u64>(m + M_OFFSET));
    store<u64>(q + Q_LENGTH, <u64>load<u32>(m + M_ENC_LEN));
    if (lvl == 0) {
      store<i32>(q + Q_SOURCE, 1);
    } else {
      // Inside the dependency envelope, which the core reads from its component itself.
      const hs = handle(0, loadedDep);
      let off: u64 = 0;
      const total = <u64>load<u32>(m + M_ENC_LEN);
      const base = load<u64>(m + M_OFFSET);
      while (off < total) {
        const want = <u32>min<u64>(<u64>IO_SIZE, total - off);
        const n = p.pRead(hs, base + off, IO, want);
        if (n != <i32>want) return -c.D_READ;
        const d = fetchChunk(want);
        if (d != 0) return -d;
        off += <u64>want;
      }
      const e = fetchFinish();
      return e != 0 ? -e : PASS;
    }
  }
  fetching = true;
  return ST_PENDING;
}

/** Writes and hashes IO[0..len) of the fetch in progress. Returns 0 or a detail. */
function fetchChunk(len: u32): i32 {
  const q = REQUEST;
  const got = load<u64>(q + Q_RECEIVED);
  const size = load<i64>(q + Q_SIZE);
  if (size >= 0 && got + <u64>len > <u64>size) return c.D_SIZE;
  if (len > 0 && p.pWrite(load<i32>(q + Q_HANDLE), got, IO, len) != 0) return c.D_WRITE;
  shaUpdate(ctxAddr(2), IO, len);
  store<u64>(q + Q_RECEIVED, got + <u64>len);
  return 0;
}

function fetchFinish(): i32 {
  const q = REQUEST;
  const got = load<u64>(q + Q_RECEIVED);
  const size = load<i64>(q + Q_SIZE);
  if (size >= 0 && got != <u64>size) return c.D_SIZE;
  if (p.pFinish(load<i32>(q + Q_HANDLE), got) != 0) return c.D_WRITE;
  shaFinal(ctxAddr(2), DIGEST_TMP);
  cacheDigest(load<i32>(q + Q_LEVEL), load<i32>(q + Q_COMP), got, DIGEST_TMP);
  actualLen = got;
  propsLen = imageProps();
  return 0;
}

// ---------------------------------------------------------------------------------------------
// The interpreter loop

const R_NEXT: i32 = 0; // the command is complete
const R_PUSHED: i32 = 1; // a child frame runs first
const R_COND_FAIL: i32 = 2; // the frame's sequence fails with a condition failure
const R_STOP: i32 = 3; // return `stopStatus` to the host

let stopStatus: i32 = ST_DONE;

function stop(status: i32): i32 {
  stopStatus = status;
  return R_STOP;
}

/** Handles a command's outcome on one component. */
function outcome(f: u32, ci: i32, r: i32, isCondition: bool): i32 {
  if (r < 0) {
    record(f, ci, FAIL, 0);
    return stop(abortAt(f, -r, ci));
  }
  record(f, ci, r == INVOKED ? PASS : r, r == INVOKED ? 0 : propsLen);
  if (r == INVOKED) {
    resultInvoked(load<i32>(f + O_SECTION), load<u32>(f + O_CMDPTR) - load<u32>(f + O_BASE), ci, depPath(<i32>load<u8>(f + O_LEVEL)));
    running = false;
    depth = 0;
    return stop(ST_INVOKED);
  }
  if (r == FAIL) {
    if (!isCondition) return stop(abortAt(f, c.D_WRITE, ci));
    noteConditionFailure(f, condDetail, ci);
    return R_COND_FAIL;
  }
  return R_NEXT;
}

/** Executes (or continues) the current command of frame f. */
function step(f: u32): i32 {
  const cmd = load<i32>(f + O_CMD);
  const kind = k.argKind(cmd);
  const lvl = <i32>load<u8>(f + O_LEVEL);
  if (kind == k.A_INDEX) {
    setIndex(f);
    return R_NEXT;
  }
  if (kind == k.A_PARAMS || kind == k.A_MULTI || kind == k.A_COPY_PARAMS) {
    const d = paramCommand(f, cmd);
    return d != 0 ? stop(abortAt(f, d, -1)) : R_NEXT;
  }
  if (kind == k.A_POLICY_COND) {
    for (;;) {
      const it = load<u32>(f + O_ITER);
      const ci = compAt(f, it);
      if (ci < 0) return R_NEXT;
      store<u32>(f + O_ITER, it + 1);
      const r = outcome(f, ci, condition(f, cmd, ci), true);
      if (r != R_NEXT) return r;
    }
  }
  if (kind == k.A_POLICY_DIR) {
    for (;;) {
      const it = load<u32>(f + O_ITER);
      const ci = compAt(f, it);
      if (ci < 0) return R_NEXT;
      if (cmd == k.D_PROCESS_DEPENDENCY) {
        const r = processDependency(f, ci);
        if (r != R_NEXT) return r;
        continue;
      }
      store<u32>(f + O_ITER, it + 1);
      if (cmd == k.D_FETCH) {
        const r = fetchStart(f, ci);
        if (r == ST_PENDING) {
          // Resumes in fetch_end(); the iteration already points past this component.
          return stop(ST_PENDING);
        }
        const o = outcome(f, ci, r, false);
        if (o != R_NEXT) return o;
        continue;
      }
      const o = outcome(f, ci, directive(f, cmd, ci), false);
      if (o != R_NEXT) return o;
    }
  }
  if (kind == k.A_TRY_EACH || kind == k.A_SEQUENCE) {
    const it = load<u32>(f + O_ITER);
    const ci = compAt(f, it);
    if (ci < 0) return R_NEXT;
    if (kind == k.A_SEQUENCE) {
      cbor.setInput(load<u32>(f + O_ARG), load<u32>(f + O_PC));
      cbor.readBstr();
      const sp = cbor.vPtr;
      const sn = cbor.vLen;
      if (!push(F_RUNSEQ, lvl, load<i32>(f + O_SECTION), load<u32>(f + O_BASE), sp, sn, false, IDX_SINGLE, <u32>ci, 0)) return stop(abortAt(f, c.D_FRAMES, ci));
      return R_PUSHED;
    }
    // try-each: O_ALT = next alternative (0 = not started), O_ALTEND = end of the argument.
    if (load<u32>(f + O_ALT) == 0) {
      cbor.setInput(load<u32>(f + O_ARG), load<u32>(f + O_PC));
      cbor.readArray();
      store<u32>(f + O_ALT, cbor.rp);
      store<u32>(f + O_ALTEND, load<u32>(f + O_PC));
    }
    return nextAlternative(f, ci);
  }
  return stop(abortAt(f, c.D_UNKNOWN_COMMAND, -1));
}

/** Pushes the next try-each alternative for ci, or settles the try-each when none is left. */
function nextAlternative(f: u32, ci: i32): i32 {
  const at = load<u32>(f + O_ALT);
  const end = load<u32>(f + O_ALTEND);
  cbor.setInput(at, end);
  if (at >= end || cbor.atBreak()) {
    // Every alternative failed (§8.4.10.2): the try-each fails like a condition.
    noteConditionFailure(f, c.D_TRY_EACH, ci);
    return R_COND_FAIL;
  }
  if (cbor.takeNull()) {
    // A trailing nil: "all sequences may fail and processing continues".
    tryEachDone(f);
    return continueCommand(f);
  }
  cbor.readBstr();
  store<u32>(f + O_ALT, cbor.rp);
  if (!push(F_ALT, <i32>load<u8>(f + O_LEVEL), load<i32>(f + O_SECTION), load<u32>(f + O_BASE), cbor.vPtr, cbor.vLen, true, IDX_SINGLE, <u32>ci, 0)) {
    return stop(abortAt(f, c.D_FRAMES, ci));
  }
  return R_PUSHED;
}

/** One component of try-each / run-sequence done: on to the next component. */
function tryEachDone(f: u32): void {
  store<u32>(f + O_ITER, load<u32>(f + O_ITER) + 1);
  store<u32>(f + O_ALT, 0);
}

/** After finishing one component of a looping command: the command is complete or runs again. */
function continueCommand(f: u32): i32 {
  return compAt(f, load<u32>(f + O_ITER)) < 0 ? R_NEXT : step(f);
}

/** suit-directive-process-dependency on ci: stage 0 checks and loads, 1 runs the shared
 *  sequence, 2 the section, 3 done (stage kept in O_ALT). */
function processDependency(f: u32, ci: i32): i32 {
  const lvl = <i32>load<u8>(f + O_LEVEL);
  const stage = load<u32>(f + O_ALT);
  const section = load<i32>(f + O_SECTION);
  if (stage == 0) {
    if (dry) {
      record(f, ci, NOT_EVALUATED, 0);
      tryEachDone(f);
      return R_NEXT;
    }
    if (lvl != 0) return stop(abortAt(f, c.D_DEP_DEPTH, ci));
    if (section == 3) return stop(abortAt(f, c.D_DEP_NOT_CHECKED, ci));
    const cs = comp(0, ci);
    if (((load<u32>(mx(0) + X_DEPMASK) >> <u32>ci) & 1) == 0 || (load<u32>(cs + C_FLAGS) & CF_INTEGRITY) == 0) {
      return stop(abortAt(f, c.D_DEP_NOT_CHECKED, ci));
    }
    const d = loadDependency(ci);
    if (d != 0) return stop(abortAt(f, c.D_DEP_INTEGRITY, ci));
    record(f, ci, PASS, 0);
    prm.clearParams(1);
    store<u32>(f + O_ALT, 1);
    const x = mx(1);
    const sn = load<u32>(x + X_SHARED + 4);
    if (sn > 0) {
      const sp = load<u32>(x + X_SHARED);
      if (!push(F_DEP, 1, 3, sp, sp, sn, false, IDX_SINGLE, 0, 0)) return stop(abortAt(f, c.D_FRAMES, ci));
      return R_PUSHED;
    }
  }
  if (load<u32>(f + O_ALT) == 1) {
    store<u32>(f + O_ALT, 2);
    const st = sectionState(1, section);
    if (st == SEC_SEVERED) return stop(abortAt(f, c.D_SEVERED, ci));
    if (st == SEC_PRESENT) {
      const sp = sectionPtr(1, section);
      if (!push(F_DEP, 1, section, sp, sp, sectionLen(1, section), false, IDX_SINGLE, 0, 0)) return stop(abortAt(f, c.D_FRAMES, ci));
      return R_PUSHED;
    }
  }
  tryEachDone(f);
  return R_NEXT;
}

/** A child frame ended (condition failure or not); the parent's command continues. */
function childEnded(condFailed: bool, childSoft: bool, childKind: u8): i32 {
  const f = top();
  const cmd = load<i32>(f + O_CMD);
  if (cmd == k.D_PROCESS_DEPENDENCY) {
    if (condFailed) {
      // "An Abort in a Dependency causes an Abort" (trust-domains §6.4).
      resultFail(lfDetail, lfSection, lfOffset, lfComp, lfDep);
      running = false;
      depth = 0;
      return stop(ST_DONE);
    }
    return continueCommand(f);
  }
  if (childKind == F_ALT) {
    if (!condFailed) {
      tryEachDone(f);
      return continueCommand(f);
    }
    if (childSoft) return nextAlternative(f, compAt(f, load<u32>(f + O_ITER)));
    return R_COND_FAIL;
  }
  // run-sequence: with soft-failure a condition failure just ends the argument sequence.
  if (condFailed && !childSoft) return R_COND_FAIL;
  tryEachDone(f);
  return continueCommand(f);
}

/** Reads the next command of frame f into the frame; false at the end of the sequence. */
function fetchCommand(f: u32): bool {
  cbor.setInput(load<u32>(f + O_PC), load<u32>(f + O_END));
  let n = load<u32>(f + O_COUNT);
  if (!cbor.hasNext(n)) return false;
  if (n != cbor.INDEF) store<u32>(f + O_COUNT, n - 2);
  store<u32>(f + O_CMDPTR, cbor.rp);
  cbor.readInt();
  const cmd = <i32>cbor.vInt;
  store<i32>(f + O_CMD, cmd);
  store<u32>(f + O_ARG, cbor.rp);
  const kind = k.argKind(cmd);
  let policy: u32 = 0;
  if (kind == k.A_POLICY_COND || kind == k.A_POLICY_DIR) {
    const save = cbor.rp;
    cbor.readU64();
    policy = <u32>cbor.hArg;
    cbor.setCursor(save, cbor.rlim);
  }
  cbor.skip();
  store<u32>(f + O_PC, cbor.rp);
  store<u32>(f + O_POLICY, policy);
  store<u32>(f + O_ITER, 0);
  store<u32>(f + O_ALT, 0);
  store<u8>(f + O_INCMD, 1);
  return true;
}

const R_NONE: i32 = -1;

/**
 * Runs until the run ends, suspends at a fetch, or hands off at an invoke. `r` is the result of
 * a command step already taken (R_NONE for none); condition failures unwind through the frames.
 */
function drive(r: i32): i32 {
  for (;;) {
    while (r != R_NONE) {
      if (r == R_STOP) return stopStatus;
      if (r == R_PUSHED) {
        r = R_NONE;
        break;
      }
      const f = top();
      if (r == R_NEXT) {
        store<u8>(f + O_INCMD, 0);
        r = R_NONE;
        break;
      }
      // R_COND_FAIL: frame f ends with a condition failure.
      const kind = load<u8>(f + O_KIND);
      const soft = load<u8>(f + O_SOFT) != 0;
      depth--;
      if (kind == F_SECTION || depth == 0) {
        resultFail(lfDetail, lfSection, lfOffset, lfComp, lfDep);
        running = false;
        depth = 0;
        return ST_DONE;
      }
      r = childEnded(true, soft, kind);
    }
    if (!running) return ST_DONE;
    if (depth == 0) {
      const s = advanceRun();
      if (s >= 0) return s;
      continue;
    }
    const f = top();
    if (load<u8>(f + O_INCMD) == 0 && !fetchCommand(f)) {
      // The sequence completed.
      const kind = load<u8>(f + O_KIND);
      const soft = load<u8>(f + O_SOFT) != 0;
      depth--;
      if (kind != F_SECTION) r = childEnded(false, soft, kind);
      continue;
    }
    r = step(f);
  }
  // Not reached: the loop exits only by return (AssemblyScript wants a final value).
  return ST_DONE;
}

/** Pushes the next top-level sequence of the run list; returns a status when the run is over, else -1. */
function advanceRun(): i32 {
  if (runPos >= runCount) {
    running = false;
    return ST_DONE;
  }
  const key = load<i32>(RUNLIST + (<u32>runPos << 2));
  const x = mx(0);
  if (runStage == 0) {
    // A section the manifest does not have is skipped, shared sequence included.
    const st = key == 3 ? SEC_PRESENT : sectionState(0, key);
    if (st == SEC_SEVERED) {
      resultFail(c.D_SEVERED, key, 0, -1, -1);
      running = false;
      return ST_DONE;
    }
    if (st != SEC_PRESENT) {
      runPos++;
      return -1;
    }
    runStage = 1;
    const sn = load<u32>(x + X_SHARED + 4);
    if (sn > 0) {
      const sp = load<u32>(x + X_SHARED);
      push(F_SECTION, 0, 3, sp, sp, sn, false, IDX_SINGLE, 0, 0);
    }
    return -1;
  }
  runStage = 0;
  runPos++;
  if (key != 3) {
    const sp = sectionPtr(0, key);
    push(F_SECTION, 0, key, sp, sp, sectionLen(0, key), false, IDX_SINGLE, 0, 0);
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------
// Entry points (exported by index.ts)

/** Starts a run over the `count` section keys in IO (i32 each; 3 = the shared sequence alone). */
export function runBegin(count: i32, dryRun: bool): i32 {
  if (count < 0 || count > MAX_RUN) return resultFailDone(c.D_LIMIT);
  memory.copy(RUNLIST, IO, <u32>count << 2);
  runCount = count;
  runPos = 0;
  runStage = 0;
  depth = 0;
  dry = dryRun;
  fetching = false;
  loadedDep = -1;
  lfDetail = 0;
  prm.clearParams(0);
  prm.clearParams(1);
  for (let lvl = 0; lvl < 2; lvl++) {
    for (let i = 0; i < MAX_COMPONENTS; i++) {
      const cs = comp(lvl, i);
      store<i32>(cs + C_HANDLE, -2);
      store<u32>(cs + C_FLAGS, 0);
    }
  }
  resultClear();
  running = true;
  return drive(R_NONE);
}

function resultFailDone(d: i32): i32 {
  resultFail(d, 0, 0, -1, -1);
  running = false;
  return ST_DONE;
}

/** Fetch data: IO[0..len). Returns ST_PENDING, or ST_DONE when the fetch failed. */
export function fetchData(len: u32): i32 {
  if (!fetching) return resultFailDone(c.D_STATE);
  const d = fetchChunk(min<u32>(len, IO_SIZE));
  if (d != 0) return failFetch(d);
  return ST_PENDING;
}

function failFetch(d: i32): i32 {
  fetching = false;
  const f = top();
  const ci = load<i32>(REQUEST + Q_COMP);
  record(f, ci, FAIL, 0);
  return abortAt(f, d, ci);
}

/** The fetch is complete: check its size, record it, resume the run. */
export function fetchEnd(): i32 {
  if (!fetching) return resultFailDone(c.D_STATE);
  const d = fetchFinish();
  if (d != 0) return failFetch(d);
  fetching = false;
  const f = top();
  record(f, load<i32>(REQUEST + Q_COMP), PASS, propsLen);
  // Continue the fetch command with its next component, then the rest of the run.
  return drive(continueCommand(f));
}

/** The host could not get the payload. */
export function fetchFailed(): i32 {
  if (!fetching) return resultFailDone(c.D_STATE);
  return failFetch(c.D_FETCH);
}

/** Components written in this run at `level` (bit i = component index i). */
export function writtenMask(level: i32): u32 {
  let m: u32 = 0;
  for (let i = 0; i < MAX_COMPONENTS; i++) if ((load<u32>(comp(level, i) + C_FLAGS) & CF_WRITTEN) != 0) m |= <u32>1 << <u32>i;
  return m;
}

/** Platform handle of component i at level in this run (-2 never opened, -1 unsupported). */
export function componentHandle(level: i32, i: i32): i32 {
  return level < 0 || level > 1 || i < 0 || i >= MAX_COMPONENTS ? -1 : load<i32>(comp(level, i) + C_HANDLE);
}

/** Manifest-id ordinal of the dependency loaded in level 1 (-1 none). */
export function loadedDependency(): i32 {
  return loadedDep < 0 ? -1 : load<i32>(mx(1) + X_DEP_ORDINAL);
}

export function requestPtr(): u32 {
  return REQUEST;
}

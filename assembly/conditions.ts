/**
 * SUIT conditions (draft-ietf-suit-manifest-37 §8.4.9; trust-domains-11 §6.3-6.4;
 * update-management-14 §5.1-5.5): each compares parameters of a component with the device and
 * returns PASS, FAIL (condDetail says which) or NOT_EVALUATED (dry runs, identities the host did
 * not give); a negative value is an abort (-detail) the processor cannot evaluate around.
 * A condition whose parameter is not set fails (§8.4.9). Digest comparisons are constant time.
 */
import { SCRATCH, SCRATCH_END, IO, IO_SIZE, IDENTITY, IDENTITY_COUNT, MAX_IDS, DIGEST_TMP } from './layout';
import * as cbor from './cbor';
import * as c from './codes';
import * as k from './commands';
import { wBegin, wHead, wInt, wString, wp, wfull } from './cbor_write';
import { ctEqual } from './ct';
import { readDigest, digestAlg, digestPtr, digestLen, SHA256 } from './digest';
import * as p from './platform';
import * as prm from './params';
import { PASS, FAIL, NOT_EVALUATED, dry, setProps, setCondDetail } from './context';
import { handle, isDependency, setFlag, cachedDigest, hashComponent, CF_INTEGRITY } from './components';
import { loadDependency, dependencyDigest, forgetDependency } from './dependency';
import { mx, X_DIGEST } from './state';
import { MAX_LEVELS } from './layout';

/** Pointer to the expected digest bytes after expectedDigest() returned 0. */
export let expPtr: u32 = 0;
/** Length of the image whose digest is in DIGEST_TMP. */
let actualLen: u64 = 0;

export function setActualLen(n: u64): void {
  actualLen = n;
}

function identityCheck(lvl: i32, ci: i32, key: i32, kind: i32): i32 {
  setCondDetail(kind == 0 ? c.D_COND_VENDOR : kind == 1 ? c.D_COND_CLASS : c.D_COND_DEVICE);
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

/** suit-parameter-image-digest of ci: 0 with expPtr set, or a detail (D_DIGEST_ALG: not SHA-256). */
export function expectedDigest(lvl: i32, ci: i32): i32 {
  if (!prm.readParam(lvl, ci, k.P_DIGEST) || !cbor.readBstr()) return c.D_COND_IMAGE;
  cbor.setInput(cbor.vPtr, cbor.vPtr + cbor.vLen);
  if (!readDigest(c.D_COND_IMAGE)) return c.D_COND_IMAGE;
  if (digestAlg != SHA256) return c.D_DIGEST_ALG;
  if (digestLen != 32) return c.D_COND_IMAGE;
  expPtr = digestPtr;
  return 0;
}

/** Digest of component ci (image-size bytes if set) into DIGEST_TMP. Returns 0 or a detail. */
function actualDigest(lvl: i32, ci: i32): i32 {
  if (isDependency(lvl, ci)) {
    actualLen = 0;
    return dependencyDigest(lvl, ci);
  }
  const h = handle(lvl, ci);
  if (h < 0) return c.D_COMPONENT;
  let len: i64 = -1;
  if (prm.paramInt(lvl, ci, k.P_SIZE)) len = cbor.vInt;
  const cached = cachedDigest(lvl, ci, len);
  if (cached >= 0) {
    actualLen = <u64>cached;
    return 0;
  }
  if (len < 0) len = p.pSize(h);
  if (len < 0) return c.D_COND_IMAGE;
  actualLen = <u64>len;
  return hashComponent(h, <u64>len) ? 0 : c.D_COND_IMAGE;
}

/** Record properties of an image check: {3: << [-16, actual digest] >>, 14: actual size}. */
export function imageProps(): u32 {
  wBegin(SCRATCH, SCRATCH_END);
  wHead(5, 2);
  wHead(0, 3);
  wHead(2, 36);
  wHead(4, 2);
  wInt(SHA256);
  wString(2, DIGEST_TMP, 32);
  wHead(0, 14);
  wHead(0, actualLen);
  return wfull ? 0 : wp - SCRATCH;
}

function imageCondition(lvl: i32, cmd: i32, ci: i32): i32 {
  setCondDetail(cmd == k.C_IMAGE_MATCH ? c.D_COND_IMAGE : c.D_COND_NOT_MATCH);
  const e = expectedDigest(lvl, ci);
  if (e == c.D_DIGEST_ALG) return -e;
  if (e != 0) return FAIL;
  const exp = expPtr;
  if (dry) return NOT_EVALUATED;
  const a = actualDigest(lvl, ci);
  if (a == c.D_COMPONENT || a == c.D_READ || a == c.D_DEP_DEPTH) return -a;
  if (a != 0) return FAIL;
  setProps(imageProps());
  const same = ctEqual(DIGEST_TMP, exp, 32);
  if (same && cmd == k.C_IMAGE_MATCH && isDependency(lvl, ci)) {
    // A dependency's manifest digest checked: process-dependency may use it (it still
    // authenticates the envelope). The trust-domains examples rely on this.
    setFlag(lvl, ci, CF_INTEGRITY);
  }
  return (cmd == k.C_IMAGE_MATCH) == same ? PASS : FAIL;
}

/** check-content: byte comparison in constant time over the whole content (§8.4.9.3). */
function checkContent(lvl: i32, ci: i32): i32 {
  setCondDetail(c.D_COND_CONTENT);
  if (!prm.paramBytes(lvl, ci, k.P_CONTENT, cbor.MT_BSTR)) return FAIL;
  const cp = cbor.vPtr;
  const cn = cbor.vLen;
  if (dry) return NOT_EVALUATED;
  const h = handle(lvl, ci);
  if (h < 0) return -c.D_COMPONENT;
  if (p.pSize(h) != <i64>cn) return FAIL;
  let diff = false;
  let off: u32 = 0;
  while (off < cn) {
    const want = min<u32>(IO_SIZE, cn - off);
    if (p.pRead(h, <u64>off, IO, want) != <i32>want) return FAIL;
    if (!ctEqual(IO, cp + off, want)) diff = true;
    off += want;
  }
  return diff ? FAIL : PASS;
}

/**
 * dependency-integrity (trust-domains §6.4): authenticate the dependency in component ci of `lvl`,
 * compare its manifest digest with image-digest. Also what process-dependency does for a
 * dependency no condition checked yet (processor.ts). PASS, or -detail (an abort).
 */
export function dependencyIntegrity(lvl: i32, ci: i32): i32 {
  setCondDetail(c.D_DEP_INTEGRITY);
  if (lvl + 1 >= MAX_LEVELS) return -c.D_DEP_DEPTH;
  if (!isDependency(lvl, ci) || expectedDigest(lvl, ci) != 0) return -c.D_DEP_INTEGRITY;
  const exp = expPtr;
  if (dry) return NOT_EVALUATED;
  forgetDependency(lvl + 1);
  const d = loadDependency(lvl, ci);
  if (d == c.D_DEP_DEPTH) return -d;
  if (d != 0) return -c.D_DEP_INTEGRITY;
  if (!ctEqual(mx(lvl + 1) + X_DIGEST, exp, 32)) {
    forgetDependency(lvl + 1);
    return -c.D_DEP_INTEGRITY;
  }
  setFlag(lvl, ci, CF_INTEGRITY);
  return PASS;
}

/** A condition on a platform fact (slot, clock, battery, authorisation): param `key` as i64. */
function factCondition(lvl: i32, cmd: i32, ci: i32, key: i32, detail: i32): i32 {
  setCondDetail(detail);
  if (!prm.paramInt(lvl, ci, key)) return FAIL;
  const want = cbor.vInt;
  if (dry) return NOT_EVALUATED;
  if (cmd == k.C_SLOT) {
    const h = handle(lvl, ci);
    if (h < 0) return -c.D_COMPONENT;
    const s = p.pSlot(h);
    return s >= 0 && s == want ? PASS : FAIL;
  }
  if (cmd == k.C_USE_BEFORE) {
    const now = p.pNow();
    return now >= 0 && now < want ? PASS : FAIL;
  }
  if (cmd == k.C_BATTERY) {
    const b = p.pBattery();
    return b >= 0 && b >= want ? PASS : FAIL;
  }
  return p.pAuthorize(want) == 1 ? PASS : FAIL; // C_AUTHORIZED
}

/** update-management §4.4 / §5.5: compare the component's version with [type, [+int]]. */
function versionCheck(lvl: i32, ci: i32): i32 {
  setCondDetail(c.D_COND_VERSION);
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
  let cmp = 0; // sign of (device - manifest) over the manifest's integers
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
  if (type == 1) return cmp > 0 ? PASS : FAIL;
  if (type == 2) return cmp >= 0 ? PASS : FAIL;
  if (type == 3) return cmp == 0 ? PASS : FAIL;
  if (type == 4) return cmp <= 0 ? PASS : FAIL;
  return cmp < 0 ? PASS : FAIL; // 5: lesser
}

/** Evaluates condition `cmd` on component ci of level lvl. */
export function condition(lvl: i32, cmd: i32, ci: i32): i32 {
  setProps(0);
  switch (cmd) {
    case k.C_VENDOR: return identityCheck(lvl, ci, k.P_VENDOR, 0);
    case k.C_CLASS: return identityCheck(lvl, ci, k.P_CLASS, 1);
    case k.C_DEVICE: return identityCheck(lvl, ci, k.P_DEVICE, 2);
    case k.C_IMAGE_MATCH:
    case k.C_IMAGE_NOT_MATCH: return imageCondition(lvl, cmd, ci);
    case k.C_CHECK_CONTENT: return checkContent(lvl, ci);
    case k.C_SLOT: return factCondition(lvl, cmd, ci, k.P_SLOT, c.D_COND_SLOT);
    case k.C_USE_BEFORE: return factCondition(lvl, cmd, ci, k.P_USE_BEFORE, c.D_COND_USE_BEFORE);
    case k.C_BATTERY: return factCondition(lvl, cmd, ci, k.P_BATTERY, c.D_COND_BATTERY);
    case k.C_AUTHORIZED: return factCondition(lvl, cmd, ci, k.P_PRIORITY, c.D_COND_AUTHORIZED);
    case k.C_VERSION: return versionCheck(lvl, ci);
    case k.C_DEP_INTEGRITY: return dependencyIntegrity(lvl, ci);
    case k.C_IS_DEPENDENCY:
      setCondDetail(c.D_COND_DEPENDENCY);
      return isDependency(lvl, ci) ? PASS : FAIL;
    case k.C_ABORT:
      setCondDetail(c.D_COND_ABORT);
      return FAIL;
  }
  return -c.D_UNKNOWN_COMMAND;
}

/**
 * Delegation chains (envelope key 1, suit-delegation; draft-ietf-suit-trust-domains: -11 keeps
 * the key, the structure is that of the earlier revisions, which took it from
 * draft-tschofenig-cose-cwt-chain): SUIT_Delegation = bstr .cbor [+ [+ CWT]]. In each chain the
 * first CWT is signed by a trust anchor, each next one by the key the previous one confirms, and
 * the key the last one confirms may sign the manifest with the role of the anchor the chain starts
 * from (RFC 9019 §7: long-term anchors delegating to short-term signing keys).
 *
 * A CWT (RFC 8392, optionally tagged 61) is a COSE_Sign1 with its claims attached; the key it
 * vouches for is its cnf claim (8) holding a COSE_Key (RFC 8747 §3.2: {1: COSE_Key}), EC2 P-256
 * or OKP Ed25519. exp (4) and nbf (5) are enforced when the device has a clock. A chain that does
 * not verify to an anchor, has expired or confirms an unsupported key vouches for nothing (the
 * manifest then needs another trusted signature); a delegation member that is not this structure
 * refuses the envelope. At most MAX_DELEGATED chains of MAX_CHAIN CWTs each: more is refused
 * (limit), not judged on the first ones.
 *
 * Keys vouched for become anchors MAX_ANCHORS.. of the table auth.ts uses, for the authentication
 * of this envelope only; signatures by them go through the `verify_key` import with the COSE_Key.
 */
import { SCRATCH, ANCHORS, ANCHOR_SIZE, MAX_ANCHORS, MAX_DELEGATED, KID_MAX, DELEGATES, HSS_KEYS, HSS_KEY_SIZE } from './layout';
import * as cbor from './cbor';
import * as c from './codes';
import { pVerify, pVerifyKey, pNow } from './platform';
import { familyOf, readSign1, s1Alg, s1Payload, s1PayloadN, s1Sig, s1SigN, FAM_P256, FAM_ED25519, FAM_HSS } from './auth';
import { hssVerify } from './lms';
import { member, findIntMember, M_ENC, M_ENC_LEN } from './state';

const MAX_CHAIN: i32 = 4;

/** Keys vouched for by the chains of the envelope authenticated last. */
export let delegated: i32 = 0;

/** End of the anchor indices to try: the host's anchors, then the delegated keys. */
export function anchorEnd(hostCount: i32): i32 {
  return delegated > 0 ? MAX_ANCHORS + delegated : hostCount;
}

/** Checks a signature with anchor i: an HSS-LMS host anchor in the core (lms.ts, with the key
 *  policy_anchor_key provisioned), another host anchor (import `verify`) or a delegated key. */
export function verifyBy(i: i32, alg: i32, tbs: u32, tbsLen: u32, sig: u32, sigLen: u32): i32 {
  if (i < MAX_ANCHORS) {
    if (load<u32>(ANCHORS + <u32>i * ANCHOR_SIZE, 4) == FAM_HSS) {
      const k = HSS_KEYS + <u32>i * HSS_KEY_SIZE;
      return hssVerify(k + 4, load<u32>(k), tbs, tbsLen, sig, sigLen) ? 1 : 0;
    }
    return pVerify(i, alg, tbs, tbsLen, sig, sigLen);
  }
  const d = DELEGATES + <u32>(i - MAX_ANCHORS) * 12;
  return pVerifyKey(load<u32>(d), load<u32>(d, 4), alg, tbs, tbsLen, sig, sigLen);
}

// The key the CWT read last confirms.
let kFamily: u32 = 0;
let kPtr: u32 = 0;
let kLen: u32 = 0;
let kKid: u32 = 0;
let kKidLen: u32 = 0;

/** COSE_Key at the cursor: records its span, family (0: not one the core checks) and kid. */
function readKey(): bool {
  kPtr = cbor.rp;
  kFamily = 0;
  kKidLen = 0;
  if (!cbor.readMap()) return false;
  let n = cbor.vCount;
  let kty: i64 = 0;
  let crv: i64 = 0;
  let xLen: u32 = 0;
  let yLen: u32 = 0;
  while (cbor.hasNext(n)) {
    if (n != cbor.INDEF) n--;
    if (cbor.peekMajor() > cbor.MT_NINT) {
      if (!cbor.skip() || !cbor.skip()) return false;
      continue;
    }
    if (!cbor.readInt()) return false;
    const label = cbor.vInt;
    const m = cbor.peekMajor();
    if ((label == 1 || label == -1) && (m == cbor.MT_UINT || m == cbor.MT_NINT)) {
      if (!cbor.readInt()) return false;
      if (label == 1) kty = cbor.vInt;
      else crv = cbor.vInt;
    } else if ((label == -2 || label == -3 || label == 2) && m == cbor.MT_BSTR) {
      if (!cbor.readBstr()) return false;
      if (label == -2) xLen = cbor.vLen;
      else if (label == -3) yLen = cbor.vLen;
      else {
        kKid = cbor.vPtr;
        kKidLen = cbor.vLen;
      }
    } else if (!cbor.skip()) {
      return false;
    }
  }
  kLen = cbor.rp - kPtr;
  if (kty == 2 && crv == 1 && xLen == 32 && yLen == 32) kFamily = FAM_P256;
  if (kty == 1 && crv == 6 && xLen == 32) kFamily = FAM_ED25519;
  return cbor.rerr == 0;
}

/** The claims of a CWT at [p, p+n): the cnf key; false if missing or malformed, `valid` cleared
 *  when exp / nbf rule it out now. */
let valid: bool = true;
function readClaims(p: u32, n: u32, now: i64): bool {
  cbor.setCursor(p, p + n);
  if (!cbor.readMap()) return false;
  let count = cbor.vCount;
  let haveKey = false;
  while (cbor.hasNext(count)) {
    if (count != cbor.INDEF) count--;
    if (cbor.peekMajor() > cbor.MT_NINT) {
      if (!cbor.skip() || !cbor.skip()) return false;
      continue;
    }
    if (!cbor.readInt()) return false;
    const label = cbor.vInt;
    if (label == 8) {
      // cnf: {1: COSE_Key}
      if (!cbor.readMap()) return false;
      let m = cbor.vCount;
      while (cbor.hasNext(m)) {
        if (m != cbor.INDEF) m--;
        if (cbor.peekMajor() == cbor.MT_UINT && load<u8>(cbor.rp) == 1) {
          cbor.readInt();
          if (!readKey()) return false;
          haveKey = true;
        } else if (!cbor.skip() || !cbor.skip()) {
          return false;
        }
      }
    } else if (label == 4 || label == 5) {
      // exp / nbf: NumericDate, integer seconds here.
      if (!cbor.readInt()) return false;
      if (now >= 0 && (label == 4 ? now >= cbor.vInt : now < cbor.vInt)) valid = false;
    } else if (!cbor.skip()) {
      return false;
    }
  }
  return cbor.rerr == 0 && cbor.rp == p + n && haveKey;
}

/**
 * One chain at the cursor: verifies it and, when it holds, adds the key it ends with as a
 * delegated anchor. Returns false only when the chain is not well-formed.
 */
function readChain(now: i64): bool {
  if (!cbor.readArray()) return false;
  let n = cbor.vCount;
  let root: i32 = -1;
  let links: i32 = 0;
  valid = true;
  while (cbor.hasNext(n)) {
    if (n != cbor.INDEF) n--;
    if (++links > MAX_CHAIN) return cbor.fail(c.D_LIMIT);
    // A CWT, bstr-wrapped or not, CWT-tagged (61) or not.
    let outer: u64 = 0;
    if (cbor.peekMajor() == cbor.MT_BSTR) {
      outer = cbor.enterBstr();
      if (outer == 0) return false;
    }
    if (!cbor.readTag()) return false;
    if (cbor.hArg == 61 && !cbor.readTag()) return false;
    if (cbor.hArg != 18) return cbor.fail(c.D_DELEGATION);
    const tbsN = readSign1(cbor.rlim);
    if (tbsN == 0) return cbor.fail(cbor.rerr != 0 ? cbor.rerr : c.D_DELEGATION);
    const after = cbor.rp;
    const lim = cbor.rlim;
    const alg = s1Alg;
    const fam = familyOf(alg);
    // The signer: an anchor (first link) or the key the previous link confirmed.
    if (valid && links == 1) {
      for (let i = 0; i < MAX_ANCHORS && root < 0; i++) {
        if (load<u32>(ANCHORS + <u32>i * ANCHOR_SIZE, 4) == fam && fam != 0 && verifyBy(i, <i32>alg, SCRATCH, tbsN, s1Sig, s1SigN) == 1) root = i;
      }
      if (root < 0) valid = false;
    } else if (valid) {
      valid = fam != 0 && fam == kFamily && pVerifyKey(kPtr, kLen, <i32>alg, SCRATCH, tbsN, s1Sig, s1SigN) == 1;
    }
    if (!readClaims(s1Payload, s1PayloadN, now)) return cbor.fail(cbor.rerr != 0 ? cbor.rerr : c.D_DELEGATION);
    if (kFamily == 0) valid = false;
    cbor.setCursor(after, lim);
    if (outer != 0 && !cbor.leaveBstr(outer)) return false;
  }
  if (links == 0) return cbor.fail(c.D_DELEGATION);
  if (!valid) return true;
  const a = ANCHORS + <u32>(MAX_ANCHORS + delegated) * ANCHOR_SIZE;
  store<u32>(a, load<u32>(ANCHORS + <u32>root * ANCHOR_SIZE)); // the role of the chain's anchor
  store<u32>(a, kFamily, 4);
  const kl = kKidLen <= KID_MAX ? kKidLen : 0;
  store<u32>(a, kl, 8);
  memory.copy(a + 12, kKid, kl);
  const d = DELEGATES + <u32>delegated * 12;
  store<u32>(d, kPtr);
  store<u32>(d, kLen, 4);
  store<i32>(d, root, 8);
  delegated++;
  return true;
}

/**
 * The delegation chains of the envelope at `level`, before its authentication blocks are
 * checked. Returns 0 (also when there are none) or the detail that refuses the envelope.
 */
export function readDelegations(level: i32): i32 {
  delegated = 0;
  memory.fill(ANCHORS + <u32>MAX_ANCHORS * ANCHOR_SIZE, 0, <u32>MAX_DELEGATED * ANCHOR_SIZE);
  const mi = findIntMember(level, 1);
  if (mi < 0) return 0;
  const m = member(level, mi);
  const enc = load<u32>(m + M_ENC);
  cbor.setInput(enc, enc + load<u32>(m + M_ENC_LEN));
  if (cbor.enterBstr() == 0 || !cbor.readArray()) return cbor.rerr;
  let n = cbor.vCount;
  if (n == 0) return c.D_DELEGATION;
  const now = pNow();
  let chains = 0;
  while (cbor.hasNext(n)) {
    if (n != cbor.INDEF) n--;
    if (++chains > MAX_DELEGATED) return c.D_LIMIT;
    if (!readChain(now)) {
      delegated = 0;
      return cbor.rerr != 0 ? cbor.rerr : c.D_DELEGATION;
    }
  }
  if (cbor.rerr != 0) return cbor.rerr;
  return 0;
}

/** Anchor index of the trust anchor delegated key d's chain starts from (host report). */
export function delegateRoot(d: i32): i32 {
  return d >= 0 && d < delegated ? load<i32>(DELEGATES + <u32>d * 12, 8) : -1;
}

/**
 * Authentication of an envelope (draft-ietf-suit-manifest-37 §8.3): the SUIT_Authentication
 * wrapper = [bstr SUIT_Digest, * bstr COSE block]. The core checks the SUIT_Digest against the
 * bstr-wrapped manifest (SHA-256 -16), then for every COSE_Sign1 / COSE_Mac0 (tag 18 / 17) and
 * every signer of a COSE_Sign (tag 98) builds the RFC 9052 §4.4 / §6.3 to-be-signed structure
 * with the detached payload = the bytes inside auth[0], and asks the platform import `verify`
 * with each trust anchor whose key family fits the algorithm (anchors whose key id equals the
 * COSE kid first; the kid is a hint only), then with the keys the envelope's delegation chains
 * vouch for (delegation.ts: they sign with the role of the anchor their chain starts from).
 * HSS-LMS (-46) is verified in the core itself (lms.ts, through delegation.ts verifyBy) with the
 * anchor's public key, which the host provisions with policy_anchor_key. Policy (RFC 9019 §7, several signers): with no
 * required roles one verified trusted signature suffices; otherwise every required role must
 * have at least one verified signature. At most MAX_BLOCKS (8) signers are checked: an envelope
 * with more is refused (limit) rather than judged on the first eight.
 */
import {
  SCRATCH, SCRATCH_END, ANCHORS, ANCHOR_SIZE, MAX_ANCHORS, MAX_DELEGATED, KID_MAX, BLOCKS, MAX_BLOCKS, DIGEST_TMP, HSS_KEYS,
  HSS_KEY_SIZE, HSS_KEY_MAX,
} from './layout';
import * as cbor from './cbor';
import { wBegin, wHead, wRaw, wString, wp, wfull } from './cbor_write';
import { readDigest, digestMatches, digestAlg, SHA256 } from './digest';
import { anchorEnd, verifyBy, readDelegations } from './delegation';
import {
  D_TRAILING, D_TYPE, D_LIMIT, D_DIGEST_ALG, D_DIGEST_MISMATCH, D_NO_SIGNATURE, D_NOT_TRUSTED,
  D_ROLE_MISSING, D_COSE_STRUCTURE, D_COSE_HEADER, D_SIG_ALG, D_NO_AUTH,
} from './codes';
import { member, mx, M_ENC, M_ENC_LEN, X_AUTH, X_MANIFEST, X_DIGEST, X_DIGEST_ENC } from './state';

// ---- trust anchors (written by the host before authentication) ----
export const FAM_P256: u32 = 1;
export const FAM_ED25519: u32 = 2;
export const FAM_HMAC: u32 = 3;
export const FAM_HSS: u32 = 4;

let anchorCount: i32 = 0;
export let requireMask: u32 = 0;

export function resetAnchors(): void {
  anchorCount = 0;
  requireMask = 0;
  memory.fill(ANCHORS, 0, <u32>(MAX_ANCHORS + MAX_DELEGATED) * ANCHOR_SIZE);
  memory.fill(HSS_KEYS, 0, <u32>MAX_ANCHORS * HSS_KEY_SIZE);
}

export function setRequire(mask: u32): void {
  requireMask = mask;
}

/** Family of keys that can check COSE algorithm `alg`; 0 = algorithm not supported. */
export function familyOf(alg: i64): u32 {
  if (alg == -7 || alg == -9) return FAM_P256; // ES256, ESP256
  if (alg == -8 || alg == -19) return FAM_ED25519; // EdDSA, Ed25519
  if (alg == 5) return FAM_HMAC; // HMAC 256/256
  if (alg == -46) return FAM_HSS; // HSS-LMS (RFC 9708)
  return 0;
}

export function setAnchor(i: i32, roleBit: u32, family: u32, kid: u32, kidLen: u32): bool {
  if (i < 0 || i >= MAX_ANCHORS || kidLen > KID_MAX) return false;
  const a = ANCHORS + <u32>i * ANCHOR_SIZE;
  store<u32>(a, roleBit);
  store<u32>(a, family, 4);
  store<u32>(a, kidLen, 8);
  memory.copy(a + 12, kid, kidLen);
  if (i >= anchorCount) anchorCount = i + 1;
  return true;
}

/** The HSS public key (u32 L || LMS public key) of anchor i, which the core checks -46 with. */
export function setAnchorKey(i: i32, key: u32, len: u32): bool {
  if (i < 0 || i >= MAX_ANCHORS || len > HSS_KEY_MAX) return false;
  const k = HSS_KEYS + <u32>i * HSS_KEY_SIZE;
  store<u32>(k, len);
  memory.copy(k + 4, key, len);
  return true;
}


// ---- authentication blocks, reported to the host ----
export const B_VERIFIED: i32 = 1;
export const B_NOT_VERIFIED: i32 = 2; // no trusted key of the right family verified it
export const B_ALG_UNSUPPORTED: i32 = 3;
export const B_COSE_UNSUPPORTED: i32 = 4;

export let blockCount: i32 = 0;
/** A block was not a COSE_Sign1 / COSE_Sign / COSE_Mac0 at all (untagged, COSE_Mac, other tag). */
let sawStructure: bool = false;

/** Forgets the blocks of the last authentication (a new envelope is coming). */
export function clearBlocks(): void {
  blockCount = 0;
}

/** Whether one more block outcome fits; a signer beyond MAX_BLOCKS is refused, not ignored. */
function blockRoom(): bool {
  return blockCount < MAX_BLOCKS ? true : cbor.fail(D_LIMIT);
}

/** Records one block outcome; the caller made room (blockRoom). */
function addBlock(tag: i32, alg: i32, status: i32, anchor: i32): void {
  const b = BLOCKS + <u32>blockCount * 16;
  store<i32>(b, tag);
  store<i32>(b, alg, 4);
  store<i32>(b, status, 8);
  store<i32>(b, anchor, 12);
  blockCount++;
}

// ---- COSE header fields of the signer being checked ----
let hAlg: i64 = 0;
let hHasAlg: bool = false;
let hKid: u32 = 0;
let hKidLen: u32 = 0;
let hBad: bool = false; // crit present, alg twice, or alg not an integer

/** Reads one COSE header map (RFC 9052 §3.1) at the cursor. */
function readHeaderMap(): bool {
  if (!cbor.readMap()) return false;
  let n = cbor.vCount;
  while (cbor.hasNext(n)) {
    if (n != cbor.INDEF) n--;
    const kmajor = cbor.peekMajor();
    if (kmajor == cbor.MT_UINT || kmajor == cbor.MT_NINT) {
      if (!cbor.readInt()) return false;
      const label = cbor.vInt;
      if (label == 1) {
        if (hHasAlg) hBad = true;
        if (cbor.peekMajor() == cbor.MT_UINT || cbor.peekMajor() == cbor.MT_NINT) {
          if (!cbor.readInt()) return false;
          hAlg = cbor.vInt;
          hHasAlg = true;
          continue;
        }
        hBad = true;
      } else if (label == 2) {
        hBad = true; // crit: no critical header parameters are understood here
      } else if (label == 4 && cbor.peekMajor() == cbor.MT_BSTR) {
        if (!cbor.readBstr()) return false;
        hKid = cbor.vPtr;
        hKidLen = cbor.vLen;
        continue;
      }
    } else if (!cbor.skip()) {
      return false;
    }
    if (!cbor.skip()) return false;
  }
  return cbor.rerr == 0;
}

/** The protected header bucket read last: the bstr's content, which the to-be-signed bytes hold. */
let protP: u32 = 0;
let protN: u32 = 0;

/**
 * Reads the two header buckets of a COSE object or signer (RFC 9052 §3) at the cursor: the
 * bstr-wrapped protected map (an empty bstr = an empty map), then the unprotected map, leaving
 * the cursor limited to `end`.
 */
function readHeaders(end: u32): bool {
  if (!cbor.readBstr()) return false;
  protP = cbor.vPtr;
  protN = cbor.vLen;
  cbor.setCursor(protP, protP + protN);
  if (protN > 0) {
    if (!readHeaderMap()) return false;
    if (cbor.rp != protP + protN) return cbor.fail(D_TRAILING);
  }
  cbor.setCursor(protP + protN, end);
  return readHeaderMap();
}

function resetHeaders(): void {
  hAlg = 0;
  hHasAlg = false;
  hKid = 0;
  hKidLen = 0;
  hBad = false;
}

/** Tries the anchors against the to-be-signed bytes in SCRATCH; records the block outcome. */
function checkSigner(tag: i32, tbsLen: u32, sig: u32, sigLen: u32): void {
  if (hBad || !hHasAlg) {
    addBlock(tag, <i32>hAlg, B_COSE_UNSUPPORTED, -1);
    return;
  }
  const fam = familyOf(hAlg);
  if (fam == 0) {
    addBlock(tag, <i32>hAlg, B_ALG_UNSUPPORTED, -1);
    return;
  }
  // Two passes: anchors whose key id matches the COSE kid, then all others.
  for (let pass = 0; pass < 2; pass++) {
    for (let i = 0; i < anchorEnd(anchorCount); i++) {
      const a = ANCHORS + <u32>i * ANCHOR_SIZE;
      if (load<u32>(a, 4) != fam) continue;
      const kl = load<u32>(a, 8);
      const kidMatch = hKidLen > 0 && kl == hKidLen && memory.compare(a + 12, hKid, kl) == 0;
      if ((pass == 0) != kidMatch) continue;
      if (verifyBy(i, <i32>hAlg, SCRATCH, tbsLen, sig, sigLen) == 1) {
        addBlock(tag, <i32>hAlg, B_VERIFIED, i);
        return;
      }
    }
  }
  addBlock(tag, <i32>hAlg, B_NOT_VERIFIED, -1);
}

/** RFC 9052 context strings, CBOR-encoded (tstr head + ASCII). */
const CTX_SIGNATURE1: u32 = <u32>memory.data<u8>([0x6a, 0x53, 0x69, 0x67, 0x6e, 0x61, 0x74, 0x75, 0x72, 0x65, 0x31]);
const CTX_SIGNATURE: u32 = <u32>memory.data<u8>([0x69, 0x53, 0x69, 0x67, 0x6e, 0x61, 0x74, 0x75, 0x72, 0x65]);
const CTX_MAC0: u32 = <u32>memory.data<u8>([0x64, 0x4d, 0x41, 0x43, 0x30]);

/** Writes the to-be-signed array [context, body_protected, (sign_protected,) h'', payload] into
 *  SCRATCH; returns its length, 0 if it does not fit. */
function buildTbs(ctx: u32, ctxLen: u32, bodyP: u32, bodyN: u32, signP: u32, signN: u32, withSign: bool, payload: u32, payloadN: u32): u32 {
  wBegin(SCRATCH, SCRATCH_END);
  wHead(4, withSign ? 5 : 4);
  wRaw(ctx, ctxLen);
  wString(2, bodyP, bodyN);
  if (withSign) wString(2, signP, signN);
  wHead(2, 0); // external_aad = h''
  wString(2, payload, payloadN);
  return wfull ? 0 : wp - SCRATCH;
}

/** Checks one COSE object (the content of an auth block bstr) at the cursor, up to `end`. */
function checkBlock(end: u32, payload: u32, payloadN: u32): bool {
  if (!blockRoom()) return false;
  if (cbor.peekMajor() != cbor.MT_TAG) {
    // SUIT uses tagged COSE objects only.
    cbor.setCursor(end, cbor.rlim);
    sawStructure = true;
    addBlock(0, 0, B_COSE_UNSUPPORTED, -1);
    return true;
  }
  if (!cbor.readTag()) return false;
  const tag = <i32>cbor.hArg;
  if (tag != 18 && tag != 17 && tag != 98) {
    // COSE_Mac (97) needs recipients (key wrap) and is not supported; others are not COSE.
    cbor.setCursor(end, cbor.rlim);
    sawStructure = true;
    addBlock(tag, 0, B_COSE_UNSUPPORTED, -1);
    return true;
  }
  if (!cbor.readArray()) return false;
  if (cbor.vCount != 4) return cbor.fail(D_TYPE);
  resetHeaders();
  if (!readHeaders(end)) return false;
  const bodyP = protP;
  const bodyN = protN;
  // Detached payload (manifest-37 §8.3): the payload field must be nil.
  const detached = cbor.takeNull();
  if (!detached && !cbor.skip()) return false;
  if (tag != 98) {
    if (!cbor.readBstr()) return false;
    const sig = cbor.vPtr;
    const sigN = cbor.vLen;
    if (!detached) hBad = true;
    const tbsN = tag == 18
      ? buildTbs(CTX_SIGNATURE1, 11, bodyP, bodyN, 0, 0, false, payload, payloadN)
      : buildTbs(CTX_MAC0, 5, bodyP, bodyN, 0, 0, false, payload, payloadN);
    if (tbsN == 0) return cbor.fail(D_LIMIT);
    checkSigner(tag, tbsN, sig, sigN);
    return true;
  }
  // COSE_Sign: body headers may not carry alg; each signer = [protected, unprotected, signature].
  const bodyBad = hBad || !detached;
  if (!cbor.readArray()) return false;
  let n = cbor.vCount;
  while (cbor.hasNext(n)) {
    if (n != cbor.INDEF) n--;
    if (!blockRoom() || !cbor.readArray()) return false;
    if (cbor.vCount != 3) return cbor.fail(D_TYPE);
    resetHeaders();
    hBad = bodyBad;
    if (!readHeaders(end)) return false;
    if (!cbor.readBstr()) return false;
    const tbsN = buildTbs(CTX_SIGNATURE, 10, bodyP, bodyN, protP, protN, true, payload, payloadN);
    if (tbsN == 0) return cbor.fail(D_LIMIT);
    checkSigner(tag, tbsN, cbor.vPtr, cbor.vLen);
  }
  return cbor.rerr == 0;
}

/**
 * Authenticates the envelope scanned into `level` with the anchors set and role mask `need`
 * (0 = any one trusted signature). Returns 0 or a D_* detail. On success the manifest digest is
 * at mx(level) + X_DIGEST.
 */
export function authenticate(level: i32, need: u32): i32 {
  const x = mx(level);
  clearBlocks();
  sawStructure = false;
  const dd = readDelegations(level);
  if (dd != 0) return dd;
  const ai = load<i32>(x + X_AUTH);
  const mi = load<i32>(x + X_MANIFEST);
  if (ai < 0) return D_NO_AUTH;
  const am = member(level, ai);
  const mm = member(level, mi);
  // The member encodings were checked as definite bstrs by the scan: skip their heads.
  const aEnc = load<u32>(am + M_ENC);
  const aEnd = aEnc + load<u32>(am + M_ENC_LEN);
  cbor.setInput(aEnc, aEnd);
  if (!cbor.readBstr()) return cbor.rerr;
  cbor.setCursor(cbor.vPtr, aEnd);
  if (!cbor.readArray()) return cbor.rerr;
  let n = cbor.vCount;
  if (!cbor.hasNext(n)) return cbor.rerr != 0 ? cbor.rerr : D_TYPE;
  if (n != cbor.INDEF) n--;
  const digestCursor = cbor.enterBstr();
  if (digestCursor == 0) return cbor.rerr;
  const dEnc = cbor.vPtr;
  const dLen = cbor.vLen;
  store<u32>(x + X_DIGEST_ENC, dEnc);
  store<u32>(x + X_DIGEST_ENC + 4, dLen);
  if (!readDigest(D_TYPE) || !cbor.leaveBstr(digestCursor)) return cbor.rerr;
  if (digestAlg != SHA256) return D_DIGEST_ALG;
  // Digest over the bstr-wrapped manifest, head included (manifest-37 §8.3).
  const match = digestMatches(load<u32>(mm + M_ENC), load<u32>(mm + M_ENC_LEN));
  memory.copy(x + X_DIGEST, DIGEST_TMP, 32);
  if (!match) return D_DIGEST_MISMATCH;

  while (cbor.hasNext(n)) {
    if (n != cbor.INDEF) n--;
    const blockCursor = cbor.enterBstr();
    if (blockCursor == 0) return cbor.rerr;
    if (!checkBlock(cbor.rlim, dEnc, dLen)) return cbor.rerr != 0 ? cbor.rerr : D_TYPE;
    if (!cbor.leaveBstr(blockCursor)) return cbor.rerr;
  }
  if (cbor.rerr != 0) return cbor.rerr;
  if (cbor.rp != aEnd) return D_TRAILING;
  return decide(need);
}

/** The policy over the recorded block outcomes. */
function decide(need: u32): i32 {
  if (blockCount == 0) return D_NO_SIGNATURE;
  let roles: u32 = 0;
  let verified = false;
  let algOnly = true;
  let coseOnly = true;
  for (let i = 0; i < blockCount; i++) {
    const b = BLOCKS + <u32>i * 16;
    const st = load<i32>(b, 8);
    if (st == B_VERIFIED) {
      verified = true;
      roles |= load<u32>(ANCHORS + <u32>load<i32>(b, 12) * ANCHOR_SIZE);
    }
    if (st != B_ALG_UNSUPPORTED) algOnly = false;
    if (st != B_COSE_UNSUPPORTED) coseOnly = false;
  }
  if (!verified) {
    if (algOnly) return D_SIG_ALG;
    if (coseOnly) return sawStructure ? D_COSE_STRUCTURE : D_COSE_HEADER;
    return D_NOT_TRUSTED;
  }
  if (need != 0 && (roles & need) != need) return D_ROLE_MISSING;
  return 0;
}

// ---- a COSE_Sign1 with its payload attached (the CWTs of delegation chains, delegation.ts) ----
export let s1Alg: i64 = 0;
export let s1Payload: u32 = 0;
export let s1PayloadN: u32 = 0;
export let s1Sig: u32 = 0;
export let s1SigN: u32 = 0;

/**
 * Reads COSE_Sign1 = [protected, unprotected, payload bstr, signature] at the cursor, up to `end`,
 * and builds its Sig_structure into SCRATCH. Returns its length; 0 when the structure or its
 * headers are not ones the core checks (crit, no alg, a detached payload).
 */
export function readSign1(end: u32): u32 {
  if (!cbor.readArray() || cbor.vCount != 4) return 0;
  resetHeaders();
  if (!readHeaders(end) || hBad || !hHasAlg) return 0;
  const bodyP = protP;
  const bodyN = protN;
  if (!cbor.readBstr()) return 0;
  s1Payload = cbor.vPtr;
  s1PayloadN = cbor.vLen;
  if (!cbor.readBstr()) return 0;
  s1Sig = cbor.vPtr;
  s1SigN = cbor.vLen;
  s1Alg = hAlg;
  return buildTbs(CTX_SIGNATURE1, 11, bodyP, bodyN, 0, 0, false, s1Payload, s1PayloadN);
}

/**
 * HSS / LMS signature verification (RFC 8554: §6.3 HSS, Algorithm 6a/6b LMS, Algorithm 4b LM-OTS
 * candidate public key), COSE algorithm -46 HSS-LMS (RFC 9708). Every LMS and LM-OTS type built
 * on SHA-256 that RFC 9708 and NIST SP 800-208 register: SHA-256/256 (n = m = 32: LMS types 5-9
 * = H5..H25, LM-OTS types 1-4 = W1..W8) and SHA-256/192 (n = m = 24, SHA-256 truncated to its
 * first 192 bits: LMS types 10-14, LM-OTS types 5-8). SHAKE types are not understood: such a
 * signature does not verify.
 *
 * Why in the core and not behind the `verify` import: verification is nothing but SHA-256, which
 * the core has; a device verifies it in its own firmware the same way, with its public key
 * provisioned (auth.ts keeps the anchors' HSS public keys in HSS_KEYS).
 *
 * Bounds: at most 8 levels, the range RFC 8554 §6 gives L ("between 1 and 8"); lengths are checked
 * exactly against the types before anything is hashed (Algorithm 6a step 2, §6.3). One level costs
 * at most p * (2^w - 1) one-block chain hashes (worst: LM-OTS W8 N32, 34 * 255 = 8670) plus h <= 25
 * tree hashes and two streaming hashes (message, candidate key), so an 8-level signature is at
 * most about 70 000 SHA-256 compressions; region 0 (64 KiB) bounds the signature bytes anyway.
 * Allocation-free: the hash inputs are built in LMS_WORK; SHA context 3 streams the message and
 * candidate-key hashes while context 1 (sha256()) does the one-shot chain and tree hashes. The
 * computed root is compared with the public one in constant time.
 */
import { LMS_WORK } from './layout';
import { ctxAddr, shaInit, shaUpdate, shaFinal, sha256 } from './sha256';
import { ctEqual } from './ct';

/** Most levels of an HSS key (RFC 8554 §6). */
export const HSS_MAX_LEVELS: u32 = 8;

// Domain separation constants (RFC 8554 §3.1.3 / §4 / §5).
const D_PBLC: u16 = 0x8080;
const D_MESG: u16 = 0x8181;
const D_LEAF: u16 = 0x8282;
const D_INTR: u16 = 0x8383;

// LMS_WORK: the hash input being built (I || u32 || u16 || ... at most 22 + 2 * 32 bytes), the
// full SHA-256 output, Q || Cksm(Q), and the running chain / tree node value.
const BUF: u32 = LMS_WORK;
const OUT: u32 = LMS_WORK + 96;
const QCK: u32 = LMS_WORK + 128;
const NODE: u32 = LMS_WORK + 176;

// Parameters of the LMS type (m, h) and LM-OTS type (n, w, p, ls) in use.
let m: u32 = 0;
let h: u32 = 0;
let n: u32 = 0;
let w: u32 = 0;
let p: u32 = 0;
let ls: u32 = 0;

// @ts-ignore: decorator
@inline function be32(a: u32): u32 {
  return bswap<u32>(load<u32>(a));
}

// @ts-ignore: decorator
@inline function put32(a: u32, v: u32): void {
  store<u32>(a, bswap<u32>(v));
}

// @ts-ignore: decorator
@inline function put16(a: u32, v: u16): void {
  store<u16>(a, bswap<u16>(v));
}

/** LMS type (RFC 8554 §5.1, SP 800-208 §4): sets m and h; false for a type not understood. */
function lmsType(t: u32): bool {
  if (t >= 5 && t <= 9) {
    m = 32;
    h = (t - 4) * 5;
    return true;
  }
  if (t >= 10 && t <= 14) {
    m = 24;
    h = (t - 9) * 5;
    return true;
  }
  return false;
}

/**
 * LM-OTS type (RFC 8554 §4.1, SP 800-208 §4): sets n, w and p, ls by the formulas of RFC 8554
 * Appendix B (u = 8n/w, v = ceil((floor(log2((2^w - 1) * u)) + 1) / w), ls = 16 - v*w, p = u + v).
 */
function otsType(t: u32): bool {
  if (t < 1 || t > 8) return false;
  n = t <= 4 ? 32 : 24;
  w = <u32>1 << ((t - 1) & 3);
  const u = (n << 3) / w;
  const bits = 32 - clz<u32>(((<u32>1 << w) - 1) * u);
  const v = (bits + w - 1) / w;
  ls = 16 - v * w;
  p = u + v;
  return true;
}

/** coef(S, i, w) of RFC 8554 §3.1.3: the i-th w-bit digit of the byte string at s. */
// @ts-ignore: decorator
@inline function coef(s: u32, i: u32): u32 {
  const perByte = 8 / w;
  const shift = 8 - w * (i % perByte) - w;
  return (<u32>load<u8>(s + i / perByte) >> shift) & ((<u32>1 << w) - 1);
}

/** H over [src, src+len) truncated to `len_out` bytes at dst (SHA-256/256 or SHA-256/192). */
function hashTo(src: u32, len: u32, dst: u32, lenOut: u32): void {
  sha256(src, len, OUT);
  memory.copy(dst, OUT, lenOut);
}

/** Writes I || u32str(q) || u16str(d) into BUF (22 bytes). */
function prefix(id: u32, q: u32, d: u16): void {
  memory.copy(BUF, id, 16);
  put32(BUF + 16, q);
  put16(BUF + 20, d);
}

/**
 * Algorithm 4b: the candidate LM-OTS public key Kc (n bytes into NODE) of the one-time signature
 * C || y[0..p-1] on the message, for key identifier I (at id) and leaf q.
 */
function otsCandidate(id: u32, q: u32, c: u32, y: u32, msg: u32, msgLen: u32): void {
  const ctx = ctxAddr(3);
  // Q = H(I || u32str(q) || u16str(D_MESG) || C || message), then Cksm(Q) after it.
  prefix(id, q, D_MESG);
  shaInit(ctx);
  shaUpdate(ctx, BUF, 22);
  shaUpdate(ctx, c, n);
  shaUpdate(ctx, msg, msgLen);
  shaFinal(ctx, OUT);
  memory.copy(QCK, OUT, n);
  const max: u32 = (<u32>1 << w) - 1;
  let sum: u32 = 0;
  const digits = (n << 3) / w;
  for (let i: u32 = 0; i < digits; i++) sum += max - coef(QCK, i);
  put16(QCK + n, <u16>(sum << ls));
  // Kc = H(I || u32str(q) || u16str(D_PBLC) || z[0] || ... || z[p-1]), each z[i] the end of a chain.
  prefix(id, q, D_PBLC);
  shaInit(ctx);
  shaUpdate(ctx, BUF, 22);
  for (let i: u32 = 0; i < p; i++) {
    // tmp = H(I || u32str(q) || u16str(i) || u8str(j) || tmp) for j = a .. 2^w - 2.
    put16(BUF + 20, <u16>i);
    memory.copy(BUF + 23, y + i * n, n);
    for (let j = coef(QCK, i); j < max; j++) {
      store<u8>(BUF + 22, <u8>j);
      hashTo(BUF, 23 + n, BUF + 23, n);
    }
    shaUpdate(ctx, BUF + 23, n);
  }
  shaFinal(ctx, OUT);
  memory.copy(NODE, OUT, n);
}

/** Length of the LMS public key at `at` (type, otstype, I, T[1]) if `avail` holds it, else 0. */
function lmsPubLen(at: u32, avail: u32): u32 {
  if (avail < 8 || !lmsType(be32(at))) return 0;
  const len: u32 = 24 + m;
  return len <= avail ? len : 0;
}

/** Length of the LMS signature at `at` as its types say (Algorithm 6a step 2), if `avail` holds it, else 0. */
function lmsSigLen(at: u32, avail: u32): u32 {
  if (avail < 8 || !otsType(be32(at + 4))) return 0;
  const ots: u32 = 4 + n + p * n;
  if (avail < 4 + ots + 4 || !lmsType(be32(at + 4 + ots))) return 0;
  const len: u32 = 4 + ots + 4 + h * m;
  return len <= avail ? len : 0;
}

/** Algorithms 6a + 6b: the LMS signature [sig, sig+sigLen) on the message under the public key at pub. */
function lmsVerify(pub: u32, msg: u32, msgLen: u32, sig: u32, sigLen: u32): bool {
  const pubType = be32(pub);
  const pubOts = be32(pub + 4);
  if (!lmsType(pubType) || !otsType(pubOts) || sigLen < 8) return false;
  const q = be32(sig);
  if (be32(sig + 4) != pubOts) return false;
  const ots: u32 = 4 + n + p * n;
  if (sigLen != 4 + ots + 4 + h * m || be32(sig + 4 + ots) != pubType) return false;
  if (q >= (<u32>1 << h)) return false;
  const id = pub + 8;
  otsCandidate(id, q, sig + 8, sig + 8 + n, msg, msgLen);
  // Leaf: H(I || u32str(node) || u16str(D_LEAF) || Kc); then up the authentication path.
  let node = (<u32>1 << h) + q;
  prefix(id, node, D_LEAF);
  memory.copy(BUF + 22, NODE, n);
  hashTo(BUF, 22 + n, NODE, m);
  let path = sig + 4 + ots + 4;
  while (node > 1) {
    const odd = (node & 1) != 0;
    node >>= 1;
    prefix(id, node, D_INTR);
    memory.copy(BUF + 22, odd ? path : NODE, m);
    memory.copy(BUF + 22 + m, odd ? NODE : path, m);
    hashTo(BUF, 22 + 2 * m, NODE, m);
    path += m;
  }
  return ctEqual(NODE, pub + 24, m);
}

/**
 * RFC 8554 §6.3: the HSS signature [sig, sig+sigLen) on [msg, msg+msgLen) under the HSS public
 * key [key, key+keyLen) = u32str(L) || LMS public key. Every length is checked exactly.
 */
export function hssVerify(key: u32, keyLen: u32, msg: u32, msgLen: u32, sig: u32, sigLen: u32): bool {
  if (keyLen < 4 || sigLen < 4) return false;
  const levels = be32(key);
  if (levels < 1 || levels > HSS_MAX_LEVELS) return false;
  let pub = key + 4;
  if (lmsPubLen(pub, keyLen - 4) != keyLen - 4) return false;
  const nspk = be32(sig);
  if (nspk != levels - 1) return false;
  const end = sig + sigLen;
  let at = sig + 4;
  // Each level signs the LMS public key of the next (signed_pub_key = sig || pub).
  for (let i: u32 = 0; i < nspk; i++) {
    const sl = lmsSigLen(at, end - at);
    if (sl == 0) return false;
    const child = at + sl;
    const cl = lmsPubLen(child, end - child);
    if (cl == 0 || !lmsVerify(pub, child, cl, at, sl)) return false;
    pub = child;
    at = child + cl;
  }
  const sl = lmsSigLen(at, end - at);
  if (sl == 0 || at + sl != end) return false;
  return lmsVerify(pub, msg, msgLen, at, sl);
}

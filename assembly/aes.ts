/**
 * AES (FIPS-197) for payload decryption (draft-ietf-suit-firmware-encryption §6): key expansion
 * for 128-, 192- and 256-bit keys, the forward cipher with four 1 KiB T-tables (what CTR and GCM
 * use, so what runs per payload block), the inverse cipher byte by byte (only AES Key Wrap needs
 * it, for one or two blocks), and a counter-mode keystream over any chunk boundaries.
 *
 * Why in the core: it is small (the tables are computed on first use from the S-box, itself
 * computed from the field arithmetic of §5.1.1, so no table is shipped in the .wasm) and a payload
 * is decrypted where it streams through, chunk by chunk, as a device's firmware would. The
 * T-table cipher is fast but its table lookups depend on the key and data, which leaks through
 * cache timing on a shared CPU; a device would use its AES engine. Round keys live in AES_RK and
 * are wiped by decrypt.ts when a decryption ends.
 */
import { AES_TE, AES_SBOX, AES_INV_SBOX, AES_RK, C_CTR, C_KS, C_BLOCK } from './layout';

let ready: bool = false;
/** Rounds of the key expanded last: 10, 12 or 14. */
export let aesRounds: i32 = 0;

// @ts-ignore: decorator
@inline function xt(x: u32): u32 {
  return ((x << 1) ^ ((x >> 7) * 0x1b)) & 0xff;
}

// @ts-ignore: decorator
@inline function sbox(i: u32): u32 {
  return <u32>load<u8>(AES_SBOX + (i & 0xff));
}

// @ts-ignore: decorator
@inline function te(table: u32, i: u32): u32 {
  return load<u32>(AES_TE + (table << 10) + ((i & 0xff) << 2));
}

// @ts-ignore: decorator
@inline function rotl8(x: u32, n: u32): u32 {
  return ((x << n) | (x >> (8 - n))) & 0xff;
}

/** S-box, inverse S-box and T-tables, once: the S-box walks GF(2^8)* with generator 3 (p) and its
 *  inverse (q), applying the affine map of FIPS-197 §5.1.1 to q = p^-1. */
function setup(): void {
  if (ready) return;
  let p: u32 = 1;
  let q: u32 = 1;
  do {
    p = p ^ xt(p);
    q ^= q << 1;
    q ^= q << 2;
    q ^= q << 4;
    q &= 0xff;
    if ((q & 0x80) != 0) q ^= 0x09;
    store<u8>(AES_SBOX + p, <u8>(q ^ rotl8(q, 1) ^ rotl8(q, 2) ^ rotl8(q, 3) ^ rotl8(q, 4) ^ 0x63));
  } while (p != 1);
  store<u8>(AES_SBOX, 0x63);
  for (let i: u32 = 0; i < 256; i++) {
    const s = sbox(i);
    store<u8>(AES_INV_SBOX + s, <u8>i);
    const s2 = xt(s);
    // Column (2s, s, s, 3s) of MixColumns, big-endian; the other tables are its rotations.
    const w = (s2 << 24) | (s << 16) | (s << 8) | (s2 ^ s);
    store<u32>(AES_TE + (i << 2), w);
    store<u32>(AES_TE + 0x400 + (i << 2), rotr<u32>(w, 8));
    store<u32>(AES_TE + 0x800 + (i << 2), rotr<u32>(w, 16));
    store<u32>(AES_TE + 0xc00 + (i << 2), rotr<u32>(w, 24));
  }
  ready = true;
}

// @ts-ignore: decorator
@inline function be32(a: u32): u32 {
  return bswap<u32>(load<u32>(a));
}

function subWord(w: u32): u32 {
  return (sbox(w >> 24) << 24) | (sbox(w >> 16) << 16) | (sbox(w >> 8) << 8) | sbox(w);
}

/** Expands the key [key, key+len) (len 16, 24 or 32) into AES_RK (FIPS-197 §5.2). */
export function aesExpand(key: u32, len: u32): void {
  setup();
  const nk = len >> 2;
  aesRounds = <i32>nk + 6;
  const total = <u32>(4 * (aesRounds + 1));
  for (let i: u32 = 0; i < nk; i++) store<u32>(AES_RK + (i << 2), be32(key + (i << 2)));
  let rcon: u32 = 1;
  for (let i = nk; i < total; i++) {
    let t = load<u32>(AES_RK + ((i - 1) << 2));
    if (i % nk == 0) {
      t = subWord(rotl<u32>(t, 8)) ^ (rcon << 24);
      rcon = xt(rcon);
    } else if (nk > 6 && i % nk == 4) {
      t = subWord(t);
    }
    store<u32>(AES_RK + (i << 2), load<u32>(AES_RK + ((i - nk) << 2)) ^ t);
  }
}

/** One block of the forward cipher: [src, src+16) -> [dst, dst+16) (they may be the same). */
export function aesEncrypt(src: u32, dst: u32): void {
  let rk = AES_RK;
  let s0 = be32(src) ^ load<u32>(rk);
  let s1 = be32(src + 4) ^ load<u32>(rk, 4);
  let s2 = be32(src + 8) ^ load<u32>(rk, 8);
  let s3 = be32(src + 12) ^ load<u32>(rk, 12);
  for (let r = 1; r < aesRounds; r++) {
    rk += 16;
    const t0 = te(0, s0 >> 24) ^ te(1, s1 >> 16) ^ te(2, s2 >> 8) ^ te(3, s3) ^ load<u32>(rk);
    const t1 = te(0, s1 >> 24) ^ te(1, s2 >> 16) ^ te(2, s3 >> 8) ^ te(3, s0) ^ load<u32>(rk, 4);
    const t2 = te(0, s2 >> 24) ^ te(1, s3 >> 16) ^ te(2, s0 >> 8) ^ te(3, s1) ^ load<u32>(rk, 8);
    const t3 = te(0, s3 >> 24) ^ te(1, s0 >> 16) ^ te(2, s1 >> 8) ^ te(3, s2) ^ load<u32>(rk, 12);
    s0 = t0;
    s1 = t1;
    s2 = t2;
    s3 = t3;
  }
  rk += 16;
  store<u32>(dst, bswap<u32>(((sbox(s0 >> 24) << 24) | (sbox(s1 >> 16) << 16) | (sbox(s2 >> 8) << 8) | sbox(s3)) ^ load<u32>(rk)));
  store<u32>(dst + 4, bswap<u32>(((sbox(s1 >> 24) << 24) | (sbox(s2 >> 16) << 16) | (sbox(s3 >> 8) << 8) | sbox(s0)) ^ load<u32>(rk, 4)));
  store<u32>(dst + 8, bswap<u32>(((sbox(s2 >> 24) << 24) | (sbox(s3 >> 16) << 16) | (sbox(s0 >> 8) << 8) | sbox(s1)) ^ load<u32>(rk, 8)));
  store<u32>(dst + 12, bswap<u32>(((sbox(s3 >> 24) << 24) | (sbox(s0 >> 16) << 16) | (sbox(s1 >> 8) << 8) | sbox(s2)) ^ load<u32>(rk, 12)));
}

/** state ^= round key r (the state bytes are column by column, the round-key words big-endian). */
function addRoundKey(st: u32, r: i32): void {
  for (let c: u32 = 0; c < 16; c += 4) store<u32>(st + c, load<u32>(st + c) ^ bswap<u32>(load<u32>(AES_RK + (<u32>r << 4) + c)));
}

/** GF(2^8) product of x with 9, 11, 13 or 14 (the InvMixColumns coefficients). */
function mul(x: u32, c: u32): u32 {
  const x2 = xt(x);
  const x4 = xt(x2);
  const x8 = xt(x4);
  let r = x8;
  if ((c & 4) != 0) r ^= x4;
  if ((c & 2) != 0) r ^= x2;
  if ((c & 1) != 0) r ^= x;
  return r;
}

/** One block of the inverse cipher (FIPS-197 §5.3) with the key in AES_RK: [src, src+16) -> dst. */
export function aesDecrypt(src: u32, dst: u32): void {
  const st = C_BLOCK;
  memory.copy(st, src, 16);
  addRoundKey(st, aesRounds);
  for (let r = aesRounds - 1; r >= 0; r--) {
    // InvShiftRows (row i turns right by i) and InvSubBytes, through C_KS as the old state.
    memory.copy(C_KS, st, 16);
    for (let i: u32 = 0; i < 16; i++) store<u8>(st + i, load<u8>(AES_INV_SBOX + <u32>load<u8>(C_KS + ((i + 16 - ((i & 3) << 2)) & 15))));
    addRoundKey(st, r);
    if (r == 0) break;
    for (let c: u32 = 0; c < 16; c += 4) {
      const a0 = <u32>load<u8>(st + c);
      const a1 = <u32>load<u8>(st + c + 1);
      const a2 = <u32>load<u8>(st + c + 2);
      const a3 = <u32>load<u8>(st + c + 3);
      store<u8>(st + c, <u8>(mul(a0, 14) ^ mul(a1, 11) ^ mul(a2, 13) ^ mul(a3, 9)));
      store<u8>(st + c + 1, <u8>(mul(a0, 9) ^ mul(a1, 14) ^ mul(a2, 11) ^ mul(a3, 13)));
      store<u8>(st + c + 2, <u8>(mul(a0, 13) ^ mul(a1, 9) ^ mul(a2, 14) ^ mul(a3, 11)));
      store<u8>(st + c + 3, <u8>(mul(a0, 11) ^ mul(a1, 13) ^ mul(a2, 9) ^ mul(a3, 14)));
    }
  }
  memory.copy(dst, st, 16);
  memory.fill(C_KS, 0, 16);
}

// ---- counter mode over a byte stream ----

/** Bytes of the keystream block in C_KS already used (16: none left). */
let ksUsed: u32 = 16;
/** Increment the whole 128-bit counter (AES-CTR) or only its last 32 bits (GCM's inc32). */
let ctrFull: bool = true;

/** Starts a keystream at the counter block [counter, counter+16). */
export function ctrStart(counter: u32, full: bool): void {
  memory.copy(C_CTR, counter, 16);
  ctrFull = full;
  ksUsed = 16;
}

function nextKeystream(): void {
  aesEncrypt(C_CTR, C_KS);
  // Big-endian increment of the counter: 4 bytes, or all 16 with carries.
  const last: u32 = ctrFull ? 0 : 12;
  for (let i: i32 = 15; i >= <i32>last; i--) {
    const v = (<u32>load<u8>(C_CTR + <u32>i) + 1) & 0xff;
    store<u8>(C_CTR + <u32>i, <u8>v);
    if (v != 0) break;
  }
  ksUsed = 0;
}

/** XORs the keystream into [p, p+n) in place, continuing where the last call stopped. */
export function ctrXor(p: u32, n: u32): void {
  let i: u32 = 0;
  // The rest of the current keystream block, then whole blocks a word at a time, then a start.
  for (; i < n && ksUsed < 16; i++, ksUsed++) store<u8>(p + i, load<u8>(p + i) ^ load<u8>(C_KS + ksUsed));
  for (; n - i >= 16; i += 16) {
    nextKeystream();
    store<u64>(p + i, load<u64>(p + i) ^ load<u64>(C_KS));
    store<u64>(p + i + 8, load<u64>(p + i + 8) ^ load<u64>(C_KS, 8));
    ksUsed = 16;
  }
  for (; i < n; i++, ksUsed++) {
    if (ksUsed == 16) nextKeystream();
    store<u8>(p + i, load<u8>(p + i) ^ load<u8>(C_KS + ksUsed));
  }
}

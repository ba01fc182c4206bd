/**
 * AES-GCM decryption over a byte stream (NIST SP 800-38D; COSE A128GCM 1, A192GCM 2, A256GCM 3,
 * RFC 9053 §4.1) with the content key in AES_RK: H = E(K, 0^128), J0 = IV || 0^31 || 1 for the
 * 96-bit IVs COSE uses, the keystream from inc32(J0), GHASH over the AAD (the Enc_structure of
 * draft-ietf-suit-firmware-encryption §6) then the ciphertext, and the tag E(K, J0) ^ GHASH.
 *
 * GHASH multiplies by H with Shoup's 4-bit tables (GCM_HTAB: the 16 multiples of H; the
 * reduction constants below), as in OpenSSL's gcm_gmult_4bit: 32 table steps per block instead
 * of 128 shift-and-xor steps. The table holds key material and is wiped by decrypt.ts.
 */
import { GCM_HTAB, C_Y, C_GBUF, C_J0, C_KS } from './layout';
import { aesEncrypt, ctrStart, ctrXor } from './aes';
import { ctEqual } from './ct';

/** x^4 reduction of GHASH's 4-bit step (the top 16 bits of a u64). */
const REM4: u32 = <u32>memory.data<u16>([
  0x0000, 0x1c20, 0x3840, 0x2460, 0x7080, 0x6ca0, 0x48c0, 0x54e0,
  0xe100, 0xfd20, 0xd940, 0xc560, 0x9180, 0x8da0, 0xa9c0, 0xb5e0,
]);

let gPending: u32 = 0; // bytes in C_GBUF
let aadBytes: u64 = 0;
let ctBytes: u64 = 0;
let inAad: bool = true;

// @ts-ignore: decorator
@inline function hi(i: u32): u64 {
  return load<u64>(GCM_HTAB + (i << 4));
}

// @ts-ignore: decorator
@inline function lo(i: u32): u64 {
  return load<u64>(GCM_HTAB + (i << 4), 8);
}

/** The table of i * H for i = 0..15 (bits of i read as the top bits of the multiplier). */
function buildTable(): void {
  aesEncrypt(C_GBUF, C_KS); // C_GBUF is zero here: H = E(K, 0^128)
  let vh = bswap<u64>(load<u64>(C_KS));
  let vl = bswap<u64>(load<u64>(C_KS, 8));
  memory.fill(C_KS, 0, 16);
  memory.fill(GCM_HTAB, 0, 16);
  for (let i: u32 = 8; i > 0; i >>= 1) {
    store<u64>(GCM_HTAB + (i << 4), vh);
    store<u64>(GCM_HTAB + (i << 4), vl, 8);
    // V * x: shift right one bit, reducing by 0xe1 || 0^120.
    const t = (0 - (vl & 1)) & 0xe100000000000000;
    vl = (vh << 63) | (vl >> 1);
    vh = (vh >> 1) ^ t;
  }
  for (let i: u32 = 2; i < 16; i <<= 1) {
    for (let j: u32 = 1; j < i; j++) {
      store<u64>(GCM_HTAB + ((i + j) << 4), hi(i) ^ hi(j));
      store<u64>(GCM_HTAB + ((i + j) << 4), lo(i) ^ lo(j), 8);
    }
  }
}

/** C_Y = (C_Y ^ block at p) * H. */
function ghashBlock(p: u32): void {
  const y = C_Y;
  store<u64>(y, load<u64>(y) ^ load<u64>(p));
  store<u64>(y + 8, load<u64>(y + 8) ^ load<u64>(p + 8));
  let n = <u32>load<u8>(y + 15);
  let zh = hi(n & 15);
  let zl = lo(n & 15);
  let hiNibble = true;
  for (let i: i32 = 15; ; ) {
    const rem = <u32>(zl & 15);
    zl = (zh << 60) | (zl >> 4);
    zh = (zh >> 4) ^ (<u64>load<u16>(REM4 + (rem << 1)) << 48);
    const nib = hiNibble ? n >> 4 : n & 15;
    zh ^= hi(nib);
    zl ^= lo(nib);
    if (hiNibble) {
      if (--i < 0) break;
      n = <u32>load<u8>(y + <u32>i);
    }
    hiNibble = !hiNibble;
  }
  store<u64>(y, bswap<u64>(zh));
  store<u64>(y + 8, bswap<u64>(zl));
}

/** Absorbs [p, p+n) into GHASH across calls (partial blocks wait in C_GBUF). */
function ghash(p: u32, n: u32): void {
  let i: u32 = 0;
  if (gPending > 0) {
    const take = min<u32>(16 - gPending, n);
    memory.copy(C_GBUF + gPending, p, take);
    gPending += take;
    i = take;
    if (gPending < 16) return;
    ghashBlock(C_GBUF);
    gPending = 0;
  }
  for (; n - i >= 16; i += 16) ghashBlock(p + i);
  if (i < n) {
    memory.copy(C_GBUF, p + i, n - i);
    gPending = n - i;
  }
}

/** Pads the pending partial block with zeros and absorbs it. */
function ghashFlush(): void {
  if (gPending == 0) return;
  memory.fill(C_GBUF + gPending, 0, 16 - gPending);
  ghashBlock(C_GBUF);
  gPending = 0;
}

/** Starts a decryption with the key in AES_RK and the 12-byte IV at iv. */
export function gcmStart(iv: u32): void {
  memory.fill(C_Y, 0, 16);
  memory.fill(C_GBUF, 0, 16);
  buildTable();
  gPending = 0;
  aadBytes = 0;
  ctBytes = 0;
  inAad = true;
  memory.copy(C_J0, iv, 12);
  store<u32>(C_J0 + 12, bswap<u32>(1));
  // E(K, J0) masks the tag; the payload's keystream starts at inc32(J0).
  memory.copy(C_KS, C_J0, 16);
  store<u32>(C_KS + 12, bswap<u32>(2));
  ctrStart(C_KS, false);
}

export function gcmAad(p: u32, n: u32): void {
  ghash(p, n);
  aadBytes += <u64>n;
}

/** Decrypts [p, p+n) in place (ciphertext into GHASH first). */
export function gcmDecrypt(p: u32, n: u32): void {
  if (inAad) {
    ghashFlush();
    inAad = false;
  }
  ghash(p, n);
  ctBytes += <u64>n;
  ctrXor(p, n);
}

/** Whether the 16-byte tag at tag matches (constant-time comparison). */
export function gcmCheck(tag: u32): bool {
  ghashFlush();
  store<u64>(C_GBUF, bswap<u64>(aadBytes << 3));
  store<u64>(C_GBUF, bswap<u64>(ctBytes << 3), 8);
  ghashBlock(C_GBUF);
  memory.fill(C_GBUF, 0, 16);
  // E(K, J0): the keystream XOR of J0 itself, computed again.
  aesEncrypt(C_J0, C_KS);
  for (let i: u32 = 0; i < 16; i += 8) store<u64>(C_Y + i, load<u64>(C_Y + i) ^ load<u64>(C_KS + i));
  return ctEqual(C_Y, tag, 16);
}

/**
 * Streaming SHA-256 (FIPS 180-4 §6.2) over linear memory, with contexts at fixed addresses
 * (layout.ts SHA_CTX): init / update over any chunk sizes / final. A multi-megabyte image is
 * hashed chunk by chunk as it passes through the IO window, never held whole.
 *
 * Context layout (CTX_SIZE = 128 B): h[0..7] u32 at +0, pending block at +32 (64 B),
 * total length in bytes u64 at +96, pending byte count u32 at +104.
 *
 * Speed: compress() is fully unrolled (64 rounds, the schedule in 16 rolling locals, constants as
 * immediates) and uses raw loads whose addresses are proven in range in its comment; a rolled loop
 * over a schedule array in memory measured 1.28x @noble/hashes, the unrolled one ~1.6-1.8x
 * (`npm run bench -- --only sha256`). The round function is FIPS 180-4 §6.2.2 with
 * Ch(e,f,g) = g ^ (e & (f ^ g)) and Maj(a,b,c) = (a & b) | (c & (a | b)).
 */
import { SHA_CTX, CTX_SIZE } from './layout';


/** Address of context `id` (0 host API, 1 synchronous digests, 2 fetch stream). */
// @ts-ignore: decorator
@inline export function ctxAddr(id: i32): u32 {
  return SHA_CTX + <u32>id * CTX_SIZE;
}

export function shaInit(ctx: u32): void {
  store<u32>(ctx, 0x6a09e667);
  store<u32>(ctx, 0xbb67ae85, 4);
  store<u32>(ctx, 0x3c6ef372, 8);
  store<u32>(ctx, 0xa54ff53a, 12);
  store<u32>(ctx, 0x510e527f, 16);
  store<u32>(ctx, 0x9b05688c, 20);
  store<u32>(ctx, 0x1f83d9ab, 24);
  store<u32>(ctx, 0x5be0cd19, 28);
  store<u64>(ctx, 0, 96);
  store<u32>(ctx, 0, 104);
}

// @ts-ignore: decorator
@inline function rotr(x: u32, n: u32): u32 {
  return (x >>> n) | (x << (32 - n));
}

/**
 * One compression of the 64-byte block at `p` into the context hash at `ctx` (FIPS 180-4 §6.2.2),
 * fully unrolled with the message schedule in 16 rolling locals and the round constants as
 * immediates (generated; see the module comment). Bounds: callers pass either the context's own
 * 64-byte pending block or `src + k*64` with k*64 + 64 <= len of a range they own, so the 16 loads
 * at p + 0..60 stay inside it.
 */
function compress(ctx: u32, p: u32): void {
  let w0 = bswap<u32>(load<u32>(p, 0));
  let w1 = bswap<u32>(load<u32>(p, 4));
  let w2 = bswap<u32>(load<u32>(p, 8));
  let w3 = bswap<u32>(load<u32>(p, 12));
  let w4 = bswap<u32>(load<u32>(p, 16));
  let w5 = bswap<u32>(load<u32>(p, 20));
  let w6 = bswap<u32>(load<u32>(p, 24));
  let w7 = bswap<u32>(load<u32>(p, 28));
  let w8 = bswap<u32>(load<u32>(p, 32));
  let w9 = bswap<u32>(load<u32>(p, 36));
  let w10 = bswap<u32>(load<u32>(p, 40));
  let w11 = bswap<u32>(load<u32>(p, 44));
  let w12 = bswap<u32>(load<u32>(p, 48));
  let w13 = bswap<u32>(load<u32>(p, 52));
  let w14 = bswap<u32>(load<u32>(p, 56));
  let w15 = bswap<u32>(load<u32>(p, 60));
  let a = load<u32>(ctx), b = load<u32>(ctx, 4), c = load<u32>(ctx, 8), d = load<u32>(ctx, 12);
  let e = load<u32>(ctx, 16), f = load<u32>(ctx, 20), g = load<u32>(ctx, 24), h = load<u32>(ctx, 28);
  let t: u32;
  t = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + (g ^ (e & (f ^ g))) + 0x428a2f98 + w0;
  d += t;
  h = t + (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) | (c & (a | b)));
  t = g + (rotr(d, 6) ^ rotr(d, 11) ^ rotr(d, 25)) + (f ^ (d & (e ^ f))) + 0x71374491 + w1;
  c += t;
  g = t + (rotr(h, 2) ^ rotr(h, 13) ^ rotr(h, 22)) + ((h & a) | (b & (h | a)));
  t = f + (rotr(c, 6) ^ rotr(c, 11) ^ rotr(c, 25)) + (e ^ (c & (d ^ e))) + 0xb5c0fbcf + w2;
  b += t;
  f = t + (rotr(g, 2) ^ rotr(g, 13) ^ rotr(g, 22)) + ((g & h) | (a & (g | h)));
  t = e + (rotr(b, 6) ^ rotr(b, 11) ^ rotr(b, 25)) + (d ^ (b & (c ^ d))) + 0xe9b5dba5 + w3;
  a += t;
  e = t + (rotr(f, 2) ^ rotr(f, 13) ^ rotr(f, 22)) + ((f & g) | (h & (f | g)));
  t = d + (rotr(a, 6) ^ rotr(a, 11) ^ rotr(a, 25)) + (c ^ (a & (b ^ c))) + 0x3956c25b + w4;
  h += t;
  d = t + (rotr(e, 2) ^ rotr(e, 13) ^ rotr(e, 22)) + ((e & f) | (g & (e | f)));
  t = c + (rotr(h, 6) ^ rotr(h, 11) ^ rotr(h, 25)) + (b ^ (h & (a ^ b))) + 0x59f111f1 + w5;
  g += t;
  c = t + (rotr(d, 2) ^ rotr(d, 13) ^ rotr(d, 22)) + ((d & e) | (f & (d | e)));
  t = b + (rotr(g, 6) ^ rotr(g, 11) ^ rotr(g, 25)) + (a ^ (g & (h ^ a))) + 0x923f82a4 + w6;
  f += t;
  b = t + (rotr(c, 2) ^ rotr(c, 13) ^ rotr(c, 22)) + ((c & d) | (e & (c | d)));
  t = a + (rotr(f, 6) ^ rotr(f, 11) ^ rotr(f, 25)) + (h ^ (f & (g ^ h))) + 0xab1c5ed5 + w7;
  e += t;
  a = t + (rotr(b, 2) ^ rotr(b, 13) ^ rotr(b, 22)) + ((b & c) | (d & (b | c)));
  t = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + (g ^ (e & (f ^ g))) + 0xd807aa98 + w8;
  d += t;
  h = t + (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) | (c & (a | b)));
  t = g + (rotr(d, 6) ^ rotr(d, 11) ^ rotr(d, 25)) + (f ^ (d & (e ^ f))) + 0x12835b01 + w9;
  c += t;
  g = t + (rotr(h, 2) ^ rotr(h, 13) ^ rotr(h, 22)) + ((h & a) | (b & (h | a)));
  t = f + (rotr(c, 6) ^ rotr(c, 11) ^ rotr(c, 25)) + (e ^ (c & (d ^ e))) + 0x243185be + w10;
  b += t;
  f = t + (rotr(g, 2) ^ rotr(g, 13) ^ rotr(g, 22)) + ((g & h) | (a & (g | h)));
  t = e + (rotr(b, 6) ^ rotr(b, 11) ^ rotr(b, 25)) + (d ^ (b & (c ^ d))) + 0x550c7dc3 + w11;
  a += t;
  e = t + (rotr(f, 2) ^ rotr(f, 13) ^ rotr(f, 22)) + ((f & g) | (h & (f | g)));
  t = d + (rotr(a, 6) ^ rotr(a, 11) ^ rotr(a, 25)) + (c ^ (a & (b ^ c))) + 0x72be5d74 + w12;
  h += t;
  d = t + (rotr(e, 2) ^ rotr(e, 13) ^ rotr(e, 22)) + ((e & f) | (g & (e | f)));
  t = c + (rotr(h, 6) ^ rotr(h, 11) ^ rotr(h, 25)) + (b ^ (h & (a ^ b))) + 0x80deb1fe + w13;
  g += t;
  c = t + (rotr(d, 2) ^ rotr(d, 13) ^ rotr(d, 22)) + ((d & e) | (f & (d | e)));
  t = b + (rotr(g, 6) ^ rotr(g, 11) ^ rotr(g, 25)) + (a ^ (g & (h ^ a))) + 0x9bdc06a7 + w14;
  f += t;
  b = t + (rotr(c, 2) ^ rotr(c, 13) ^ rotr(c, 22)) + ((c & d) | (e & (c | d)));
  t = a + (rotr(f, 6) ^ rotr(f, 11) ^ rotr(f, 25)) + (h ^ (f & (g ^ h))) + 0xc19bf174 + w15;
  e += t;
  a = t + (rotr(b, 2) ^ rotr(b, 13) ^ rotr(b, 22)) + ((b & c) | (d & (b | c)));
  w0 += (rotr(w14, 17) ^ rotr(w14, 19) ^ (w14 >>> 10)) + w9 + (rotr(w1, 7) ^ rotr(w1, 18) ^ (w1 >>> 3));
  t = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + (g ^ (e & (f ^ g))) + 0xe49b69c1 + w0;
  d += t;
  h = t + (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) | (c & (a | b)));
  w1 += (rotr(w15, 17) ^ rotr(w15, 19) ^ (w15 >>> 10)) + w10 + (rotr(w2, 7) ^ rotr(w2, 18) ^ (w2 >>> 3));
  t = g + (rotr(d, 6) ^ rotr(d, 11) ^ rotr(d, 25)) + (f ^ (d & (e ^ f))) + 0xefbe4786 + w1;
  c += t;
  g = t + (rotr(h, 2) ^ rotr(h, 13) ^ rotr(h, 22)) + ((h & a) | (b & (h | a)));
  w2 += (rotr(w0, 17) ^ rotr(w0, 19) ^ (w0 >>> 10)) + w11 + (rotr(w3, 7) ^ rotr(w3, 18) ^ (w3 >>> 3));
  t = f + (rotr(c, 6) ^ rotr(c, 11) ^ rotr(c, 25)) + (e ^ (c & (d ^ e))) + 0x0fc19dc6 + w2;
  b += t;
  f = t + (rotr(g, 2) ^ rotr(g, 13) ^ rotr(g, 22)) + ((g & h) | (a & (g | h)));
  w3 += (rotr(w1, 17) ^ rotr(w1, 19) ^ (w1 >>> 10)) + w12 + (rotr(w4, 7) ^ rotr(w4, 18) ^ (w4 >>> 3));
  t = e + (rotr(b, 6) ^ rotr(b, 11) ^ rotr(b, 25)) + (d ^ (b & (c ^ d))) + 0x240ca1cc + w3;
  a += t;
  e = t + (rotr(f, 2) ^ rotr(f, 13) ^ rotr(f, 22)) + ((f & g) | (h & (f | g)));
  w4 += (rotr(w2, 17) ^ rotr(w2, 19) ^ (w2 >>> 10)) + w13 + (rotr(w5, 7) ^ rotr(w5, 18) ^ (w5 >>> 3));
  t = d + (rotr(a, 6) ^ rotr(a, 11) ^ rotr(a, 25)) + (c ^ (a & (b ^ c))) + 0x2de92c6f + w4;
  h += t;
  d = t + (rotr(e, 2) ^ rotr(e, 13) ^ rotr(e, 22)) + ((e & f) | (g & (e | f)));
  w5 += (rotr(w3, 17) ^ rotr(w3, 19) ^ (w3 >>> 10)) + w14 + (rotr(w6, 7) ^ rotr(w6, 18) ^ (w6 >>> 3));
  t = c + (rotr(h, 6) ^ rotr(h, 11) ^ rotr(h, 25)) + (b ^ (h & (a ^ b))) + 0x4a7484aa + w5;
  g += t;
  c = t + (rotr(d, 2) ^ rotr(d, 13) ^ rotr(d, 22)) + ((d & e) | (f & (d | e)));
  w6 += (rotr(w4, 17) ^ rotr(w4, 19) ^ (w4 >>> 10)) + w15 + (rotr(w7, 7) ^ rotr(w7, 18) ^ (w7 >>> 3));
  t = b + (rotr(g, 6) ^ rotr(g, 11) ^ rotr(g, 25)) + (a ^ (g & (h ^ a))) + 0x5cb0a9dc + w6;
  f += t;
  b = t + (rotr(c, 2) ^ rotr(c, 13) ^ rotr(c, 22)) + ((c & d) | (e & (c | d)));
  w7 += (rotr(w5, 17) ^ rotr(w5, 19) ^ (w5 >>> 10)) + w0 + (rotr(w8, 7) ^ rotr(w8, 18) ^ (w8 >>> 3));
  t = a + (rotr(f, 6) ^ rotr(f, 11) ^ rotr(f, 25)) + (h ^ (f & (g ^ h))) + 0x76f988da + w7;
  e += t;
  a = t + (rotr(b, 2) ^ rotr(b, 13) ^ rotr(b, 22)) + ((b & c) | (d & (b | c)));
  w8 += (rotr(w6, 17) ^ rotr(w6, 19) ^ (w6 >>> 10)) + w1 + (rotr(w9, 7) ^ rotr(w9, 18) ^ (w9 >>> 3));
  t = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + (g ^ (e & (f ^ g))) + 0x983e5152 + w8;
  d += t;
  h = t + (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) | (c & (a | b)));
  w9 += (rotr(w7, 17) ^ rotr(w7, 19) ^ (w7 >>> 10)) + w2 + (rotr(w10, 7) ^ rotr(w10, 18) ^ (w10 >>> 3));
  t = g + (rotr(d, 6) ^ rotr(d, 11) ^ rotr(d, 25)) + (f ^ (d & (e ^ f))) + 0xa831c66d + w9;
  c += t;
  g = t + (rotr(h, 2) ^ rotr(h, 13) ^ rotr(h, 22)) + ((h & a) | (b & (h | a)));
  w10 += (rotr(w8, 17) ^ rotr(w8, 19) ^ (w8 >>> 10)) + w3 + (rotr(w11, 7) ^ rotr(w11, 18) ^ (w11 >>> 3));
  t = f + (rotr(c, 6) ^ rotr(c, 11) ^ rotr(c, 25)) + (e ^ (c & (d ^ e))) + 0xb00327c8 + w10;
  b += t;
  f = t + (rotr(g, 2) ^ rotr(g, 13) ^ rotr(g, 22)) + ((g & h) | (a & (g | h)));
  w11 += (rotr(w9, 17) ^ rotr(w9, 19) ^ (w9 >>> 10)) + w4 + (rotr(w12, 7) ^ rotr(w12, 18) ^ (w12 >>> 3));
  t = e + (rotr(b, 6) ^ rotr(b, 11) ^ rotr(b, 25)) + (d ^ (b & (c ^ d))) + 0xbf597fc7 + w11;
  a += t;
  e = t + (rotr(f, 2) ^ rotr(f, 13) ^ rotr(f, 22)) + ((f & g) | (h & (f | g)));
  w12 += (rotr(w10, 17) ^ rotr(w10, 19) ^ (w10 >>> 10)) + w5 + (rotr(w13, 7) ^ rotr(w13, 18) ^ (w13 >>> 3));
  t = d + (rotr(a, 6) ^ rotr(a, 11) ^ rotr(a, 25)) + (c ^ (a & (b ^ c))) + 0xc6e00bf3 + w12;
  h += t;
  d = t + (rotr(e, 2) ^ rotr(e, 13) ^ rotr(e, 22)) + ((e & f) | (g & (e | f)));
  w13 += (rotr(w11, 17) ^ rotr(w11, 19) ^ (w11 >>> 10)) + w6 + (rotr(w14, 7) ^ rotr(w14, 18) ^ (w14 >>> 3));
  t = c + (rotr(h, 6) ^ rotr(h, 11) ^ rotr(h, 25)) + (b ^ (h & (a ^ b))) + 0xd5a79147 + w13;
  g += t;
  c = t + (rotr(d, 2) ^ rotr(d, 13) ^ rotr(d, 22)) + ((d & e) | (f & (d | e)));
  w14 += (rotr(w12, 17) ^ rotr(w12, 19) ^ (w12 >>> 10)) + w7 + (rotr(w15, 7) ^ rotr(w15, 18) ^ (w15 >>> 3));
  t = b + (rotr(g, 6) ^ rotr(g, 11) ^ rotr(g, 25)) + (a ^ (g & (h ^ a))) + 0x06ca6351 + w14;
  f += t;
  b = t + (rotr(c, 2) ^ rotr(c, 13) ^ rotr(c, 22)) + ((c & d) | (e & (c | d)));
  w15 += (rotr(w13, 17) ^ rotr(w13, 19) ^ (w13 >>> 10)) + w8 + (rotr(w0, 7) ^ rotr(w0, 18) ^ (w0 >>> 3));
  t = a + (rotr(f, 6) ^ rotr(f, 11) ^ rotr(f, 25)) + (h ^ (f & (g ^ h))) + 0x14292967 + w15;
  e += t;
  a = t + (rotr(b, 2) ^ rotr(b, 13) ^ rotr(b, 22)) + ((b & c) | (d & (b | c)));
  w0 += (rotr(w14, 17) ^ rotr(w14, 19) ^ (w14 >>> 10)) + w9 + (rotr(w1, 7) ^ rotr(w1, 18) ^ (w1 >>> 3));
  t = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + (g ^ (e & (f ^ g))) + 0x27b70a85 + w0;
  d += t;
  h = t + (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) | (c & (a | b)));
  w1 += (rotr(w15, 17) ^ rotr(w15, 19) ^ (w15 >>> 10)) + w10 + (rotr(w2, 7) ^ rotr(w2, 18) ^ (w2 >>> 3));
  t = g + (rotr(d, 6) ^ rotr(d, 11) ^ rotr(d, 25)) + (f ^ (d & (e ^ f))) + 0x2e1b2138 + w1;
  c += t;
  g = t + (rotr(h, 2) ^ rotr(h, 13) ^ rotr(h, 22)) + ((h & a) | (b & (h | a)));
  w2 += (rotr(w0, 17) ^ rotr(w0, 19) ^ (w0 >>> 10)) + w11 + (rotr(w3, 7) ^ rotr(w3, 18) ^ (w3 >>> 3));
  t = f + (rotr(c, 6) ^ rotr(c, 11) ^ rotr(c, 25)) + (e ^ (c & (d ^ e))) + 0x4d2c6dfc + w2;
  b += t;
  f = t + (rotr(g, 2) ^ rotr(g, 13) ^ rotr(g, 22)) + ((g & h) | (a & (g | h)));
  w3 += (rotr(w1, 17) ^ rotr(w1, 19) ^ (w1 >>> 10)) + w12 + (rotr(w4, 7) ^ rotr(w4, 18) ^ (w4 >>> 3));
  t = e + (rotr(b, 6) ^ rotr(b, 11) ^ rotr(b, 25)) + (d ^ (b & (c ^ d))) + 0x53380d13 + w3;
  a += t;
  e = t + (rotr(f, 2) ^ rotr(f, 13) ^ rotr(f, 22)) + ((f & g) | (h & (f | g)));
  w4 += (rotr(w2, 17) ^ rotr(w2, 19) ^ (w2 >>> 10)) + w13 + (rotr(w5, 7) ^ rotr(w5, 18) ^ (w5 >>> 3));
  t = d + (rotr(a, 6) ^ rotr(a, 11) ^ rotr(a, 25)) + (c ^ (a & (b ^ c))) + 0x650a7354 + w4;
  h += t;
  d = t + (rotr(e, 2) ^ rotr(e, 13) ^ rotr(e, 22)) + ((e & f) | (g & (e | f)));
  w5 += (rotr(w3, 17) ^ rotr(w3, 19) ^ (w3 >>> 10)) + w14 + (rotr(w6, 7) ^ rotr(w6, 18) ^ (w6 >>> 3));
  t = c + (rotr(h, 6) ^ rotr(h, 11) ^ rotr(h, 25)) + (b ^ (h & (a ^ b))) + 0x766a0abb + w5;
  g += t;
  c = t + (rotr(d, 2) ^ rotr(d, 13) ^ rotr(d, 22)) + ((d & e) | (f & (d | e)));
  w6 += (rotr(w4, 17) ^ rotr(w4, 19) ^ (w4 >>> 10)) + w15 + (rotr(w7, 7) ^ rotr(w7, 18) ^ (w7 >>> 3));
  t = b + (rotr(g, 6) ^ rotr(g, 11) ^ rotr(g, 25)) + (a ^ (g & (h ^ a))) + 0x81c2c92e + w6;
  f += t;
  b = t + (rotr(c, 2) ^ rotr(c, 13) ^ rotr(c, 22)) + ((c & d) | (e & (c | d)));
  w7 += (rotr(w5, 17) ^ rotr(w5, 19) ^ (w5 >>> 10)) + w0 + (rotr(w8, 7) ^ rotr(w8, 18) ^ (w8 >>> 3));
  t = a + (rotr(f, 6) ^ rotr(f, 11) ^ rotr(f, 25)) + (h ^ (f & (g ^ h))) + 0x92722c85 + w7;
  e += t;
  a = t + (rotr(b, 2) ^ rotr(b, 13) ^ rotr(b, 22)) + ((b & c) | (d & (b | c)));
  w8 += (rotr(w6, 17) ^ rotr(w6, 19) ^ (w6 >>> 10)) + w1 + (rotr(w9, 7) ^ rotr(w9, 18) ^ (w9 >>> 3));
  t = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + (g ^ (e & (f ^ g))) + 0xa2bfe8a1 + w8;
  d += t;
  h = t + (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) | (c & (a | b)));
  w9 += (rotr(w7, 17) ^ rotr(w7, 19) ^ (w7 >>> 10)) + w2 + (rotr(w10, 7) ^ rotr(w10, 18) ^ (w10 >>> 3));
  t = g + (rotr(d, 6) ^ rotr(d, 11) ^ rotr(d, 25)) + (f ^ (d & (e ^ f))) + 0xa81a664b + w9;
  c += t;
  g = t + (rotr(h, 2) ^ rotr(h, 13) ^ rotr(h, 22)) + ((h & a) | (b & (h | a)));
  w10 += (rotr(w8, 17) ^ rotr(w8, 19) ^ (w8 >>> 10)) + w3 + (rotr(w11, 7) ^ rotr(w11, 18) ^ (w11 >>> 3));
  t = f + (rotr(c, 6) ^ rotr(c, 11) ^ rotr(c, 25)) + (e ^ (c & (d ^ e))) + 0xc24b8b70 + w10;
  b += t;
  f = t + (rotr(g, 2) ^ rotr(g, 13) ^ rotr(g, 22)) + ((g & h) | (a & (g | h)));
  w11 += (rotr(w9, 17) ^ rotr(w9, 19) ^ (w9 >>> 10)) + w4 + (rotr(w12, 7) ^ rotr(w12, 18) ^ (w12 >>> 3));
  t = e + (rotr(b, 6) ^ rotr(b, 11) ^ rotr(b, 25)) + (d ^ (b & (c ^ d))) + 0xc76c51a3 + w11;
  a += t;
  e = t + (rotr(f, 2) ^ rotr(f, 13) ^ rotr(f, 22)) + ((f & g) | (h & (f | g)));
  w12 += (rotr(w10, 17) ^ rotr(w10, 19) ^ (w10 >>> 10)) + w5 + (rotr(w13, 7) ^ rotr(w13, 18) ^ (w13 >>> 3));
  t = d + (rotr(a, 6) ^ rotr(a, 11) ^ rotr(a, 25)) + (c ^ (a & (b ^ c))) + 0xd192e819 + w12;
  h += t;
  d = t + (rotr(e, 2) ^ rotr(e, 13) ^ rotr(e, 22)) + ((e & f) | (g & (e | f)));
  w13 += (rotr(w11, 17) ^ rotr(w11, 19) ^ (w11 >>> 10)) + w6 + (rotr(w14, 7) ^ rotr(w14, 18) ^ (w14 >>> 3));
  t = c + (rotr(h, 6) ^ rotr(h, 11) ^ rotr(h, 25)) + (b ^ (h & (a ^ b))) + 0xd6990624 + w13;
  g += t;
  c = t + (rotr(d, 2) ^ rotr(d, 13) ^ rotr(d, 22)) + ((d & e) | (f & (d | e)));
  w14 += (rotr(w12, 17) ^ rotr(w12, 19) ^ (w12 >>> 10)) + w7 + (rotr(w15, 7) ^ rotr(w15, 18) ^ (w15 >>> 3));
  t = b + (rotr(g, 6) ^ rotr(g, 11) ^ rotr(g, 25)) + (a ^ (g & (h ^ a))) + 0xf40e3585 + w14;
  f += t;
  b = t + (rotr(c, 2) ^ rotr(c, 13) ^ rotr(c, 22)) + ((c & d) | (e & (c | d)));
  w15 += (rotr(w13, 17) ^ rotr(w13, 19) ^ (w13 >>> 10)) + w8 + (rotr(w0, 7) ^ rotr(w0, 18) ^ (w0 >>> 3));
  t = a + (rotr(f, 6) ^ rotr(f, 11) ^ rotr(f, 25)) + (h ^ (f & (g ^ h))) + 0x106aa070 + w15;
  e += t;
  a = t + (rotr(b, 2) ^ rotr(b, 13) ^ rotr(b, 22)) + ((b & c) | (d & (b | c)));
  w0 += (rotr(w14, 17) ^ rotr(w14, 19) ^ (w14 >>> 10)) + w9 + (rotr(w1, 7) ^ rotr(w1, 18) ^ (w1 >>> 3));
  t = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + (g ^ (e & (f ^ g))) + 0x19a4c116 + w0;
  d += t;
  h = t + (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) | (c & (a | b)));
  w1 += (rotr(w15, 17) ^ rotr(w15, 19) ^ (w15 >>> 10)) + w10 + (rotr(w2, 7) ^ rotr(w2, 18) ^ (w2 >>> 3));
  t = g + (rotr(d, 6) ^ rotr(d, 11) ^ rotr(d, 25)) + (f ^ (d & (e ^ f))) + 0x1e376c08 + w1;
  c += t;
  g = t + (rotr(h, 2) ^ rotr(h, 13) ^ rotr(h, 22)) + ((h & a) | (b & (h | a)));
  w2 += (rotr(w0, 17) ^ rotr(w0, 19) ^ (w0 >>> 10)) + w11 + (rotr(w3, 7) ^ rotr(w3, 18) ^ (w3 >>> 3));
  t = f + (rotr(c, 6) ^ rotr(c, 11) ^ rotr(c, 25)) + (e ^ (c & (d ^ e))) + 0x2748774c + w2;
  b += t;
  f = t + (rotr(g, 2) ^ rotr(g, 13) ^ rotr(g, 22)) + ((g & h) | (a & (g | h)));
  w3 += (rotr(w1, 17) ^ rotr(w1, 19) ^ (w1 >>> 10)) + w12 + (rotr(w4, 7) ^ rotr(w4, 18) ^ (w4 >>> 3));
  t = e + (rotr(b, 6) ^ rotr(b, 11) ^ rotr(b, 25)) + (d ^ (b & (c ^ d))) + 0x34b0bcb5 + w3;
  a += t;
  e = t + (rotr(f, 2) ^ rotr(f, 13) ^ rotr(f, 22)) + ((f & g) | (h & (f | g)));
  w4 += (rotr(w2, 17) ^ rotr(w2, 19) ^ (w2 >>> 10)) + w13 + (rotr(w5, 7) ^ rotr(w5, 18) ^ (w5 >>> 3));
  t = d + (rotr(a, 6) ^ rotr(a, 11) ^ rotr(a, 25)) + (c ^ (a & (b ^ c))) + 0x391c0cb3 + w4;
  h += t;
  d = t + (rotr(e, 2) ^ rotr(e, 13) ^ rotr(e, 22)) + ((e & f) | (g & (e | f)));
  w5 += (rotr(w3, 17) ^ rotr(w3, 19) ^ (w3 >>> 10)) + w14 + (rotr(w6, 7) ^ rotr(w6, 18) ^ (w6 >>> 3));
  t = c + (rotr(h, 6) ^ rotr(h, 11) ^ rotr(h, 25)) + (b ^ (h & (a ^ b))) + 0x4ed8aa4a + w5;
  g += t;
  c = t + (rotr(d, 2) ^ rotr(d, 13) ^ rotr(d, 22)) + ((d & e) | (f & (d | e)));
  w6 += (rotr(w4, 17) ^ rotr(w4, 19) ^ (w4 >>> 10)) + w15 + (rotr(w7, 7) ^ rotr(w7, 18) ^ (w7 >>> 3));
  t = b + (rotr(g, 6) ^ rotr(g, 11) ^ rotr(g, 25)) + (a ^ (g & (h ^ a))) + 0x5b9cca4f + w6;
  f += t;
  b = t + (rotr(c, 2) ^ rotr(c, 13) ^ rotr(c, 22)) + ((c & d) | (e & (c | d)));
  w7 += (rotr(w5, 17) ^ rotr(w5, 19) ^ (w5 >>> 10)) + w0 + (rotr(w8, 7) ^ rotr(w8, 18) ^ (w8 >>> 3));
  t = a + (rotr(f, 6) ^ rotr(f, 11) ^ rotr(f, 25)) + (h ^ (f & (g ^ h))) + 0x682e6ff3 + w7;
  e += t;
  a = t + (rotr(b, 2) ^ rotr(b, 13) ^ rotr(b, 22)) + ((b & c) | (d & (b | c)));
  w8 += (rotr(w6, 17) ^ rotr(w6, 19) ^ (w6 >>> 10)) + w1 + (rotr(w9, 7) ^ rotr(w9, 18) ^ (w9 >>> 3));
  t = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + (g ^ (e & (f ^ g))) + 0x748f82ee + w8;
  d += t;
  h = t + (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) | (c & (a | b)));
  w9 += (rotr(w7, 17) ^ rotr(w7, 19) ^ (w7 >>> 10)) + w2 + (rotr(w10, 7) ^ rotr(w10, 18) ^ (w10 >>> 3));
  t = g + (rotr(d, 6) ^ rotr(d, 11) ^ rotr(d, 25)) + (f ^ (d & (e ^ f))) + 0x78a5636f + w9;
  c += t;
  g = t + (rotr(h, 2) ^ rotr(h, 13) ^ rotr(h, 22)) + ((h & a) | (b & (h | a)));
  w10 += (rotr(w8, 17) ^ rotr(w8, 19) ^ (w8 >>> 10)) + w3 + (rotr(w11, 7) ^ rotr(w11, 18) ^ (w11 >>> 3));
  t = f + (rotr(c, 6) ^ rotr(c, 11) ^ rotr(c, 25)) + (e ^ (c & (d ^ e))) + 0x84c87814 + w10;
  b += t;
  f = t + (rotr(g, 2) ^ rotr(g, 13) ^ rotr(g, 22)) + ((g & h) | (a & (g | h)));
  w11 += (rotr(w9, 17) ^ rotr(w9, 19) ^ (w9 >>> 10)) + w4 + (rotr(w12, 7) ^ rotr(w12, 18) ^ (w12 >>> 3));
  t = e + (rotr(b, 6) ^ rotr(b, 11) ^ rotr(b, 25)) + (d ^ (b & (c ^ d))) + 0x8cc70208 + w11;
  a += t;
  e = t + (rotr(f, 2) ^ rotr(f, 13) ^ rotr(f, 22)) + ((f & g) | (h & (f | g)));
  w12 += (rotr(w10, 17) ^ rotr(w10, 19) ^ (w10 >>> 10)) + w5 + (rotr(w13, 7) ^ rotr(w13, 18) ^ (w13 >>> 3));
  t = d + (rotr(a, 6) ^ rotr(a, 11) ^ rotr(a, 25)) + (c ^ (a & (b ^ c))) + 0x90befffa + w12;
  h += t;
  d = t + (rotr(e, 2) ^ rotr(e, 13) ^ rotr(e, 22)) + ((e & f) | (g & (e | f)));
  w13 += (rotr(w11, 17) ^ rotr(w11, 19) ^ (w11 >>> 10)) + w6 + (rotr(w14, 7) ^ rotr(w14, 18) ^ (w14 >>> 3));
  t = c + (rotr(h, 6) ^ rotr(h, 11) ^ rotr(h, 25)) + (b ^ (h & (a ^ b))) + 0xa4506ceb + w13;
  g += t;
  c = t + (rotr(d, 2) ^ rotr(d, 13) ^ rotr(d, 22)) + ((d & e) | (f & (d | e)));
  w14 += (rotr(w12, 17) ^ rotr(w12, 19) ^ (w12 >>> 10)) + w7 + (rotr(w15, 7) ^ rotr(w15, 18) ^ (w15 >>> 3));
  t = b + (rotr(g, 6) ^ rotr(g, 11) ^ rotr(g, 25)) + (a ^ (g & (h ^ a))) + 0xbef9a3f7 + w14;
  f += t;
  b = t + (rotr(c, 2) ^ rotr(c, 13) ^ rotr(c, 22)) + ((c & d) | (e & (c | d)));
  w15 += (rotr(w13, 17) ^ rotr(w13, 19) ^ (w13 >>> 10)) + w8 + (rotr(w0, 7) ^ rotr(w0, 18) ^ (w0 >>> 3));
  t = a + (rotr(f, 6) ^ rotr(f, 11) ^ rotr(f, 25)) + (h ^ (f & (g ^ h))) + 0xc67178f2 + w15;
  e += t;
  a = t + (rotr(b, 2) ^ rotr(b, 13) ^ rotr(b, 22)) + ((b & c) | (d & (b | c)));
  store<u32>(ctx, load<u32>(ctx) + a);
  store<u32>(ctx, load<u32>(ctx, 4) + b, 4);
  store<u32>(ctx, load<u32>(ctx, 8) + c, 8);
  store<u32>(ctx, load<u32>(ctx, 12) + d, 12);
  store<u32>(ctx, load<u32>(ctx, 16) + e, 16);
  store<u32>(ctx, load<u32>(ctx, 20) + f, 20);
  store<u32>(ctx, load<u32>(ctx, 24) + g, 24);
  store<u32>(ctx, load<u32>(ctx, 28) + h, 28);
}

/** Absorbs `len` bytes at `src` (a range the caller owns). */
export function shaUpdate(ctx: u32, src: u32, len: u32): void {
  store<u64>(ctx, load<u64>(ctx, 96) + <u64>len, 96);
  const block = ctx + 32;
  let pending = load<u32>(ctx, 104);
  let off: u32 = 0;
  if (pending > 0) {
    const take = min<u32>(64 - pending, len);
    memory.copy(block + pending, src, take);
    pending += take;
    off = take;
    if (pending < 64) {
      store<u32>(ctx, pending, 104);
      return;
    }
    compress(ctx, block);
    pending = 0;
  }
  // Whole blocks straight from the input: off + 64 <= len holds inside the loop.
  while (len - off >= 64) {
    compress(ctx, src + off);
    off += 64;
  }
  const rest = len - off;
  if (rest > 0) memory.copy(block, src + off, rest);
  store<u32>(ctx, rest, 104);
}

/** Pads, compresses and writes the 32-byte digest to `out`. The context must be re-initialised. */
export function shaFinal(ctx: u32, out: u32): void {
  const block = ctx + 32;
  const bits = load<u64>(ctx, 96) << 3;
  let pending = load<u32>(ctx, 104);
  store<u8>(block + pending, 0x80);
  pending++;
  if (pending > 56) {
    memory.fill(block + pending, 0, 64 - pending);
    compress(ctx, block);
    pending = 0;
  }
  memory.fill(block + pending, 0, 56 - pending);
  store<u64>(block, bswap<u64>(bits), 56);
  compress(ctx, block);
  for (let i: u32 = 0; i < 8; i++) store<u32>(out + (i << 2), bswap<u32>(load<u32>(ctx + (i << 2))));
}

/** One-shot digest of [src, src+len) into `out`, using the synchronous context. */
export function sha256(src: u32, len: u32, out: u32): void {
  const ctx = ctxAddr(1);
  shaInit(ctx);
  shaUpdate(ctx, src, len);
  shaFinal(ctx, out);
}


/**
 * An HSS / LMS verifier written for the tests straight from RFC 8554 (§6.3, Algorithms 6a/6b and
 * 4b; SHA-256/192 as in SP 800-208: SHA-256 cut to 24 bytes), with node:crypto. It shares no code
 * with the verifier core (assembly/lms.ts) nor with the signer (host/keys): it is the independent
 * side of the differential tests. It parses with a cursor over a DataView and throws on any
 * length or type mismatch, which `hssVerifyReference` turns into "invalid".
 */
import { createHash, hash } from 'node:crypto';

interface Lms { m: number; h: number }
interface Ots { n: number; w: number; p: number; ls: number }

// RFC 8554 Table 1 / SP 800-208 Table 2 (typecode: n, w, p, ls).
const OTS: Record<number, Ots> = {
  1: { n: 32, w: 1, p: 265, ls: 7 },
  2: { n: 32, w: 2, p: 133, ls: 6 },
  3: { n: 32, w: 4, p: 67, ls: 4 },
  4: { n: 32, w: 8, p: 34, ls: 0 },
  5: { n: 24, w: 1, p: 200, ls: 8 },
  6: { n: 24, w: 2, p: 101, ls: 6 },
  7: { n: 24, w: 4, p: 51, ls: 4 },
  8: { n: 24, w: 8, p: 26, ls: 0 },
};
// RFC 8554 Table 2 / SP 800-208 Table 3 (typecode: m, h).
const LMS: Record<number, Lms> = {
  5: { m: 32, h: 5 }, 6: { m: 32, h: 10 }, 7: { m: 32, h: 15 }, 8: { m: 32, h: 20 }, 9: { m: 32, h: 25 },
  10: { m: 24, h: 5 }, 11: { m: 24, h: 10 }, 12: { m: 24, h: 15 }, 13: { m: 24, h: 20 }, 14: { m: 24, h: 25 },
};

class Invalid extends Error {}

class Reader {
  private at = 0;
  constructor(private readonly b: Uint8Array) {}
  u32(): number {
    if (this.at + 4 > this.b.length) throw new Invalid('short');
    const v = new DataView(this.b.buffer, this.b.byteOffset + this.at, 4).getUint32(0);
    this.at += 4;
    return v;
  }
  bytes(n: number): Uint8Array {
    if (this.at + n > this.b.length) throw new Invalid('short');
    const v = this.b.subarray(this.at, this.at + n);
    this.at += n;
    return v;
  }
  get offset(): number {
    return this.at;
  }
  get done(): boolean {
    return this.at === this.b.length;
  }
}

const be32 = (v: number) => Buffer.from([v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255]);
const be16 = (v: number) => Buffer.from([(v >>> 8) & 255, v & 255]);
const H = (len: number, ...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest().subarray(0, len);
};

function coef(s: Uint8Array, i: number, w: number): number {
  return (2 ** w - 1) & (s[Math.floor((i * w) / 8)]! >> (8 - (w * (i % (8 / w)) + w)));
}

/** Algorithm 4b. */
function candidateOtsKey(ots: Ots, id: Uint8Array, q: number, c: Uint8Array, y: Uint8Array[], msg: Uint8Array): Buffer {
  const Q = H(ots.n, id, be32(q), be16(0x8181), c, msg);
  let sum = 0;
  for (let i = 0; i < (ots.n * 8) / ots.w; i++) sum += 2 ** ots.w - 1 - coef(Q, i, ots.w);
  const qc = Buffer.concat([Q, be16((sum << ots.ls) & 0xffff)]);
  const z: Buffer[] = [];
  for (let i = 0; i < ots.p; i++) {
    // tmp = H(I || u32str(q) || u16str(i) || u8str(j) || tmp), the prefix built once per chain.
    const input = Buffer.concat([id, be32(q), be16(i), Buffer.alloc(1), y[i]!]);
    for (let j = coef(qc, i, ots.w); j < 2 ** ots.w - 1; j++) {
      input[22] = j;
      hash('sha256', input, 'buffer').copy(input, 23, 0, ots.n);
    }
    z.push(input.subarray(23));
  }
  return H(ots.n, id, be32(q), be16(0x8080), ...z);
}

/** Algorithms 6a + 6b; `pub` is exactly one LMS public key, `sig` exactly one LMS signature. */
function lmsVerify(pub: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean {
  const pr = new Reader(pub);
  const pubType = pr.u32();
  const otsType = pr.u32();
  const lms = LMS[pubType];
  const ots = OTS[otsType];
  if (!lms || !ots) throw new Invalid('type');
  const id = pr.bytes(16);
  const t1 = pr.bytes(lms.m);
  if (!pr.done) throw new Invalid('public key length');
  const sr = new Reader(sig);
  const q = sr.u32();
  if (sr.u32() !== otsType) throw new Invalid('ots type');
  const c = sr.bytes(ots.n);
  const y = Array.from({ length: ots.p }, () => sr.bytes(ots.n));
  if (sr.u32() !== pubType) throw new Invalid('lms type');
  if (q >= 2 ** lms.h) throw new Invalid('q');
  const path = Array.from({ length: lms.h }, () => sr.bytes(lms.m));
  if (!sr.done) throw new Invalid('signature length');
  const kc = candidateOtsKey(ots, id, q, c, y, msg);
  let node = 2 ** lms.h + q;
  let tmp = H(lms.m, id, be32(node), be16(0x8282), kc);
  for (let i = 0; node > 1; i++, node = Math.floor(node / 2)) {
    tmp = node % 2 === 1 ? H(lms.m, id, be32(Math.floor(node / 2)), be16(0x8383), path[i]!, tmp) : H(lms.m, id, be32(Math.floor(node / 2)), be16(0x8383), tmp, path[i]!);
  }
  return Buffer.from(tmp).equals(Buffer.from(t1));
}

/** Length of the LMS signature starting at `r`'s position, read from its types. */
function lmsSignatureAt(r: Reader, all: Uint8Array): Uint8Array {
  const start = r.offset;
  r.u32();
  const ots = OTS[r.u32()];
  if (!ots) throw new Invalid('ots type');
  r.bytes(ots.n * (ots.p + 1));
  const lms = LMS[r.u32()];
  if (!lms) throw new Invalid('lms type');
  r.bytes(lms.h * lms.m);
  return all.subarray(start, r.offset);
}

function lmsPublicKeyAt(r: Reader, all: Uint8Array): Uint8Array {
  const start = r.offset;
  const lms = LMS[r.u32()];
  if (!lms) throw new Invalid('lms type');
  r.bytes(4 + 16 + lms.m);
  return all.subarray(start, r.offset);
}

/** RFC 8554 §6.3 HSS verification: true only for a valid signature with every length exact. */
export function hssVerifyReference(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    const kr = new Reader(publicKey);
    const levels = kr.u32();
    if (levels < 1 || levels > 8) return false;
    let pub = lmsPublicKeyAt(kr, publicKey);
    if (!kr.done) return false;
    const r = new Reader(signature);
    if (r.u32() + 1 !== levels) return false;
    for (let i = 0; i < levels - 1; i++) {
      const sig = lmsSignatureAt(r, signature);
      const next = lmsPublicKeyAt(r, signature);
      if (!lmsVerify(pub, next, sig)) return false;
      pub = next;
    }
    const sig = lmsSignatureAt(r, signature);
    if (!r.done) return false;
    return lmsVerify(pub, message, sig);
  } catch (e) {
    if (e instanceof Invalid) return false;
    throw e;
  }
}

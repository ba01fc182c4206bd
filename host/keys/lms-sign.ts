/**
 * LM-OTS and LMS key generation and signing (RFC 8554 §4.2-4.5 Algorithms 0-3, §5.2-5.4
 * Algorithms 5-6, with the pseudorandom private keys of Appendix A: x_q[i] = H(I || u32str(q) ||
 * u16str(i) || u8str(0xff) || SEED)), for the HSS signer (hss.ts). SHA-256/192 is SHA-256 cut to
 * its first 24 bytes. An LmsTree computes all 2^h leaves once and keeps the nodes, so signing a
 * leaf is one LM-OTS signature plus a path read from memory.
 */
import { createHash, hash as oneShot } from 'node:crypto';
import type { LevelSpec } from './lms-types.js';

const D_PBLC = 0x8080;
const D_MESG = 0x8181;
const D_LEAF = 0x8282;
const D_INTR = 0x8383;

export function u32(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0);
  return b;
}

function u16(v: number): Uint8Array {
  return new Uint8Array([(v >>> 8) & 0xff, v & 0xff]);
}

/** SHA-256 over the parts, cut to `len` bytes. */
function hash(len: number, ...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest().subarray(0, len));
}

/** coef(S, i, w) of RFC 8554 §3.1.3. */
function coef(s: Uint8Array, i: number, w: number): number {
  const perByte = 8 / w;
  return (s[Math.floor(i / perByte)]! >>> (8 - w * (i % perByte) - w)) & ((1 << w) - 1);
}

/** Q || Cksm(Q) (§4.4). */
function withChecksum(q: Uint8Array, spec: LevelSpec): Uint8Array {
  const { n, w, ls } = spec.ots;
  let sum = 0;
  for (let i = 0; i < (8 * n) / w; i++) sum += (1 << w) - 1 - coef(q, i, w);
  const out = new Uint8Array(n + 2);
  out.set(q);
  out.set(u16((sum << ls) & 0xffff), n);
  return out;
}

/**
 * Runs chain i of leaf q from step `from` to step `to` (exclusive) on `tmp`: tmp = H(I || u32str(q)
 * || u16str(i) || u8str(j) || tmp). The input is one buffer updated in place (these hashes are
 * nearly all of the work of key generation).
 */
function chain(id: Uint8Array, q: number, i: number, tmp: Uint8Array, from: number, to: number, n: number): Uint8Array {
  const buf = Buffer.alloc(23 + n);
  buf.set(id);
  buf.writeUInt32BE(q >>> 0, 16);
  buf.writeUInt16BE(i, 20);
  buf.set(tmp, 23);
  for (let j = from; j < to; j++) {
    buf[22] = j;
    oneShot('sha256', buf, 'buffer').copy(buf, 23, 0, n);
  }
  return new Uint8Array(buf.subarray(23));
}

/** x_q[i] of Appendix A, for i = 0 .. p-1: H(I || u32str(q) || u16str(i) || u8str(0xff) || SEED). */
function secrets(id: Uint8Array, seed: Uint8Array, q: number, p: number, n: number): Uint8Array[] {
  const buf = Buffer.alloc(23 + seed.length);
  buf.set(id);
  buf.writeUInt32BE(q >>> 0, 16);
  buf[22] = 0xff;
  buf.set(seed, 23);
  const out: Uint8Array[] = [];
  for (let i = 0; i < p; i++) {
    buf.writeUInt16BE(i, 20);
    out.push(new Uint8Array(oneShot('sha256', buf, 'buffer').subarray(0, n)));
  }
  return out;
}

/** The LM-OTS public key K of leaf q (Algorithm 1). */
function otsPublicKey(spec: LevelSpec, id: Uint8Array, seed: Uint8Array, q: number): Uint8Array {
  const { n, w, p } = spec.ots;
  const h = createHash('sha256').update(id).update(u32(q)).update(u16(D_PBLC));
  secrets(id, seed, q, p, n).forEach((x, i) => h.update(chain(id, q, i, x, 0, (1 << w) - 1, n)));
  return new Uint8Array(h.digest().subarray(0, n));
}

/** The LM-OTS signature of leaf q on `message` with randomizer c (Algorithm 3). */
function otsSign(spec: LevelSpec, id: Uint8Array, seed: Uint8Array, q: number, message: Uint8Array, c: Uint8Array): Uint8Array {
  const { n, w, p } = spec.ots;
  const qc = withChecksum(hash(n, id, u32(q), u16(D_MESG), c, message), spec);
  const out = new Uint8Array(4 + n + p * n);
  out.set(u32(spec.ots.code));
  out.set(c, 4);
  secrets(id, seed, q, p, n).forEach((x, i) => out.set(chain(id, q, i, x, 0, coef(qc, i, w), n), 4 + n + i * n));
  return out;
}

/** One LMS tree: identifier I, seed, and every node (index 1 = root, 2^h + q = leaf q). */
export class LmsTree {
  private readonly nodes: Uint8Array[] = [];

  constructor(
    readonly spec: LevelSpec,
    readonly id: Uint8Array,
    private readonly seed: Uint8Array,
  ) {
    const { h, m } = spec.lms;
    const leaves = 2 ** h;
    for (let q = 0; q < leaves; q++) this.nodes[leaves + q] = hash(m, id, u32(leaves + q), u16(D_LEAF), otsPublicKey(spec, id, seed, q));
    for (let r = leaves - 1; r >= 1; r--) this.nodes[r] = hash(m, id, u32(r), u16(D_INTR), this.nodes[2 * r]!, this.nodes[2 * r + 1]!);
  }

  get leaves(): number {
    return 2 ** this.spec.lms.h;
  }

  /** The LMS public key: u32str(type) || u32str(otstype) || I || T[1]. */
  publicKey(): Uint8Array {
    const out = new Uint8Array(24 + this.spec.lms.m);
    out.set(u32(this.spec.lms.code));
    out.set(u32(this.spec.ots.code), 4);
    out.set(this.id, 8);
    out.set(this.nodes[1]!, 24);
    return out;
  }

  /** The LMS signature of leaf q on `message` with randomizer c (Algorithm 5). */
  sign(q: number, message: Uint8Array, c: Uint8Array): Uint8Array {
    const { h, m } = this.spec.lms;
    if (!Number.isInteger(q) || q < 0 || q >= this.leaves) throw new RangeError(`leaf ${q} outside the tree of ${this.leaves}`);
    if (c.length !== this.spec.ots.n) throw new RangeError(`the randomizer C is ${this.spec.ots.n} bytes`);
    const ots = otsSign(this.spec, this.id, this.seed, q, message, c);
    const out = new Uint8Array(4 + ots.length + 4 + h * m);
    out.set(u32(q));
    out.set(ots, 4);
    out.set(u32(this.spec.lms.code), 4 + ots.length);
    let r = this.leaves + q;
    for (let i = 0; i < h; i++, r = Math.floor(r / 2)) out.set(this.nodes[r ^ 1]!, 8 + ots.length + i * m);
    return out;
  }
}

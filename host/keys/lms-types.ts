/**
 * The LMS and LM-OTS parameter sets built on SHA-256 (RFC 8554 §4.1 and §5.1 Tables 1-2, with the
 * SHA-256/192 sets of NIST SP 800-208 §4 that RFC 9708 registers for COSE): their type codes,
 * the names suitrig's options use, and the sizes that follow from them. The verifier core has its
 * own copy of these rules (assembly/lms.ts); the two are checked against each other by the tests.
 */

export interface LmsType {
  code: number;
  /** Hash output length m (32: SHA-256/256, 24: SHA-256/192). */
  m: 24 | 32;
  /** Tree height h: 2^h one-time keys. */
  h: 5 | 10 | 15 | 20 | 25;
}

export interface OtsType {
  code: number;
  n: 24 | 32;
  /** Winternitz parameter w (bits per digit). */
  w: 1 | 2 | 4 | 8;
  /** Number of n-byte chains p, and the checksum's left shift ls (RFC 8554 Appendix B). */
  p: number;
  ls: number;
}

const HEIGHTS = [5, 10, 15, 20, 25] as const;
const WIDTHS = [1, 2, 4, 8] as const;

/** LMS_SHA256_M32_H5..H25 = 5..9; LMS_SHA256_M24_H5..H25 = 10..14. */
export function lmsType(code: number): LmsType | undefined {
  if (code >= 5 && code <= 9) return { code, m: 32, h: HEIGHTS[code - 5]! };
  if (code >= 10 && code <= 14) return { code, m: 24, h: HEIGHTS[code - 10]! };
  return undefined;
}

/** LMOTS_SHA256_N32_W1..W8 = 1..4; LMOTS_SHA256_N24_W1..W8 = 5..8 (p, ls by RFC 8554 Appendix B). */
export function otsType(code: number): OtsType | undefined {
  if (!Number.isInteger(code) || code < 1 || code > 8) return undefined;
  const n = code <= 4 ? 32 : 24;
  const w = WIDTHS[(code - 1) % 4]!;
  const u = (8 * n) / w;
  const v = Math.ceil((Math.floor(Math.log2((2 ** w - 1) * u)) + 1) / w);
  return { code, n, w, p: u + v, ls: 16 - v * w };
}

/** `m32-h10-w4`: hash size, tree height and Winternitz width of one HSS level. */
export interface LevelSpec {
  lms: LmsType;
  ots: OtsType;
}

const SPEC_RE = /^m(24|32)-h(5|10|15|20|25)-w(1|2|4|8)$/;

export function levelName(l: LevelSpec): string {
  return `m${l.lms.m}-h${l.lms.h}-w${l.ots.w}`;
}

/** Parses one level spec (`m32-h10-w4`); undefined when it is not one. */
export function parseLevelSpec(text: string): LevelSpec | undefined {
  const mt = SPEC_RE.exec(text.trim().toLowerCase());
  if (!mt) return undefined;
  const m = Number(mt[1]);
  const h = Number(mt[2]);
  const w = Number(mt[3]);
  const lms = lmsType((m === 32 ? 5 : 10) + HEIGHTS.indexOf(h as LmsType['h']))!;
  const ots = otsType((m === 32 ? 1 : 5) + WIDTHS.indexOf(w as OtsType['w']))!;
  return { lms, ots };
}

/** Bytes of an LMS public key (type, otstype, I, T[1]). */
export function lmsPublicKeyLength(t: LmsType): number {
  return 24 + t.m;
}

/** Bytes of an LMS signature (q, LM-OTS signature, type, path). */
export function lmsSignatureLength(t: LevelSpec): number {
  return 4 + (4 + t.ots.n + t.ots.p * t.ots.n) + 4 + t.lms.h * t.lms.m;
}

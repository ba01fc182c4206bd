/**
 * Readable forms of SUIT values for inspection: component identifiers in the description
 * syntax (text segments as text, others as h'..'), UUIDs, SUIT_Digests with algorithm names,
 * and a JSON-safe conversion of any other decoded CBOR value.
 */
import { Tag } from '../cbor/decode.js';
import { DIGEST_ALGORITHM, labelName } from '../labels.js';
import { formatUuid } from '../../util/uuid.js';
import { toHex } from '../../util/hex.js';
import { jsonSafeInt } from '../../util/json.js';

export interface DigestInfo {
  algorithm: string;
  algorithmId: number | string;
  hex: string;
}

const PRINTABLE = /^[\x21-\x7e]+$/;

export function segmentText(seg: Uint8Array): string {
  const s = Buffer.from(seg).toString('latin1');
  return PRINTABLE.test(s) && !/^h'.*'$/.test(s) ? s : `h'${toHex(seg)}'`;
}

export function componentIdText(v: unknown): string[] | undefined {
  if (!Array.isArray(v) || !v.every((s) => s instanceof Uint8Array)) return undefined;
  return v.map(segmentText);
}

export function digestInfo(v: unknown): DigestInfo | undefined {
  if (!Array.isArray(v) || v.length < 2 || !(v[1] instanceof Uint8Array) || (typeof v[0] !== 'number' && typeof v[0] !== 'bigint')) return undefined;
  return { algorithm: labelName(DIGEST_ALGORITHM.names, v[0], 'algorithm'), algorithmId: typeof v[0] === 'bigint' ? v[0].toString() : v[0], hex: toHex(v[1]) };
}

export function uuidText(v: unknown): string | undefined {
  if (v instanceof Uint8Array && v.length === 16) return formatUuid(v);
  if (v instanceof Tag && v.tag === 112 && v.value instanceof Uint8Array) return `PEN h'${toHex(v.value)}'`;
  return undefined;
}

/** Any decoded CBOR value as JSON-safe data: bytes as hex (text when printable), maps as entry lists. */
export function plain(v: unknown, depth = 0): unknown {
  if (depth > 16) return '...';
  if (v instanceof Uint8Array) return { bytes: v.length, hex: toHex(v) };
  if (typeof v === 'bigint') return jsonSafeInt(v);
  if (Array.isArray(v)) return v.map((x) => plain(x, depth + 1));
  if (v instanceof Map) return [...v].map(([k, x]) => [plain(k, depth + 1), plain(x, depth + 1)]);
  if (v instanceof Tag) return { tag: typeof v.tag === 'bigint' ? String(v.tag) : v.tag, value: plain(v.value, depth + 1) };
  if (v === undefined) return null;
  return v;
}

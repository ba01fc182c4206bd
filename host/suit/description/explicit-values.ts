/**
 * How the explicit description form (explicit.ts; written by `manifest parse`, describe/) writes
 * SUIT values as JSON / YAML, both ways, so that a manifest read and written again gives the same
 * CBOR: byte strings as text when printable (else h'..'), component identifiers as lists of
 * those, UUID parameters as UUIDs, SUIT_Digests as {algorithm, bytes}, and anything else as
 * {cbor: <hex>} (the value's own encoding, decoded and encoded again canonically).
 */
import { decodeCbor } from '../cbor/decode.js';
import { encodeCbor, type CborValue } from '../cbor/encode.js';
import { DIGEST_ALGORITHM } from '../labels.js';
import { formatUuid, parseUuid } from '../../util/uuid.js';
import { describeValue, type FieldPath } from '../../util/yaml-source.js';
import type { Fields } from './fields.js';

export type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

/** `text` for printable ASCII that cannot be mistaken for the hex form, else `h'..'`. */
export function bytesText(b: Uint8Array): string {
  const s = Buffer.from(b).toString('latin1');
  const printable = b.length > 0 && b.every((x) => x >= 0x20 && x < 0x7f) && !/^h'.*'$/.test(s);
  return printable ? s : `h'${Buffer.from(b).toString('hex')}'`;
}

export function readBytesText(f: Fields, v: unknown, path: FieldPath): Uint8Array | undefined {
  if (typeof v !== 'string') return f.error(path, `expected text or h'<hex>', got ${describeValue(v)}`);
  const hex = /^h'([0-9a-fA-F]*)'$/.exec(v)?.[1];
  if (hex === undefined) return new Uint8Array(Buffer.from(v, 'latin1'));
  if (hex.length % 2 !== 0) return f.error(path, `'${v}' is not an even number of hexadecimal digits`);
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/** A value as {cbor: hex}: its canonical encoding. */
export function rawValue(v: CborValue): Json {
  return { cbor: Buffer.from(encodeCbor(v)).toString('hex') };
}

export function isRaw(v: unknown): v is { cbor: string } {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as { cbor?: unknown }).cbor === 'string';
}

export function readRaw(f: Fields, v: { cbor: string }, path: FieldPath): CborValue | undefined {
  if (!/^([0-9a-fA-F]{2})+$/.test(v.cbor)) return f.error([...path, 'cbor'], 'expected the CBOR encoding in hexadecimal');
  try {
    return decodeCbor(new Uint8Array(Buffer.from(v.cbor, 'hex')), 'cbor value') as CborValue;
  } catch (e) {
    return f.error([...path, 'cbor'], (e as Error).message);
  }
}

/** SUIT_Digest [alg, bytes] with a known algorithm, as {algorithm, bytes}; else undefined. */
export function digestJson(v: unknown): Json | undefined {
  if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'number' || !(v[1] instanceof Uint8Array)) return undefined;
  const name = DIGEST_ALGORITHM.names.get(v[0]);
  return name ? { algorithm: name, bytes: Buffer.from(v[1]).toString('hex') } : undefined;
}

export function readDigestJson(f: Fields, v: unknown, path: FieldPath): CborValue | undefined {
  const o = f.object(v, path, ['algorithm', 'bytes']);
  if (!o) return undefined;
  const alg = f.oneOf(o.algorithm, [...path, 'algorithm'], [...DIGEST_ALGORITHM.names.values()], 'digest algorithm');
  const hex = f.string(o.bytes, [...path, 'bytes'], 'the digest in hexadecimal');
  if (hex !== undefined && !/^([0-9a-fA-F]{2})+$/.test(hex)) return f.error([...path, 'bytes'], 'expected hexadecimal digits');
  return alg && hex ? [DIGEST_ALGORITHM.ids[alg as keyof typeof DIGEST_ALGORITHM.ids], new Uint8Array(Buffer.from(hex, 'hex'))] : undefined;
}

/** A 16-byte string as a UUID; else undefined. */
export function uuidJson(v: unknown): Json | undefined {
  return v instanceof Uint8Array && v.length === 16 ? formatUuid(v) : undefined;
}

export function readUuidJson(f: Fields, v: unknown, path: FieldPath): Uint8Array | undefined {
  const u = typeof v === 'string' ? parseUuid(v) : undefined;
  return u ?? f.error(path, `expected a UUID (8-4-4-4-12 hexadecimal digits), got ${describeValue(v)}`);
}

/** A component identifier [* bstr] as a list of bytesText; else undefined. */
export function idJson(v: unknown): Json | undefined {
  return Array.isArray(v) && v.every((s) => s instanceof Uint8Array) ? (v as Uint8Array[]).map(bytesText) : undefined;
}

export function readIdJson(f: Fields, v: unknown, path: FieldPath): Uint8Array[] | undefined {
  const list = f.list(v, path);
  if (!list) return undefined;
  const out = list.map((s, i) => readBytesText(f, s, [...path, i]));
  return out.every((x): x is Uint8Array => x !== undefined) ? out : undefined;
}

/** An integer the description may write as a number (bigint when read back). */
export function intJson(v: unknown): Json | undefined {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  return undefined;
}

/** An integer from a description (number, bigint, or a decimal string for 64-bit values). */
export function readInt(f: Fields, v: unknown, path: FieldPath): bigint | undefined {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^-?(0|[1-9][0-9]*)$/.test(v)) return BigInt(v);
  return f.error(path, `expected an integer, got ${describeValue(v)}`);
}

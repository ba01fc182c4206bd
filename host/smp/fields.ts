/**
 * Typed reading of response maps: every field a client method uses is checked for presence
 * and type, and a wrong answer becomes an `SmpProtocolError` that names the command and the
 * field, never a silent `undefined` further down.
 */
import type { SmpMap, SmpValue } from './cbor.js';

/** The board answered, but not in a form this client can use. */
export class SmpProtocolError extends Error {
  override name = 'SmpProtocolError';
}

function kind(v: SmpValue): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (v instanceof Uint8Array) return 'a byte string';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'a map';
  return `a ${typeof v}`;
}

function bad(ctx: string, key: string, want: string, v: SmpValue): never {
  throw new SmpProtocolError(`${ctx}: field '${key}' is ${kind(v)}, expected ${want}`);
}

export function isMap(v: SmpValue): v is SmpMap {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array);
}

export function uint(m: SmpMap, key: string, ctx: string): number {
  const v = m[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) bad(ctx, key, 'an unsigned integer', v);
  return v;
}

export function optUint(m: SmpMap, key: string, ctx: string): number | undefined {
  return m[key] === undefined ? undefined : uint(m, key, ctx);
}

/** A uint64 that may exceed 2^53 (SUIT sequence numbers). */
export function bigUint(m: SmpMap, key: string, ctx: string): bigint {
  const v = m[key];
  if (typeof v === 'bigint' && v >= 0n) return v;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return BigInt(v);
  return bad(ctx, key, 'an unsigned integer', v);
}

export function int(m: SmpMap, key: string, ctx: string): number {
  const v = m[key];
  if (typeof v !== 'number' || !Number.isInteger(v)) bad(ctx, key, 'an integer', v);
  return v;
}

export function text(m: SmpMap, key: string, ctx: string): string {
  const v = m[key];
  if (typeof v !== 'string') bad(ctx, key, 'a text string', v);
  return v;
}

export function bytes(m: SmpMap, key: string, ctx: string): Uint8Array {
  const v = m[key];
  if (!(v instanceof Uint8Array)) bad(ctx, key, 'a byte string', v);
  return v;
}

export function optBytes(m: SmpMap, key: string, ctx: string): Uint8Array | undefined {
  return m[key] === undefined ? undefined : bytes(m, key, ctx);
}

export function optBool(m: SmpMap, key: string, ctx: string): boolean | undefined {
  const v = m[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') bad(ctx, key, 'a boolean', v);
  return v;
}

export function map(m: SmpMap, key: string, ctx: string): SmpMap {
  const v = m[key];
  if (!isMap(v)) bad(ctx, key, 'a map', v);
  return v;
}

export function array(m: SmpMap, key: string, ctx: string): SmpValue[] {
  const v = m[key];
  if (!Array.isArray(v)) bad(ctx, key, 'an array', v);
  return v;
}

/** Each element of an array field, checked to be a map. */
export function maps(m: SmpMap, key: string, ctx: string): SmpMap[] {
  return array(m, key, ctx).map((x, i) => {
    if (!isMap(x)) bad(ctx, `${key}[${i}]`, 'a map', x);
    return x;
  });
}

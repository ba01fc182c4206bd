import { toHex } from './hex.js';

/**
 * Integers in suitrig's JSON output (DESIGN.md "Command line"): numbers up to 2^53, decimal
 * strings above, so that 64-bit SUIT sequence numbers keep every digit in any JSON reader.
 */
export function jsonSafeInt(n: bigint | number): number | string {
  const b = typeof n === 'bigint' ? n : BigInt(n);
  return b <= BigInt(Number.MAX_SAFE_INTEGER) && b >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b.toString();
}

/** JSON.stringify's replacer for suitrig's JSON: bigints by jsonSafeInt, byte arrays as hex. */
export function jsonReplacer(_key: string, v: unknown): unknown {
  if (typeof v === 'bigint') return jsonSafeInt(v);
  if (v instanceof Uint8Array) return toHex(v);
  return v;
}

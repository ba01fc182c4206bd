/** Bytes as lower-case hexadecimal, as suitrig prints digests, key ids and JSON byte strings. */
export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

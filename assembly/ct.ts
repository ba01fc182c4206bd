/**
 * Constant-time comparison of digests and content (draft-ietf-suit-manifest-37 §8.4.9.3:
 * check-content MUST be constant time; the same discipline for every digest comparison): the
 * loop always runs to n and accumulates differences, with no early exit. Bounds: callers pass
 * two ranges of n bytes they own (digests of 32 bytes in STATE/regions, or IO window chunks).
 */
export function ctEqual(a: u32, b: u32, n: u32): bool {
  let diff: u32 = 0;
  for (let i: u32 = 0; i < n; i++) diff |= <u32>load<u8>(a + i) ^ <u32>load<u8>(b + i);
  return diff == 0;
}

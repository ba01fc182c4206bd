/**
 * Seeds (team rule: every random choice takes a seed that is printed, so any failure can be
 * replayed). A run has one seed (`--seed S`, random when absent); each board and each case on
 * it gets a sub-seed derived from it by name, so a case's random choices do not depend on
 * which other boards or cases ran, in which order, or how many workers there were.
 */
import { createHash } from 'node:crypto';
import { UsageError } from '../../host/util/errors.js';

export { randomSeed, seededRng, type Rng } from '../../host/transport/rng.js';

/** `--seed S`: decimal or 0x hex, 0 .. 2^32-1 (the range the rig group's fault seeds take). */
export function parseSeed(value: string): number {
  if (!/^(0|[1-9][0-9]*|0x[0-9a-fA-F]+)$/.test(value)) throw new UsageError(`--seed: expected a non-negative integer (0 to 4294967295), got '${value}'`);
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n > 0xffff_ffff) throw new UsageError(`--seed: ${value} is larger than 4294967295 (2^32-1)`);
  return n;
}

/** A 32-bit sub-seed: first 4 bytes of SHA-256 over the run seed and the labels (board, case). */
export function deriveSeed(seed: number, ...labels: string[]): number {
  const h = createHash('sha256').update(`suitrig-seed/1\0${seed}`);
  for (const l of labels) h.update('\0').update(l, 'utf8');
  return h.digest().readUInt32BE(0);
}

/**
 * Options of the commands that start virtual boards (`board virtual`, `run --board virtual`):
 * `--flash-scale`, the real time spent per simulated flash time (rig/virtual/flash timing:
 * 1 = the part's datasheet timings, 0 = instant).
 */
import { UsageError, optString, type ParsedArgs } from './command.js';

/** Largest `--flash-scale`: a hundred times the part's timings is already slower than any test wants. */
export const MAX_FLASH_SCALE = 100;

/** `--flash-scale <factor>`: a decimal number from 0 to MAX_FLASH_SCALE, default 1. */
export function flashScaleOption(args: ParsedArgs): number {
  const text = optString(args, 'flash-scale');
  if (text === undefined) return 1;
  const n = Number(text);
  if (!/^[0-9]+(\.[0-9]+)?$/.test(text) || !(n <= MAX_FLASH_SCALE)) {
    throw new UsageError(`--flash-scale: expected a number from 0 to ${MAX_FLASH_SCALE} (0 instant, 1 the part's real timings), got '${text}'`);
  }
  return n;
}

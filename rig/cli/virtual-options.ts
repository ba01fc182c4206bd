/**
 * Options of the commands that start virtual boards (`board virtual`, `run --board virtual`):
 * `--flash-scale`, the real time spent per simulated flash time (rig/virtual/flash timing:
 * 1 = the part's datasheet timings, 0 = instant).
 */
import { UsageError, optString, type ParsedArgs } from './command.js';

/** `--flash-scale <factor>`: a non-negative number, default 1. */
export function flashScaleOption(args: ParsedArgs): number {
  const text = optString(args, 'flash-scale');
  if (text === undefined) return 1;
  const n = Number(text);
  if (!/^[0-9]+(\.[0-9]+)?$/.test(text) || !Number.isFinite(n)) throw new UsageError(`--flash-scale: expected a non-negative number (0 instant, 1 the part's real timings), got '${text}'`);
  return n;
}

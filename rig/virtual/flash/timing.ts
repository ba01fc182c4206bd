/**
 * Simulated flash timings: how long a real part is busy for each erase and write, so a paced
 * virtual board spends the time a real board would (an update of a 400 KiB slot on an
 * nRF52840 spends seconds erasing). The flash accumulates simulated busy time; an async caller
 * turns it into real delay with `settle()`, scaled (0 = unpaced, 1 = real time).
 */
import { sleep, systemClock } from '../../../host/transport/clock.js';
import type { FlashGeometry } from './geometry.js';

export interface FlashTiming {
  /** Erase time of one sector in ms, by sector size in bytes (every sector size of the part). */
  eraseMsBySectorSize: Readonly<Record<number, number>>;
  /** Program time in microseconds for one write unit of `writeUnit` bytes. */
  writeUs: number;
  /** Bytes programmed per `writeUs` (the part's program word, e.g. 4 on nRF52840). */
  writeUnit: number;
}

/** No busy time at all (unit tests, sweeps). */
export const INSTANT: FlashTiming = { eraseMsBySectorSize: {}, writeUs: 0, writeUnit: 1 };

export function eraseUs(timing: FlashTiming, sectorSize: number): number {
  const ms = timing.eraseMsBySectorSize[sectorSize];
  return ms === undefined ? 0 : ms * 1000;
}

export function writeUs(timing: FlashTiming, length: number): number {
  return Math.ceil(length / timing.writeUnit) * timing.writeUs;
}

/** Checks that every sector size of the geometry has an erase time (when any is given). */
export function checkTiming(timing: FlashTiming, g: FlashGeometry): void {
  if (Object.keys(timing.eraseMsBySectorSize).length === 0) return;
  for (const s of g.sectors) {
    if (timing.eraseMsBySectorSize[s.size] === undefined) throw new RangeError(`flash timing has no erase time for ${s.size}-byte sectors`);
  }
  if (!(timing.writeUnit > 0) || !(timing.writeUs >= 0)) throw new RangeError('flash timing: writeUnit must be > 0 and writeUs >= 0');
}

/** Something that accumulates simulated busy time (the flash). */
export interface BusyClock {
  /** Simulated busy time not yet turned into real delay, in microseconds; resets it to 0. */
  drainBusyUs(): number;
}

/** Sleeps for the busy time accumulated since the last call, times `scale` (0 = no delay). */
export async function settle(clock: BusyClock, scale: number, signal?: AbortSignal): Promise<void> {
  const us = clock.drainBusyUs();
  if (!(scale > 0) || us <= 0) return;
  await sleep(systemClock, (us * scale) / 1000, signal);
}

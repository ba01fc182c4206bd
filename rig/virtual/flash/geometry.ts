/**
 * Geometry of a NOR flash part: its sectors (uniform or of mixed sizes), write alignment and
 * erased value — the parameters MCUboot's simulator varies per device (notes/mcuboot.md §6:
 * `sim/simflash`, device matrix stm32f4 / k64f / nrf52840 × align {1,2,4,8} × erased {0x00,0xff}).
 */
export interface Sector {
  /** Offset from the start of the flash device. */
  offset: number;
  size: number;
}

export interface FlashGeometry {
  /** Sectors in address order, contiguous from 0. */
  readonly sectors: readonly Sector[];
  /** Total size in bytes (sum of the sectors). */
  readonly size: number;
  /** Writes must start at a multiple of this and have a length that is a multiple of it. */
  readonly writeAlign: number;
  /** What a byte reads as after an erase: 0xff (most NOR parts) or 0x00. */
  readonly erasedValue: 0xff | 0x00;
}

const ALIGNS = [1, 2, 4, 8, 16, 32];

/** Builds and checks a geometry from runs of equal sectors, e.g. `[{count: 4, size: 16384}, ...]`. */
export function flashGeometry(runs: readonly { count: number; size: number }[], writeAlign: number, erasedValue: 0xff | 0x00): FlashGeometry {
  if (!ALIGNS.includes(writeAlign)) throw new RangeError(`flash write alignment must be one of ${ALIGNS.join(', ')}, got ${writeAlign}`);
  if (erasedValue !== 0xff && erasedValue !== 0x00) throw new RangeError(`flash erased value must be 0xff or 0x00, got ${String(erasedValue)}`);
  if (runs.length === 0) throw new RangeError('flash geometry needs at least one sector');
  const sectors: Sector[] = [];
  let offset = 0;
  for (const { count, size } of runs) {
    if (!Number.isInteger(count) || count <= 0) throw new RangeError(`flash sector count must be a positive integer, got ${count}`);
    if (!Number.isInteger(size) || size <= 0 || size % writeAlign !== 0) {
      throw new RangeError(`flash sector size ${size} must be a positive multiple of the write alignment ${writeAlign}`);
    }
    for (let i = 0; i < count; i++) {
      sectors.push({ offset, size });
      offset += size;
    }
  }
  if (offset > 0x1_0000_0000) throw new RangeError(`flash of ${offset} bytes exceeds the 32-bit address space`);
  return { sectors, size: offset, writeAlign, erasedValue };
}

/** Index of the sector that starts exactly at `offset`, or -1. */
export function sectorStartingAt(g: FlashGeometry, offset: number): number {
  let lo = 0;
  let hi = g.sectors.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const s = g.sectors[mid]!;
    if (s.offset === offset) return mid;
    if (s.offset < offset) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Index of the sector containing `offset` (offset must be inside the device). */
export function sectorContaining(g: FlashGeometry, offset: number): number {
  let lo = 0;
  let hi = g.sectors.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (g.sectors[mid]!.offset <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * The sectors [first, last] exactly covering [offset, offset+length), or an explanation of why
 * the range is not sector-exact (MCUboot's simflash refuses such erases).
 */
export function sectorSpan(g: FlashGeometry, offset: number, length: number): { first: number; last: number } | string {
  if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length <= 0 || offset + length > g.size) {
    return `range 0x${offset.toString(16)}+0x${length.toString(16)} is outside the ${g.size}-byte flash or empty`;
  }
  const first = sectorStartingAt(g, offset);
  if (first < 0) {
    const s = g.sectors[sectorContaining(g, offset)]!;
    return `erase at 0x${offset.toString(16)} does not start on a sector boundary (sector 0x${s.offset.toString(16)}, ${s.size} bytes)`;
  }
  const end = offset + length;
  if (end === g.size) return { first, last: g.sectors.length - 1 };
  const after = sectorStartingAt(g, end);
  if (after < 0) {
    const s = g.sectors[sectorContaining(g, end)]!;
    return `erase ending at 0x${end.toString(16)} does not end on a sector boundary (sector 0x${s.offset.toString(16)}, ${s.size} bytes)`;
  }
  return { first, last: after - 1 };
}

/** A short stable description used to refuse a state file made for another part. */
export function geometryFingerprint(g: FlashGeometry): string {
  const runs: string[] = [];
  let i = 0;
  while (i < g.sectors.length) {
    const size = g.sectors[i]!.size;
    let n = 0;
    while (i < g.sectors.length && g.sectors[i]!.size === size) {
      n++;
      i++;
    }
    runs.push(`${n}x${size}`);
  }
  return `${runs.join('+')}/align${g.writeAlign}/erased0x${g.erasedValue.toString(16).padStart(2, '0')}`;
}

/**
 * A flash area: a named, sector-aligned window onto a flash device with offsets relative to its
 * start, as MCUboot's `flash_area_*` API (`flash_area_read/write/erase`, `flash_area_align`,
 * `flash_area_erased_val`, sector lists from `flash_area_get_sectors`). Bootloader code only
 * ever sees areas, so it cannot stray into another partition.
 */
import { FlashError } from './errors.js';
import { sectorStartingAt, type FlashGeometry, type Sector } from './geometry.js';

/** The operations the bootloader and the firmware need from a flash part (SimFlash has them). */
export interface FlashDevice {
  readonly geometry: FlashGeometry;
  read(offset: number, length: number): Uint8Array;
  isErased(offset: number, length: number): boolean;
  erase(offset: number, length: number): void;
  write(offset: number, data: Uint8Array): void;
}

export class FlashArea {
  /** Sectors of this area, offsets relative to the area start. */
  readonly sectors: readonly Sector[];

  constructor(
    readonly device: FlashDevice,
    readonly name: string,
    /** Absolute offset in the device. */
    readonly offset: number,
    readonly size: number,
  ) {
    const g = device.geometry;
    const first = sectorStartingAt(g, offset);
    const endIdx = offset + size === g.size ? g.sectors.length : sectorStartingAt(g, offset + size);
    if (size <= 0 || first < 0 || endIdx < 0 || offset + size > g.size) {
      throw new RangeError(`flash area '${name}' at 0x${offset.toString(16)}+0x${size.toString(16)} does not start and end on sector boundaries of the device`);
    }
    this.sectors = g.sectors.slice(first, endIdx).map((s) => ({ offset: s.offset - offset, size: s.size }));
  }

  get align(): number {
    return this.device.geometry.writeAlign;
  }

  get erasedValue(): number {
    return this.device.geometry.erasedValue;
  }

  read(off: number, length: number): Uint8Array {
    this.check(off, length, 'read');
    return this.device.read(this.offset + off, length);
  }

  isErased(off: number, length: number): boolean {
    this.check(off, length, 'read');
    return this.device.isErased(this.offset + off, length);
  }

  write(off: number, data: Uint8Array): void {
    this.check(off, data.length, 'write');
    this.device.write(this.offset + off, data);
  }

  erase(off: number, length: number): void {
    this.check(off, length, 'erase');
    this.device.erase(this.offset + off, length);
  }

  /** Erases the whole area in one operation (`flash_area_erase(fap, 0, size)`). */
  eraseAll(): void {
    this.device.erase(this.offset, this.size);
  }

  /** Index of the sector containing area offset `off`. */
  sectorIndexAt(off: number): number {
    for (let i = this.sectors.length - 1; i >= 0; i--) if (this.sectors[i]!.offset <= off) return i;
    return 0;
  }

  private check(off: number, length: number, what: string): void {
    if (!Number.isInteger(off) || !Number.isInteger(length) || off < 0 || length < 0 || off + length > this.size) {
      throw new FlashError('range', `flash area '${this.name}': ${what} of ${length} bytes at 0x${off.toString(16)} is outside its ${this.size} bytes`);
    }
  }
}

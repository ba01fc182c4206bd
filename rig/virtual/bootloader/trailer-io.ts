/**
 * Reading and writing the image trailer of a slot on flash, as MCUboot's
 * `boot_read_swap_state()`, `boot_write_magic/image_ok/copy_done/swap_info/swap_size()` and
 * `boot_write_status()` (`bootutil_public.c`, `bootutil_misc.c`; notes/mcuboot.md §3). Each
 * field write is one flash operation of the field rounded up to the write size, padded with the
 * erased value; a flag byte is SET (0x01), UNSET (erased) or BAD (anything else).
 */
import { BOOT_FLAG_SET, SwapType, trailerLayout, type TrailerLayout } from '../../../host/mcuboot/trailer.js';
import type { FlashArea } from '../flash/index.js';

export const Magic = { GOOD: 1, BAD: 2, UNSET: 3 } as const;
export type MagicState = (typeof Magic)[keyof typeof Magic];
export const Flag = { SET: 1, BAD: 2, UNSET: 3 } as const;
export type FlagState = (typeof Flag)[keyof typeof Flag];

export interface SwapState {
  magic: MagicState;
  /** From swap_info bits 0-3; NONE when erased or out of range. */
  swapType: number;
  imageNum: number;
  copyDone: FlagState;
  imageOk: FlagState;
}

export function magicName(m: MagicState): string {
  return m === Magic.GOOD ? 'good' : m === Magic.UNSET ? 'unset' : 'bad';
}

export function flagName(f: FlagState): string {
  return f === Flag.SET ? 'set' : f === Flag.UNSET ? 'unset' : 'bad';
}

export interface TrailerConfig {
  maxAlign: number;
  maxImgSectors: number;
}

/** The trailer of one slot (or of the scratch area) on flash. */
export class SlotTrailer {
  readonly layout: TrailerLayout;

  constructor(
    readonly area: FlashArea,
    cfg: TrailerConfig,
  ) {
    this.layout = trailerLayout({ slotSize: area.size, writeSize: area.align, maxAlign: cfg.maxAlign, maxSectors: cfg.maxImgSectors });
  }

  private readFlag(off: number): FlagState {
    const b = this.area.read(off, 1)[0]!;
    if (b === this.area.erasedValue) return Flag.UNSET;
    return b === BOOT_FLAG_SET ? Flag.SET : Flag.BAD;
  }

  readMagic(): MagicState {
    const m = this.area.read(this.layout.magicOff, 16);
    if (m.every((b) => b === this.area.erasedValue)) return Magic.UNSET;
    return m.every((b, i) => b === this.layout.magic[i]) ? Magic.GOOD : Magic.BAD;
  }

  readState(): SwapState {
    const info = this.area.read(this.layout.swapInfoOff, 1)[0]!;
    let swapType = info & 0x0f;
    let imageNum = info >>> 4;
    if (info === this.area.erasedValue || swapType > SwapType.REVERT) {
      swapType = SwapType.NONE;
      imageNum = 0;
    }
    return { magic: this.readMagic(), swapType, imageNum, copyDone: this.readFlag(this.layout.copyDoneOff), imageOk: this.readFlag(this.layout.imageOkOff) };
  }

  readSwapSize(): number {
    return Buffer.from(this.area.read(this.layout.swapSizeOff, 4)).readUInt32LE(0);
  }

  /** One write of `data` at `off`, padded with the erased value to the write size (`boot_write_trailer`). */
  private writeField(off: number, data: Uint8Array): void {
    const a = this.area.align;
    const buf = new Uint8Array(Math.ceil(data.length / a) * a).fill(this.area.erasedValue);
    buf.set(data);
    this.area.write(off, buf);
  }

  writeMagic(): void {
    const field = new Uint8Array(this.layout.slotSize - this.layout.magicFieldOff).fill(this.area.erasedValue);
    field.set(this.layout.magic, field.length - 16);
    this.area.write(this.layout.magicFieldOff, field);
  }

  writeImageOk(): void {
    this.writeField(this.layout.imageOkOff, Uint8Array.of(BOOT_FLAG_SET));
  }

  writeCopyDone(): void {
    this.writeField(this.layout.copyDoneOff, Uint8Array.of(BOOT_FLAG_SET));
  }

  writeSwapInfo(swapType: number, imageNum = 0): void {
    this.writeField(this.layout.swapInfoOff, Uint8Array.of(((imageNum & 0x0f) << 4) | (swapType & 0x0f)));
  }

  writeSwapSize(size: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, size >>> 0, true);
    this.writeField(this.layout.swapSizeOff, b);
  }

  /** Swap-status entry `i` (0-based): its first byte, or undefined while erased. */
  readStatusEntry(i: number): number | undefined {
    const b = this.area.read(this.layout.statusOff + i * this.layout.writeSize, 1)[0]!;
    return b === this.area.erasedValue ? undefined : b;
  }

  writeStatusEntry(i: number, state: number): void {
    this.writeField(this.layout.statusOff + i * this.layout.writeSize, Uint8Array.of(state));
  }

  /** Sectors (from the end) that hold the trailer: the first of them, and how many. */
  trailerSectors(): { first: number; count: number } {
    const sectors = this.area.sectors;
    let total = 0;
    let i = sectors.length;
    while (total < this.layout.trailerSize && i > 0) total += sectors[--i]!.size;
    return { first: i, count: sectors.length - i };
  }

  /** `swap_erase_trailer_sectors()`: erases the trailer's sectors one by one, last first. */
  eraseTrailerSectors(): void {
    const { first } = this.trailerSectors();
    for (let i = this.area.sectors.length - 1; i >= first; i--) {
      const s = this.area.sectors[i]!;
      this.area.erase(s.offset, s.size);
    }
  }
}

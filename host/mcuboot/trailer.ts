/**
 * The MCUboot image trailer at the end of a slot (notes/mcuboot.md §3; MCUboot
 * `boot/bootutil/src/bootutil_misc.h`, imgtool `image.py` `_trailer_size` / `pad_to`): magic,
 * image_ok, copy_done, swap_info, swap_size, each in its own BOOT_MAX_ALIGN write unit counted
 * back from the slot end, and before them the swap status area (max sectors × status entries
 * per sector × write size). Shared by `image create --pad` and the virtual bootloader.
 */

/** 16-byte trailer magic for BOOT_MAX_ALIGN 8. */
export const BOOT_MAGIC_ALIGN8 = Uint8Array.from([0x77, 0xc2, 0x95, 0xf3, 0x60, 0xd2, 0xef, 0x7f, 0x35, 0x52, 0x50, 0x0f, 0x2c, 0xb6, 0x79, 0x80]);
/** Last 14 bytes of the magic for other BOOT_MAX_ALIGN values (preceded by the alignment, u16 LE). */
const BOOT_MAGIC_TAIL = Uint8Array.from([0x2d, 0xe1, 0x5d, 0x29, 0x41, 0x0b, 0x8d, 0x77, 0x67, 0x9c, 0x11, 0x0f, 0x1f, 0x8a]);

export const BOOT_MAGIC_SIZE = 16;
/** imgtool's and MCUboot's default BOOT_MAX_IMG_SECTORS for trailer sizing. */
export const DEFAULT_MAX_SECTORS = 128;
export const DEFAULT_MAX_ALIGN = 8;

/** `BOOT_FLAG_SET`: the value written to image_ok and copy_done. */
export const BOOT_FLAG_SET = 0x01;

/** Swap types stored in swap_info bits 0-3 (`bootutil_public.h`). */
export const SwapType = {
  NONE: 1,
  TEST: 2,
  PERM: 3,
  REVERT: 4,
  FAIL: 5,
  PANIC: 0xff,
} as const;
export type SwapTypeValue = (typeof SwapType)[keyof typeof SwapType];

export function swapTypeName(t: number): string {
  for (const [k, v] of Object.entries(SwapType)) if (v === t) return k.toLowerCase();
  return `0x${t.toString(16)}`;
}

const VALID_ALIGNS = [1, 2, 4, 8, 16, 32];

export function bootMagic(maxAlign: number): Uint8Array {
  if (maxAlign === 8) return BOOT_MAGIC_ALIGN8;
  const m = new Uint8Array(BOOT_MAGIC_SIZE);
  m[0] = maxAlign & 0xff;
  m[1] = maxAlign >>> 8;
  m.set(BOOT_MAGIC_TAIL, 2);
  return m;
}

export interface TrailerParams {
  slotSize: number;
  /** Flash write size: one swap-status entry per write unit (imgtool `--align`). */
  writeSize: number;
  /** BOOT_MAX_ALIGN: size of each flag field (default 8). */
  maxAlign?: number;
  /** BOOT_MAX_IMG_SECTORS (default 128). */
  maxSectors?: number;
  /** Status entries per sector: 3 for swap-using-scratch and swap-using-move. */
  statusStatesPerSector?: number;
}

export interface TrailerLayout {
  readonly slotSize: number;
  readonly writeSize: number;
  readonly maxAlign: number;
  readonly maxSectors: number;
  readonly magic: Uint8Array;
  /** Offsets from the start of the slot. The magic's 16 bytes end the slot; with BOOT_MAX_ALIGN 32 they are the tail of a 32-byte field. */
  readonly magicOff: number;
  readonly magicFieldOff: number;
  readonly imageOkOff: number;
  readonly copyDoneOff: number;
  readonly swapInfoOff: number;
  readonly swapSizeOff: number;
  readonly statusOff: number;
  /** Number of swap-status entries (each `writeSize` bytes). */
  readonly statusEntries: number;
  /** Bytes from `statusOff` to the end of the slot. */
  readonly trailerSize: number;
}

function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

export function trailerLayout(p: TrailerParams): TrailerLayout {
  const maxAlign = p.maxAlign ?? DEFAULT_MAX_ALIGN;
  const maxSectors = p.maxSectors ?? DEFAULT_MAX_SECTORS;
  const states = p.statusStatesPerSector ?? 3;
  if (!VALID_ALIGNS.includes(p.writeSize)) throw new RangeError(`trailer write size must be one of ${VALID_ALIGNS.join(', ')}, got ${p.writeSize}`);
  if (!VALID_ALIGNS.includes(maxAlign) || maxAlign < p.writeSize) throw new RangeError(`BOOT_MAX_ALIGN ${maxAlign} must be one of ${VALID_ALIGNS.join(', ')} and at least the write size ${p.writeSize}`);
  const magicAlign = alignUp(BOOT_MAGIC_SIZE, maxAlign);
  const statusEntries = maxSectors * states;
  const trailerSize = statusEntries * p.writeSize + maxAlign * 4 + magicAlign;
  if (!Number.isInteger(p.slotSize) || p.slotSize < trailerSize) throw new RangeError(`slot of ${p.slotSize} bytes is smaller than its ${trailerSize}-byte trailer`);
  const magicFieldOff = p.slotSize - magicAlign;
  const imageOkOff = magicFieldOff - maxAlign;
  const copyDoneOff = imageOkOff - maxAlign;
  const swapInfoOff = copyDoneOff - maxAlign;
  const swapSizeOff = swapInfoOff - maxAlign;
  return {
    slotSize: p.slotSize,
    writeSize: p.writeSize,
    maxAlign,
    maxSectors,
    magic: bootMagic(maxAlign),
    magicOff: p.slotSize - BOOT_MAGIC_SIZE,
    magicFieldOff,
    imageOkOff,
    copyDoneOff,
    swapInfoOff,
    swapSizeOff,
    statusOff: p.slotSize - trailerSize,
    statusEntries,
    trailerSize,
  };
}

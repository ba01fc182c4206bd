/**
 * Pieces shared by the swap strategies, as MCUboot's `swap_misc.c` and `boot_copy_region()` in
 * `loader.c`: the copy through a 1 KiB buffer and the initialisation of a swap's trailer.
 */
import { SwapType } from '../../../host/mcuboot/trailer.js';
import type { FlashArea } from '../flash/index.js';
import type { BootStatus } from './swap-status.js';
import { Flag, type SlotTrailer } from './trailer-io.js';

/** `boot_copy_region()` copies through a 1 KiB buffer: one write per KiB. */
export const COPY_CHUNK = 1024;

export interface SwapContext {
  primary: SlotTrailer;
  secondary: SlotTrailer;
  maxImgSectors: number;
  log(line: string): void;
}

/** `boot_copy_region()`: the destination must have been erased. */
export function copyRegion(src: FlashArea, dst: FlashArea, srcOff: number, dstOff: number, size: number): void {
  for (let done = 0; done < size; done += COPY_CHUNK) {
    const n = Math.min(COPY_CHUNK, size - done);
    dst.write(dstOff + done, src.read(srcOff + done, n));
  }
}

/** `swap_status_init()`: a new swap's swap_info, image_ok (copied from the secondary), swap_size, then magic. */
export function swapStatusInit(target: SlotTrailer, secondary: SlotTrailer, bs: BootStatus): void {
  const sec = secondary.readState();
  if (bs.swapType !== SwapType.NONE) target.writeSwapInfo(bs.swapType, 0);
  if (sec.imageOk === Flag.SET) target.writeImageOk();
  target.writeSwapSize(bs.swapSize);
  target.writeMagic();
}


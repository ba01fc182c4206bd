/**
 * What the trailers ask the bootloader to do, and the calls an application (or the SMP image
 * group) makes to ask it: MCUboot's `boot_swap_type_multi()` table and `boot_set_next()` /
 * `boot_set_confirmed()` (`bootutil_public.c`; notes/mcuboot.md §4).
 */
import { SwapType } from '../../../host/mcuboot/trailer.js';
import { Flag, Magic, type SlotTrailer, type SwapState } from './trailer-io.js';

/**
 * The swap requested by the two trailers (design.md "new swaps", in order):
 * secondary GOOD + image_ok unset → TEST; secondary GOOD + image_ok set → PERM;
 * primary GOOD + image_ok unset + copy_done set → REVERT; otherwise NONE.
 */
export function requestedSwapType(primary: SwapState, secondary: SwapState): number {
  if (secondary.magic === Magic.GOOD && secondary.imageOk === Flag.UNSET) return SwapType.TEST;
  if (secondary.magic === Magic.GOOD && secondary.imageOk === Flag.SET) return SwapType.PERM;
  if (primary.magic === Magic.GOOD && primary.imageOk === Flag.UNSET && primary.copyDone === Flag.SET) return SwapType.REVERT;
  return SwapType.NONE;
}

export class BootControlError extends Error {
  override name = 'BootControlError';
  constructor(
    /** MCUboot's return code name: EBADVECT (active slot corrupt), EBADIMAGE (slot erased). */
    readonly code: 'EBADVECT' | 'EBADIMAGE',
    message: string,
  ) {
    super(message);
  }
}

/**
 * `boot_set_next(fa, active, confirm)`: schedules the image in a non-active slot for a test
 * (confirm false) or permanent (confirm true) swap at the next boot, or confirms the active one.
 * Writes magic, then image_ok, then swap_info — a power cut between them leaves a test request.
 */
export function setNext(trailer: SlotTrailer, active: boolean, confirm: boolean): void {
  const st = trailer.readState();
  if (st.magic === Magic.GOOD) {
    if (active && st.imageOk === Flag.UNSET) trailer.writeImageOk();
    return;
  }
  if (st.magic === Magic.UNSET) {
    if (active) return;
    trailer.writeMagic();
    if (confirm) trailer.writeImageOk();
    trailer.writeSwapInfo(confirm ? SwapType.PERM : SwapType.TEST, 0);
    return;
  }
  if (active) throw new BootControlError('EBADVECT', `${trailer.area.name}: trailer magic is corrupt; cannot confirm the running image`);
  // A corrupt trailer cannot be repaired: erase the slot so that future uploads work.
  trailer.area.eraseAll();
  throw new BootControlError('EBADIMAGE', `${trailer.area.name}: trailer magic was corrupt; slot erased`);
}

/** `boot_set_pending()`: request a test (or, `permanent`, a permanent) swap to the image in the secondary slot. */
export function setPending(secondary: SlotTrailer, permanent: boolean): void {
  setNext(secondary, false, permanent);
}

/**
 * `boot_set_confirmed()` / `boot_write_img_confirmed()`: the running image marks itself good
 * (primary image_ok = 1, only when the primary magic is GOOD and image_ok unset).
 */
export function setConfirmed(primary: SlotTrailer): void {
  setNext(primary, true, true);
}

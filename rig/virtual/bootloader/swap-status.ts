/**
 * The progress record of a swap (MCUboot `struct boot_status`) and what the swap strategies
 * (swap-using-move, swap-using-scratch) provide to the loader — the split of MCUboot's
 * `swap_move.c` / `swap_scratch.c` behind `swap_priv.h`.
 */
import type { SlotTrailer } from './trailer-io.js';

/** BOOT_STATUS_OP_MOVE / BOOT_STATUS_OP_SWAP (swap-using-move only; scratch always 'swap'). */
export type StatusOp = 'move' | 'swap';
export type StatusSource = 'none' | 'primary' | 'scratch';

export interface BootStatus {
  op: StatusOp;
  /** Step index, from 1 (BOOT_STATUS_IDX_0). */
  idx: number;
  /** State within the step, from 1 (BOOT_STATUS_STATE_0). */
  state: number;
  swapType: number;
  swapSize: number;
  source: StatusSource;
  /** swap-using-scratch: the status lives in the scratch area for this step. */
  useScratch: boolean;
}

export function resetStatus(): BootStatus {
  return { op: 'move', idx: 1, state: 1, swapType: 1 /* NONE */, swapSize: 0, source: 'none', useScratch: false };
}

/** `boot_status_is_reset()`: no step of a swap has been recorded. */
export function isReset(bs: BootStatus): boolean {
  return bs.op === 'move' && bs.idx === 1 && bs.state === 1;
}

export interface SwapStrategy {
  readonly name: 'swap-using-move' | 'swap-using-scratch';
  /** Why the slots cannot be swapped (`boot_slots_compatible()`), or undefined when they can. */
  incompatibility(): string | undefined;
  /** `swap_read_status()`: progress of an interrupted swap (reset status when there is none). */
  readStatus(): BootStatus;
  /** The trailer a resumed swap reads its swap_size from (`boot_find_status()`). */
  statusTrailer(bs: BootStatus): SlotTrailer;
  /** `swap_run()`: performs (or finishes) the swap of `copySize` bytes; false when there is no room. */
  run(bs: BootStatus, copySize: number): boolean;
}

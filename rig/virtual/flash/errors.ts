/**
 * Errors of the flash model. A FlashError is a broken flash rule (the caller has a bug, as a
 * panic in MCUboot's simflash); a PowerCutError is the injected fault that stops the device
 * just before (or, torn, in the middle of) one operation — the `longjmp` out of `boot_go()` in
 * MCUboot's simulator (notes/mcuboot.md §6).
 */
export type FlashRule = 'range' | 'alignment' | 'sector-exact' | 'unerased' | 'unpowered';

export class FlashError extends Error {
  override name = 'FlashError';
  constructor(
    readonly rule: FlashRule,
    message: string,
  ) {
    super(message);
  }
}

export class PowerCutError extends Error {
  override name = 'PowerCutError';
  constructor(
    /** Index (in the flash's operation count) of the operation that did not complete. */
    readonly opIndex: number,
    /** True when that operation was partly applied (torn write or erase). */
    readonly torn: boolean,
  ) {
    super(`power cut before flash operation #${opIndex}${torn ? ' (torn: partly applied)' : ''}`);
  }
}

/** True for the injected power cut, wherever it surfaces. */
export function isPowerCut(e: unknown): e is PowerCutError {
  return e instanceof PowerCutError;
}

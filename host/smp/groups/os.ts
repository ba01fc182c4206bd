/**
 * OS group (0) client commands (notes/smp.md §3; Zephyr smp_group_0.rst): echo, reset
 * (with `boot_mode` to stay in the bootloader), MCUmgr parameters, OS/application info and
 * bootloader info.
 */
import type { RequestOptions, SmpRequester } from '../client.js';
import { MgmtErr, SmpRcError } from '../errors.js';
import { int, optBool, text, uint } from '../fields.js';
import { GroupId, OsCmd } from '../ids.js';

/** MCUboot's `mode` values (bootutil/boot_status.h). */
export const MCUBOOT_MODES: Record<number, string> = {
  [-1]: 'unknown',
  0: 'single slot',
  1: 'swap using scratch',
  2: 'overwrite only',
  3: 'swap using move',
  4: 'direct XIP',
  5: 'direct XIP with revert',
  6: 'RAM load',
  7: 'firmware loader',
  8: 'single slot RAM load',
  9: 'swap using offset',
};

export interface McumgrParams {
  /** Bytes of one SMP buffer on the board (header + CBOR, plus framing overhead on serial). */
  bufSize: number;
  /** Buffers, i.e. requests that may be in flight at once. */
  bufCount: number;
}

export interface BootloaderMode {
  mode: number;
  /** Readable name of the mode (MCUboot). */
  name: string;
  noDowngrade: boolean;
}

/** True when the board answered "not supported" (rc 8), e.g. a command compiled out. */
export function isNotSupported(e: unknown): boolean {
  return e instanceof SmpRcError && e.rc === MgmtErr.ENOTSUP;
}

export class OsClient {
  constructor(private readonly c: SmpRequester) {}

  async echo(message: string, options?: RequestOptions): Promise<string> {
    const r = await this.c.write(GroupId.OS, OsCmd.ECHO, { d: message }, options);
    return text(r, 'r', 'os echo answer');
  }

  /**
   * Asks the board to reset. `bootMode` 1 = stay in the bootloader (serial recovery; Zephyr
   * >= 4.2 with CONFIG_MCUMGR_GRP_OS_RESET_BOOT_MODE). `force` overrides a board that
   * answered EBUSY. The board answers before it reboots.
   */
  async reset(opts: { force?: boolean; bootMode?: number } & RequestOptions = {}): Promise<void> {
    const { force, bootMode, ...options } = opts;
    await this.c.write(GroupId.OS, OsCmd.RESET, { force: force ? 1 : undefined, boot_mode: bootMode }, options);
  }

  async params(options?: RequestOptions): Promise<McumgrParams> {
    const r = await this.c.read(GroupId.OS, OsCmd.PARAMS, {}, options);
    return { bufSize: uint(r, 'buf_size', 'os params answer'), bufCount: uint(r, 'buf_count', 'os params answer') };
  }

  /** OS/application info; `format` letters as `uname` (s n r v b m p i o; `a` = all). */
  async info(format = 'a', options?: RequestOptions): Promise<string> {
    const r = await this.c.read(GroupId.OS, OsCmd.INFO, { format }, options);
    return text(r, 'output', 'os info answer');
  }

  /** The bootloader's name, e.g. "MCUboot". */
  async bootloaderName(options?: RequestOptions): Promise<string> {
    const r = await this.c.read(GroupId.OS, OsCmd.BOOTLOADER_INFO, {}, options);
    return text(r, 'bootloader', 'bootloader info answer');
  }

  async bootloaderMode(options?: RequestOptions): Promise<BootloaderMode> {
    const r = await this.c.read(GroupId.OS, OsCmd.BOOTLOADER_INFO, { query: 'mode' }, options);
    const mode = int(r, 'mode', 'bootloader mode answer');
    return { mode, name: MCUBOOT_MODES[mode] ?? `mode ${mode}`, noDowngrade: optBool(r, 'no-downgrade', 'bootloader mode answer') ?? false };
  }
}

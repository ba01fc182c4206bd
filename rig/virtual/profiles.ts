/**
 * Profiles of real parts for the virtual board (DESIGN.md "Virtual board"; MCUboot's simulator
 * device matrix, notes/mcuboot.md §6): flash geometry, erase/program times, the upgrade mode the
 * bootloader uses, and the slot layout — bootloader, primary and secondary slots, scratch (for
 * swap-using-scratch), SUIT payload cache, trust-anchor storage and the monotonic counters
 * (hardware security counter, stored SUIT sequence number) — and what the firmware builds put
 * on the SMP link (buffers, console line limit, reset delay: notes/smp.md §3, §5).
 */
import { FlashArea, flashGeometry, type FlashDevice, type FlashGeometry, type FlashTiming } from './flash/index.js';

/** swap-using-move (uniform sectors) or swap-using-scratch (MCUboot modes 3 and 1). */
export type SwapMode = 'move' | 'scratch';

export type PartitionName = 'bootloader' | 'primary' | 'secondary' | 'scratch' | 'suit-cache' | 'trust' | 'counters';

export interface Partition {
  name: PartitionName;
  offset: number;
  size: number;
}

export interface BoardProfile {
  name: string;
  description: string;
  geometry: FlashGeometry;
  timing: FlashTiming;
  swapMode: SwapMode;
  partitions: readonly Partition[];
  /** MCUboot BOOT_MAX_ALIGN (trailer field size) and BOOT_MAX_IMG_SECTORS. */
  bootMaxAlign: number;
  maxImgSectors: number;
  /** Default SUIT identity when none is given: UUID v5 of 'suitrig.example' and of the profile name under it. */
  identity: { vendorId: string; classId: string };
  smp: SmpBuild;
}

/**
 * The SMP side of the board's two firmware builds, the Zephyr application and MCUboot with
 * serial recovery, as their Kconfig options set it (notes/smp.md §3, §5; notes/mcuboot.md §7).
 */
export interface SmpBuild {
  /** The application's SMP buffers: CONFIG_MCUMGR_TRANSPORT_NETBUF_SIZE and _COUNT. */
  app: { bufSize: number; bufCount: number };
  /**
   * MCUboot serial recovery: one buffer of BOOT_SERIAL_MAX_RECEIVE_SIZE bytes; whether MCUmgr
   * parameters are answered (MCUBOOT_BOOT_MGMT_MCUMGR_PARAMS, MCUboot since 2026; older builds,
   * as the one Zephyr 4.4.0 pins, answer rc 8) and echo (MCUBOOT_BOOT_MGMT_ECHO, default off).
   * `lineBufs` is BOOT_LINE_BUFS (default 8): MCUboot serves one request at a time, but lines
   * that arrive meanwhile wait in these buffers, so up to that many requests sent back to back
   * are all answered (the real MCUboot under QEMU answered 8 of 8 one-line requests sent in one
   * write; more lose some). The model counts waiting requests, not their lines: a waiting
   * request of several lines takes one place here and several in MCUboot.
   */
  recovery: { bufSize: number; params: boolean; echo: boolean; lineBufs: number };
  /**
   * Longest console line either build takes, newline included (CONFIG_UART_MCUMGR_RX_BUF_SIZE,
   * BOOT_MAX_LINE_INPUT_LEN: 128 by default); longer lines are dropped without an answer.
   */
  lineMax: number;
  /** Between the reset answer and the reset (CONFIG_MCUMGR_GRP_OS_RESET_MS, default 250; MCUboot's bs_reset waits as long). */
  resetMs: number;
  /**
   * The application keeps answering until the reset, as Zephyr's does (its reset is delayed
   * work; the SMP thread goes on). On by default, as the peers' builds behave: a host that takes
   * an answer in that window for the rebooted board reads the old firmware's state, and the
   * rig's own flows must meet that window on the virtual board as on real ones. MCUboot's
   * serial recovery is silent either way (bs_reset sleeps).
   */
  serveUntilReset: boolean;
  /**
   * CONFIG_IMG_ENABLE_IMAGE_CHECK: the application hashes a finished upload and answers `match`
   * (and answers an upload the slot already holds complete at once). On by default, so a
   * client learns of bytes that arrived wrong before it marks them; the peers' build
   * (../shared/peers) has it off and sends no `match` (host/smp/server/image-group.ts).
   */
  imageCheck: boolean;
}

/** MCUboot serial recovery with its defaults (BOOT_SERIAL_MAX_RECEIVE_SIZE 1024), parameters answered, no echo. */
const MCUBOOT_RECOVERY = { bufSize: 1024, params: true, echo: false, lineBufs: 8 } as const;

/**
 * Zephyr's defaults: 384 x 4 buffers (the native_sim smp_server answers them, notes/smp.md §3),
 * 128-character lines, reset 250 ms after its answer.
 */
const ZEPHYR_DEFAULTS: SmpBuild = { app: { bufSize: 384, bufCount: 4 }, recovery: MCUBOOT_RECOVERY, lineMax: 128, resetMs: 250, serveUntilReset: true, imageCheck: true };

const KiB = 1024;

function layout(parts: readonly [PartitionName, number, number][]): Partition[] {
  return parts.map(([name, offset, size]) => ({ name, offset, size }));
}

/** nRF52840: 1 MiB in 256 pages of 4 KiB, 32-bit word writes; page erase 85 ms, word write 41 us (nRF52840 PS v1.7, tERASEPAGE / tWRITE). */
const nrf52840: BoardProfile = {
  name: 'nrf52840-like',
  description: 'nRF52840-like: 1 MiB flash, 4 KiB sectors, 4-byte writes, MCUboot swap-using-move',
  geometry: flashGeometry([{ count: 256, size: 4 * KiB }], 4, 0xff),
  timing: { eraseMsBySectorSize: { [4 * KiB]: 85 }, writeUs: 41, writeUnit: 4 },
  swapMode: 'move',
  partitions: layout([
    ['bootloader', 0x00000, 0x0c000],
    ['primary', 0x0c000, 0x64000],
    ['secondary', 0x70000, 0x64000],
    ['suit-cache', 0xd4000, 0x20000],
    ['trust', 0xf4000, 0x04000],
    ['counters', 0xf8000, 0x08000],
  ]),
  bootMaxAlign: 8,
  maxImgSectors: 128,
  identity: { vendorId: 'bd62db86-bc0d-504c-bd65-276a0fd13c47', classId: 'dba2444c-65d8-5c74-ac0e-45263bc20c53' },
  // 1024 x 4: the application buffers of the Zephyr 4.4.0 smp_server + MCUboot build the rig is
  // checked against (../shared/peers/manifest.json, serial_recovery_buf1024): room for 1 KiB
  // upload chunks, which the rig's suites and the demo need to run at a useful pace.
  smp: { ...ZEPHYR_DEFAULTS, app: { bufSize: 1024, bufCount: 4 } },
};

/** STM32F4 (1 MiB): 4 x 16 KiB, 1 x 64 KiB, 7 x 128 KiB sectors; x32 parallelism: 250/550/1000 ms sector erase, 16 us per word (STM32F405 DS, tERASE16KB/64KB/128KB, tPROG). */
const stm32f4: BoardProfile = {
  name: 'stm32f4-like',
  description: 'STM32F4-like: 1 MiB flash, mixed 16/64/128 KiB sectors, 4-byte writes, MCUboot swap-using-scratch',
  geometry: flashGeometry(
    [
      { count: 4, size: 16 * KiB },
      { count: 1, size: 64 * KiB },
      { count: 7, size: 128 * KiB },
    ],
    4,
    0xff,
  ),
  timing: { eraseMsBySectorSize: { [16 * KiB]: 250, [64 * KiB]: 550, [128 * KiB]: 1000 }, writeUs: 16, writeUnit: 4 },
  swapMode: 'scratch',
  partitions: layout([
    ['bootloader', 0x00000, 0x04000],
    ['trust', 0x04000, 0x04000],
    ['counters', 0x08000, 0x08000],
    ['suit-cache', 0x10000, 0x10000],
    ['primary', 0x20000, 0x60000],
    ['secondary', 0x80000, 0x60000],
    ['scratch', 0xe0000, 0x20000],
  ]),
  bootMaxAlign: 8,
  maxImgSectors: 128,
  identity: { vendorId: 'bd62db86-bc0d-504c-bd65-276a0fd13c47', classId: '7f8b816f-55c7-5c33-835b-d54f7681f017' },
  smp: ZEPHYR_DEFAULTS,
};

/** Kinetis K64F: 1 MiB in 4 KiB sectors, 8-byte phrase writes; sector erase 14 ms, phrase program 65 us (K64P144M120SF5 DS, tersscr / tpgm8). MCUboot's simulator runs it with a scratch area. */
const k64f: BoardProfile = {
  name: 'k64f-like',
  description: 'K64F-like: 1 MiB flash, 4 KiB sectors, 8-byte writes, MCUboot swap-using-scratch',
  geometry: flashGeometry([{ count: 256, size: 4 * KiB }], 8, 0xff),
  timing: { eraseMsBySectorSize: { [4 * KiB]: 14 }, writeUs: 65, writeUnit: 8 },
  swapMode: 'scratch',
  partitions: layout([
    ['bootloader', 0x00000, 0x10000],
    ['primary', 0x10000, 0x60000],
    ['secondary', 0x70000, 0x60000],
    ['scratch', 0xd0000, 0x04000],
    ['suit-cache', 0xd4000, 0x20000],
    ['trust', 0xf4000, 0x04000],
    ['counters', 0xf8000, 0x08000],
  ]),
  bootMaxAlign: 8,
  maxImgSectors: 128,
  identity: { vendorId: 'bd62db86-bc0d-504c-bd65-276a0fd13c47', classId: '6057c4f6-6049-5550-998f-041aec55ff30' },
  // Zephyr's smp_svr sample is built for frdm_k64f over serial with these defaults.
  smp: ZEPHYR_DEFAULTS,
};

export const PROFILES: Readonly<Record<string, BoardProfile>> = { [nrf52840.name]: nrf52840, [stm32f4.name]: stm32f4, [k64f.name]: k64f };
export const DEFAULT_PROFILE = nrf52840.name;

export function getProfile(name: string): BoardProfile {
  const p = PROFILES[name];
  if (!p) throw new RangeError(`unknown board profile '${name}'; known: ${Object.keys(PROFILES).join(', ')}`);
  return p;
}

/**
 * The same part with another write alignment or erased value (MCUboot's simulator runs every
 * device with align 1/2/4/8 and erased 0x00/0xff).
 */
export function profileVariant(p: BoardProfile, v: { writeAlign?: number; erasedValue?: 0xff | 0x00 }): BoardProfile {
  const runs: { count: number; size: number }[] = [];
  for (const s of p.geometry.sectors) {
    const last = runs[runs.length - 1];
    if (last && last.size === s.size) last.count++;
    else runs.push({ count: 1, size: s.size });
  }
  const writeAlign = v.writeAlign ?? p.geometry.writeAlign;
  const erasedValue = v.erasedValue ?? p.geometry.erasedValue;
  return {
    ...p,
    name: `${p.name}/align${writeAlign}/erased0x${erasedValue.toString(16).padStart(2, '0')}`,
    geometry: flashGeometry(runs, writeAlign, erasedValue),
    bootMaxAlign: Math.max(p.bootMaxAlign, writeAlign),
  };
}

export function partition(p: BoardProfile, name: PartitionName): Partition | undefined {
  return p.partitions.find((x) => x.name === name);
}

/** The flash areas of a board, opened on its flash device. */
export interface BoardAreas {
  bootloader: FlashArea;
  primary: FlashArea;
  secondary: FlashArea;
  scratch: FlashArea | undefined;
  suitCache: FlashArea;
  trust: FlashArea;
  counters: FlashArea;
}

export function openAreas(p: BoardProfile, device: FlashDevice): BoardAreas {
  const open = (name: PartitionName): FlashArea => {
    const part = partition(p, name);
    if (!part) throw new RangeError(`profile ${p.name} has no '${name}' partition`);
    return new FlashArea(device, name, part.offset, part.size);
  };
  const scratch = partition(p, 'scratch');
  return {
    bootloader: open('bootloader'),
    primary: open('primary'),
    secondary: open('secondary'),
    scratch: scratch && new FlashArea(device, 'scratch', scratch.offset, scratch.size),
    suitCache: open('suit-cache'),
    trust: open('trust'),
    counters: open('counters'),
  };
}

/**
 * Group and command ids (notes/smp.md §2-4; DESIGN.md "Wire protocol" for the rig group 67).
 * SUIT group 66 numbers are those of the nRF Connect SDK SUIT group (subsys/mgmt/suitfu).
 */
export const GroupId = { OS: 0, IMAGE: 1, STATS: 2, SETTINGS: 3, FS: 8, SHELL: 9, ENUM: 10, ZEPHYR: 63, SUIT: 66, RIG: 67 } as const;

export const OsCmd = { ECHO: 0, CONSOLE_ECHO: 1, TASKSTAT: 2, MPSTAT: 3, DATETIME: 4, RESET: 5, PARAMS: 6, INFO: 7, BOOTLOADER_INFO: 8 } as const;
export const ImageCmd = { STATE: 0, UPLOAD: 1, ERASE: 5, SLOT_INFO: 6 } as const;
export const SuitCmd = {
  MANIFESTS_LIST: 0,
  MANIFEST_STATE: 1,
  ENVELOPE_UPLOAD: 2,
  MISSING_IMAGE_STATE: 3,
  MISSING_IMAGE_UPLOAD: 4,
  CACHE_RAW_UPLOAD: 5,
  CLEANUP: 6,
} as const;
export const RigCmd = { LAST_REPORT: 0, TRUST_STATE: 1, PROTECTED_REPORT: 2, ARM_FAULT: 8, BOARD_MODEL: 9 } as const;

const NAMES: Record<number, [string, Record<number, string>]> = {
  [GroupId.OS]: ['os', names(OsCmd)],
  [GroupId.IMAGE]: ['image', names(ImageCmd)],
  [GroupId.STATS]: ['stats', {}],
  [GroupId.SETTINGS]: ['settings', {}],
  [GroupId.FS]: ['fs', {}],
  [GroupId.SHELL]: ['shell', {}],
  [GroupId.ENUM]: ['enum', {}],
  [GroupId.ZEPHYR]: ['zephyr', {}],
  [GroupId.SUIT]: ['suit', names(SuitCmd)],
  [GroupId.RIG]: ['rig', names(RigCmd)],
};

function names(ids: Record<string, number>): Record<number, string> {
  return Object.fromEntries(Object.entries(ids).map(([k, v]) => [v, k.toLowerCase().replace(/_/g, '-')]));
}

export function groupName(group: number): string {
  return NAMES[group]?.[0] ?? `group ${group}`;
}

/** `image/upload`, `os/7`, `group 99/3`. */
export function commandName(group: number, command: number): string {
  return `${groupName(group)}/${NAMES[group]?.[1][command] ?? command}`;
}

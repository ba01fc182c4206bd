/**
 * What an MCUboot bootloader boots after an image upload, as far as the board and the image
 * say (notes/mcuboot.md §2, §7; notes/smp.md §3 for the mode numbers). In swap and overwrite
 * modes the uploaded image boots only once marked (test or permanent). Direct-XIP and RAM-load
 * bootloaders boot the valid image with the highest version: there is nothing to mark (the
 * QEMU peer's RAM-load application answers rc 8 to image state write). The mode comes from the
 * board's bootloader info when it reports it; a board that does not is taken to be RAM-load
 * when the image is built for it (header flag RAM_LOAD, linked to run from RAM): such an image
 * runs only under a RAM-load MCUboot.
 */
import { compareVersions, IMAGE_F, type ImageVersion } from '../mcuboot/format.js';
import type { BootloaderMode } from '../smp/groups/os.js';
import { boardVersion, parseBoardVersion, type ImageSlotState } from '../smp/image-state.js';

/** MCUboot modes that boot the valid image with the highest version: direct-XIP, RAM load, single-slot RAM load. */
const HIGHEST_VERSION_MODES: ReadonlySet<number> = new Set([4, 6, 8]);

/**
 * Which bootloader boots the highest valid version, said for messages (`MCUboot RAM load (mode
 * 6, as the board reports)`), or undefined when marks decide (or nothing says otherwise).
 */
export function highestVersionBootloader(mode: BootloaderMode | undefined, imageFlags: number): string | undefined {
  if (mode) return HIGHEST_VERSION_MODES.has(mode.mode) ? `MCUboot ${mode.name} (mode ${mode.mode}, as the board reports)` : undefined;
  if (imageFlags & IMAGE_F.RAM_LOAD) return 'a RAM-load MCUboot (the image is built for RAM load, header flag RAM_LOAD; the board does not report its bootloader mode)';
  return undefined;
}

export interface VersionOutlook {
  /** The image outranks every other image the board lists for the same image number. */
  newest: boolean;
  text: string;
}

/** Whether a highest-version bootloader will pick `version` over the other images the board lists. */
export function versionOutlook(version: ImageVersion, hash: Uint8Array, images: readonly ImageSlotState[], image: number): VersionOutlook {
  const v = boardVersion(version);
  const others = images.filter((i) => i.image === image && !Buffer.from(i.hash).equals(Buffer.from(hash)));
  let top: { slot: ImageSlotState; version: ImageVersion } | undefined;
  for (const slot of others) {
    const parsed = parseBoardVersion(slot.version);
    if (!parsed) return { newest: false, text: `slot ${slot.slot} reports version '${slot.version}', which cannot be compared with ${v}` };
    if (!top || compareVersions(parsed, top.version) > 0) top = { slot, version: parsed };
  }
  if (!top) return { newest: true, text: `${v} is the only image the board lists: it boots at the reset if it is valid` };
  if (compareVersions(version, top.version) > 0) return { newest: true, text: `${v} is newer than ${top.slot.version} in slot ${top.slot.slot}: it boots at the reset if it is valid` };
  return { newest: false, text: `${v} is not newer than ${top.slot.version} in slot ${top.slot.slot}: the bootloader keeps booting that one` };
}

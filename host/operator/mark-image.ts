/**
 * Marking an uploaded MCUboot image so that it boots at the next reset — where marks decide
 * (boot-choice.ts): a board in serial recovery has written the primary slot, a direct-XIP or
 * RAM-load bootloader boots the valid image with the highest version, and a board whose image
 * manager answers rc 8 to state write cannot be asked. Shared by `suitrig flash` and the
 * host-verified update of boards without the SUIT group; what it did is said in `note`.
 */
import type { ImageHeader } from '../mcuboot/format.js';
import type { RequestOptions, SmpClient } from '../smp/client.js';
import type { BootloaderMode } from '../smp/groups/os.js';
import { isNotSupported } from '../smp/groups/os.js';
import type { ImageSlotState } from '../smp/image-state.js';
import { unansweredReason } from './board-questions.js';
import { highestVersionBootloader, versionOutlook, type VersionOutlook } from './boot-choice.js';
import type { Whereabouts } from './run-state.js';

export interface MarkRequest {
  where: Whereabouts;
  mode: BootloaderMode | undefined;
  /** The uploaded image's header and SHA256 TLV. */
  header: ImageHeader;
  hash: Uint8Array;
  /** The board's image list after the upload, and the uploaded image's entry in it. */
  images: readonly ImageSlotState[];
  listed: ImageSlotState;
  permanent: boolean;
}

export interface MarkResult {
  marked: 'test' | 'permanent' | 'none';
  /** One line on what was done and why, for the operator. */
  note: string;
  /** Set when a highest-version bootloader decides: which, and how the image compares. */
  highest?: { bootloader: string; outlook: VersionOutlook };
  /** Why the image is not marked although marks decide what boots. */
  unmarked?: string;
}

/** Marks the image as `r` says it needs; error answers other than rc 8 are thrown (a refusal). */
export async function markUploaded(client: SmpClient, r: MarkRequest, options: RequestOptions = {}): Promise<MarkResult> {
  if (r.where.state === 'serial-recovery') {
    return { marked: 'none', note: `not needed: MCUboot serial recovery wrote slot ${r.listed.slot} directly; the image boots at the reset` };
  }
  const bootloader = highestVersionBootloader(r.mode, r.header.flags);
  const highest = () => ({ bootloader: bootloader!, outlook: versionOutlook(r.header.version, r.hash, r.images, r.listed.image) });
  if (bootloader && r.mode) {
    const h = highest();
    return { marked: 'none', note: `not possible: ${bootloader} boots the valid image with the highest version, nothing is tested or confirmed; ${h.outlook.text}`, highest: h };
  }
  if (r.listed.active) return { marked: 'none', note: 'not needed: the board already runs it' };
  try {
    if (r.permanent) await client.image.confirm(r.hash, options);
    else await client.image.test(r.hash, options);
  } catch (e) {
    if (!isNotSupported(e)) throw e;
    const cannot = `the board cannot mark images (image state write: ${unansweredReason(e)})`;
    if (bootloader) {
      const h = highest();
      return { marked: 'none', note: `not needed: ${cannot}, but ${bootloader} boots the valid image with the highest version; ${h.outlook.text}`, highest: h };
    }
    const unmarked = r.mode ? `${cannot}; its MCUboot ${r.mode.name} boots an uploaded image only once it is marked` : `${cannot}, and does not report its bootloader mode`;
    return { marked: 'none', note: `${unmarked}: what boots after the reset is up to its bootloader`, unmarked };
  }
  return r.permanent
    ? { marked: 'permanent', note: 'permanent: the board swaps it in for good' }
    : { marked: 'test', note: 'test: the board boots it once and reverts unless it confirms itself' };
}

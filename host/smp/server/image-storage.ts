/**
 * What the image group server needs from a board's flash and bootloader: the seam between
 * SMP (image-group.ts) and storage. The in-memory timed storage (memory-image-storage.ts)
 * implements it for the link's own tests and bench; the virtual board's flash model and
 * MCUboot-style bootloader implement it for real (rig/virtual/).
 *
 * Slots are numbered within an image: 0 = primary (runs), 1 = secondary (upload target), as
 * image state read reports them. The SMP protocol logic (offsets, resume by `sha`, the final
 * SHA-256 check, which hash names which slot, refusals) lives in the image group; a storage
 * only stores, erases, marks and reports.
 */
import type { ImageErr } from '../errors.js';
import type { ImageVersion } from '../../mcuboot/format.js';
import type { ImageSlotInfo, ImageSlotState } from '../image-state.js';

/**
 * An image version as boards report it in image state: Zephyr's img_mgmt_ver_str and MCUboot's
 * serial recovery (bs_list_img_ver) write `major.minor.revision` and append `.build` only when
 * the build number is not 0 (captured: "0.0.0"; imgtool's `1.2.3+4` is reported as "1.2.3.4").
 */
export function boardVersion(v: ImageVersion): string {
  return `${v.major}.${v.minor}.${v.revision}${v.build ? `.${v.build}` : ''}`;
}

/**
 * What an `upgrade: true` upload is compared with (Zephyr img_mgmt_my_version): the version of
 * the image running from the image's primary slot; `unreadable` when there is none to read
 * (answered VERSION_GET_FAILED).
 */
export type RunningVersion = ImageVersion | 'unreadable';

/** A refusal with the image group error code the board answers with. */
export class ImageStorageError extends Error {
  override name = 'ImageStorageError';
  constructor(
    readonly code: keyof typeof ImageErr,
    message: string,
  ) {
    super(message);
  }
}

export interface ImageStorage {
  /** Updatable images (1 on single-image boards). */
  readonly imageCount: number;
  /** Every slot that holds an image. */
  state(): Promise<ImageSlotState[]>;
  /** The running image's version, for uploads with `upgrade: true`. */
  runningVersion(image: number): Promise<RunningVersion>;
  slotInfo(): Promise<ImageSlotInfo[]>;
  /**
   * An upload of `size` bytes to `image`'s upload slot begins: erase it now, or remember to
   * erase each sector when a write first reaches it (progressive erase). Throws
   * ImageStorageError (INVALID_IMAGE_TOO_LARGE, IMAGE_ALREADY_PENDING, FLASH_ERASE_FAILED...).
   */
  beginUpload(image: number, size: number): Promise<void>;
  /** Writes upload bytes at `offset` (offsets only grow within one upload). */
  writeUpload(image: number, offset: number, data: Uint8Array): Promise<void>;
  /** Reads back the upload slot (the image group hashes it against the upload's `sha`). */
  readUpload(image: number, offset: number, length: number): Promise<Uint8Array>;
  /** The upload is complete and verified: the slot now holds a candidate image. */
  finishUpload(image: number): Promise<void>;
  /** Marks a slot pending: one test boot (reverts unless confirmed) or permanent. */
  setPending(image: number, slot: number, permanent: boolean): Promise<void>;
  /** Confirms the running image of `image` (no revert at the next boot). */
  confirm(image: number): Promise<void>;
  erase(image: number, slot: number): Promise<void>;
}

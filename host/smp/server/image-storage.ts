/**
 * What the image group server needs from a board's flash and bootloader: the seam between
 * SMP (image-group.ts, mcuboot-recovery.ts) and the device. The virtual board's flash model and
 * MCUboot-style bootloader implement it (rig/virtual/board/image-storage.ts).
 *
 * Slots are numbered within an image: 0 = primary (runs), 1 = secondary (upload target), as
 * image state read reports them. The SMP protocol logic (offsets, resume by `sha`, the final
 * SHA-256 check, which hash names which slot, refusals) lives in the image group; a storage
 * stores, erases, marks and reports — and it alone reads the image format (versions, the hash
 * TLV, what is newer), so the protocol side knows groups and frames only.
 */
import type { ImageErr } from '../errors.js';
import type { ImageSlotInfo, ImageSlotState } from '../image-state.js';

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
  /** Every slot that holds an image (img_mgmt_read_info: a header and a hash TLV). */
  state(): Promise<ImageSlotState[]>;
  /**
   * The slots whose image the bootloader accepts (bootutil_img_validate: hash, signature,
   * security counter): what MCUboot's serial recovery lists.
   */
  validImages(): Promise<ImageSlotState[]>;
  /**
   * What the first chunk of an upload gets wrong about the image header it must start with
   * (img_mgmt_upload_inspect): INVALID_IMAGE_HEADER when it is too short to hold one,
   * INVALID_IMAGE_HEADER_MAGIC when it is not the format's; undefined when it is one.
   */
  headerProblem(first: Uint8Array): 'INVALID_IMAGE_HEADER' | 'INVALID_IMAGE_HEADER_MAGIC' | undefined;
  /**
   * Whether an upload of `size` bytes to `image` could begin now, without erasing anything:
   * throws what `beginUpload` would (NO_FREE_SLOT, INVALID_IMAGE_TOO_LARGE).
   */
  checkUpload(image: number, size: number): Promise<void>;
  /**
   * An upload with `upgrade: true` begins with `first` (its first chunk): refuses it unless
   * the image it starts is newer than the one running from `image`'s primary slot (Zephyr
   * img_mgmt_my_version and img_mgmt_vercmp), before anything is erased. Throws
   * ImageStorageError: INVALID_IMAGE_HEADER (too short for a header), INVALID_IMAGE_HEADER_MAGIC,
   * VERSION_GET_FAILED (no running image to compare with), CURRENT_VERSION_IS_NEWER.
   */
  checkUpgrade(image: number, first: Uint8Array): Promise<void>;
  slotInfo(): Promise<ImageSlotInfo[]>;
  /**
   * An upload of `size` bytes to `image`'s upload slot begins: erase it now, or remember to
   * erase each sector when a write first reaches it (progressive erase). Throws
   * ImageStorageError (INVALID_IMAGE_TOO_LARGE, NO_FREE_SLOT, FLASH_ERASE_FAILED...). The bytes
   * written may run past `size` (neither Zephyr nor MCUboot checks the first chunk against it),
   * up to what the slot takes.
   */
  beginUpload(image: number, size: number): Promise<void>;
  /** Flash write alignment of the upload slot (MCUboot's serial recovery writes whole units: flash_area_align). */
  uploadAlign(image: number): number;
  /** Writes upload bytes at `offset` (offsets only grow within one upload). */
  writeUpload(image: number, offset: number, data: Uint8Array): Promise<void>;
  /** Reads the upload slot: what the upload in progress wrote so far, or the slot as it is. */
  readUpload(image: number, offset: number, length: number): Promise<Uint8Array>;
  /** The upload reached its length: what is held in RAM goes to flash; the slot holds what was sent. */
  finishUpload(image: number): Promise<void>;
  /** Marks a slot pending: one test boot (reverts unless confirmed) or permanent. */
  setPending(image: number, slot: number, permanent: boolean): Promise<void>;
  /** Confirms the running image of `image` (no revert at the next boot). */
  confirm(image: number): Promise<void>;
  erase(image: number, slot: number): Promise<void>;
}

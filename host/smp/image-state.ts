/**
 * What the image group (1) reports about a board's slots (notes/smp.md §4; Zephyr
 * smp_group_1.rst): one entry of image state read and of slot info. One definition for both
 * sides of the link: the client parses answers into it (groups/image.ts), a board's storage
 * reports it to the server (server/image-storage.ts, server/image-group.ts).
 */

/** One slot holding an image, as image state read reports it (Zephyr img_mgmt_state_read). */
export interface ImageSlotState {
  image: number;
  slot: number;
  /** As boards write it: `major.minor.revision`, `.build` when the build number is not 0. */
  version: string;
  /** The image's SHA-256 TLV (MCUboot), not the file's hash — what state write names images by. */
  hash: Uint8Array;
  bootable: boolean;
  /** Will be swapped in at the next boot (test, or permanent when `permanent`). */
  pending: boolean;
  confirmed: boolean;
  active: boolean;
  permanent: boolean;
}

/** The slots of one image, as slot info reports them. */
export interface ImageSlotInfo {
  image: number;
  slots: { slot: number; size: number; uploadImageId?: number }[];
  maxImageSize?: number;
}

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

/** An image version's numbers (an MCUboot header's `ih_ver`), as image state carries them in text. */
export interface BoardVersion {
  major: number;
  minor: number;
  revision: number;
  build: number;
}

/**
 * A version as boards write it in image state: Zephyr's img_mgmt_ver_str and MCUboot's serial
 * recovery (bs_list_img_ver) write `major.minor.revision` and append `.build` only when the
 * build number is not 0 (captured: "0.0.0"; imgtool's `1.2.3+4` is reported as "1.2.3.4").
 */
export function boardVersion(v: BoardVersion): string {
  return `${v.major}.${v.minor}.${v.revision}${v.build ? `.${v.build}` : ''}`;
}

/** `boardVersion`'s text read back (`1.2.3`, `1.2.3.4`), or undefined for text in another form. */
export function parseBoardVersion(text: string): BoardVersion | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,5})(?:\.(\d{1,10}))?$/.exec(text);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), revision: Number(m[3]), build: Number(m[4] ?? 0) };
}

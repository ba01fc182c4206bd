/**
 * Image validation for the virtual bootloader: the seam where MCUboot calls
 * `boot_validate_slot()` → `bootutil_img_validate()` (`loader.c`, `image_validate.c`), and where a
 * SUIT secure-boot check plugs in as a further hook before the jump (DESIGN.md "Virtual board":
 * "SUIT secure boot through the verifier core").
 */
import type { PublicKey } from '../../../host/keys/types.js';
import { IMAGE_HEADER_SIZE, IMAGE_MAGIC, IMAGE_TLV_INFO_MAGIC, IMAGE_TLV_PROT_INFO_MAGIC, decodeHeader, formatVersion } from '../../../host/mcuboot/format.js';
import { verifyImage } from '../../../host/mcuboot/verify.js';
import type { FlashArea } from '../flash/index.js';
import type { BoardAreas } from '../profiles.js';

export type SlotName = 'primary' | 'secondary';

/** A slot image that passed validation. */
export interface ValidImage {
  slot: SlotName;
  version: string;
  /** The image's SHA256 TLV (the hash SMP image-list reports). */
  hash: Uint8Array;
  /** Rollback counter the image carries (MCUboot SEC_CNT, or a SUIT sequence number). */
  securityCounter: bigint | undefined;
  /** Header area size: where the application payload starts in the slot. */
  payloadOffset: number;
  payloadSize: number;
}

export type Validation = { ok: true; image: ValidImage } | { ok: false; reason: string; message: string };

export interface ValidationContext {
  /** The stored rollback counter to enforce, or undefined when rollback protection is off. */
  storedCounter: bigint | undefined;
  /**
   * Only what MCUboot's bootutil_img_validate checks — hash, signature, counter — with nothing
   * run or recorded: serial recovery's image list (a SUIT candidate's validate sequence waits for the boot).
   */
  integrityOnly?: boolean;
}

/** Decides whether the image in a slot may be swapped in or booted. */
export interface ImageValidator {
  validate(area: FlashArea, slot: SlotName, ctx: ValidationContext): Validation;
}

/** A check that runs on the validated primary image just before the jump (e.g. SUIT validate + invoke). */
export interface BootHook {
  name: string;
  check(ctx: { areas: BoardAreas; image: ValidImage }): { ok: true } | { ok: false; reason: string; message: string };
}

/** `boot_check_header_erased()`: the slot holds no image when its header magic reads erased. */
export function headerErased(area: FlashArea): boolean {
  return area.isErased(0, 4);
}

/** Total image length from its header and TLV info headers (`boot_read_image_size`), or a reason it has none. */
export function imageLength(area: FlashArea): number | string {
  const hdr = decodeHeader(area.read(0, IMAGE_HEADER_SIZE));
  if (hdr.magic !== IMAGE_MAGIC) return `bad image magic 0x${hdr.magic.toString(16)}`;
  const tlvOff = hdr.hdrSize + hdr.imgSize;
  if (hdr.hdrSize < IMAGE_HEADER_SIZE || tlvOff + 4 > area.size) return `header sizes ${hdr.hdrSize}+${hdr.imgSize} do not fit the ${area.size}-byte slot`;
  let off = tlvOff;
  let info = Buffer.from(area.read(off, 4));
  if (hdr.protectTlvSize > 0) {
    if (info.readUInt16LE(0) !== IMAGE_TLV_PROT_INFO_MAGIC || info.readUInt16LE(2) !== hdr.protectTlvSize) return 'protected TLV area does not match the header';
    off += hdr.protectTlvSize;
    if (off + 4 > area.size) return 'TLV area runs past the slot';
    info = Buffer.from(area.read(off, 4));
  }
  if (info.readUInt16LE(0) !== IMAGE_TLV_INFO_MAGIC) return 'no TLV area after the payload';
  const end = off + info.readUInt16LE(2);
  return end > area.size ? 'TLV area runs past the slot' : end;
}

export interface McubootValidatorOptions {
  /** The bootloader's built-in public keys (MCUboot's key list). */
  keys: readonly PublicKey[];
  /** `skip-signature` quirk: accept any signer (the hash is still checked). */
  skipSignature?: boolean;
}

/** MCUboot image validation: structure, SHA256, KEYHASH + signature, SEC_CNT ≥ stored counter. */
export function mcubootValidator(o: McubootValidatorOptions): ImageValidator {
  return {
    validate(area, slot, ctx) {
      const len = imageLength(area);
      if (typeof len === 'string') return { ok: false, reason: 'format', message: `${slot} slot: ${len}` };
      // The counter a u32 SEC_CNT is compared with; larger stored values reject every image.
      const min = ctx.storedCounter === undefined ? undefined : Number(ctx.storedCounter > 0xffff_ffffn ? 0x1_0000_0000n : ctx.storedCounter);
      const r = verifyImage(area.read(0, len), o.keys, { ...(min !== undefined ? { minSecurityCounter: min } : {}), ...(o.skipSignature ? { skipSignature: true } : {}) });
      if (!r.ok) return { ok: false, reason: r.reason, message: `${slot} slot: ${r.message}` };
      const h = r.image.header;
      return {
        ok: true,
        image: {
          slot,
          version: formatVersion(h.version),
          hash: r.hash,
          securityCounter: r.image.securityCounter === undefined ? undefined : BigInt(r.image.securityCounter),
          payloadOffset: h.hdrSize,
          payloadSize: h.imgSize,
        },
      };
    },
  };
}

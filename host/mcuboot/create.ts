/**
 * Creates signed MCUboot images byte for byte as imgtool `sign` writes them (notes/mcuboot.md
 * §1, §3): header with `--pad-header` zero fill up to `--header-size`, payload, protected TLV area
 * (SEC_CNT when `--security-counter` is given), unprotected TLV area (SHA256, KEYHASH,
 * ECDSA_SIG or ED25519), and with `--pad --slot-size` the erased fill and trailer (magic;
 * image_ok with `--confirm`).
 *
 * Signatures as imgtool makes them: ECDSA P-256 over header+payload+protected TLVs with SHA-256,
 * DER-encoded and zero-padded to 72 bytes (`ecdsa.py`: "To make fixed length, pad with one or two
 * zeros"); Ed25519 over the 32-byte SHA-256 digest (MCUboot `image_ed25519.c` verifies the hash).
 */
import { createHash, sign } from 'node:crypto';
import type { PrivateKey } from '../keys/types.js';
import {
  IMAGE_F,
  IMAGE_HEADER_SIZE,
  IMAGE_MAGIC,
  IMAGE_TLV_INFO_MAGIC,
  IMAGE_TLV_PROT_INFO_MAGIC,
  TLV,
  encodeHeader,
  encodeTlvArea,
  type ImageVersion,
} from './format.js';
import { BOOT_FLAG_SET, DEFAULT_MAX_ALIGN, DEFAULT_MAX_SECTORS, trailerLayout, type TrailerLayout } from './trailer.js';

export const DEFAULT_HEADER_SIZE = 0x200;
/** imgtool's fixed ECDSA P-256 signature TLV length. */
export const ECDSA_P256_SIG_LEN = 72;

export class ImageCreateError extends Error {
  override name = 'ImageCreateError';
}

export interface PadOptions {
  /** Slot size: the output is exactly this long, trailer at its end. */
  slotSize: number;
  /** Write image_ok = 1 (imgtool `--confirm`). */
  confirm?: boolean;
  /** Flash write size used to size the trailer (imgtool `--align`, default 1). */
  align?: number;
  /** imgtool `--max-align` (default 8). */
  maxAlign?: number;
  /** imgtool `--max-sectors` (default 128). */
  maxSectors?: number;
  /** imgtool `--erased-val` (default 0xff). */
  erasedValue?: 0xff | 0x00;
}

export interface CreateImageOptions {
  key: PrivateKey;
  version: ImageVersion;
  /** Security counter for hardware rollback protection (u32), in the protected TLV area. */
  securityCounter?: number;
  /** Header area size (default 0x200), filled with zeros after the 32-byte header. */
  headerSize?: number;
  loadAddr?: number;
  /** Extra `ih_flags` (e.g. IMAGE_F.NON_BOOTABLE). */
  flags?: number;
  pad?: PadOptions;
}

function u32le(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0, true);
  return b;
}

function signatureTlv(key: PrivateKey, signed: Uint8Array, digest: Uint8Array): { type: number; value: Uint8Array } {
  if (key.family === 'p256') {
    const der = new Uint8Array(sign('sha256', signed, { key: key.key, dsaEncoding: 'der' }));
    const value = new Uint8Array(ECDSA_P256_SIG_LEN);
    value.set(der);
    return { type: TLV.ECDSA_SIG, value };
  }
  return { type: TLV.ED25519, value: new Uint8Array(sign(null, digest, key.key)) };
}

export function createImage(payload: Uint8Array, o: CreateImageOptions): Uint8Array {
  const headerSize = o.headerSize ?? DEFAULT_HEADER_SIZE;
  if (!Number.isInteger(headerSize) || headerSize < IMAGE_HEADER_SIZE || headerSize > 0xffff) {
    throw new ImageCreateError(`header size must be between ${IMAGE_HEADER_SIZE} and 0xffff bytes, got ${headerSize}`);
  }
  const family = (o.key as { family: string }).family;
  if (family !== 'p256' && family !== 'ed25519') throw new ImageCreateError(`MCUboot images are signed with an ECDSA P-256 or Ed25519 private key, not ${family === 'hmac' ? 'a symmetric' : `an ${family}`} key`);
  if (o.securityCounter !== undefined && (!Number.isInteger(o.securityCounter) || o.securityCounter < 0 || o.securityCounter > 0xffff_ffff)) {
    throw new ImageCreateError(`security counter must be an integer in [0, 2^32), got ${o.securityCounter}`);
  }
  if (payload.length > 0xffff_ffff - headerSize) throw new ImageCreateError(`payload of ${payload.length} bytes is too large`);
  const flags = o.flags ?? 0;
  if (flags & (IMAGE_F.ENCRYPTED_AES128 | IMAGE_F.ENCRYPTED_AES256)) throw new ImageCreateError('encrypted images are not supported');

  const protectedArea =
    o.securityCounter === undefined ? new Uint8Array(0) : encodeTlvArea(IMAGE_TLV_PROT_INFO_MAGIC, [{ type: TLV.SEC_CNT, value: u32le(o.securityCounter) }]);
  const header = encodeHeader({
    magic: IMAGE_MAGIC,
    loadAddr: o.loadAddr ?? 0,
    hdrSize: headerSize,
    protectTlvSize: protectedArea.length,
    imgSize: payload.length,
    flags,
    version: o.version,
  });
  const signed = new Uint8Array(headerSize + payload.length + protectedArea.length);
  signed.set(header, 0);
  signed.set(payload, headerSize);
  signed.set(protectedArea, headerSize + payload.length);
  const digest = new Uint8Array(createHash('sha256').update(signed).digest());
  const keyHash = new Uint8Array(createHash('sha256').update(o.key.publicKey.spki).digest());
  const unprotected = encodeTlvArea(IMAGE_TLV_INFO_MAGIC, [
    { type: TLV.SHA256, value: digest },
    { type: TLV.KEYHASH, value: keyHash },
    signatureTlv(o.key, signed, digest),
  ]);
  const out = new Uint8Array(signed.length + unprotected.length);
  out.set(signed);
  out.set(unprotected, signed.length);
  return o.pad ? padImage(out, o.pad) : out;
}

/** Checks that an image of `imageLength` bytes plus the trailer fits the slot (imgtool's check); returns the trailer layout. */
export function checkSlotFit(imageLength: number, pad: PadOptions): TrailerLayout {
  let layout: TrailerLayout;
  try {
    layout = trailerLayout({ slotSize: pad.slotSize, writeSize: pad.align ?? 1, maxAlign: pad.maxAlign ?? DEFAULT_MAX_ALIGN, maxSectors: pad.maxSectors ?? DEFAULT_MAX_SECTORS });
  } catch (e) {
    throw new ImageCreateError((e as Error).message);
  }
  if (imageLength + layout.trailerSize > pad.slotSize) {
    throw new ImageCreateError(
      `image size (0x${imageLength.toString(16)}) + trailer (0x${layout.trailerSize.toString(16)}) exceeds the slot size 0x${pad.slotSize.toString(16)}`,
    );
  }
  return layout;
}

/** A signed image padded to the slot size with its trailer (imgtool `--pad`, `--confirm`); the image bytes are unchanged. */
export function padImage(image: Uint8Array, pad: PadOptions): Uint8Array {
  const layout = checkSlotFit(image.length, pad);
  const out = new Uint8Array(pad.slotSize).fill(pad.erasedValue ?? 0xff);
  out.set(image);
  out.set(layout.magic, layout.magicOff);
  if (pad.confirm) out[layout.imageOkOff] = BOOT_FLAG_SET;
  return out;
}

/**
 * MCUboot image format (notes/mcuboot.md §1; MCUboot `boot/bootutil/include/bootutil/image.h`):
 * the 32-byte little-endian header, the optional protected TLV area and the unprotected TLV area
 * that follow the payload. Encoding and bounded decoding only; hashing and signatures are in
 * create.ts / verify.ts.
 */

export const IMAGE_MAGIC = 0x96f3b83d;
export const IMAGE_HEADER_SIZE = 32;
export const IMAGE_TLV_INFO_MAGIC = 0x6907;
export const IMAGE_TLV_PROT_INFO_MAGIC = 0x6908;
export const TLV_INFO_SIZE = 4;
export const TLV_HEADER_SIZE = 4;

/** `ih_flags` bits. */
export const IMAGE_F = {
  PIC: 0x1,
  ENCRYPTED_AES128: 0x4,
  ENCRYPTED_AES256: 0x8,
  NON_BOOTABLE: 0x10,
  RAM_LOAD: 0x20,
} as const;

/** TLV types (notes/mcuboot.md §1). */
export const TLV = {
  KEYHASH: 0x01,
  PUBKEY: 0x02,
  SHA256: 0x10,
  SHA384: 0x11,
  SHA512: 0x12,
  RSA2048_PSS: 0x20,
  ECDSA224: 0x21,
  ECDSA_SIG: 0x22,
  RSA3072_PSS: 0x23,
  ED25519: 0x24,
  SIG_PURE: 0x25,
  ENC_RSA2048: 0x30,
  ENC_KW: 0x31,
  ENC_EC256: 0x32,
  ENC_X25519: 0x33,
  ENC_X25519_SHA512: 0x34,
  DEPENDENCY: 0x40,
  SEC_CNT: 0x50,
  BOOT_RECORD: 0x60,
  DECOMP_SIZE: 0x70,
  DECOMP_SHA: 0x71,
  DECOMP_SIGNATURE: 0x72,
  COMP_DEC_SIZE: 0x73,
  UUID_VID: 0x80,
  UUID_CID: 0x81,
} as const;

const TLV_NAMES = new Map<number, string>(Object.entries(TLV).map(([k, v]) => [v, k]));

export function tlvName(type: number): string {
  return TLV_NAMES.get(type) ?? ((type & 0xff) >= 0xa0 ? `VENDOR_0x${type.toString(16)}` : `UNKNOWN_0x${type.toString(16)}`);
}

/** TLVs that MCUboot only honours in the protected area (covered by the hash). */
export const PROTECTED_ONLY = new Set<number>([TLV.SEC_CNT, TLV.DEPENDENCY, TLV.BOOT_RECORD, TLV.UUID_VID, TLV.UUID_CID, TLV.DECOMP_SIZE, TLV.DECOMP_SHA, TLV.DECOMP_SIGNATURE]);

export interface ImageVersion {
  major: number;
  minor: number;
  revision: number;
  build: number;
}

export interface ImageHeader {
  magic: number;
  loadAddr: number;
  hdrSize: number;
  protectTlvSize: number;
  imgSize: number;
  flags: number;
  version: ImageVersion;
}

export interface Tlv {
  type: number;
  /** Offset of the TLV's value from the start of the image. */
  offset: number;
  value: Uint8Array;
}

export class ImageFormatError extends Error {
  override name = 'ImageFormatError';
}

const VERSION_RE = /^(\d+)\.(\d+)\.(\d+)(?:\+(\d+))?$/;

/** `X.Y.Z[+B]` as imgtool's `--version`: major and minor u8, revision u16, build u32. */
export function parseVersion(text: string): ImageVersion {
  const m = VERSION_RE.exec(text);
  if (!m) throw new ImageFormatError(`version '${text}' is not X.Y.Z or X.Y.Z+B`);
  const [major, minor, revision, build] = [m[1]!, m[2]!, m[3]!, m[4] ?? '0'].map(Number) as [number, number, number, number];
  if (major > 0xff || minor > 0xff) throw new ImageFormatError(`version '${text}': major and minor must be at most 255`);
  if (revision > 0xffff) throw new ImageFormatError(`version '${text}': revision must be at most 65535`);
  if (build > 0xffff_ffff) throw new ImageFormatError(`version '${text}': build must be at most 4294967295`);
  return { major, minor, revision, build };
}

export function formatVersion(v: ImageVersion): string {
  return `${v.major}.${v.minor}.${v.revision}+${v.build}`;
}

/** Compares major.minor.revision (not build), as MCUboot's `boot_version_cmp`. */
export function compareVersions(a: ImageVersion, b: ImageVersion): number {
  return a.major - b.major || a.minor - b.minor || a.revision - b.revision;
}

export function encodeHeader(h: ImageHeader): Uint8Array {
  const b = Buffer.alloc(IMAGE_HEADER_SIZE);
  b.writeUInt32LE(h.magic >>> 0, 0);
  b.writeUInt32LE(h.loadAddr >>> 0, 4);
  b.writeUInt16LE(h.hdrSize, 8);
  b.writeUInt16LE(h.protectTlvSize, 10);
  b.writeUInt32LE(h.imgSize >>> 0, 12);
  b.writeUInt32LE(h.flags >>> 0, 16);
  b.writeUInt8(h.version.major, 20);
  b.writeUInt8(h.version.minor, 21);
  b.writeUInt16LE(h.version.revision, 22);
  b.writeUInt32LE(h.version.build >>> 0, 24);
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

export function decodeHeader(bytes: Uint8Array): ImageHeader {
  if (bytes.length < IMAGE_HEADER_SIZE) throw new ImageFormatError(`image of ${bytes.length} bytes is shorter than the ${IMAGE_HEADER_SIZE}-byte header`);
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, IMAGE_HEADER_SIZE);
  return {
    magic: b.readUInt32LE(0),
    loadAddr: b.readUInt32LE(4),
    hdrSize: b.readUInt16LE(8),
    protectTlvSize: b.readUInt16LE(10),
    imgSize: b.readUInt32LE(12),
    flags: b.readUInt32LE(16),
    version: { major: b.readUInt8(20), minor: b.readUInt8(21), revision: b.readUInt16LE(22), build: b.readUInt32LE(24) },
  };
}

/** One TLV area: info header (magic, total length incl. itself), then type/length/value entries. */
export function encodeTlvArea(magic: number, tlvs: readonly { type: number; value: Uint8Array }[]): Uint8Array {
  let total = TLV_INFO_SIZE;
  for (const t of tlvs) {
    if (t.value.length > 0xffff) throw new ImageFormatError(`TLV ${tlvName(t.type)} of ${t.value.length} bytes is too long`);
    total += TLV_HEADER_SIZE + t.value.length;
  }
  if (total > 0xffff) throw new ImageFormatError(`TLV area of ${total} bytes exceeds 65535`);
  const out = Buffer.alloc(total);
  out.writeUInt16LE(magic, 0);
  out.writeUInt16LE(total, 2);
  let p = TLV_INFO_SIZE;
  for (const t of tlvs) {
    out.writeUInt16LE(t.type, p);
    out.writeUInt16LE(t.value.length, p + 2);
    out.set(t.value, p + 4);
    p += TLV_HEADER_SIZE + t.value.length;
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/**
 * Reads a TLV area at `offset` of `image`, checking its info magic and that every entry lies
 * inside the area (bounded: at most one entry per 4 bytes of area).
 */
export function decodeTlvArea(image: Uint8Array, offset: number, magic: number, what: string): { total: number; tlvs: Tlv[] } {
  if (offset + TLV_INFO_SIZE > image.length) throw new ImageFormatError(`${what} TLV area at 0x${offset.toString(16)} lies beyond the end of the image (${image.length} bytes)`);
  const b = Buffer.from(image.buffer, image.byteOffset, image.length);
  const gotMagic = b.readUInt16LE(offset);
  if (gotMagic !== magic) throw new ImageFormatError(`${what} TLV area at 0x${offset.toString(16)}: magic 0x${gotMagic.toString(16)}, expected 0x${magic.toString(16)}`);
  const total = b.readUInt16LE(offset + 2);
  if (total < TLV_INFO_SIZE || offset + total > image.length) {
    throw new ImageFormatError(`${what} TLV area at 0x${offset.toString(16)}: length ${total} does not fit the ${image.length}-byte image`);
  }
  const tlvs: Tlv[] = [];
  let p = offset + TLV_INFO_SIZE;
  const end = offset + total;
  while (p < end) {
    if (p + TLV_HEADER_SIZE > end) throw new ImageFormatError(`${what} TLV area: truncated entry header at 0x${p.toString(16)}`);
    const type = b.readUInt16LE(p);
    const len = b.readUInt16LE(p + 2);
    if (p + TLV_HEADER_SIZE + len > end) throw new ImageFormatError(`${what} TLV area: ${tlvName(type)} of ${len} bytes at 0x${p.toString(16)} runs past the area end`);
    tlvs.push({ type, offset: p + TLV_HEADER_SIZE, value: image.subarray(p + TLV_HEADER_SIZE, p + TLV_HEADER_SIZE + len) });
    p += TLV_HEADER_SIZE + len;
  }
  return { total, tlvs };
}

/**
 * How the virtual board keeps a SUIT-installed image in an MCUboot slot, so the MCUboot-style
 * bootloader (rig/virtual/bootloader) swaps, reverts and validates it like any other image
 * (notes/mcuboot.md §1 image format): the slot holds an MCUboot image whose payload is the
 * SUIT payload byte for byte, and whose protected TLV area carries the authenticated SUIT
 * envelope it was installed with. Image and manifest therefore move together: a swap brings
 * the new manifest into the primary slot, a revert brings the old one back.
 *
 * ```
 * 0x000  image header (32 bytes; ih_hdr_size 0x200, version = the payload's application
 *        version when it has an app header, build number = the manifest sequence number)
 * 0x200  the SUIT payload (what the manifest's image digest covers)
 *        protected TLV area: SUITRIG_TLV_SUIT_ENVELOPE (vendor range 0xXXa0-0xXXff): the
 *        envelope without integrated payloads (members with text keys, draft-ietf-suit-
 *        manifest-37 §7.5; the authentication wrapper does not cover them)
 *        unprotected TLV area: SHA256 over header area + payload + protected area
 * ```
 * The board writes the payload first, then the TLV areas, and the header last, so a slot whose
 * header reads as an image always holds a complete one. Authenticity comes from the manifest's
 * signature (checked by the SUIT secure boot), not from an MCUboot signature TLV.
 */
import { createHash, type Hash } from 'node:crypto';
import {
  IMAGE_MAGIC,
  IMAGE_HEADER_SIZE,
  IMAGE_TLV_INFO_MAGIC,
  IMAGE_TLV_PROT_INFO_MAGIC,
  ImageFormatError,
  TLV,
  encodeHeader,
  encodeTlvArea,
  parseImage,
  type ImageVersion,
  type ParsedImage,
} from '../../../host/mcuboot/index.js';
import { cborHead } from '../../../host/suit/cbor/encode.js';
import { parseEnvelope } from '../../../host/suit/envelope/parse.js';
import { parseAppHeader } from '../app/app-image.js';
import { headerErased, imageLength } from '../bootloader/index.js';
import type { FlashArea } from '../flash/index.js';

/** Vendor-reserved MCUboot TLV type of the stored SUIT envelope ('S' in the high byte). */
export const SUITRIG_TLV_SUIT_ENVELOPE = 0x53a0;
/** Header area size, as imgtool's default `--header-size 0x200`. */
export const CONTAINER_HEADER_SIZE = 0x200;
/** The TLV length field is 16 bits: the stored envelope must fit one TLV and its area. */
export const MAX_STORED_ENVELOPE = 0xffff - 4 - 4;
/** SHA256 TLV area: info header + one TLV. */
const UNPROTECTED_AREA_SIZE = 4 + 4 + 32;

export class ContainerError extends Error {
  override name = 'ContainerError';
}

/**
 * The envelope as the board stores it: every member except integrated payloads, bytes
 * unchanged (the manifest digest and the signatures still verify).
 */
export function storedEnvelope(envelope: Uint8Array): Uint8Array {
  const env = parseEnvelope(envelope);
  const kept = env.members.filter((m) => typeof m.key !== 'string');
  if (kept.length === env.members.length) return envelope;
  const parts: Uint8Array[] = [];
  if (env.tagged) parts.push(cborHead(6, 107));
  parts.push(cborHead(5, kept.length));
  for (const m of kept) parts.push(m.keyBytes, m.raw);
  return new Uint8Array(Buffer.concat(parts));
}

/** Bytes a container adds around a payload (header area and both TLV areas). */
export function containerOverhead(storedEnvelopeLength: number): number {
  return CONTAINER_HEADER_SIZE + 4 + 4 + storedEnvelopeLength + UNPROTECTED_AREA_SIZE;
}

/** The image version of a container: the application's version, build = sequence number. */
export function containerVersion(payloadHead: Uint8Array, sequence: bigint): ImageVersion {
  const app = parseAppHeader(payloadHead);
  const build = Number(sequence > 0xffff_ffffn ? 0xffff_ffffn : sequence);
  return app ? { ...app.version, build } : { major: 0, minor: 0, revision: 0, build };
}

export interface ContainerParts {
  /** The header area as flash holds it once written: header, then erased bytes. */
  headerArea: Uint8Array;
  /** Protected then unprotected TLV area, to be written right after the payload. */
  tlvs: Uint8Array;
  /** The SHA256 TLV value (what SMP image state reports as the image hash). */
  hash: Uint8Array;
}

/**
 * Header and TLV areas for a payload of `payloadSize` bytes; `feedPayload` hashes the payload
 * as the slot holds it (the board reads it back from flash).
 */
export function containerParts(o: {
  payloadSize: number;
  version: ImageVersion;
  envelope: Uint8Array;
  erasedValue: number;
  feedPayload: (hash: Hash) => void;
}): ContainerParts {
  if (o.envelope.length > MAX_STORED_ENVELOPE) {
    throw new ContainerError(`the envelope without integrated payloads is ${o.envelope.length} bytes; the board stores at most ${MAX_STORED_ENVELOPE}`);
  }
  const prot = encodeTlvArea(IMAGE_TLV_PROT_INFO_MAGIC, [{ type: SUITRIG_TLV_SUIT_ENVELOPE, value: o.envelope }]);
  const header = encodeHeader({ magic: IMAGE_MAGIC, loadAddr: 0, hdrSize: CONTAINER_HEADER_SIZE, protectTlvSize: prot.length, imgSize: o.payloadSize, flags: 0, version: o.version });
  const headerArea = new Uint8Array(CONTAINER_HEADER_SIZE).fill(o.erasedValue);
  headerArea.set(header);
  const h = createHash('sha256').update(headerArea);
  o.feedPayload(h);
  h.update(prot);
  const hash = new Uint8Array(h.digest());
  const unprot = encodeTlvArea(IMAGE_TLV_INFO_MAGIC, [{ type: TLV.SHA256, value: hash }]);
  const tlvs = new Uint8Array(prot.length + unprot.length);
  tlvs.set(prot);
  tlvs.set(unprot, prot.length);
  return { headerArea, tlvs, hash };
}

/** A SUIT container found in a slot. */
export interface Container {
  /** The stored envelope (without integrated payloads). */
  envelope: Uint8Array;
  version: ImageVersion;
  payloadOffset: number;
  payloadSize: number;
  /** Whole image length (header to the end of the TLVs). */
  length: number;
  /** The SHA256 TLV value as stored (checked by `checkContainerHash`). */
  hash: Uint8Array;
  image: ParsedImage;
}

/**
 * The SUIT container in `area`, or undefined when the slot holds no image or an image that is
 * not one (a plain MCUboot image). Throws ContainerError for a container whose structure is
 * broken.
 */
export function readContainer(area: FlashArea): Container | undefined {
  if (headerErased(area)) return undefined;
  const len = imageLength(area);
  if (typeof len === 'string') return undefined;
  let image: ParsedImage;
  try {
    image = parseImage(area.read(0, len));
  } catch (e) {
    if (e instanceof ImageFormatError) return undefined;
    throw e;
  }
  const env = image.protectedTlvs.filter((t) => t.type === SUITRIG_TLV_SUIT_ENVELOPE);
  if (env.length === 0) return undefined;
  if (env.length > 1) throw new ContainerError(`${area.name}: more than one SUIT envelope TLV`);
  const sha = image.tlvs.find((t) => t.type === TLV.SHA256);
  if (!sha) throw new ContainerError(`${area.name}: SUIT container without a SHA256 TLV`);
  if (image.header.hdrSize < IMAGE_HEADER_SIZE) throw new ContainerError(`${area.name}: header size ${image.header.hdrSize}`);
  return {
    envelope: env[0]!.value,
    version: image.header.version,
    payloadOffset: image.header.hdrSize,
    payloadSize: image.header.imgSize,
    length: len,
    hash: sha.value,
    image,
  };
}

/**
 * A readable account of an MCUboot image for `suitrig inspect`, in the spirit of imgtool
 * `dumpinfo`: header fields, both TLV areas with names, the recomputed hash and whether it
 * matches, the signature algorithm and key hash, and (for `--pad`ded files) the trailer.
 */
import { createHash } from 'node:crypto';
import { IMAGE_F, IMAGE_MAGIC, TLV, formatVersion, tlvName, type Tlv } from './format.js';
import { BOOT_FLAG_SET, trailerLayout } from './trailer.js';
import { parseImage } from './verify.js';
import { toHex } from '../util/hex.js';

export interface TlvDescription {
  type: number;
  name: string;
  length: number;
  /** Hex of the value; SEC_CNT also decoded. */
  value: string;
  decoded?: number;
}

export interface McubootDescription {
  format: 'mcuboot';
  fileSize: number;
  imageSize: number;
  header: {
    magic: string;
    loadAddr: number;
    hdrSize: number;
    protectTlvSize: number;
    imgSize: number;
    flags: string[];
    version: string;
  };
  protectedTlvs: TlvDescription[];
  tlvs: TlvDescription[];
  securityCounter: number | undefined;
  hash: { computed: string; matches: boolean };
  signature: { algorithm: string; keyHash: string | undefined } | undefined;
  /** Present when the file extends past the image (imgtool `--pad`): the trailer at its end. */
  trailer: { magic: 'good' | 'unset' | 'bad'; imageOk: 'set' | 'unset' | 'bad' } | undefined;
}

/** True when `bytes` starts with the MCUboot image magic 0x96f3b83d (little-endian). */
export function isMcubootImage(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && Buffer.from(bytes.buffer, bytes.byteOffset, 4).readUInt32LE(0) === IMAGE_MAGIC;
}

function describeTlv(t: Tlv): TlvDescription {
  const d: TlvDescription = { type: t.type, name: tlvName(t.type), length: t.value.length, value: toHex(t.value) };
  if (t.type === TLV.SEC_CNT && t.value.length === 4) d.decoded = Buffer.from(t.value).readUInt32LE(0);
  return d;
}

function flagNames(flags: number): string[] {
  const names = Object.entries(IMAGE_F)
    .filter(([, bit]) => (flags & bit) !== 0)
    .map(([n]) => n);
  const known = Object.values(IMAGE_F).reduce((a, b) => a | b, 0);
  if (flags & ~known) names.push(`0x${(flags & ~known).toString(16)}`);
  return names;
}

function describeTrailer(bytes: Uint8Array, imageSize: number): McubootDescription['trailer'] {
  let layout;
  try {
    layout = trailerLayout({ slotSize: bytes.length, writeSize: 1 });
  } catch {
    return undefined;
  }
  if (bytes.length <= imageSize || layout.statusOff < imageSize) return undefined;
  // imgtool never writes copy_done, so it holds the fill (erased) value of the file.
  const erased = bytes[layout.copyDoneOff]!;
  const magic = bytes.subarray(layout.magicOff, layout.magicOff + 16);
  const magicState = magic.every((b) => b === erased) ? 'unset' : Buffer.from(magic).equals(Buffer.from(layout.magic)) ? 'good' : 'bad';
  const ok = bytes[layout.imageOkOff]!;
  return { magic: magicState, imageOk: ok === erased ? 'unset' : ok === BOOT_FLAG_SET ? 'set' : 'bad' };
}

/** Describes an MCUboot image; throws ImageFormatError when its structure is broken. */
export function describeMcubootImage(bytes: Uint8Array): McubootDescription {
  const img = parseImage(bytes);
  const computed = createHash('sha256').update(bytes.subarray(0, img.hashedLength)).digest();
  const sha = img.tlvs.find((t) => t.type === TLV.SHA256);
  const sig = img.tlvs.find((t) => t.type === TLV.ECDSA_SIG || t.type === TLV.ED25519);
  const keyHash = img.tlvs.find((t) => t.type === TLV.KEYHASH);
  return {
    format: 'mcuboot',
    fileSize: bytes.length,
    imageSize: img.size,
    header: {
      magic: `0x${img.header.magic.toString(16)}`,
      loadAddr: img.header.loadAddr,
      hdrSize: img.header.hdrSize,
      protectTlvSize: img.header.protectTlvSize,
      imgSize: img.header.imgSize,
      flags: flagNames(img.header.flags),
      version: formatVersion(img.header.version),
    },
    protectedTlvs: img.protectedTlvs.map(describeTlv),
    tlvs: img.tlvs.map(describeTlv),
    securityCounter: img.securityCounter,
    hash: { computed: computed.toString('hex'), matches: sha !== undefined && computed.equals(Buffer.from(sha.value)) },
    signature: sig && {
      algorithm: sig.type === TLV.ECDSA_SIG ? 'ECDSA P-256 (DER)' : 'Ed25519',
      keyHash: keyHash && toHex(keyHash.value),
    },
    trailer: describeTrailer(bytes, img.size),
  };
}

/** What is wrong with a readable image (`inspect` exits 1 when there is anything). */
export function mcubootProblems(d: McubootDescription): string[] {
  const problems: string[] = [];
  if (!d.tlvs.some((t) => t.name === 'SHA256')) problems.push('no SHA256 TLV');
  else if (!d.hash.matches) problems.push('SHA256 TLV does not match header + payload + protected TLVs');
  if (!d.signature) problems.push('no signature TLV');
  if (d.trailer?.magic === 'bad') problems.push('trailer magic is corrupt');
  if (d.trailer?.imageOk === 'bad') problems.push('trailer image_ok is neither set nor erased');
  return problems;
}

/** Text lines for a terminal. */
export function formatMcubootDescription(d: McubootDescription): string {
  const h = d.header;
  const lines = [
    `MCUboot image, version ${h.version}, ${d.imageSize} bytes${d.fileSize !== d.imageSize ? ` (file ${d.fileSize} bytes, padded)` : ''}`,
    `header    magic ${h.magic}  hdr_size 0x${h.hdrSize.toString(16)}  img_size ${h.imgSize}  protect_tlv_size ${h.protectTlvSize}  load_addr 0x${h.loadAddr.toString(16)}  flags ${h.flags.length ? h.flags.join('|') : 'none'}`,
  ];
  const tlvLine = (t: TlvDescription): string =>
    `  ${t.name.padEnd(12)} 0x${t.type.toString(16).padStart(2, '0')}  ${String(t.length).padStart(3)} B  ${t.decoded !== undefined ? String(t.decoded) : t.value.length > 64 ? `${t.value.slice(0, 64)}...` : t.value}`;
  if (d.protectedTlvs.length) lines.push('protected TLVs', ...d.protectedTlvs.map(tlvLine));
  lines.push('TLVs', ...d.tlvs.map(tlvLine));
  lines.push(`hash      sha256 ${d.hash.computed} ${d.hash.matches ? '(matches SHA256 TLV)' : '(DOES NOT match the SHA256 TLV)'}`);
  lines.push(d.signature ? `signature ${d.signature.algorithm}, key hash ${d.signature.keyHash ?? 'absent'}` : 'signature none');
  if (d.trailer) lines.push(`trailer   magic ${d.trailer.magic}, image_ok ${d.trailer.imageOk}`);
  return lines.join('\n') + '\n';
}

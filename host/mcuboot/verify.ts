/**
 * Parses and verifies MCUboot images the way MCUboot's `bootutil_img_validate()`
 * (`image_validate.c`) does: bounded header and TLV parsing, a SHA256 TLV that must be present
 * and match header+payload+protected TLVs (compared in constant time), KEYHASH (or PUBKEY)
 * selecting a trusted key, and at least one signature TLV that verifies with a selected key.
 * Optional hardware-rollback check: the protected SEC_CNT must be at least the stored counter.
 */
import { createHash, createPublicKey, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import type { PublicKey } from '../keys/types.js';
import {
  IMAGE_HEADER_SIZE,
  IMAGE_MAGIC,
  IMAGE_TLV_INFO_MAGIC,
  IMAGE_TLV_PROT_INFO_MAGIC,
  ImageFormatError,
  PROTECTED_ONLY,
  TLV,
  decodeHeader,
  decodeTlvArea,
  tlvName,
  type ImageHeader,
  type Tlv,
} from './format.js';

export interface ParsedImage {
  header: ImageHeader;
  /** Bytes covered by the hash: header area + payload + protected TLV area. */
  hashedLength: number;
  protectedTlvs: Tlv[];
  tlvs: Tlv[];
  /** Total image length, up to the end of the unprotected TLV area. */
  size: number;
  /** SEC_CNT from the protected area, when present. */
  securityCounter: number | undefined;
}

/** Structure of an image; every offset and length is checked against `bytes`. Throws ImageFormatError. */
export function parseImage(bytes: Uint8Array): ParsedImage {
  const header = decodeHeader(bytes);
  if (header.magic !== IMAGE_MAGIC) throw new ImageFormatError(`bad image magic 0x${header.magic.toString(16)} (expected 0x${IMAGE_MAGIC.toString(16)})`);
  if (header.hdrSize < IMAGE_HEADER_SIZE) throw new ImageFormatError(`header size ${header.hdrSize} is smaller than the ${IMAGE_HEADER_SIZE}-byte header`);
  const payloadEnd = header.hdrSize + header.imgSize;
  if (payloadEnd > bytes.length) throw new ImageFormatError(`header says ${header.hdrSize}+${header.imgSize} bytes but the image has only ${bytes.length}`);
  let protectedTlvs: Tlv[] = [];
  if (header.protectTlvSize > 0) {
    const area = decodeTlvArea(bytes, payloadEnd, IMAGE_TLV_PROT_INFO_MAGIC, 'protected');
    if (area.total !== header.protectTlvSize) throw new ImageFormatError(`protected TLV area is ${area.total} bytes but the header says ${header.protectTlvSize}`);
    protectedTlvs = area.tlvs;
  }
  const hashedLength = payloadEnd + header.protectTlvSize;
  const area = decodeTlvArea(bytes, hashedLength, IMAGE_TLV_INFO_MAGIC, 'unprotected');
  for (const t of area.tlvs) {
    if (PROTECTED_ONLY.has(t.type)) throw new ImageFormatError(`${tlvName(t.type)} TLV found in the unprotected area (it must be covered by the hash)`);
  }
  let securityCounter: number | undefined;
  for (const t of protectedTlvs) {
    if (t.type !== TLV.SEC_CNT) continue;
    if (t.value.length !== 4) throw new ImageFormatError(`SEC_CNT TLV is ${t.value.length} bytes, expected 4`);
    if (securityCounter !== undefined) throw new ImageFormatError('more than one SEC_CNT TLV');
    securityCounter = Buffer.from(t.value).readUInt32LE(0);
  }
  return { header, hashedLength, protectedTlvs, tlvs: area.tlvs, size: hashedLength + area.total, securityCounter };
}

export type VerifyFailure = 'format' | 'no-hash' | 'hash-mismatch' | 'untrusted-key' | 'no-signature' | 'bad-signature' | 'rollback' | 'no-security-counter';

export interface VerifyOptions {
  /** Stored hardware security counter: the image's SEC_CNT must be present and at least this. */
  minSecurityCounter?: number;
  /** Skip the KEYHASH and signature checks (the `skip-signature` board quirk). */
  skipSignature?: boolean;
}

export type VerifyResult =
  | { ok: true; image: ParsedImage; hash: Uint8Array; keyIndex: number | undefined }
  | { ok: false; reason: VerifyFailure; message: string; image?: ParsedImage; hash?: Uint8Array };

const keyObjects = new WeakMap<PublicKey, KeyObject>();

function keyObject(k: PublicKey): KeyObject {
  let o = keyObjects.get(k);
  if (!o) {
    o = createPublicKey({ key: Buffer.from(k.spki), format: 'der', type: 'spki' });
    keyObjects.set(k, o);
  }
  return o;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The DER SEQUENCE of an ECDSA signature TLV, without imgtool's zero padding. */
function derSignature(value: Uint8Array): Uint8Array | undefined {
  if (value.length < 8 || value[0] !== 0x30) return undefined;
  const len = value[1]!;
  if (len >= 0x80 || 2 + len > value.length) return undefined;
  for (let i = 2 + len; i < value.length; i++) if (value[i] !== 0) return undefined;
  return value.subarray(0, 2 + len);
}

function signatureValid(key: PublicKey, type: number, value: Uint8Array, signed: Uint8Array, hash: Uint8Array): boolean {
  try {
    if (type === TLV.ECDSA_SIG && key.family === 'p256') {
      const der = derSignature(value);
      return der !== undefined && verify('sha256', signed, { key: keyObject(key), dsaEncoding: 'der' }, der);
    }
    if (type === TLV.ED25519 && key.family === 'ed25519') return value.length === 64 && verify(null, hash, keyObject(key), value);
  } catch {
    return false;
  }
  return false;
}

export function verifyImage(bytes: Uint8Array, keys: readonly PublicKey[], opts: VerifyOptions = {}): VerifyResult {
  let image: ParsedImage;
  try {
    image = parseImage(bytes);
  } catch (e) {
    if (e instanceof ImageFormatError) return { ok: false, reason: 'format', message: e.message };
    throw e;
  }
  const signed = bytes.subarray(0, image.hashedLength);
  const hash = new Uint8Array(createHash('sha256').update(signed).digest());
  const shaTlvs = image.tlvs.filter((t) => t.type === TLV.SHA256);
  if (shaTlvs.length === 0) return { ok: false, reason: 'no-hash', message: 'image has no SHA256 TLV', image, hash };
  for (const t of shaTlvs) {
    if (!sameBytes(t.value, hash)) return { ok: false, reason: 'hash-mismatch', message: 'SHA256 TLV does not match header+payload+protected TLVs', image, hash };
  }
  if (opts.minSecurityCounter !== undefined) {
    if (image.securityCounter === undefined) {
      return { ok: false, reason: 'no-security-counter', message: `image has no SEC_CNT TLV but the board's stored security counter is ${opts.minSecurityCounter}`, image, hash };
    }
    if (image.securityCounter < opts.minSecurityCounter) {
      return { ok: false, reason: 'rollback', message: `image security counter ${image.securityCounter} is below the stored counter ${opts.minSecurityCounter}`, image, hash };
    }
  }
  if (opts.skipSignature) return { ok: true, image, hash, keyIndex: undefined };

  const keyHashes = keys.map((k) => new Uint8Array(createHash('sha256').update(k.spki).digest()));
  let selected = -1;
  let trustedKeyNamed = false;
  let sawSignature = false;
  for (const t of image.tlvs) {
    if (t.type === TLV.KEYHASH || t.type === TLV.PUBKEY) {
      const h = t.type === TLV.KEYHASH ? t.value : new Uint8Array(createHash('sha256').update(t.value).digest());
      selected = keyHashes.findIndex((kh) => sameBytes(kh, h));
      if (selected >= 0) trustedKeyNamed = true;
    } else if (t.type === TLV.ECDSA_SIG || t.type === TLV.ED25519) {
      sawSignature = true;
      // As MCUboot: a signature counts only after a KEYHASH/PUBKEY naming a known key.
      if (selected >= 0 && signatureValid(keys[selected]!, t.type, t.value, signed, hash)) return { ok: true, image, hash, keyIndex: selected };
      selected = -1;
    }
  }
  if (!sawSignature) return { ok: false, reason: 'no-signature', message: 'image has no ECDSA_SIG or ED25519 signature TLV', image, hash };
  if (!trustedKeyNamed) return { ok: false, reason: 'untrusted-key', message: 'image is signed with a key that is not among the trusted keys (no KEYHASH matches)', image, hash };
  return { ok: false, reason: 'bad-signature', message: 'signature does not verify with the trusted key its KEYHASH names', image, hash };
}

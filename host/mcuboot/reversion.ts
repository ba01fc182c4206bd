/**
 * A new version of an unsigned (hash-checked) MCUboot image: the header's version is changed and
 * the SHA256 TLV, which covers the header, the body and the protected TLVs, is computed again.
 * This is how a lab makes "the next version" of a board's application to test an update with
 * when the bootloader checks hashes only (as the RAM-load MCUboot of the QEMU peer does); a
 * signed image must be signed again instead (`suitrig image create`), since its signature
 * covers the version.
 */
import { createHash } from 'node:crypto';
import { decodeHeader, decodeTlvArea, encodeHeader, ImageFormatError, IMAGE_MAGIC, IMAGE_TLV_INFO_MAGIC, IMAGE_TLV_PROT_INFO_MAGIC, TLV, tlvName, type ImageVersion } from './format.js';

/** TLVs that sign the image: their signature would no longer match a changed header. */
const SIGNATURES = new Set<number>([TLV.RSA2048_PSS, TLV.ECDSA224, TLV.ECDSA_SIG, TLV.RSA3072_PSS, TLV.ED25519]);

export function reversionImage(image: Uint8Array, version: ImageVersion): Uint8Array {
  const h = decodeHeader(image);
  if (h.magic !== IMAGE_MAGIC) throw new ImageFormatError(`not an MCUboot image (magic 0x${h.magic.toString(16)})`);
  const signedEnd = h.hdrSize + h.imgSize + h.protectTlvSize;
  if (h.protectTlvSize > 0) decodeTlvArea(image, h.hdrSize + h.imgSize, IMAGE_TLV_PROT_INFO_MAGIC, 'protected');
  const { tlvs } = decodeTlvArea(image, signedEnd, IMAGE_TLV_INFO_MAGIC, 'unprotected');
  const signature = tlvs.find((t) => SIGNATURES.has(t.type));
  if (signature) throw new ImageFormatError(`the image is signed (${tlvName(signature.type)}): a new version must be signed again (suitrig image create), not patched`);
  const sha = tlvs.find((t) => t.type === TLV.SHA256);
  if (!sha || sha.value.length !== 32) throw new ImageFormatError('the image has no SHA256 TLV to recompute');
  const out = new Uint8Array(image);
  out.set(encodeHeader({ ...h, version }), 0);
  out.set(createHash('sha256').update(out.subarray(0, signedEnd)).digest(), sha.offset);
  return out;
}

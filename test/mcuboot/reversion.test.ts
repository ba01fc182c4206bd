/**
 * reversionImage (host/mcuboot/reversion.ts): the next version of a hash-checked MCUboot image,
 * as the QEMU peer's RAM-load application is; signed images are refused (their signature covers
 * the version).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createImage, decodeHeader, describeMcubootImage, encodeHeader, encodeTlvArea, IMAGE_F, IMAGE_MAGIC, IMAGE_TLV_INFO_MAGIC, parseVersion, reversionImage, TLV } from '../../host/mcuboot/index.js';
import { makeKey, tempDir } from './helpers.js';

/** A hash-only image as the peer's build makes it: header, body, SHA256 TLV. */
function hashOnlyImage(body: Uint8Array): Uint8Array {
  const header = new Uint8Array(0x200);
  header.set(encodeHeader({ magic: IMAGE_MAGIC, loadAddr: 0x20240000, hdrSize: 0x200, protectTlvSize: 0, imgSize: body.length, flags: IMAGE_F.RAM_LOAD, version: parseVersion('0.0.0') }));
  const signed = Buffer.concat([header, body]);
  return Buffer.concat([signed, encodeTlvArea(IMAGE_TLV_INFO_MAGIC, [{ type: TLV.SHA256, value: createHash('sha256').update(signed).digest() }])]);
}

describe('reversionImage', () => {
  const body = new Uint8Array(3000).map((_, i) => (i * 13) & 0xff);

  it('changes the version and recomputes the SHA256 TLV; everything else stays', () => {
    const before = hashOnlyImage(body);
    const after = reversionImage(before, parseVersion('0.0.2+7'));
    expect(decodeHeader(after)).toEqual({ ...decodeHeader(before), version: { major: 0, minor: 0, revision: 2, build: 7 } });
    const d = describeMcubootImage(after);
    expect(d.hash.matches).toBe(true);
    expect(Buffer.from(after.subarray(0x200, 0x200 + body.length)).equals(Buffer.from(body))).toBe(true);
    expect(Buffer.from(before).equals(Buffer.from(after))).toBe(false);
  });

  it('refuses a signed image: it must be signed again', () => {
    const key = makeKey(tempDir('reversion'), 'k', 'p256');
    const signed = createImage(body, { key: key.priv, version: parseVersion('1.0.0') });
    expect(() => reversionImage(signed, parseVersion('1.0.1'))).toThrow(/the image is signed \(ECDSA_SIG\): a new version must be signed again/);
  });
});

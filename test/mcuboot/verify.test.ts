/** verifyImage as MCUboot's bootutil_img_validate: accepts the right key, rejects every tampering. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createImage, describeMcubootImage, formatMcubootDescription, isMcubootImage, parseImage, parseVersion, verifyImage } from '../../host/mcuboot/index.js';
import { makeKey, tempDir } from './helpers.js';

const dir = tempDir('mcuboot-verify');
const es = makeKey(dir, 'es', 'p256');
const es2 = makeKey(dir, 'es2', 'p256');
const ed = makeKey(dir, 'ed', 'ed25519');
const payload = new Uint8Array(3000).map((_, i) => (i * 13) & 0xff);

describe('verifyImage', () => {
  const img = createImage(payload, { key: es.priv, version: parseVersion('1.4.0+9'), securityCounter: 5 });

  it('accepts with the signing key among the trusted ones, reports its index and the counter', () => {
    const r = verifyImage(img, [ed.pub, es.pub]);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.keyIndex).toBe(1);
    expect(r.image.securityCounter).toBe(5);
    expect(r.image.header.version).toEqual({ major: 1, minor: 4, revision: 0, build: 9 });
    const edImg = createImage(payload, { key: ed.priv, version: parseVersion('1.0.0') });
    expect(verifyImage(edImg, [ed.pub]).ok).toBe(true);
  });

  it('names the reason for each rejection', () => {
    const reason = (bytes: Uint8Array, keys = [es.pub], opts = {}): string => {
      const r = verifyImage(bytes, keys, opts);
      return r.ok ? 'ok' : r.reason;
    };
    expect(reason(img, [es2.pub])).toBe('untrusted-key');
    expect(reason(img, [])).toBe('untrusted-key');
    const badPayload = img.slice();
    badPayload[0x200 + 10]! ^= 1;
    expect(reason(badPayload)).toBe('hash-mismatch');
    const badSig = img.slice();
    badSig[img.length - 40]! ^= 0x10;
    expect(reason(badSig)).toBe('bad-signature');
    expect(reason(img.subarray(0, img.length - 10))).toBe('format');
    expect(reason(img.subarray(0, 20))).toBe('format');
    expect(reason(img, [es.pub], { minSecurityCounter: 6 })).toBe('rollback');
    expect(reason(img, [es.pub], { minSecurityCounter: 5 })).toBe('ok');
    const noCounter = createImage(payload, { key: es.priv, version: parseVersion('1.0.0') });
    expect(reason(noCounter, [es.pub], { minSecurityCounter: 0 })).toBe('no-security-counter');
    expect(reason(img, [es2.pub], { skipSignature: true })).toBe('ok');
    expect(reason(badPayload, [es.pub], { skipSignature: true })).toBe('hash-mismatch');
  });

  it('rejects every single-byte change of the image (property, seeded)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: img.length - 1 }), fc.integer({ min: 1, max: 255 }), (pos, x) => {
        const m = img.slice();
        m[pos]! ^= x;
        expect(verifyImage(m, [es.pub]).ok).toBe(false);
      }),
      { seed: 0x5eed, numRuns: 400 },
    );
  });

  it('truncated images with garbage after the cut are rejected unless the signed content is intact, never thrown on; trailing bytes after a whole image are ignored (property, seeded)', () => {
    // The key is new each run, so the signature bytes are too: junk that happens to rebuild the bytes
    // it replaced (one byte cut off the end and the same byte as junk) gives back the whole image,
    // which verifies; what must never verify is an image whose signed content changed.
    const signedEnd = parseImage(img).hashedLength;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.integer({ min: 0, max: img.length }), (junk, cut) => {
        const m = new Uint8Array(cut + junk.length);
        m.set(img.subarray(0, cut));
        m.set(junk, cut);
        const ok = verifyImage(m, [es.pub]).ok;
        if (cut === img.length) expect(ok).toBe(true);
        if (ok) expect(m.length >= signedEnd && Buffer.from(m.subarray(0, signedEnd)).equals(Buffer.from(img.subarray(0, signedEnd)))).toBe(true);
      }),
      { seed: 0xbeef, numRuns: 300 },
    );
  });

  it('describes an image for inspect', () => {
    const padded = createImage(payload, { key: es.priv, version: parseVersion('1.4.0+9'), securityCounter: 5, pad: { slotSize: 0x4000, confirm: true } });
    expect(isMcubootImage(padded)).toBe(true);
    expect(isMcubootImage(new Uint8Array([0xd8, 0x6b, 0xa2]))).toBe(false);
    const d = describeMcubootImage(padded);
    expect(d.header.version).toBe('1.4.0+9');
    expect(d.securityCounter).toBe(5);
    expect(d.hash.matches).toBe(true);
    expect(d.signature?.algorithm).toMatch(/P-256/);
    expect(d.tlvs.map((t) => t.name)).toEqual(['SHA256', 'KEYHASH', 'ECDSA_SIG']);
    expect(d.trailer).toEqual({ magic: 'good', imageOk: 'set' });
    const text = formatMcubootDescription(d);
    expect(text).toMatch(/MCUboot image, version 1\.4\.0\+9/);
    expect(text).toMatch(/SEC_CNT +0x50 +4 B +5/);
    expect(describeMcubootImage(img).trailer).toBeUndefined();
  });
});

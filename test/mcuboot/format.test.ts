/**
 * MCUboot images byte by byte against the layout in notes/mcuboot.md §1 and §3, read back with
 * independent code (manual offsets, node:crypto, @noble/curves), not with host/mcuboot's parser.
 */
import { createHash, createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { createImage, parseVersion } from '../../host/mcuboot/index.js';
import { makeKey, tempDir } from './helpers.js';

const dir = tempDir('mcuboot-format');
const es = makeKey(dir, 'es', 'p256');
const ed = makeKey(dir, 'ed', 'ed25519');
const payload = new Uint8Array(0x1000).map((_, i) => (i * 7 + 3) & 0xff);

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

describe('MCUboot image layout (notes/mcuboot.md §1)', () => {
  const img = createImage(payload, { key: es.priv, version: parseVersion('1.2.3+4'), securityCounter: 7 });
  const b = Buffer.from(img);

  it('header is exactly the imgtool example for 1.2.3+4, security counter 7', () => {
    expect(hex(img.subarray(0, 32))).toBe('3db8f396' + '00000000' + '0002' + '0c00' + '00100000' + '00000000' + '0102030004000000' + '00000000');
    expect(img.subarray(32, 0x200).every((x) => x === 0)).toBe(true);
    expect(Buffer.from(img.subarray(0x200, 0x1200)).equals(Buffer.from(payload))).toBe(true);
  });

  it('protected area holds SEC_CNT, then SHA256, KEYHASH, ECDSA_SIG of 0x48 bytes', () => {
    const prot = 0x1200;
    expect(hex(img.subarray(prot, prot + 12))).toBe('0869' + '0c00' + '5000' + '0400' + '07000000');
    const un = prot + 12;
    expect(b.readUInt16LE(un)).toBe(0x6907);
    const total = b.readUInt16LE(un + 2);
    expect(un + total).toBe(img.length);
    expect(total).toBe(4 + (4 + 32) + (4 + 32) + (4 + 72));
    // SHA256 over header + payload + protected TLVs, computed here independently
    expect([b.readUInt16LE(un + 4), b.readUInt16LE(un + 6)]).toEqual([0x10, 32]);
    const digest = createHash('sha256').update(img.subarray(0, un)).digest();
    expect(hex(img.subarray(un + 8, un + 40))).toBe(digest.toString('hex'));
    // KEYHASH = SHA-256 of the SPKI DER of the signing key
    expect([b.readUInt16LE(un + 40), b.readUInt16LE(un + 42)]).toEqual([0x01, 32]);
    const spki = createPublicKey(es.priv.key).export({ type: 'spki', format: 'der' });
    expect(hex(img.subarray(un + 44, un + 76))).toBe(createHash('sha256').update(spki).digest('hex'));
    // ECDSA_SIG: DER, zero-padded to 72 bytes; verifies with node:crypto and with noble (lowS off)
    expect([b.readUInt16LE(un + 76), b.readUInt16LE(un + 78)]).toEqual([0x22, 0x48]);
    const sig = img.subarray(un + 80, un + 80 + 72);
    expect(sig[0]).toBe(0x30);
    const der = sig.subarray(0, 2 + sig[1]!);
    expect(sig.subarray(der.length).every((x) => x === 0)).toBe(true);
    expect(verify('sha256', img.subarray(0, un), { key: createPublicKey(readFileSync(es.pubPath)), dsaEncoding: 'der' }, der)).toBe(true);
    expect(p256.verify(der, digest, es.pub.raw, { prehash: false, lowS: false, format: 'der' })).toBe(true);
  });

  it('Ed25519 signs the SHA-256 digest (TLV 0x24, 64 bytes)', () => {
    const im = createImage(payload, { key: ed.priv, version: parseVersion('2.0.0'), headerSize: 0x20 });
    const bb = Buffer.from(im);
    expect(bb.readUInt16LE(8)).toBe(0x20);
    expect(bb.readUInt16LE(10)).toBe(0);
    const un = 0x20 + payload.length;
    expect(bb.readUInt16LE(un)).toBe(0x6907);
    const digest = createHash('sha256').update(im.subarray(0, un)).digest();
    expect(bb.readUInt16LE(un + 76)).toBe(0x24);
    expect(bb.readUInt16LE(un + 78)).toBe(64);
    const sig = im.subarray(un + 80, un + 144);
    expect(verify(null, digest, createPublicKey(readFileSync(ed.pubPath)), sig)).toBe(true);
    expect(ed25519.verify(sig, digest, ed.pub.raw)).toBe(true);
  });

  it('--pad --slot-size writes 0xff fill and the magic at the end; --confirm adds image_ok', () => {
    const slot = 0x8000;
    for (const confirm of [false, true]) {
      const im = createImage(payload, { key: es.priv, version: parseVersion('1.0.0'), pad: { slotSize: slot, confirm } });
      expect(im.length).toBe(slot);
      expect(hex(im.subarray(slot - 16))).toBe('77c295f360d2ef7f3552500f2cb67980');
      expect(im[slot - 24]).toBe(confirm ? 0x01 : 0xff);
      expect(im.subarray(slot - 23, slot - 16).every((x) => x === 0xff)).toBe(true);
      expect(im.subarray(0x200 + payload.length + 4 + 36 + 36 + 76, slot - 24).every((x) => x === 0xff)).toBe(true);
    }
  });

  it('refuses an image that does not fit the slot with its trailer', () => {
    // imgtool trailer for align 1: 128 sectors x 3 + 4 x 8 + 16 = 432 bytes
    const len = 0x200 + payload.length + 4 + 36 + 36 + 76;
    expect(() => createImage(payload, { key: es.priv, version: parseVersion('1.0.0'), pad: { slotSize: len + 431 } })).toThrow(/exceeds the slot size/);
    expect(createImage(payload, { key: es.priv, version: parseVersion('1.0.0'), pad: { slotSize: len + 432 } }).length).toBe(len + 432);
  });

  it('parses versions as imgtool does and refuses out-of-range parts', () => {
    expect(parseVersion('1.2.3')).toEqual({ major: 1, minor: 2, revision: 3, build: 0 });
    expect(parseVersion('255.255.65535+4294967295').build).toBe(0xffff_ffff);
    expect(() => parseVersion('256.0.0')).toThrow(/major and minor/);
    expect(() => parseVersion('1.0.65536')).toThrow(/revision/);
    expect(() => parseVersion('1.0')).toThrow(/not X.Y.Z/);
  });
});

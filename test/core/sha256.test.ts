/** The core's streaming SHA-256 equals node:crypto for random inputs in random chunk sizes. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { VerifierCore, type CoreVariant } from '../../host/verifier/core.js';

const VARIANTS: CoreVariant[] = ['release', 'checked'];

function coreChunks(core: VerifierCore, data: Uint8Array, cuts: number[]): Uint8Array {
  const e = core.exports;
  e.sha_init();
  let off = 0;
  for (const c of [...cuts, data.length]) {
    const end = Math.min(Math.max(c, off), data.length);
    core.io.set(data.subarray(off, end));
    e.sha_update(end - off);
    off = end;
  }
  return core.read(e.sha_final(), 32);
}

describe.each(VARIANTS)('SHA-256 (%s core)', (variant) => {
  const core = new VerifierCore(variant);

  it('matches FIPS 180-4 examples', () => {
    const hex = (s: string) => Buffer.from(core.sha256(Buffer.from(s))).toString('hex');
    expect(hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
  });

  it('equals node:crypto for random data fed in random chunk sizes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 3000 }),
        fc.array(fc.nat({ max: 3000 }), { maxLength: 12 }),
        (data, rawCuts) => {
          const cuts = [...rawCuts].sort((a, b) => a - b);
          const want = createHash('sha256').update(data).digest();
          expect(Buffer.from(coreChunks(core, data, cuts))).toEqual(want);
        },
      ),
      { numRuns: variant === 'release' ? 300 : 100 },
    );
  });

  it('hashes a multi-megabyte input streamed through the 64 KiB window', () => {
    const data = new Uint8Array(3 * 1024 * 1024 + 17);
    for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
    expect(Buffer.from(core.sha256(data))).toEqual(createHash('sha256').update(data).digest());
  });
});

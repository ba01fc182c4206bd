/**
 * derived-negatives.json: every mutation of the IETF examples is rejected with one of its
 * acceptable reasons (draft-ietf-suit-report names), on the release core (verifyEnvelope) and on
 * the checked core, whose bounds assertions trap on a core bug (a dry run of the shared sequence,
 * which decides what verifyEnvelope decides).
 */
import { describe, expect, it } from 'vitest';
import { decode } from 'cbor-x';
import { MemoryPlatform, SuitProcessor, verifyEnvelope } from '../../host/verifier/index.js';
import { readSharedJson } from '../helpers/shared.js';
import { allVectors, IETF_KEY, SECOND_KEY } from './corpus.js';

interface Negative {
  name: string;
  envelope_hex: string;
  acceptable_reasons: string[];
}

const negatives = readSharedJson<{ vectors: Negative[] }>('vectors', 'derived-negatives.json').vectors;

describe('derived negatives', () => {
  it('there are ten', () => expect(negatives).toHaveLength(10));

  it.each(negatives.map((n) => [n.name, n] as const))('%s is rejected for an acceptable reason', (_n, neg) => {
    const bytes = new Uint8Array(Buffer.from(neg.envelope_hex, 'hex'));
    const released = verifyEnvelope(bytes, { trust: [IETF_KEY] });
    const checked = new SuitProcessor(new MemoryPlatform(), { variant: 'checked' }).run(bytes, { trust: [IETF_KEY], sequences: ['shared'], dry: true });
    if (checked.status === 'pending') throw new Error('a dry run never fetches');
    for (const r of [released, checked]) {
      expect(r.accepted).toBe(false);
      expect(neg.acceptable_reasons).toContain(r.reason);
    }
  });
});

describe('integrated dependencies', () => {
  // trust-domains Example 1 and libcsuit expS3 / expED carry a whole signed envelope as an
  // integrated payload: it authenticates on its own with the IETF key.
  const withDeps = allVectors().filter((v) => /td-integrated|expS3|expED/.test(v.name));
  it.each(withDeps.map((v) => [v.name, v] as const))('%s: the integrated dependency authenticates', (_n, v) => {
    const env = decode(Buffer.from(v.bytes)) as { value?: unknown } | Map<unknown, unknown>;
    const map = (env instanceof Map ? env : (env as { value: Map<unknown, unknown> }).value) as Map<unknown, unknown> | Record<string, unknown>;
    const entries = map instanceof Map ? [...map.entries()] : Object.entries(map);
    const deps = entries.filter(([k]) => typeof k === 'string' && (k as string).startsWith('#'));
    expect(deps.length).toBeGreaterThan(0);
    for (const [, value] of deps) {
      const r = verifyEnvelope(value as Uint8Array, { trust: [IETF_KEY] });
      expect(r.reason).toBe('ok');
      expect(verifyEnvelope(value as Uint8Array, { trust: [SECOND_KEY] }).reason).toBe('unauthorised');
    }
  });
});

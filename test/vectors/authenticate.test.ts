/**
 * Issue 2, "must show": every signed or MACed envelope of the vector set is accepted with the
 * right key and rejected (unauthorised) with any other; the spec's unsigned variants are refused.
 */
import { describe, expect, it } from 'vitest';
import { verifyEnvelope } from '../../host/verifier/index.js';
import { allVectors, IETF_KEY, MAC_KEY, SECOND_KEY, WRONG_KEYS } from './corpus.js';

const vectors = allVectors();
const signed = vectors.filter((v) => !v.unsigned);

describe('vector envelopes authenticate', () => {
  it('the corpus holds every signed vector (IETF 0-5 + variants, trust-domains, firmware-encryption, libcsuit)', () => {
    expect(signed.filter((v) => v.name.startsWith('libcsuit/'))).toHaveLength(22);
    expect(signed.filter((v) => v.name.startsWith('rfc/'))).toHaveLength(15);
  });

  it.each(signed.map((v) => [v.name, v] as const))('%s: accepted with its key', (_n, v) => {
    const r = verifyEnvelope(v.bytes, { trust: v.keys });
    expect({ reason: r.reason, detail: r.detail }).toEqual({ reason: 'ok', detail: 'none' });
    expect(r.accepted).toBe(true);
    expect(r.signatures.some((s) => s.status === 'verified')).toBe(true);
  });

  it.each(signed.map((v) => [v.name, v] as const))('%s: rejected with every other key', (_n, v) => {
    const others = [...WRONG_KEYS, IETF_KEY, SECOND_KEY, MAC_KEY].filter((k) => !v.keys.includes(k));
    for (const k of others) {
      const r = verifyEnvelope(v.bytes, { trust: [k] });
      expect(r.accepted, `accepted with ${k.source}`).toBe(false);
      expect(r.reason).toBe('unauthorised');
    }
    // All wrong keys together are no better than one.
    expect(verifyEnvelope(v.bytes, { trust: others }).accepted).toBe(false);
  });

  it.each(vectors.filter((v) => v.unsigned).map((v) => [v.name, v] as const))('%s (no COSE block): rejected', (_n, v) => {
    const r = verifyEnvelope(v.bytes, { trust: [IETF_KEY] });
    expect(r.accepted).toBe(false);
    expect(r.reason).toBe('unauthorised');
    expect(r.detail).toBe('no-signature');
  });
});

/**
 * Authentication and envelope rules of the core on hand-built envelopes: several signers and the
 * role policy (RFC 9019 §7), COSE_Sign / COSE_Sign1 / COSE_Mac0, key ids as hints only,
 * unsupported algorithms and COSE forms, deterministic map order, indefinite lengths, nesting
 * bounds, and envelope members the manifest does not cover.
 */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Tag } from 'cbor-x';
import { keyId, publicKeyFromObject, type TrustAnchor } from '../../host/keys/index.js';
import { verifyEnvelope } from '../../host/verifier/index.js';
import { IETF_KEY, MAC_KEY, anchor } from '../vectors/corpus.js';
import { buildEnvelope, cbor, decoder, IETF_PRIVATE, IETF_SIGNER, suitDigest, type Signer } from './envelope-builder.js';
import { identityShared, makeEnvelope, seq } from './manifests.js';

const ed = generateKeyPairSync('ed25519').privateKey;
const ED_KEY: TrustAnchor = anchor(publicKeyFromObject(createPublicKey(ed), 'ed'), 'operator ed25519', 'operator');
const AUTHOR = IETF_KEY;
const MAC_SECRET = (MAC_KEY.key as { secret: Uint8Array }).secret;

const manifest = () =>
  new Map<number, unknown>([
    [1, 1],
    [2, 7],
    [3, cbor(new Map<number, unknown>([[2, [[Buffer.from([0])]]], [4, seq(...identityShared())]]))],
    [9, seq(23, 15)],
  ]);

const env = (signers: Signer[]) => buildEnvelope({ manifest: manifest(), signers });

describe('several signers and the role policy', () => {
  const both = env([IETF_SIGNER, { alg: -19, key: ed, cose: 'sign', kid: Buffer.from('operator-1') }]);

  it('author (COSE_Sign1 ES256) and operator (COSE_Sign Ed25519): both roles verified', () => {
    const r = verifyEnvelope(both, { trust: [AUTHOR, ED_KEY], require: ['author', 'operator'] });
    expect(r).toMatchObject({ accepted: true, sequenceNumber: 7n });
    expect(r.signatures.map((s) => [s.cose, s.algName, s.status, s.role])).toEqual([
      ['COSE_Sign1', 'ES256', 'verified', 'author'],
      ['COSE_Sign', 'Ed25519', 'verified', 'operator'],
    ]);
  });

  it('a required role whose key is not trusted: required-role-missing', () => {
    expect(verifyEnvelope(both, { trust: [AUTHOR], require: ['author', 'operator'] })).toMatchObject({ accepted: false, reason: 'unauthorised', detail: 'required-role-missing' });
    expect(verifyEnvelope(env([IETF_SIGNER]), { trust: [AUTHOR, ED_KEY], require: ['operator'] })).toMatchObject({ detail: 'required-role-missing' });
  });

  it('EdDSA (-8) and Ed25519 (-19) in COSE_Sign1 both verify with an Ed25519 key', () => {
    for (const alg of [-8, -19] as const) {
      const r = verifyEnvelope(env([{ alg, key: ed }]), { trust: [ED_KEY] });
      expect(r.signatures[0]).toMatchObject({ cose: 'COSE_Sign1', alg, status: 'verified' });
      expect(verifyEnvelope(env([{ alg, key: ed }]), { trust: [AUTHOR] }).accepted).toBe(false);
    }
  });

  it('by default one trusted signature suffices, whichever it is', () => {
    expect(verifyEnvelope(both, { trust: [ED_KEY] }).accepted).toBe(true);
    expect(verifyEnvelope(both, { trust: [AUTHOR] }).accepted).toBe(true);
  });

  it('the same key under another role does not satisfy a role', () => {
    const asOperator = { ...AUTHOR, role: 'operator' };
    expect(verifyEnvelope(env([IETF_SIGNER]), { trust: [asOperator], require: ['author'] }).accepted).toBe(false);
  });

  it('key ids are hints: a kid naming no anchor still verifies, one naming another anchor too', () => {
    const k = env([{ alg: -7, key: IETF_PRIVATE, kid: Buffer.from('no-such-key') }]);
    expect(verifyEnvelope(k, { trust: [ED_KEY, AUTHOR] }).accepted).toBe(true);
    const misleading = env([{ alg: -7, key: IETF_PRIVATE, kid: keyId(ED_KEY.key) }]);
    expect(verifyEnvelope(misleading, { trust: [ED_KEY, AUTHOR] }).accepted).toBe(true);
  });

  it('at most 8 signatures are checked; a ninth is refused (limit), not ignored', () => {
    expect(verifyEnvelope(env(Array(8).fill(IETF_SIGNER)), { trust: [AUTHOR] }).accepted).toBe(true);
    const nine = env([...Array(8).fill({ alg: -19, key: ed }), IETF_SIGNER]);
    expect(verifyEnvelope(nine, { trust: [AUTHOR] })).toMatchObject({ accepted: false, reason: 'cbor-parse', detail: 'limit' });
  });

  it('COSE_Mac0 with HMAC-256 next to a signature', () => {
    const m = env([{ alg: 5, secret: MAC_SECRET }, IETF_SIGNER]);
    expect(verifyEnvelope(m, { trust: [MAC_KEY] }).signatures.map((s) => s.status)).toEqual(['verified', 'not-verified']);
    expect(verifyEnvelope(m, { trust: [MAC_KEY, AUTHOR] }).accepted).toBe(true);
  });
});

describe('unsupported COSE', () => {
  /** A COSE_Sign1 with arbitrary protected header and payload fields. */
  const sign1 = (protectedHdr: Map<number, unknown>, payload: unknown = null, tag = 18) =>
    cbor(new Tag([cbor(protectedHdr), new Map(), payload, Buffer.alloc(64)], tag));
  const withBlocks = (blocks: Buffer[]) => {
    const m = manifest();
    const manifestEnc = cbor(m);
    const digestEnc = cbor(suitDigest(manifestEnc));
    const auth = cbor([digestEnc, ...blocks]);
    return new Uint8Array(cbor(new Tag(new Map<number, unknown>([[2, auth], [3, manifestEnc]]), 107)));
  };
  const good = () => (decoder.decode(Buffer.from(decoder.decode(Buffer.from(env([IETF_SIGNER]))).value.get(2))) as Buffer[])[1]!;

  it('an algorithm the core does not know (ES384) is skipped when another signature verifies', () => {
    expect(verifyEnvelope(withBlocks([sign1(new Map([[1, -35]])), good()]), { trust: [AUTHOR] }).accepted).toBe(true);
    expect(verifyEnvelope(withBlocks([sign1(new Map([[1, -35]]))]), { trust: [AUTHOR] })).toMatchObject({ accepted: false, reason: 'alg-unsupported', detail: 'signature-algorithm' });
  });

  it('an HSS-LMS block with no HSS-LMS trust anchor is not verified (the core knows the algorithm, not the key)', () => {
    expect(verifyEnvelope(withBlocks([sign1(new Map([[1, -46]])), good()]), { trust: [AUTHOR] }).accepted).toBe(true);
    expect(verifyEnvelope(withBlocks([sign1(new Map([[1, -46]]))]), { trust: [AUTHOR] })).toMatchObject({ accepted: false, reason: 'unauthorised', detail: 'not-trusted' });
  });

  it('crit headers, attached payloads and COSE_Mac are unsupported', () => {
    expect(verifyEnvelope(withBlocks([sign1(new Map<number, unknown>([[1, -7], [2, [99]]]))]), { trust: [AUTHOR] }).reason).toBe('cose-unsupported');
    expect(verifyEnvelope(withBlocks([sign1(new Map([[1, -7]]), Buffer.from('x'))]), { trust: [AUTHOR] }).reason).toBe('cose-unsupported');
    expect(verifyEnvelope(withBlocks([sign1(new Map([[1, 5]]), null, 97)]), { trust: [MAC_KEY] })).toMatchObject({ reason: 'cose-unsupported', detail: 'cose-structure' });
  });

  it('deeply nested CBOR in a header is refused (nesting bound), without a trap', () => {
    let deep: unknown = 0;
    for (let i = 0; i < 40; i++) deep = [deep];
    const block = cbor(new Tag([cbor(new Map([[1, -7]])), new Map([[99, deep]]), null, Buffer.alloc(64)], 18));
    expect(verifyEnvelope(withBlocks([block, good()]), { trust: [AUTHOR] })).toMatchObject({ reason: 'cbor-parse', detail: 'too-deep' });
  });
});

describe('envelope and manifest encoding rules', () => {
  it('an indefinite-length envelope map is read like a definite one', () => {
    const def = env([IETF_SIGNER]);
    // d8 6b a2 ... -> d8 6b bf ... ff
    expect(def[2]).toBe(0xa2);
    const indef = new Uint8Array([...def.subarray(0, 2), 0xbf, ...def.subarray(3), 0xff]);
    expect(verifyEnvelope(indef, { trust: [AUTHOR] }).accepted).toBe(true);
  });

  it('an indefinite-length command sequence runs (signed as such)', () => {
    const m = manifest();
    m.set(9, Buffer.from([0x9f, 0x17, 0x0f, 0xff])); // [_ invoke, 15]
    expect(verifyEnvelope(buildEnvelope({ manifest: m, signers: [IETF_SIGNER] }), { trust: [AUTHOR] }).accepted).toBe(true);
  });

  it('manifest keys out of deterministic order are refused (map-order)', () => {
    const m = new Map<number, unknown>([[2, 7], [1, 1], [3, manifest().get(3)]]);
    expect(verifyEnvelope(buildEnvelope({ manifest: m, signers: [IETF_SIGNER] }), { trust: [AUTHOR] })).toMatchObject({ reason: 'cbor-parse', detail: 'map-order' });
  });

  it('the authentication wrapper after the manifest is refused (auth-after-manifest)', () => {
    const def = Buffer.from(env([IETF_SIGNER]));
    const v = decoder.decode(def).value as Map<number, Buffer>;
    const swapped = new Uint8Array(cbor(new Tag(new Map([[3, v.get(3)], [2, v.get(2)]]), 107)));
    expect(verifyEnvelope(swapped, { trust: [AUTHOR] })).toMatchObject({ reason: 'cbor-parse', detail: 'auth-after-manifest' });
  });

  it('a member the manifest holds no digest for is refused (unexpected-member)', () => {
    const e = buildEnvelope({ manifest: manifest(), signers: [IETF_SIGNER], members: [[20, seq(23, 15)]] });
    expect(verifyEnvelope(e, { trust: [AUTHOR] })).toMatchObject({ reason: 'unauthorised', detail: 'unexpected-member' });
  });

  it('a manifest version other than 1 is refused; a missing sequence number too', () => {
    const v2 = manifest();
    v2.set(1, 2);
    expect(verifyEnvelope(buildEnvelope({ manifest: v2, signers: [IETF_SIGNER] }), { trust: [AUTHOR] }).detail).toBe('manifest-version');
    const noSeq = manifest();
    noSeq.delete(2);
    expect(verifyEnvelope(buildEnvelope({ manifest: noSeq, signers: [IETF_SIGNER] }), { trust: [AUTHOR] }).detail).toBe('missing-field');
  });

  it('the non-payload part may use the whole 64 KiB region, not more', () => {
    const big = (n: number) => makeEnvelope({ components: [[new Uint8Array([0])]], sections: { 20: [20, new Map([[18, Buffer.alloc(n)]]), 18, 15] } });
    expect(verifyEnvelope(big(60_000), { trust: [AUTHOR] }).accepted).toBe(true);
    expect(verifyEnvelope(big(66_000), { trust: [AUTHOR] })).toMatchObject({ reason: 'cbor-parse', detail: 'region-full' });
  });

  it('a manifest key is never taken for another one modulo 2^32', () => {
    const big: Map<number | bigint, unknown> = manifest();
    big.set(2n ** 32n + 7n, seq(23, 15)); // not validate (7): an unknown member
    expect(verifyEnvelope(buildEnvelope({ manifest: big as Map<number, unknown>, signers: [IETF_SIGNER] }), { trust: [AUTHOR] })).toMatchObject({ reason: 'cbor-parse', detail: 'unknown-member' });
    const ext: Map<number | bigint, unknown> = manifest();
    ext.set(-(2n ** 32n) + 7n, seq(23, 15)); // an extension (negative key): skipped, not validate
    const r = verifyEnvelope(buildEnvelope({ manifest: ext as Map<number, unknown>, signers: [IETF_SIGNER] }), { trust: [AUTHOR] });
    expect(r.accepted).toBe(true);
    expect(r.manifest!.sections).toEqual({ invoke: 'present' });
  });

  it('sequence numbers use the whole uint64 range', () => {
    const m = manifest();
    m.set(2, 2n ** 64n - 1n);
    const r = verifyEnvelope(buildEnvelope({ manifest: m, signers: [IETF_SIGNER] }), { trust: [AUTHOR], storedSequence: 2n ** 64n - 2n });
    expect(r).toMatchObject({ accepted: true, sequenceNumber: 2n ** 64n - 1n });
    expect(verifyEnvelope(env([IETF_SIGNER]), { trust: [AUTHOR], storedSequence: 2n ** 63n }).detail).toBe('rollback');
  });
});

/**
 * suit-delegation chains (envelope key 1; delegation.ts): CWTs whose cnf claim confirms a key,
 * the first signed by a trust anchor, each next by the key the previous confirmed; the last key
 * may sign the manifest with the anchor's role. Chains that do not reach an anchor, expired ones
 * (on a device with a clock), tampered ones and malformed members are checked to fail.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MemoryPlatform, SuitProcessor, verifyEnvelope, type VerifyOptions } from '../../host/verifier/index.js';
import { IETF_KEY, SECOND_KEY } from '../vectors/corpus.js';
import { cbor, decoder, delegationCwt, delegationMember, IETF_PRIVATE, SECOND_PRIVATE } from './envelope-builder.js';
import { makeEnvelope, params } from './manifests.js';

const p256 = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const ed = () => generateKeyPairSync('ed25519').privateKey;

const K1 = p256();
const K2 = ed();
const spec = { components: [[new Uint8Array([0])]], sections: { 20: [12, 0, 20, params({ 18: new Uint8Array([1]) }), 18, 15] } };

function verify(env: Uint8Array, opts: Partial<VerifyOptions> = {}) {
  return verifyEnvelope(env, { trust: [IETF_KEY], ...opts });
}

describe('delegation chains', () => {
  it('one link: the anchor vouches for K1, K1 signs the manifest with the anchor\'s role', () => {
    const env = makeEnvelope({ ...spec, signers: [{ alg: -7, key: K1 }], delegation: delegationMember([[delegationCwt({ alg: -7, key: IETF_PRIVATE }, K1)]]) });
    const r = verify(env);
    expect(r).toMatchObject({ accepted: true });
    expect(r.signatures).toEqual([expect.objectContaining({ status: 'verified', role: 'author', delegated: true, keySource: `a key delegated by ${IETF_KEY.source}` })]);
    // Without the chain, K1 is nobody.
    expect(verify(makeEnvelope({ ...spec, signers: [{ alg: -7, key: K1 }] }))).toMatchObject({ accepted: false, detail: 'not-trusted' });
  });

  it('two links, CWT-tagged, to an Ed25519 key: anchor -> K1 -> K2, K2 signs', () => {
    const chain = [delegationCwt({ alg: -7, key: IETF_PRIVATE }, K1, { cwtTag: true }), delegationCwt({ alg: -7, key: K1 }, K2)];
    const env = makeEnvelope({ ...spec, signers: [{ alg: -8, key: K2 }], delegation: delegationMember([chain]) });
    expect(verify(env)).toMatchObject({ accepted: true });
    // The same chain with its links swapped reaches no anchor.
    const swapped = makeEnvelope({ ...spec, signers: [{ alg: -8, key: K2 }], delegation: delegationMember([[chain[1]!, chain[0]!]]) });
    expect(verify(swapped)).toMatchObject({ accepted: false, detail: 'not-trusted' });
  });

  it('a chain that starts at a key the device does not trust vouches for nothing', () => {
    const env = makeEnvelope({ ...spec, signers: [{ alg: -7, key: K1 }], delegation: delegationMember([[delegationCwt({ alg: -7, key: SECOND_PRIVATE }, K1)]]) });
    expect(verify(env)).toMatchObject({ accepted: false, reason: 'unauthorised', detail: 'not-trusted' });
    // ... until the device trusts that key (as operator): then K1 signs as operator.
    const r = verify(env, { trust: [IETF_KEY, { ...SECOND_KEY, role: 'operator' }], require: ['operator'] });
    expect(r).toMatchObject({ accepted: true });
    expect(r.signatures[0]).toMatchObject({ role: 'operator', delegated: true });
  });

  it('roles: a delegated key of the author does not stand in for a required operator', () => {
    const env = makeEnvelope({ ...spec, signers: [{ alg: -7, key: K1 }], delegation: delegationMember([[delegationCwt({ alg: -7, key: IETF_PRIVATE }, K1)]]) });
    expect(verify(env, { trust: [IETF_KEY, { ...SECOND_KEY, role: 'operator' }], require: ['author', 'operator'] })).toMatchObject({ accepted: false, detail: 'required-role-missing' });
  });

  it('a tampered CWT (claims changed after signing) vouches for nothing', () => {
    const cwt = delegationCwt({ alg: -7, key: IETF_PRIVATE }, K1);
    // Flip a byte of the confirmed key's x coordinate (inside the signed claims).
    const bad = Buffer.from(cwt);
    const at = bad.indexOf(Buffer.from([0x21, 0x58, 0x20])) + 3;
    bad[at]! ^= 1;
    const env = makeEnvelope({ ...spec, signers: [{ alg: -7, key: K1 }], delegation: delegationMember([[bad]]) });
    expect(verify(env)).toMatchObject({ accepted: false, detail: 'not-trusted' });
  });

  it('exp and nbf are enforced on a device with a clock', () => {
    const now = 1_800_000_000;
    const make = (claims: { exp?: number; nbf?: number }) =>
      makeEnvelope({ ...spec, signers: [{ alg: -7, key: K1 }], delegation: delegationMember([[delegationCwt({ alg: -7, key: IETF_PRIVATE }, K1, claims)]]) });
    const runAt = (env: Uint8Array) => new SuitProcessor(new MemoryPlatform({ now: BigInt(now) }), { variant: 'checked' }).run(env, { trust: [IETF_KEY], sequences: ['install'] });
    expect(runAt(make({ exp: now + 60, nbf: now - 60 }))).toMatchObject({ status: 'done', accepted: true });
    expect(runAt(make({ exp: now }))).toMatchObject({ accepted: false, detail: 'not-trusted' });
    expect(runAt(make({ nbf: now + 1 }))).toMatchObject({ accepted: false, detail: 'not-trusted' });
    // verifyEnvelope (suitrig verify) checks them against the wall clock.
    expect(verify(make({ exp: Math.floor(Date.now() / 1000) - 1 }))).toMatchObject({ accepted: false, detail: 'not-trusted' });
    expect(verify(make({ exp: Math.floor(Date.now() / 1000) + 3600 }))).toMatchObject({ accepted: true });
  });

  it('malformed delegation members refuse the envelope, naming the member', () => {
    const signers = [{ alg: -7 as const, key: IETF_PRIVATE }];
    expect(verify(makeEnvelope({ ...spec, signers, delegation: cbor([]) }))).toMatchObject({ accepted: false, reason: 'cose-unsupported', detail: 'delegation-malformed' });
    expect(verify(makeEnvelope({ ...spec, signers, delegation: cbor([[]]) }))).toMatchObject({ accepted: false, detail: 'delegation-malformed' });
    expect(verify(makeEnvelope({ ...spec, signers, delegation: cbor([[cbor([1, 2, 3])]]) }))).toMatchObject({ accepted: false, reason: expect.stringMatching(/cbor-parse|cose-unsupported/) });
    // A CWT without a cnf key confirms nothing: not a delegation.
    expect(verify(makeEnvelope({ ...spec, signers, delegation: delegationMember([[delegationCwt({ alg: -7, key: IETF_PRIVATE }, K1, { noKey: true })]]) }))).toMatchObject({
      accepted: false,
      detail: 'delegation-malformed',
    });
    const five = Array.from({ length: 5 }, () => delegationCwt({ alg: -7, key: IETF_PRIVATE }, K1));
    expect(verify(makeEnvelope({ ...spec, signers, delegation: delegationMember([five]) }))).toMatchObject({ accepted: false, detail: 'limit' });
  });

  it('an envelope whose own anchor signs still verifies next to a chain that does not', () => {
    const env = makeEnvelope({
      ...spec,
      signers: [{ alg: -7, key: IETF_PRIVATE }],
      delegation: delegationMember([[delegationCwt({ alg: -7, key: SECOND_PRIVATE }, K1)]]),
    });
    expect(verify(env)).toMatchObject({ accepted: true });
  });
});

describe('delegation chains under mutation (checked core: a bounds bug traps)', () => {
  it('no bit flip of a delegated envelope is accepted unless the manifest, its signature and every CWT\'s signed parts are unchanged', () => {
    const seed = Number(process.env.SUITRIG_SEED ?? Date.now() % 1_000_000);
    console.log(`delegation flips: seed ${seed} (SUITRIG_SEED=${seed} to replay)`);
    const chain = [delegationCwt({ alg: -7, key: IETF_PRIVATE }, K1, { cwtTag: true }), delegationCwt({ alg: -7, key: K1 }, K2, { exp: 4_000_000_000 })];
    const env = makeEnvelope({ ...spec, signers: [{ alg: -8, key: K2 }], delegation: delegationMember([chain]) });
    /** Manifest, authentication wrapper and the links' protected header, claims and signature. */
    const signedParts = (bytes: Uint8Array): string => {
      try {
        const d = (decoder.decode(Buffer.from(bytes)) as { value: Map<number, Uint8Array> }).value;
        const links = (decoder.decode(d.get(1)!) as Uint8Array[][])[0]!.map((c) => {
          let t = decoder.decode(Buffer.from(c)) as { tag: number; value: unknown };
          if (t.tag === 61) t = t.value as typeof t;
          return (t.value as Uint8Array[]).filter((_x, i) => i !== 1).map((x) => Buffer.from(x).toString('hex')).join('.');
        });
        return [d.get(2)!, d.get(3)!].map((x) => Buffer.from(x).toString('hex')).concat(links).join('|');
      } catch {
        return 'not readable';
      }
    };
    const original = signedParts(env);
    const p = new SuitProcessor(new MemoryPlatform(), { variant: 'checked' });
    let x = seed;
    let accepted = 0;
    for (let i = 0; i < env.length; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      const m = new Uint8Array(env);
      m[i] = m[i]! ^ (1 << (x >>> 29));
      const r = p.run(m, { trust: [IETF_KEY], sequences: ['shared'], dry: true });
      if (r.status === 'done' && r.accepted) {
        accepted++;
        expect(signedParts(m), `flip of byte ${i} (seed ${seed})`).toBe(original);
      }
    }
    expect(accepted).toBeLessThan(env.length / 10);
  });
});

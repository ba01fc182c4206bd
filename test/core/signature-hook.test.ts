/**
 * The device's own signature routine (SuitProcessor option `verify`, the core's `verify` import):
 * the default is the real check; a routine that says yes to anything (a board that skips
 * signature checks) makes any signer of a trusted key family pass, while the core itself still
 * refuses a manifest that does not match the authentication wrapper's digest, COSE blocks it
 * cannot parse, and envelopes without a matching anchor.
 */
import { generateKeyPairSync } from 'node:crypto';
import { Tag } from 'cbor-x';
import { describe, expect, it } from 'vitest';
import { MemoryPlatform, SuitProcessor, verifyCose, type SignatureVerifier } from '../../host/verifier/index.js';
import { IETF_KEY, MAC_KEY } from '../vectors/corpus.js';
import { cbor, decoder } from './envelope-builder.js';
import { identityShared, makeEnvelope, VENDOR } from './manifests.js';

const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const strangerEd = generateKeyPairSync('ed25519').privateKey;
const C0 = [new Uint8Array([0])];
const device = { vendorIds: [new Uint8Array(VENDOR)] };

const manifest = (signers: Parameters<typeof makeEnvelope>[0]['signers']) => makeEnvelope({ sequence: 3, components: [C0], shared: identityShared(), sections: { 7: [] }, ...(signers ? { signers } : {}) });

/** The envelope with one byte of the vendor id inside its manifest flipped; the authentication wrapper is kept. */
function tampered(envelope: Uint8Array): Uint8Array {
  const env = (decoder.decode(Buffer.from(envelope)) as Tag).value as Map<number, Buffer>;
  const m = Buffer.from(env.get(3)!);
  const at = m.indexOf(VENDOR);
  expect(at).toBeGreaterThan(0);
  m[at + 5]! ^= 0x01;
  env.set(3, m);
  return new Uint8Array(cbor(new Tag(env, 107)));
}

function run(envelope: Uint8Array, verify?: SignatureVerifier) {
  const p = new SuitProcessor(new MemoryPlatform(), { variant: 'checked', ...(verify ? { verify } : {}) });
  const r = p.run(envelope, { trust: [IETF_KEY], device, sequences: ['validate'] });
  if (r.status === 'pending') throw new Error('no fetch expected');
  return r;
}

describe('SuitProcessor option verify (the device signature routine)', () => {
  const honest = manifest(undefined);
  const foreign = manifest([{ alg: -7, key: stranger }]);
  const sayYes: SignatureVerifier = () => true;

  it('default: the real check (verifyCose) — the IETF key passes, a stranger is not trusted', () => {
    expect(run(honest)).toMatchObject({ accepted: true, sequenceNumber: 3n });
    expect(run(foreign)).toMatchObject({ accepted: false, reason: 'unauthorised', detail: 'not-trusted' });
    expect(run(foreign, verifyCose)).toMatchObject({ accepted: false, detail: 'not-trusted' });
  });

  it('is called with the anchor key, the COSE algorithm, the Sig_structure and the signature', () => {
    const calls: Parameters<SignatureVerifier>[] = [];
    const r = run(foreign, (...args) => {
      calls.push(args);
      return verifyCose(...args);
    });
    expect(r.accepted).toBe(false);
    expect(calls).toHaveLength(1);
    const [key, alg, tbs, sig] = calls[0]!;
    expect(key).toBe(IETF_KEY.key);
    expect(alg).toBe(-7);
    expect((decoder.decode(Buffer.from(tbs)) as unknown[])[0]).toBe('Signature1');
    expect(sig.length).toBe(64);
  });

  it('a routine that says yes: any signer of a family the device holds an anchor of passes', () => {
    const r = run(foreign, sayYes);
    expect(r).toMatchObject({ accepted: true, sequenceNumber: 3n });
    expect(r.signatures[0]).toMatchObject({ status: 'verified', role: 'author' });
    // No Ed25519 anchor: the core never asks the routine, the signer stays untrusted.
    expect(run(manifest([{ alg: -19, key: strangerEd }]), sayYes)).toMatchObject({ accepted: false, detail: 'not-trusted' });
    // The role policy is the core's, not the routine's.
    const p = new SuitProcessor(new MemoryPlatform(), { variant: 'checked', verify: sayYes });
    const roles = p.run(foreign, { trust: [IETF_KEY, { ...MAC_KEY, role: 'operator' }], require: ['author', 'operator'], device, sequences: ['validate'] });
    expect(roles).toMatchObject({ accepted: false, detail: 'required-role-missing' });
  });

  it('a routine that says yes still leaves the manifest digest to the core: a tampered manifest is refused', () => {
    let asked = 0;
    const count: SignatureVerifier = () => (asked++, true);
    expect(run(tampered(honest), count)).toMatchObject({ accepted: false, reason: 'unauthorised', detail: 'digest-mismatch' });
    expect(run(tampered(foreign), count)).toMatchObject({ accepted: false, detail: 'digest-mismatch' });
    expect(asked).toBe(0);
  });
});

/**
 * HSS-LMS (RFC 8554; COSE alg -46, RFC 9708) in the verifier core: the RFC's test cases, the COSE
 * example of RFC 8778, the signer reproducing the RFC's final signature from its private values,
 * and a differential test on seeded random keys and messages — every parameter set built on
 * SHA-256 (SHA-256/256 and /192, w 1..8), 1 to 8 levels — against the independent verifier in
 * test/helpers/rfc8554.ts: both accept every signature the signer makes, and both reject every
 * mutation of one. SUITRIG_FUZZ_SEED replays a run, SUITRIG_FUZZ_RUNS sets the number of signatures.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VerifierCore, type CoreVariant } from '../../host/verifier/core.js';
import { generateHssState, hssPublicKey, hssRemaining, HssKeyError, HssSigner } from '../../host/keys/hss.js';
import { LmsTree } from '../../host/keys/lms-sign.js';
import { lmsType, otsType, type LevelSpec } from '../../host/keys/lms-types.js';
import { hssVerifyReference } from '../helpers/rfc8554.js';
import { sharedPath } from '../helpers/shared.js';
import { cbor } from './envelope-builder.js';
import { Rng, fuzzRuns, fuzzSeed } from './fuzz-tools.js';

interface TestCase { name: string; public_key: string; message_text: string; signature: string; level2_private?: { lms_type: number; ots_type: number; I: string; SEED: string; q: number; C: string } }
const fixture = JSON.parse(readFileSync(sharedPath('rfc8554', 'test-cases.json'), 'utf8')) as { test_cases: TestCase[]; cose_hss_lms_public_key: string };
const hex = (s: string) => new Uint8Array(Buffer.from(s.replace(/\s/g, ''), 'hex'));
const VARIANTS: CoreVariant[] = ['release', 'checked'];

describe.each(VARIANTS)('RFC 8554 Appendix F test cases (%s core)', (variant) => {
  const core = new VerifierCore(variant);

  it.each(fixture.test_cases.map((t) => [t.name, t] as const))('%s verifies; a changed message or signature does not', (_n, t) => {
    const key = hex(t.public_key);
    const msg = new Uint8Array(Buffer.from(t.message_text));
    const sig = hex(t.signature);
    expect(core.hssVerify(key, msg, sig)).toBe(true);
    expect(hssVerifyReference(key, msg, sig)).toBe(true);
    expect(core.hssVerify(key, msg.subarray(1), sig)).toBe(false);
    for (const at of [3, 4, 8, 40, 200, sig.length - 1]) {
      const bad = new Uint8Array(sig);
      bad[at]! ^= 0x01;
      expect(core.hssVerify(key, msg, bad), `bit flipped at ${at}`).toBe(false);
    }
    expect(core.hssVerify(key, msg, sig.subarray(0, sig.length - 1))).toBe(false);
    expect(core.hssVerify(key, msg, new Uint8Array([...sig, 0]))).toBe(false);
  });

  it('the COSE HSS-LMS example (RFC 8778 Appendix A.2, COSE_Sign1 with kid "ItsBig") verifies over its Sig_structure', () => {
    const edn = readFileSync(sharedPath('vectors', 'suit-rs', 'cose_minicbor_tests_sign1_diags_sign1_hss_lms.edn'), 'utf8');
    const sig = hex(/\/ signature \/ h'([0-9a-f\s]+)'/.exec(edn)![1]!);
    const tbs = cbor(['Signature1', Buffer.from('a101382d', 'hex'), Buffer.alloc(0), Buffer.from('This is the content.')]);
    const key = hex(fixture.cose_hss_lms_public_key);
    expect(core.hssVerify(key, tbs, sig)).toBe(true);
    expect(hssVerifyReference(key, tbs, sig)).toBe(true);
    expect(core.hssVerify(key, cbor(['Signature1', Buffer.from('a101382d', 'hex'), Buffer.alloc(0), Buffer.from('This is the content!')]), sig)).toBe(false);
  });

  it('refuses keys with 0 or more than 8 levels, unknown types, and lengths that do not match the types', () => {
    const t = fixture.test_cases[0]!;
    const key = hex(t.public_key);
    const msg = new Uint8Array(Buffer.from(t.message_text));
    const sig = hex(t.signature);
    for (const levels of [0, 9, 0xffffffff]) {
      const k = new Uint8Array(key);
      new DataView(k.buffer).setUint32(0, levels);
      expect(core.hssVerify(k, msg, sig)).toBe(false);
    }
    const shake = new Uint8Array(key);
    new DataView(shake.buffer).setUint32(4, 15); // LMS_SHAKE_M32_H5: not a SHA-256 type
    expect(core.hssVerify(shake, msg, sig)).toBe(false);
    expect(core.hssVerify(key.subarray(0, key.length - 1), msg, sig)).toBe(false);
    expect(core.hssVerify(new Uint8Array(0), msg, sig)).toBe(false);
    expect(core.hssVerify(key, msg, new Uint8Array(0))).toBe(false);
  });
});

describe('the signer (host/keys) against RFC 8554 Test Case 2', () => {
  it('computes the level-2 public key from SEED and I, and reproduces the final signature from q and C', () => {
    const t = fixture.test_cases[1]!;
    const p = t.level2_private!;
    const tree = new LmsTree({ lms: lmsType(p.lms_type)!, ots: otsType(p.ots_type)! }, hex(p.I), hex(p.SEED));
    const sig = hex(t.signature);
    const msg = new Uint8Array(Buffer.from(t.message_text));
    const final = tree.sign(p.q, msg, hex(p.C));
    // The HSS signature ends with the level-2 public key and the final LMS signature.
    expect(Buffer.from(sig.subarray(sig.length - final.length)).toString('hex')).toBe(Buffer.from(final).toString('hex'));
    const pub = tree.publicKey();
    expect(Buffer.from(sig.subarray(sig.length - final.length - pub.length, sig.length - final.length)).toString('hex')).toBe(Buffer.from(pub).toString('hex'));
  });
});

/** A random HSS key shape: 1-3 levels of height-5 trees (sometimes 8 levels), every SHA-256 LMS / LM-OTS pairing of one hash size. */
function randomSpecs(rng: Rng, maxLevels: boolean): LevelSpec[] {
  const levels = maxLevels ? 8 : 1 + rng.int(3);
  return Array.from({ length: levels }, () => {
    const m32 = rng.int(2) === 0;
    // w = 8 makes a tree 17 times dearer than w = 4: one level in eight.
    const w = rng.int(8) === 0 ? 3 : rng.int(3);
    // Eight levels of W1 with n = 32 sign with about 70 KB, beyond the core's 64 KiB IO window
    // (seed 1413834157 drew it): eight-level keys use W2 where n = 32 (36 KB), W1 where n = 24.
    return { lms: lmsType(m32 ? 5 : 10)!, ots: otsType((m32 ? 1 : 5) + (maxLevels ? (m32 ? 1 : 0) : w))! };
  });
}

/** One random mutation of a signature: bit flip, byte change, truncation, extension, or a 4-byte field set to a small value. */
function mutateSignature(rng: Rng, sig: Uint8Array): Uint8Array {
  const b = new Uint8Array(sig);
  const at = rng.int(b.length);
  switch (rng.int(5)) {
    case 0:
      b[at]! ^= 1 << rng.int(8);
      return b;
    case 1:
      b[at] = (b[at]! + 1 + rng.int(255)) & 0xff;
      return b;
    case 2:
      return b.subarray(0, at);
    case 3:
      return new Uint8Array([...b, ...rng.bytes(1 + rng.int(40))]);
    default: {
      const field = at & ~3;
      new DataView(b.buffer).setUint32(Math.min(field, b.length - 4), rng.int(16));
      return new Uint8Array(b).some((v, i) => v !== sig[i]) ? b : mutateSignature(rng, sig);
    }
  }
}

describe('the stateful signer', () => {
  it('counts its one-time keys down, renews bottom trees, and refuses once the key is exhausted', () => {
    const spec = { lms: lmsType(5)!, ots: otsType(1)! };
    const persisted: number[] = [];
    const signer = HssSigner.generate([spec, spec], (next) => persisted.push(next.levels[1]!.next));
    const key = hssPublicKey(signer.current);
    // The top tree's leaf 0 signed the first bottom tree; its 31 other leaves sign 31 more.
    expect(hssRemaining(signer.current)).toBe(32n * 32n);
    const ids = new Set<string>();
    for (let i = 0; i < 32 * 32; i++) {
      const sig = signer.sign(new Uint8Array([i & 0xff]));
      ids.add(Buffer.from(signer.current.levels[1]!.id).toString('hex'));
      if (i % 97 === 0) expect(hssVerifyReference(key, new Uint8Array([i & 0xff]), sig)).toBe(true);
    }
    expect(ids.size).toBe(32);
    expect(persisted).toHaveLength(32 * 32);
    expect(hssRemaining(signer.current)).toBe(0n);
    expect(() => signer.sign(new Uint8Array(1))).toThrow(HssKeyError);
    expect(persisted).toHaveLength(32 * 32);
  });

  it('makes no signature when the state cannot be saved, and the next one does not reuse the leaf it would have taken', () => {
    const spec = { lms: lmsType(5)!, ots: otsType(2)! };
    let fail = true;
    const signer = new HssSigner(generateHssState([spec]), () => {
      if (fail) throw new Error('disk full');
    });
    expect(() => signer.sign(new Uint8Array(1))).toThrow('disk full');
    expect(signer.current.levels[0]!.next).toBe(0);
    fail = false;
    const sig = signer.sign(new Uint8Array(1));
    expect(new DataView(sig.buffer, sig.byteOffset).getUint32(4)).toBe(0); // q of the first leaf
    expect(signer.current.levels[0]!.next).toBe(1);
  });
});

describe('differential: core vs the independent RFC 8554 verifier on random keys and messages', () => {
  const seed = fuzzSeed();
  const signatures = fuzzRuns(1500);

  it(`agree on every signature and every mutation (seed ${seed}, ${signatures} signatures)`, () => {
    console.log(`hss-lms differential: seed ${seed} (replay with SUITRIG_FUZZ_SEED=${seed}), ${signatures} signatures`);
    const rng = new Rng(seed);
    const random = (n: number) => rng.bytes(n);
    const core = new VerifierCore('release');
    const perKey = 50;
    let made = 0;
    let mutations = 0;
    const seen = new Set<string>();
    for (let k = 0; made < signatures; k++) {
      const specs = randomSpecs(rng, k === 1);
      const signer = HssSigner.generate(specs, () => undefined, random);
      const key = hssPublicKey(signer.current);
      // 50 per key: more than one bottom tree holds (32), so two-level keys renew their bottom tree.
      const count = Math.min(perKey, Number(hssRemaining(signer.current)));
      for (let i = 0; i < count && made < signatures; i++, made++) {
        const msg = rng.bytes(rng.int(300));
        const sig = signer.sign(msg);
        const where = `key ${k} (${specs.map((s) => `${s.lms.code}/${s.ots.code}`).join(',')}), message ${i}`;
        expect(core.hssVerify(key, msg, sig), `core rejects a valid signature: ${where}`).toBe(true);
        expect(hssVerifyReference(key, msg, sig), `reference rejects a valid signature: ${where}`).toBe(true);
        // The signer never signs two messages with one leaf: the bottom tree's q and I are unique.
        const bottom = sig.subarray(sig.length - (4 + (4 + specs.at(-1)!.ots.n * (specs.at(-1)!.ots.p + 1)) + 4 + 5 * specs.at(-1)!.lms.m));
        const leaf = `${Buffer.from(signer.current.levels.at(-1)!.id).toString('hex')}/${new DataView(bottom.buffer, bottom.byteOffset).getUint32(0)}`;
        expect(seen.has(leaf), `one-time key ${leaf} used twice`).toBe(false);
        seen.add(leaf);
        const other = rng.bytes(1 + rng.int(40));
        expect(core.hssVerify(key, other, sig)).toBe(false);
        for (let j = 0; j < 2; j++, mutations++) {
          const bad = mutateSignature(rng, sig);
          const c = core.hssVerify(key, msg, bad);
          expect(c, `core accepts a mutated signature: ${where}, mutation ${Buffer.from(bad).toString('hex').slice(0, 64)}...`).toBe(false);
          expect(hssVerifyReference(key, msg, bad)).toBe(c);
        }
      }
    }
    console.log(`hss-lms differential: ${made} signatures, ${mutations} mutations, all agreed`);
  }, 600_000);
});

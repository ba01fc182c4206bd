/**
 * Fuzzing of the real verifier .wasm (release and checked builds) with mutated vector envelopes
 * and random bytes. Properties: no trap (CoreTrap or any exception), no hang (every call
 * returns within a bound), every result a defined reason, and no mutated envelope accepted
 * unless its signed content is unchanged (cborg, an independent decoder, is the oracle). For
 * envelopes signed with HSS-LMS alone (verified inside the core), mutations aimed at the
 * signature too: none is accepted unless the signature bytes themselves are unchanged. For
 * encrypted payloads (draft-ietf-suit-firmware-encryption), the install runs with the device's
 * keys on mutated envelopes, mutated ciphertext and (re-signed) mutated SUIT_Encryption_Info:
 * no run is accepted unless the component holds exactly the payload's plaintext.
 * The seed is printed; SUITRIG_FUZZ_SEED replays, SUITRIG_FUZZ_RUNS lengthens
 * (`npm run fuzz:verifier` runs a long campaign).
 */
import { describe, expect, it } from 'vitest';
import { verifyEnvelope, VerifierCore, REASON_NAMES } from '../../host/verifier/index.js';
import { applyPolicy } from '../../host/verifier/policy.js';
import { feedEnvelope } from '../../host/verifier/feed.js';
import { readVerdict } from '../../host/verifier/result.js';
import { allVectors, IETF_KEY, MAC_KEY, SECOND_KEY } from '../vectors/corpus.js';
import { Rng, cborgMembers, fuzzRuns, fuzzSeed, mutate, signedContentUnchanged } from '../core/fuzz-tools.js';
import { resign } from '../core/envelope-builder.js';
import { HssSigner, hssPublicKey } from '../../host/keys/hss.js';
import { lmsType, otsType } from '../../host/keys/lms-types.js';
import { trustAnchorFor } from '../../host/keys/index.js';
import { decode as cborgDecode } from 'cborg';
import { MemoryPlatform, SuitProcessor, runWithPayloads } from '../../host/verifier/index.js';
import type { DecryptionKey } from '../../host/keys/index.js';
import { readShared } from '../helpers/shared.js';
import { copyManifest, encrypt, fetchManifest, URI, writeManifest, type ContentAlg, type Encrypted } from '../core/encryption-builder.js';

const vectors = allVectors().filter((v) => !v.unsigned);
const pool = vectors.map((v) => v.bytes);
const trust = [IETF_KEY, SECOND_KEY, MAC_KEY];
const HANG_MS = 2000;
const seed = fuzzSeed();
/** Long campaigns get a proportionate time limit. */
const limit = (runs: number): number => Math.max(60_000, runs * 5);

describe.each(['release', 'checked'] as const)('fuzz the %s core', (variant) => {
  const runs = fuzzRuns(variant === 'release' ? 3000 : 1000);

  it(`mutated envelopes: no trap, no hang, nothing accepted with changed signed content (seed ${seed}, ${runs} runs)`, () => {
    console.log(`fuzz:verifier ${variant}: seed ${seed} (replay with SUITRIG_FUZZ_SEED=${seed}), ${runs} inputs`);
    const rng = new Rng(seed);
    const core = new VerifierCore(variant);
    let accepted = 0;
    let slowest = 0;
    const reasons = new Map<string, number>();
    for (let i = 0; i < runs; i++) {
      const src = rng.pick(vectors).bytes;
      let input = mutate(rng, src, pool);
      for (let k = rng.int(3); k > 0; k--) input = mutate(rng, input, pool);
      const t0 = performance.now();
      applyPolicy(core, { trust });
      feedEnvelope(core, input);
      core.exports.envelope_verify();
      const v = readVerdict(core);
      slowest = Math.max(slowest, performance.now() - t0);
      expect(REASON_NAMES).toContain(v.reason);
      reasons.set(v.reason, (reasons.get(v.reason) ?? 0) + 1);
      if (v.accepted) {
        accepted++;
        if (!signedContentUnchanged(src, input)) {
          throw new Error(`accepted a mutated envelope whose signed content changed (seed ${seed}, run ${i}): ${Buffer.from(input).toString('hex')}`);
        }
      }
    }
    console.log(`fuzz:verifier ${variant}: ${runs} inputs, ${accepted} accepted with unchanged signed content, slowest ${slowest.toFixed(1)} ms, reasons ${JSON.stringify(Object.fromEntries(reasons))}`);
    expect(slowest).toBeLessThan(HANG_MS);
  }, limit(runs));

  it(`random bytes and random CBOR-ish input are rejected without trapping (seed ${seed})`, () => {
    const rng = new Rng(seed ^ 0x5eed);
    const core = new VerifierCore(variant);
    const n = Math.ceil(runs / 2);
    for (let i = 0; i < n; i++) {
      const len = rng.int(300);
      const input = rng.int(2) === 0 ? rng.bytes(len) : new Uint8Array([0xd8, 0x6b, 0xa2, 0x02, ...rng.bytes(len)]);
      applyPolicy(core, { trust });
      feedEnvelope(core, input);
      core.exports.envelope_verify();
      expect(readVerdict(core).accepted).toBe(false);
    }
  }, limit(runs));
});

describe('every proper prefix of every vector is rejected', () => {
  it('holds at every length', () => {
    for (const v of vectors) {
      for (let n = 0; n < v.bytes.length; n++) expect(verifyEnvelope(v.bytes.subarray(0, n), { trust }).accepted).toBe(false);
    }
  });
});

/** The HSS-LMS signature bytes of the first COSE_Sign1 of an envelope, read with cborg; undefined if none. */
function firstSignature(bytes: Uint8Array): string | undefined {
  try {
    const auth = cborgMembers(bytes)?.get(2);
    if (!(auth instanceof Uint8Array)) return undefined;
    const blocks = cborgDecode(auth) as Uint8Array[];
    const sign1 = cborgDecode(blocks[1]!, { tags: Object.assign([], { 18: (v: unknown) => v }) }) as Uint8Array[];
    return Buffer.from(sign1[3]!).toString('hex');
  } catch {
    return undefined;
  }
}

describe.each(['release', 'checked'] as const)('fuzz HSS-LMS-signed envelopes in the %s core', (variant) => {
  const runs = fuzzRuns(variant === 'release' ? 2000 : 600);

  it(`no mutation of the envelope or of its signature is accepted with a changed signature or signed content (seed ${seed}, ${runs} runs)`, () => {
    const rng = new Rng(seed ^ 0x1a45);
    const random = (n: number) => rng.bytes(n);
    const spec = { lms: lmsType(5)!, ots: otsType(2)! };
    const signer = HssSigner.generate([spec, { lms: lmsType(10)!, ots: otsType(7)! }], () => undefined, random);
    const anchor = trustAnchorFor({ family: 'hss-lms', raw: hssPublicKey(signer.current) }, 'author', 'fuzz HSS-LMS key');
    const sources = vectors.filter((v) => v.name.startsWith('rfc/example')).map((v) => resign(v.bytes, [{ alg: -46, sign: (tbs) => signer.sign(tbs) }]));
    const core = new VerifierCore(variant);
    for (const src of sources) {
      applyPolicy(core, { trust: [anchor] });
      feedEnvelope(core, src);
      expect(core.exports.envelope_verify(), 'an HSS-signed source envelope is refused').toBe(0);
    }
    let accepted = 0;
    for (let i = 0; i < runs; i++) {
      const src = rng.pick(sources);
      let input: Uint8Array;
      if (rng.int(2) === 0) {
        input = mutate(rng, src, sources);
      } else {
        // Aim at the signature: a byte of the last 5 KB (where the HSS signature lies) changed.
        input = new Uint8Array(src);
        const at = Math.max(0, src.length - 1 - rng.int(Math.min(src.length, 5000)));
        input[at] = rng.int(2) === 0 ? input[at]! ^ (1 << rng.int(8)) : rng.int(256);
      }
      applyPolicy(core, { trust: [anchor] });
      feedEnvelope(core, input);
      core.exports.envelope_verify();
      const v = readVerdict(core);
      expect(REASON_NAMES).toContain(v.reason);
      if (v.accepted) {
        accepted++;
        const sameSig = firstSignature(input) !== undefined && firstSignature(input) === firstSignature(src);
        if (!signedContentUnchanged(src, input) || !sameSig) {
          throw new Error(`accepted a mutated HSS-LMS envelope (seed ${seed}, run ${i}): ${Buffer.from(input).toString('hex')}`);
        }
      }
    }
    console.log(`fuzz:verifier ${variant} HSS-LMS: ${runs} inputs, ${accepted} accepted, each with its signature and signed content unchanged`);
  }, limit(runs));
});

describe.each(['release', 'checked'] as const)('fuzz encrypted payloads in the %s core', (variant) => {
  const runs = fuzzRuns(variant === 'release' ? 600 : 200);

  it(`no mutated envelope, ciphertext or encryption info ends accepted with anything but the plaintext (seed ${seed}, ${runs} runs)`, () => {
    const rng = new Rng(seed ^ 0xe4c);
    const kek = new Uint8Array(16).fill(0x61);
    const d = Buffer.from('60FE6DD6D85D5740A5349B6F91267EEAC5BA81B8CB53EE249E4B4EB102C476B3', 'hex');
    const devicePub = Buffer.from('045886CD61DD875862E5AAA820E7A15274C968A9BC96048DDCACE32F50C3651BA39EED8125E932CD60C0EAD3650D0A485CF726D378D1B016ED4298B2961E258F1B', 'hex');
    const keys: DecryptionKey[] = [
      { kind: 'kek', secret: kek, source: 'fuzz kek' },
      { kind: 'ecdh-p256', secret: d, source: 'fuzz p256' },
    ];
    const builders = [writeManifest, copyManifest, fetchManifest];
    type Source = { env: Uint8Array; payload: Uint8Array; plain: Uint8Array; component: string; rebuild?: (info: Buffer) => Uint8Array; e?: Encrypted };
    const draftCt = Buffer.from(readShared('vectors', 'ietf-firmware-encryption', 'encrypted-payload-aes-kw-aes-gcm.hex').toString().replace(/[^0-9a-fA-F]/g, ''), 'hex');
    const sources: Source[] = [
      ['suit-manifest-aes-kw.hex.signed', "['plaintext-firmware']"],
      ['suit-manifest-aes-kw-content.hex.signed', "['plaintext-firmware']"],
      ['suit-manifest-es-ecdh-content.hex.signed', "['decrypted-firmware']"],
    ].map(([f, component]) => ({
      env: new Uint8Array(Buffer.from(readShared('vectors', 'ietf-firmware-encryption', f!).toString().replace(/[^0-9a-fA-F]/g, ''), 'hex')),
      payload: draftCt,
      plain: Buffer.from('This is a real firmware image.'),
      component: component!,
    }));
    for (let i = 0; i < 12; i++) {
      const plain = rng.bytes(rng.int(2000));
      const alg = rng.pick([1, 3, -65534, -65532] as ContentAlg[]);
      const e = encrypt(plain, alg, [rng.int(2) ? { kind: 'kek', kek } : { kind: 'ecdh', publicKey: devicePub, kwAlg: -3 }], (n) => rng.bytes(n));
      const build = builders[i % 3]!;
      sources.push({ env: build(plain, e), payload: e.ciphertext, plain, component: "[h'00']", e, rebuild: (info) => build(plain, { ...e, info }) });
    }
    const pool = sources.map((s) => s.env);
    let accepted = 0;
    let slowest = 0;
    for (let i = 0; i < runs; i++) {
      const src = rng.pick(sources);
      let env = src.env;
      let payload = src.payload;
      const mode = rng.int(3);
      if (mode === 0) env = mutate(rng, src.env, pool);
      else if (mode === 1) payload = mutate(rng, src.payload, [src.payload]);
      else if (src.rebuild) env = src.rebuild(Buffer.from(mutate(rng, src.e!.info, [src.e!.info])));
      else env = mutate(rng, src.env, pool);
      const platform = new MemoryPlatform();
      const t0 = performance.now();
      const r = runWithPayloads(new SuitProcessor(platform, { variant }), env, { trust: [MAC_KEY, IETF_KEY], decrypt: keys, sequences: ['install'] }, new Map([[URI, payload], ['coaps://example.com/encrypted-firmware', payload]]));
      slowest = Math.max(slowest, performance.now() - t0);
      expect(REASON_NAMES).toContain(r.reason);
      if (!r.accepted) continue;
      accepted++;
      const holds = Buffer.from(platform.content(src.component) ?? []).equals(Buffer.from(src.plain));
      if (!holds || (mode === 0 && !signedContentUnchanged(src.env, env))) {
        throw new Error(`accepted an encrypted update without its plaintext (seed ${seed}, run ${i}, mode ${mode})`);
      }
    }
    console.log(`fuzz:verifier ${variant} encrypted: ${runs} runs, ${accepted} accepted (each with the exact plaintext), slowest ${slowest.toFixed(1)} ms`);
    expect(slowest).toBeLessThan(HANG_MS);
  }, limit(runs));
});

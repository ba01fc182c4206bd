/**
 * Fuzzing of the real verifier .wasm (release and checked builds) with mutated vector envelopes
 * and random bytes. Properties: no trap (CoreTrap or any exception), no hang (every call
 * returns within a bound), every result a defined reason, and no mutated envelope accepted
 * unless its signed content is unchanged (cborg, an independent decoder, is the oracle).
 * The seed is printed; SUITRIG_FUZZ_SEED replays, SUITRIG_FUZZ_RUNS lengthens
 * (`npm run fuzz:verifier` runs a long campaign).
 */
import { describe, expect, it } from 'vitest';
import { verifyEnvelope, VerifierCore, REASON_NAMES } from '../../host/verifier/index.js';
import { applyPolicy } from '../../host/verifier/policy.js';
import { feedEnvelope } from '../../host/verifier/feed.js';
import { readVerdict } from '../../host/verifier/result.js';
import { allVectors, IETF_KEY, MAC_KEY, SECOND_KEY } from '../vectors/corpus.js';
import { Rng, fuzzRuns, fuzzSeed, mutate, signedContentUnchanged } from '../core/fuzz-tools.js';

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

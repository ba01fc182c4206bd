/**
 * HSS-LMS verification time (RFC 8554, COSE -46; in the verifier core) against ES256 (the core
 * around an @noble/curves P-256 check), same run: the same update envelope signed once with
 * ES256 and once with HSS-LMS (two levels, SHA-256/256, w = 4, as `keygen --alg hss-lms`), each
 * verified whole with verifyEnvelope; and the bare HSS check of RFC 8554 Test Case 1 (two levels,
 * w = 8, the dearest Winternitz width) in the core. The ratio is HSS-LMS over ES256 envelope time.
 */
import { readFileSync } from 'node:fs';
import { generateSigningKey, parseLevelSpec, trustAnchorFor, volatileHssKey, type SigningKey } from '../../../host/keys/index.js';
import { verifyEnvelope } from '../../../host/verifier/index.js';
import { VerifierCore } from '../../../host/verifier/core.js';
import { packageRoot } from '../../../host/paths.js';
import { appUpdateEnvelope } from '../../suites/app-update.js';
import { medianMs, type BenchSection } from '../section.js';

interface TestCase { public_key: string; message_text: string; signature: string }

export const hssLmsSection: BenchSection = {
  name: 'hss-lms',
  async run({ log, quick }) {
    const runs = quick ? 15 : 61;
    const payload = new Uint8Array(4096).map((_, i) => (i * 7) & 0xff);
    const es256 = generateSigningKey('es256');
    const hss = volatileHssKey(['m32-h5-w4', 'm32-h5-w4'].map((l) => parseLevelSpec(l)!), 'bench HSS-LMS key');
    const timed = async (key: SigningKey): Promise<{ ms: number; bytes: number }> => {
      const env = appUpdateEnvelope({ sequence: 1n, payload }, key);
      const trust = [trustAnchorFor(key, 'author', 'bench key')];
      if (!verifyEnvelope(env, { trust }).accepted) throw new Error(`the ${key.family} envelope is not accepted`);
      for (let i = 0; i < 3; i++) verifyEnvelope(env, { trust });
      return { ms: await medianMs(runs, () => verifyEnvelope(env, { trust })), bytes: env.length };
    };
    const e = await timed(es256);
    const h = await timed(hss);
    log(`ES256 envelope verify     ${e.ms.toFixed(3)} ms  (${e.bytes} B envelope)`);
    log(`HSS-LMS envelope verify   ${h.ms.toFixed(3)} ms  (${h.bytes} B envelope; L=2, m32 h5 w4)   HSS-LMS/ES256 ${(h.ms / e.ms).toFixed(2)}x`);
    const file = `${packageRoot()}/test/fixtures/rfc8554/test-cases.json`;
    const tc1 = (JSON.parse(readFileSync(file, 'utf8')) as { test_cases: TestCase[] }).test_cases[0]!;
    const core = new VerifierCore('release');
    const key = Buffer.from(tc1.public_key, 'hex');
    const msg = Buffer.from(tc1.message_text);
    const sig = Buffer.from(tc1.signature, 'hex');
    if (!core.hssVerify(key, msg, sig)) throw new Error('RFC 8554 Test Case 1 does not verify');
    const w8 = await medianMs(runs, () => core.hssVerify(key, msg, sig));
    log(`HSS-LMS bare check, RFC 8554 Test Case 1 (L=2, w=8)   ${w8.toFixed(3)} ms   /ES256 envelope ${(w8 / e.ms).toFixed(2)}x`);
    return {
      es256_envelope_verify_ms: Number(e.ms.toFixed(3)),
      hss_lms_envelope_verify_ms: Number(h.ms.toFixed(3)),
      hss_lms_vs_es256_verify_ratio: Number((h.ms / e.ms).toFixed(2)),
      hss_lms_rfc8554_tc1_w8_verify_ms: Number(w8.toFixed(3)),
    };
  },
};

/**
 * Time to verify each IETF manifest example (draft-ietf-suit-manifest-37 Appendix B, Ex. 0-5)
 * with verifyEnvelope: envelope scan, SUIT_Digest, Sig_structure, the ES256 check (@noble/curves),
 * manifest checks. Reference in the same run: one bare @noble/curves P-256 verify, which is the
 * floor; the ratio shows what the core adds around it.
 */
import { readFileSync } from 'node:fs';
import { p256 } from '@noble/curves/nist.js';
import { parseVerificationKey, trustAnchorFor } from '../../../host/keys/index.js';
import { verifyEnvelope } from '../../../host/verifier/index.js';
import { packageRoot } from '../../../host/paths.js';
import { medianMs, type BenchSection } from '../section.js';

interface RfcExample {
  name: string;
  envelope_hex: string;
  public_key_pem: string;
}

export const verifySection: BenchSection = {
  name: 'verify',
  async run({ log, quick }) {
    const file = `${packageRoot()}/test/fixtures/vectors/rfc-examples.json`;
    const examples = (JSON.parse(readFileSync(file, 'utf8')) as { examples: RfcExample[] }).examples.filter((e) => /^example\d/.test(e.name));
    const key = parseVerificationKey(Buffer.from(examples[0]!.public_key_pem), 'ietf');
    if (key.family !== 'p256') throw new Error('IETF example key is not P-256');
    const trust = [trustAnchorFor(key, 'author', 'ietf')];
    const runs = quick ? 15 : 61;
    const figures: Record<string, number> = {};
    // Reference: one raw signature check over a message of Sig_structure size.
    const msg = new Uint8Array(60);
    const sig = p256.sign(msg, p256.utils.randomSecretKey());
    const pub = key.raw;
    for (let i = 0; i < 5; i++) p256.verify(sig, msg, pub, { lowS: false }); // warm up
    const bare = await medianMs(runs, () => p256.verify(sig, msg, pub, { lowS: false }));
    figures.noble_p256_verify_ms = Number(bare.toFixed(3));
    log(`@noble/curves P-256 verify (reference) ${bare.toFixed(3)} ms`);
    for (const ex of examples) {
      const bytes = new Uint8Array(Buffer.from(ex.envelope_hex, 'hex'));
      const r = verifyEnvelope(bytes, { trust });
      if (!r.accepted) throw new Error(`${ex.name} not accepted: ${r.reason}`);
      for (let i = 0; i < 3; i++) verifyEnvelope(bytes, { trust });
      const ms = await medianMs(runs, () => verifyEnvelope(bytes, { trust }));
      const n = ex.name.match(/^example(\d)/)![1];
      figures[`verify_example${n}_ms`] = Number(ms.toFixed(3));
      log(`${ex.name.padEnd(40)} ${String(bytes.length).padStart(4)} B  median ${ms.toFixed(3)} ms  (${(ms / bare).toFixed(2)}x one bare P-256 verify)`);
    }
    return figures;
  },
};

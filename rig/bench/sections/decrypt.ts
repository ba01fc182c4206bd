/**
 * Streaming payload decryption in the verifier core (draft-ietf-suit-firmware-encryption): an
 * update whose payload is encrypted (A128GCM or A128CTR, AES-KW recipient) fetched in 64 KiB
 * chunks through SuitProcessor into an in-memory component — the core decrypts, hashes and
 * writes each chunk — against node:crypto (OpenSSL, AES-NI) decrypting the same bytes, and
 * against the same update unencrypted (fetch, hash, write only), all in the same run. The
 * decryption's own rate is the payload over the time the encrypted fetch takes beyond the plain one.
 */
import { createDecipheriv, randomBytes, type DecipherGCM } from 'node:crypto';
import { createSigner } from '../../../host/cose/signer.js';
import { generateSigningKey, trustAnchorFor, type DecryptionKey } from '../../../host/keys/index.js';
import { buildEnvelope, type ContentAlgorithm } from '../../../host/suit/index.js';
import { MemoryPlatform, SuitProcessor, runWithPayloads } from '../../../host/verifier/index.js';
import { appUpdatePlan } from '../../suites/app-update.js';
import type { BenchSection } from '../section.js';

const URI = 'https://bench.example/app.bin';

function bestMs(runs: number, fn: () => unknown): number {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

export const decryptSection: BenchSection = {
  name: 'decrypt',
  async run({ log, quick }) {
    const size = quick ? 1 << 20 : 4 << 20;
    const runs = quick ? 3 : 7;
    const payload = new Uint8Array(randomBytes(size));
    const key = generateSigningKey('es256');
    const trust = [trustAnchorFor(key, 'author', 'bench key')];
    const kek = new Uint8Array(randomBytes(16));
    const device: DecryptionKey[] = [{ kind: 'kek', secret: kek, source: 'bench kek' }];
    const plan = appUpdatePlan({ sequence: 1n, payload, uri: URI });
    const fetchMs = (envelope: Uint8Array, delivered: Uint8Array): number => {
      const p = new SuitProcessor(new MemoryPlatform(), { variant: 'release' });
      const once = () => {
        const r = runWithPayloads(p, envelope, { trust, decrypt: device, sequences: ['install'] }, new Map([[URI, delivered]]), { chunk: 65536 });
        if (!r.accepted) throw new Error(`bench update not accepted: ${r.message}`);
      };
      once();
      return bestMs(runs, once);
    };
    const signer = createSigner(key);
    const plainMs = fetchMs(buildEnvelope(plan, { signers: [signer] }).envelope, payload);
    const mb = size / 1e6;
    log(`payload ${(size / 1048576).toFixed(0)} MiB in 64 KiB chunks, best of ${runs}`);
    log(`core fetch, no encryption (hash + write)      ${(mb / (plainMs / 1000)).toFixed(0).padStart(5)} MB/s`);
    const figures: Record<string, number> = { core_fetch_plain_mb_per_s: Math.round(mb / (plainMs / 1000)) };
    for (const alg of ['a128gcm', 'a128ctr'] as ContentAlgorithm[]) {
      const built = buildEnvelope(plan, { signers: [signer], encryptFor: [{ kind: 'kek', secret: kek, source: 'bench kek' }], encryption: alg });
      const ciphertext = built.encrypted[0]!.ciphertext;
      const encMs = fetchMs(built.envelope, ciphertext);
      // node:crypto: the same ciphertext decrypted with a key of the same size (AES-NI rate).
      const nodeKey = randomBytes(16);
      const nodeMs = bestMs(runs, () => {
        if (alg === 'a128gcm') {
          const d = createDecipheriv('aes-128-gcm', nodeKey, randomBytes(12)) as DecipherGCM;
          d.update(ciphertext.subarray(0, ciphertext.length - 16));
        } else {
          createDecipheriv('aes-128-ctr', nodeKey, randomBytes(16)).update(ciphertext);
        }
      });
      const core = mb / (encMs / 1000);
      const decryptOnly = mb / (Math.max(encMs - plainMs, 1e-3) / 1000);
      const node = mb / (nodeMs / 1000);
      const name = alg.toUpperCase();
      log(`core fetch + ${name} decrypt (hash + write)  ${core.toFixed(0).padStart(5)} MB/s; decryption alone ${decryptOnly.toFixed(0)} MB/s`);
      log(`node:crypto ${name} decrypt                   ${node.toFixed(0).padStart(5)} MB/s   core decryption / node:crypto ${(decryptOnly / node).toFixed(3)}x`);
      const k = alg === 'a128gcm' ? 'gcm' : 'ctr';
      figures[`core_fetch_${k}_mb_per_s`] = Math.round(core);
      figures[`core_decrypt_${k}_mb_per_s`] = Math.round(decryptOnly);
      figures[`node_decrypt_${k}_mb_per_s`] = Math.round(node);
      figures[`core_vs_node_decrypt_${k}_ratio`] = Number((decryptOnly / node).toFixed(3));
    }
    return figures;
  },
};

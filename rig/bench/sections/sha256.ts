/**
 * SHA-256 throughput: the verifier core's streaming kernel (through its 64 KiB IO window, as the
 * processor hashes payloads) against @noble/hashes and node:crypto (OpenSSL, SHA-NI), same input,
 * same run. 1 MB = 10^6 bytes. Target (issue 2): wasm >= 1.5x @noble/hashes.
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { VerifierCore } from '../../../host/verifier/core.js';
import { buildFile } from '../../../host/paths.js';
import type { BenchSection } from '../section.js';
import { kib } from '../../../host/util/units.js';

function bestMbPerS(bytes: number, runs: number, fn: () => unknown): number {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    best = Math.min(best, performance.now() - t0);
  }
  return bytes / 1e6 / (best / 1000);
}

export const sha256Section: BenchSection = {
  name: 'sha256',
  async run({ log, quick }) {
    const size = quick ? 4 * 1024 * 1024 : 16 * 1024 * 1024;
    const runs = quick ? 3 : 7;
    const data = new Uint8Array(size);
    for (let i = 0; i < size; i++) data[i] = (i * 2654435761) >>> 24;
    const core = new VerifierCore('release');
    const want = createHash('sha256').update(data).digest('hex');
    if (Buffer.from(core.sha256(data)).toString('hex') !== want) throw new Error('wasm SHA-256 disagrees with node:crypto');
    const wasm = bestMbPerS(size, runs, () => core.sha256(data));
    const noble = bestMbPerS(size, runs, () => nobleSha256(data));
    const node = bestMbPerS(size, runs, () => createHash('sha256').update(data).digest());
    const wasmBytes = statSync(buildFile('verifier.wasm')).size;
    log(`input ${(size / 1048576).toFixed(0)} MiB, best of ${runs}`);
    log(`wasm core     ${wasm.toFixed(0).padStart(6)} MB/s`);
    log(`@noble/hashes ${noble.toFixed(0).padStart(6)} MB/s   wasm/noble ${(wasm / noble).toFixed(2)}x (target >= 1.5x)`);
    log(`node:crypto   ${node.toFixed(0).padStart(6)} MB/s   wasm/node  ${(wasm / node).toFixed(2)}x`);
    log(`build/verifier.wasm ${wasmBytes} bytes (${kib(wasmBytes)}; budget 48 KiB)`);
    return {
      wasm_sha256_mb_per_s: Math.round(wasm),
      noble_sha256_mb_per_s: Math.round(noble),
      node_sha256_mb_per_s: Math.round(node),
      wasm_vs_noble_sha256_ratio: Number((wasm / noble).toFixed(2)),
      wasm_vs_node_sha256_ratio: Number((wasm / node).toFixed(2)),
      verifier_wasm_bytes: wasmBytes,
    };
  },
};

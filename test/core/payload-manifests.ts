/**
 * Re-signed copies of the IETF / libcsuit example manifests with real payloads: every
 * image-digest / image-size that a sequence sets for a component is replaced by the digest and
 * size of a payload the test chooses (per component and, for A/B manifests, per slot), then the
 * manifest is signed again with the IETF example key. The command structure is untouched, so the
 * processor's trace is that of the original example.
 */

import { cbor, decoder, IETF_SIGNER, resign, sha256 } from './envelope-builder.js';

/** Payload for component `c` (and the slot the sequence selected, if any). */
export type PayloadFor = (component: number, slot: number | undefined) => Uint8Array | undefined;

function rewriteSeq(encoded: Uint8Array, payloadFor: PayloadFor, index: number | 'all' | number[], slot: number | undefined): Buffer {
  const seq = decoder.decode(Buffer.from(encoded)) as unknown[];
  let current = index;
  let currentSlot = slot;
  for (let i = 0; i + 1 < seq.length; i += 2) {
    const cmd = seq[i] as number;
    const arg = seq[i + 1];
    if (cmd === 12) current = arg === true ? 'all' : Array.isArray(arg) ? (arg as number[]) : (arg as number);
    if ((cmd === 20 || cmd === 19) && arg instanceof Map) {
      if (arg.has(5)) currentSlot = Number(arg.get(5));
      const targets = typeof current === 'number' ? [current] : [];
      for (const c of targets) {
        const p = payloadFor(c, currentSlot);
        if (!p) continue;
        if (arg.has(3)) arg.set(3, cbor([-16, sha256(p)]));
        if (arg.has(14)) arg.set(14, p.length);
      }
    }
    if (cmd === 15 && Array.isArray(arg)) {
      seq[i + 1] = arg.map((alt) => (alt instanceof Uint8Array ? rewriteSeq(alt, payloadFor, current, currentSlot) : alt));
    }
    if (cmd === 32 && arg instanceof Uint8Array) seq[i + 1] = rewriteSeq(arg, payloadFor, current, currentSlot);
  }
  return cbor(seq);
}

/** The envelope re-signed with digests and sizes of the chosen payloads. */
export function withPayloads(envelope: Uint8Array, payloadFor: PayloadFor): Uint8Array {
  return resign(envelope, [IETF_SIGNER], (m) => {
    const common = decoder.decode(m.get(3) as Uint8Array) as Map<number, unknown>;
    if (common.has(4)) common.set(4, rewriteSeq(common.get(4) as Uint8Array, payloadFor, 0, undefined));
    m.set(3, cbor(common));
    for (const key of [7, 8, 9, 15, 16, 18, 20]) {
      const v = m.get(key);
      if (v instanceof Uint8Array) m.set(key, rewriteSeq(v, payloadFor, 0, undefined));
    }
  });
}

/** A deterministic payload of n bytes. */
export function payload(n: number, seed = 1): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed * 2654435761;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}


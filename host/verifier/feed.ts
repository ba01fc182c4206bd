/**
 * Streams an envelope into a core through its IO window (envelope_begin / feed / end). Integrated
 * payloads pass through the window but are not kept by the core, so the core's memory is the same
 * for a 1 KiB and a 100 MiB envelope.
 */
import type { VerifierCore } from './core.js';

/** Returns 0, or the core's detail code for a malformed envelope (also left for envelope_verify). */
export function feedEnvelope(core: VerifierCore, envelope: Uint8Array): number {
  const e = core.exports;
  e.envelope_begin(BigInt(envelope.length));
  const rc = core.stream(envelope, (n) => e.envelope_feed(n));
  if (rc !== 0) return rc;
  return e.envelope_end();
}

/**
 * vitest global setup: says once per test run, visibly, when the real-firmware tests cannot run
 * here and what is missing (they are then skipped, each with the reason in its name).
 */
import { peersMissing } from './peers.js';

export default function warnIfPeersMissing(): void {
  const missing = peersMissing();
  if (missing) console.warn(`\nreal-firmware tests (QEMU, native_sim) are skipped: missing ${missing}\n`);
}

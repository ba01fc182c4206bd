/**
 * What a board's answers (host/operator BoardState) say for the status tracker (RFC 9019 §2.3:
 * what each device runs): whether it runs a given manifest, whether that image is confirmed or
 * still on test, whether an installed image waits for a reset, and one line for people. The
 * status the inventory keeps is rig/service/client/board-status.ts, shared with `--tracker`.
 */
import type { BoardState } from '../../../host/operator/board-state.js';

function same(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && b.length > 0 && Buffer.from(a).equals(Buffer.from(b));
}

/** The board runs the manifest whose digest is `digest`. */
export function runsManifest(s: BoardState, digest: Uint8Array): boolean {
  return same(s.suit?.digest, digest);
}

/** The running image is confirmed (not on test awaiting its confirmation). */
export function runningConfirmed(s: BoardState): boolean {
  const active = s.images?.find((i) => i.active);
  if (active) return active.confirmed;
  return s.boot !== undefined && s.boot.outcome !== 'test';
}

/** An image waits to be swapped in at the next reset. */
export function imagePending(s: BoardState): boolean {
  return s.images?.some((i) => i.pending && !i.active) ?? false;
}

/** The board stays in its bootloader: nothing it can boot. */
export function inRecovery(s: BoardState): boolean {
  return s.boot?.outcome === 'recovery';
}

/** `sequence 2 (app 1.1.0)` */
export function describeRunning(s: BoardState): string {
  const app = s.suit?.semanticVersion?.length ? ` (app ${s.suit.semanticVersion.join('.')})` : '';
  return s.suit?.sequenceNumber !== undefined ? `sequence ${s.suit.sequenceNumber}${app}` : 'no SUIT manifest';
}

/** ` (boot 5: revert, reset reason soft-reset)`, or nothing on boards without the rig group. */
export function describeBoot(s: BoardState): string {
  return s.boot ? ` (boot ${s.boot.count}: ${s.boot.outcome}, reset reason ${s.boot.reason})` : '';
}

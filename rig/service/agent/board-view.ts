/**
 * What a board's answers (host/operator BoardState) say for the status tracker (RFC 9019 §2.3:
 * what each device runs): whether it runs a given manifest, whether that image is confirmed or
 * still on test, whether an installed image waits for a reset, one line for people, and the
 * status the inventory keeps (`GET /boards/{name}`: app version, SUIT sequence, slots, boot record).
 */
import type { BoardState } from '../../../host/operator/board-state.js';
import { toHex } from '../../../host/util/hex.js';
import { SLOT_FLAGS, type BoardStatus } from '../store/boards.js';

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

/** A sequence number as JSON: a number up to 2^53, a decimal string above (DESIGN.md "Command line"). */
function jsonSequence(n: bigint | undefined): number | string | null {
  if (n === undefined) return null;
  return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString();
}

/** The inventory's view of a board's status (store/boards.ts BoardStatus). */
export function boardStatus(s: BoardState): BoardStatus {
  return {
    app_version: s.suit?.semanticVersion?.length ? s.suit.semanticVersion.join('.') : null,
    suit_sequence: jsonSequence(s.suit?.sequenceNumber),
    manifest_digest: s.suit?.digest ? toHex(s.suit.digest) : null,
    slots: (s.images ?? []).map((i) => ({
      image: i.image,
      slot: i.slot,
      version: i.version,
      hash: toHex(i.hash),
      flags: SLOT_FLAGS.filter((f) => i[f]),
    })),
    boot: s.boot ? { count: s.boot.count, reason: s.boot.reason, slot: s.boot.slot, outcome: s.boot.outcome } : null,
  };
}

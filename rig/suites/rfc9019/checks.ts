/**
 * Checks the rfc9019 cases share, on what the board reported (DutStatus): that the image an
 * update brought is the one running, confirmed, with the manifest and sequence number the board
 * now stores (RFC 9019 §3: the device keeps the new firmware and its sequence number).
 */
import type { DutStatus } from '../../dut/types.js';
import { parseEnvelope } from '../../../host/suit/envelope/parse.js';
import { toHex } from '../../../host/util/hex.js';

/** The SUIT_Digest bytes (hex) of an envelope's manifest. */
export function manifestDigest(envelope: Uint8Array): string | undefined {
  const a = parseEnvelope(envelope).authentication;
  return a ? toHex(a.digest.bytes) : undefined;
}

/** What is wrong with the board running the update delivered last (undefined: nothing). */
export function runsDelivered(status: DutStatus | undefined, delivered: { envelope: Uint8Array; sequence: bigint; imageHash?: string }, board: { suit: boolean; rig: boolean }): string | undefined {
  if (!status) return 'no status was read';
  const active = status.slots.find((s) => s.active);
  if (!active) return `the board runs no image (mode ${status.mode})`;
  if (!active.confirmed) return `the running image ${active.version ?? '?'} is not confirmed`;
  if (delivered.imageHash !== undefined && active.hash !== delivered.imageHash) return `the board runs image ${active.version ?? '?'} (${active.hash?.slice(0, 16)}), not the MCUboot image delivered (${delivered.imageHash.slice(0, 16)})`;
  if (board.suit) {
    const want = manifestDigest(delivered.envelope);
    if (status.suit?.digest !== want) return `the board's installed manifest is ${status.suit?.digest?.slice(0, 16) ?? 'none'}, not the one delivered (${want?.slice(0, 16)})`;
    if (status.suit?.sequence !== delivered.sequence) return `the board reports sequence ${status.suit?.sequence} for its manifest, the manifest says ${delivered.sequence}`;
  }
  if (board.rig && status.trust && status.trust.sequence !== delivered.sequence) {
    return `the board's stored sequence number (rollback floor) is ${status.trust.sequence}, not ${delivered.sequence} after confirming the update`;
  }
  return undefined;
}

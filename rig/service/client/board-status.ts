/**
 * What a board says about itself (host/operator/board-state.ts), in the shape the lab service
 * keeps as its last status (store/boards.ts BoardStatus): where it runs, the running
 * application's version, the installed SUIT manifest's sequence and digest, the image slots,
 * the last boot. Used by `--tracker` and by agents, so every reporter summarises alike.
 */
import type { BoardState } from '../../../host/operator/board-state.js';
import { whereIsBoard } from '../../../host/operator/run-state.js';
import { toHex } from '../../../host/util/hex.js';
import { jsonSafeInt } from '../../../host/util/json.js';
import { SLOT_FLAGS, type BoardStatus } from '../store/boards.js';

export function boardStatus(s: Pick<BoardState, 'os' | 'images' | 'unreported'> & Partial<Pick<BoardState, 'suit' | 'boot'>>, report?: Uint8Array): BoardStatus {
  const active = s.images?.find((i) => i.active && i.image === 0) ?? s.images?.find((i) => i.active);
  return {
    run_state: whereIsBoard(s).state,
    app_version: active?.version ?? null,
    ...(s.suit ? { suit_sequence: s.suit.sequenceNumber !== undefined ? jsonSafeInt(s.suit.sequenceNumber) : null, manifest_digest: s.suit.digest ? toHex(s.suit.digest) : null } : {}),
    ...(s.images
      ? { slots: s.images.map((i) => ({ image: i.image, slot: i.slot, version: i.version, hash: toHex(i.hash), flags: SLOT_FLAGS.filter((f) => i[f]) })) }
      : {}),
    ...(s.boot ? { boot: { count: s.boot.count, reason: s.boot.reason, slot: s.boot.slot, outcome: s.boot.outcome } } : {}),
    ...(report ? { suit_report: toHex(report) } : {}),
  };
}

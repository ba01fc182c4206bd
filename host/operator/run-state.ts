/**
 * Where a board is, from what it answered (notes/mcuboot.md §7, shared/peers/README.md): its
 * application, or MCUboot's serial recovery. An application's image manager (Zephyr img_mgmt)
 * always marks the slot it runs from `active`; MCUboot in serial recovery lists its slots with
 * no flags at all, or none when nothing is flashed (and, as Zephyr 4.4 pins it, answers rc 8 to
 * OS info, MCUmgr parameters and bootloader info). Serial recovery is a state the board is in, not a bootloader mode: the mode
 * (swap, overwrite, direct-XIP, RAM load) is what bootloader info reports.
 */
import { NOT_SUPPORTED } from './board-questions.js';
import type { BoardState } from './board-state.js';

export type RunState = 'application' | 'serial-recovery' | 'unknown';

export interface Whereabouts {
  state: RunState;
  /** What the board answered that says so, for messages. */
  evidence: string;
}

export const RUN_STATE_TEXT: Record<RunState, string> = {
  application: 'application',
  'serial-recovery': 'MCUboot serial recovery',
  unknown: 'not known',
};

/** Needs the `os` and `images` parts of the state. */
export function whereIsBoard(s: Pick<BoardState, 'os' | 'images' | 'unreported'>): Whereabouts {
  const active = s.images?.find((i) => i.active);
  if (active) return { state: 'application', evidence: `its image manager runs slot ${active.slot}${s.os ? ' and it answers OS info' : ''}` };
  const osLacking = s.unreported.os === NOT_SUPPORTED ? ', and it does not support OS info (rc 8)' : '';
  if (s.images) {
    const list = s.images.length > 0 ? 'its image list marks no slot active' : 'its image list is empty: no application runs';
    return { state: 'serial-recovery', evidence: `${list}${osLacking}, as MCUboot serial recovery answers` };
  }
  if (s.os) return { state: 'application', evidence: 'it answers OS info' };
  return { state: 'unknown', evidence: 'it reports neither OS info nor an image list' };
}

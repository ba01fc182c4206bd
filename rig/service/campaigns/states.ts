/**
 * The states of a board in an update campaign and of the campaign itself (DESIGN.md "Lab
 * service", campaigns; RFC 9019 §2.3: the status tracker follows an update until the device runs
 * it or refuses it). A board walks
 *
 *   pending -> delivering -> installed -> rebooting -> booted -> confirmed
 *
 * or ends refused, reverted, failed or timed-out, with the reason. `installed` is never done: the
 * image has not run yet. `booted` is not done either: a test image that never confirms itself is
 * reverted by the next reset, so the board is judged by what it runs after that reset. A board
 * the campaign never reached when it was cancelled ends `cancelled`.
 *
 * A job that was dropped (its worker's process killed) and is retried resumes from the state the
 * board was left in: the board itself is asked what it runs before anything is sent again, so
 * states may repeat (delivering -> delivering) but never go back to pending.
 */

export const BOARD_STATES = ['pending', 'delivering', 'installed', 'rebooting', 'booted', 'confirmed', 'refused', 'reverted', 'failed', 'timed-out', 'cancelled'] as const;
export type CampaignBoardState = (typeof BOARD_STATES)[number];

/** States a board ends in; `confirmed` is the only success. */
export const TERMINAL_STATES: ReadonlySet<CampaignBoardState> = new Set(['confirmed', 'refused', 'reverted', 'failed', 'timed-out', 'cancelled']);
/** Terminal states that count against the error threshold. */
export const ERROR_STATES: ReadonlySet<CampaignBoardState> = new Set(['refused', 'reverted', 'failed', 'timed-out']);
/** States in which a job is (or was, before it was dropped) working on the board. */
export const ACTIVE_STATES: ReadonlySet<CampaignBoardState> = new Set(['delivering', 'installed', 'rebooting', 'booted']);

/** What each state means, for the API's readers and the README. */
export const BOARD_STATE_MEANING: Record<CampaignBoardState, string> = {
  pending: 'waiting for its rollout group; nothing was sent to the board',
  delivering: 'the envelope and the payloads the board asks for are being sent; the board has not decided yet',
  installed: 'the board accepted the manifest and wrote the new image; it has not run it yet (never counted as done)',
  rebooting: 'the board was told to reset into the new image',
  booted: 'the new image runs on test and has to confirm itself; not done yet (the next reset reverts an unconfirmed image)',
  confirmed: 'the new image runs and is confirmed: done',
  refused: "the board refused the manifest (its SUIT report's reason); its running image is untouched",
  reverted: 'the new image was tried and the board went back to the previous one (crashed, or never confirmed itself)',
  failed: 'the update could not be carried out or judged: the board stopped answering, stayed in its bootloader, or its job was given up',
  'timed-out': 'no verdict within the deadline (deadline_s from the first delivery), or no agent took its job within that time (the board offline, reserved or busy)',
  cancelled: 'the campaign was cancelled before it reached this board; nothing was sent',
};

const NEXT: Record<CampaignBoardState, readonly CampaignBoardState[]> = {
  // A board already running the release is confirmed without an update. Pending to pending:
  // its job waits for a reserved board, and says so (engine.ts noteWaits).
  pending: ['pending', 'delivering', 'confirmed', 'cancelled', 'failed', 'timed-out'],
  delivering: ['delivering', 'installed', 'rebooting', 'booted', 'confirmed', 'refused', 'reverted', 'failed', 'timed-out'],
  installed: ['rebooting', 'booted', 'confirmed', 'reverted', 'failed', 'timed-out'],
  rebooting: ['rebooting', 'booted', 'confirmed', 'reverted', 'failed', 'timed-out'],
  booted: ['rebooting', 'booted', 'confirmed', 'reverted', 'failed', 'timed-out'],
  confirmed: [],
  refused: [],
  reverted: [],
  failed: [],
  'timed-out': [],
  cancelled: [],
};

export function canMove(from: CampaignBoardState, to: CampaignBoardState): boolean {
  return NEXT[from].includes(to);
}

/**
 * running: groups are being worked; paused: no new board starts (boards already working finish),
 * with the reason (an error threshold, a group below its success threshold, the operator);
 * cancelled: stopped by the operator, boards not reached are `cancelled`; done: every board ended.
 */
export const CAMPAIGN_STATES = ['running', 'paused', 'cancelled', 'done'] as const;
export type CampaignState = (typeof CAMPAIGN_STATES)[number];

/**
 * Where DUTs come from: a provider opens a Dut for a resolved board (a real board over SMP on
 * a serial port or tcp, or a virtual board). `suitrig run` asks `cannotDrive` for every
 * selected board before it starts, so a run never half-starts on boards it cannot drive.
 */
import type { ResolvedBoard } from '../lab/resolve.js';
import type { Dut, DutEvent } from './types.js';

export interface OpenContext {
  signal: AbortSignal;
  /** Per-board log sink (console lines, SMP summaries) from the moment the port opens. */
  log(e: DutEvent): void;
  /** This board's seed (for virtual boards' own random choices). */
  seed: number;
}

export interface DutProvider {
  /** Why this provider cannot drive the board, or undefined when it can. */
  cannotDrive(board: ResolvedBoard): string | undefined;
  open(board: ResolvedBoard, ctx: OpenContext): Promise<Dut>;
}

function notYet(board: ResolvedBoard): string {
  const what = board.target.kind === 'virtual' ? 'virtual boards' : `boards over SMP (${board.target.url})`;
  return `driving ${what} from a suite is not implemented yet (the DUT over SMP is the next step of the rig); --dry-run shows what the run would do`;
}

/**
 * The provider `suitrig run` uses. Until the DUT over SMP exists it drives nothing and says so,
 * rather than pretending a run happened.
 */
export const defaultDutProvider: DutProvider = {
  cannotDrive: notYet,
  async open(board) {
    throw new Error(notYet(board));
  },
};

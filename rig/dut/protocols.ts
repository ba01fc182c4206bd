/**
 * The protocols a board offers the rig, after labgrid's (a driver implements a protocol; a
 * target has the drivers its hardware allows): small interfaces a new kind of board implements
 * one by one, and the board object that bundles them (`DutBoard`). What a board lacks is simply
 * absent: no power control, no `power`; no reset line, no `reset.hard` — presence is the
 * capability. The rig's kinds of board (rig/dut/README.md): lab boards on a serial port or tcp
 * (port-board.ts), emulated boards (emulator-board.ts), virtual boards in this process or in
 * their own (virtual/). SmpDut (smp-dut.ts) drives suites through these protocols over SMP.
 *
 * Every operation takes an AbortSignal (`DutOpOptions`) and gives up promptly when it fires.
 */
import type { SmpClient } from '../../host/smp/client.js';
import type { ConsoleSource } from '../../host/smp/console-watch.js';
import { resetEvidence, type ResetEvidence } from '../../host/smp/reboot.js';
import type { ResetWitness } from '../../host/smp/reset-witness.js';
import type { ConsoleText } from '../../host/transport/text.js';
import { sleep, systemClock } from '../../host/transport/clock.js';
import type { BoardProvision, DutOpOptions, FaultSpec } from './types.js';

/**
 * The SMP link to the board (DESIGN.md "Wire protocol"): a client of its SMP server, opened
 * again when it drops. Every board has one; link.ts has the implementation the rig's boards share.
 */
export interface LinkProtocol {
  /** For logs and reports, e.g. `/dev/ttyACM0 @ 115200`. */
  readonly description: string;
  /** The current client; replaced by `reopen`. */
  readonly client: SmpClient;
  /** Drops the link and opens it again (the board keeps running); the new client. */
  reopen(): Promise<SmpClient>;
  /** Calls `listener` with every client the link opens from now on (a console follows the link with it). */
  onReopen(listener: (client: SmpClient) => void): () => void;
  /** How long the board may work on an envelope or a payload's last chunk before it answers the next request. */
  readonly processTimeoutMs: number;
  /** Aborted (with a DutUnresponsiveError) when the board is known to be gone, e.g. its process died. */
  readonly lost?: AbortSignal;
}

/** The board's supply, switched by the rig (lab `power:` commands, an emulator or a virtual board's process). */
export interface PowerProtocol {
  cut(o?: DutOpOptions): Promise<void>;
  restore(o?: DutOpOptions): Promise<void>;
}

/** Power off, `offMs` without power, power on. */
export async function powerCycle(power: PowerProtocol, offMs: number, o: DutOpOptions = {}): Promise<void> {
  await power.cut(o);
  await sleep(systemClock, offMs, o.signal);
  await power.restore(o);
}

/** A reset the board obeys without SMP: a DTR or RTS line of its serial port, or an external command (a relay, a debug probe). */
export interface HardReset {
  readonly kind: 'dtr' | 'rts' | 'command';
  run(o?: DutOpOptions): Promise<void>;
}

/**
 * How the board is reset and how the rig knows it went through a reset. The soft reset, the
 * SMP reset command over the link, every board has; `hard` is the lab's own hand on it.
 */
export interface ResetProtocol {
  /** How long the board may take to answer again after a reset or power-on. */
  readonly bootTimeoutMs: number;
  readonly hard?: HardReset;
  /** Resets the board's surroundings see for themselves (a restarted process, QEMU's RESET event, a virtual board's boot). */
  readonly witness?: ResetWitness;
}

/**
 * The board's console: the text its application prints — between SMP frames on the link, on a
 * console port of its own (lab `console:`), or where its emulator puts it — the banner that shows
 * it booted (a reset's proof: host/smp/reboot.ts), and, where the console takes input, `write`.
 * Console sessions (console/session.ts: expect, expectNot, write, log) are built on it.
 */
export interface ConsoleProtocol {
  /** For messages: where the console is read, e.g. `the SMP link (between frames)`, `/dev/ttyUSB1 @ 115200`. */
  readonly description: string;
  /** The console text as it arrives, stamped (newlines as sent, a prompt without one included); returns the unsubscribe function. */
  onText(listener: (t: ConsoleText) => void): () => void;
  /** Each console line from now on that the board log does not get otherwise (SmpDut logs them); returns the unsubscribe function. */
  onLine(listener: (line: string) => void): () => void;
  /** Present when the console takes input: sends `text` as it is (the caller ends a command with its newline). */
  write?(text: string, o?: DutOpOptions): Promise<void>;
  readonly banner: RegExp;
  /** The part of the console apart from the SMP link (a console port of its own, an emulator's console UART): resets and updates watch it for the boot banner. */
  readonly apart?: ConsoleSource;
}

/** Faults the board applies from now on (virtual boards, through rig group 67's test hooks). */
export interface FaultProtocol {
  arm(fault: FaultSpec, o?: DutOpOptions): Promise<void>;
}

/** Brings the board back to the state it was opened in without asking its SMP server (a snapshot, an emulator restart); says what was done. */
export interface SnapshotProtocol {
  restore(o?: DutOpOptions): Promise<string>;
}

/** One board as the rig drives it: the protocols it has, what it was provisioned with, and its close. */
export interface DutBoard {
  readonly link: LinkProtocol;
  readonly reset: ResetProtocol;
  readonly console: ConsoleProtocol;
  readonly power?: PowerProtocol;
  readonly faults?: FaultProtocol;
  readonly snapshot?: SnapshotProtocol;
  /** An MCUboot image that restores the board through the image group (lab `known-good:`). */
  readonly knownGoodImage?: { path: string; bytes: Uint8Array };
  /** Trust anchors, roles and identity the board is known to have (undefined: unknown). */
  readonly provision: BoardProvision | undefined;
  /** Closes the link and whatever the rig started for the board (an emulator, a process). */
  close(): Promise<void>;
}

/** What proves the board's resets besides its link (host/smp/reboot.ts): its witness and its console apart from the link, where it has them. */
export function resetEvidenceOf(board: Pick<DutBoard, 'reset' | 'console'>): ResetEvidence {
  return resetEvidence({ witness: board.reset.witness, console: board.console.apart });
}

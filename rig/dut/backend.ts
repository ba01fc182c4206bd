/**
 * What a Dut over SMP needs from the board's surroundings, apart from the SMP server itself:
 * the link (a client that can be re-established), and the hardware around the board — the
 * reset method, power control, armed faults, and how its known-good state comes back. A lab
 * board gets these from its rig.yaml entry (lab-backend.ts, hard-reset.ts); a virtual board from the
 * board model it runs (virtual/). SmpDut (smp-dut.ts) does the SMP side for all of them.
 */
import type { SmpClient } from '../../host/smp/client.js';
import type { ResetWitness } from '../../host/smp/reset-witness.js';
import type { BoardProvision } from './types.js';

export interface DutBackend {
  /** For logs and reports, e.g. `/dev/ttyACM0 @ 115200` or `virtual board (own process) tcp://127.0.0.1:40123 @ 115200 baud`. */
  readonly description: string;
  /** The current client; replaced by `reconnect`. */
  readonly client: SmpClient;
  /** Drops the link and opens it again (the board keeps running); the new client. */
  reconnect(): Promise<SmpClient>;
  /** How long the board may take to answer again after a reset or power-on. */
  readonly bootTimeoutMs: number;
  /** How long the board may work on an envelope or a payload's last chunk before it answers the next request. */
  readonly processTimeoutMs: number;
  /** Cut and restore the board's power (lab `power:` commands, a virtual board's supply). */
  readonly power?: { cut(signal?: AbortSignal): Promise<void>; restore(signal?: AbortSignal): Promise<void> };
  /** A reset other than the SMP reset command (DTR/RTS pulse, external command); the board needs no SMP to obey it. */
  readonly hardReset?: (signal?: AbortSignal) => Promise<void>;
  /** Resets the board's surroundings see for themselves (a restarted process, QEMU's reset event, a virtual board's boot). */
  readonly witness?: ResetWitness;
  /** A DTR/RTS reset line is wired. */
  readonly resetLine: boolean;
  /** Rig group faults (power cut before flash op N, link faults) are obeyed: virtual boards. */
  readonly faults: boolean;
  readonly provision: BoardProvision | undefined;
  /** Aborted (with a DutUnresponsiveError) when the board is known to be gone, e.g. its process died. */
  readonly lost?: AbortSignal;
  /**
   * Brings the board back to the state it started the run in, without asking its SMP server
   * (virtual boards: from a state snapshot). Returns what was done.
   */
  restoreSnapshot?(signal?: AbortSignal): Promise<string>;
  /** An MCUboot image that restores the board through the image group (lab `known-good:`). */
  readonly knownGoodImage?: { path: string; bytes: Uint8Array };
  close(): Promise<void>;
}

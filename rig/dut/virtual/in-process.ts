/**
 * A virtual board in this process behind the emulated serial link (DESIGN.md "Command line":
 * `run --board virtual` is one in-process virtual board): rig/virtual's VirtualBoard reached
 * over the paired link paced at the board's baud (host/smp/in-process.ts), with the rig's hand
 * on its power switch. It starts from the run's known-good snapshot and goes back to it after
 * each case with `VirtualBoard.restore`, in place, the link staying up, as a board reflashed
 * by a programmer keeps its UART. It is the rig's own board: it serves the rig group's test
 * hooks (fault arming, board model).
 */
import type { InProcessLink } from '../../../host/smp/in-process.js';
import type { SmpClient } from '../../../host/smp/client.js';
import type { ResetWitness } from '../../../host/smp/reset-witness.js';
import type { Quirk } from '../../virtual/bootloader/index.js';
import { VirtualBoard, type BoardSnapshot } from '../../virtual/board/board.js';
import type { DutBackend } from '../backend.js';
import type { BoardProvision, DutEvent } from '../types.js';
import type { GoldenState } from './known-good.js';

export interface InProcessOptions {
  name: string;
  golden: GoldenState;
  quirks: readonly Quirk[];
  baud: number;
  /** Real time per simulated flash time (0 instant, 1 the profile's timings). */
  flashScale: number;
  seed: number;
  provision: BoardProvision | undefined;
  log(e: DutEvent): void;
}

/** How long a virtual board may take to boot: a swap at the profile's timings takes seconds. */
export function virtualBootTimeoutMs(flashScale: number): number {
  return 5_000 + 15_000 * flashScale;
}

/** How long a virtual board may work on an envelope or a last payload chunk (a few flash operations). */
export function virtualProcessTimeoutMs(flashScale: number): number {
  return 3_000 + 5_000 * flashScale;
}

export class InProcessVirtualBackend implements DutBackend {
  readonly resetLine = false;
  readonly faults = true;
  readonly bootTimeoutMs: number;
  readonly processTimeoutMs: number;
  readonly provision: BoardProvision | undefined;
  readonly power: DutBackend['power'];
  private readonly snapshot: BoardSnapshot;

  private constructor(
    private readonly o: InProcessOptions,
    private readonly board: VirtualBoard,
    private readonly link: InProcessLink,
  ) {
    this.provision = o.provision;
    this.bootTimeoutMs = virtualBootTimeoutMs(o.flashScale);
    this.processTimeoutMs = virtualProcessTimeoutMs(o.flashScale);
    this.snapshot = { ...o.golden.snapshot, quirks: [...o.quirks] };
    this.power = {
      cut: async () => board.powerOff(),
      restore: async () => void (await board.powerOn()),
    };
  }

  static async open(o: InProcessOptions): Promise<InProcessVirtualBackend> {
    const board = await VirtualBoard.open({
      name: o.name,
      profile: o.golden.profile,
      identity: o.golden.identity,
      quirks: o.quirks,
      testHooks: true,
      flashScale: o.flashScale,
      seed: o.seed >>> 0,
      listener: (e) => {
        if (e.kind === 'power-lost') o.log({ kind: 'note', message: `power cut before flash operation #${e.opIndex}` });
        else if (e.kind === 'error') o.log({ kind: 'note', message: `board internal error: ${(e.error as Error).message}` });
      },
    });
    const b = new InProcessVirtualBackend(o, board, await board.connect({ baudRate: o.baud, seed: o.seed >>> 0 }));
    await board.restore(b.snapshot);
    return b;
  }

  get description(): string {
    return `in-process virtual board (${this.board.profile.name}${this.o.quirks.length ? `, quirks ${this.o.quirks.join(', ')}` : ''}) over the emulated serial link at ${this.o.baud} baud`;
  }

  get client(): SmpClient {
    return this.link.client;
  }

  get witness(): ResetWitness {
    return this.board.witness;
  }

  reconnect(): Promise<SmpClient> {
    return this.link.reconnect();
  }

  async restoreSnapshot(): Promise<string> {
    this.board.faults.link({});
    await this.board.restore(this.snapshot);
    return 'restored the board in place from its known-good snapshot (flash, boot record)';
  }

  async close(): Promise<void> {
    await this.link.close();
    await this.board.close();
  }

  /** The board model itself (tests). */
  get virtualBoard(): VirtualBoard {
    return this.board;
  }
}

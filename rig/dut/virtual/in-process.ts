/**
 * A virtual board in this process behind the emulated serial link (DESIGN.md "Command line":
 * `run --board virtual` is one in-process virtual board): rig/virtual's VirtualBoard running
 * from its own state directory, reached over the paired link paced at the board's baud
 * (host/smp/in-process.ts), with the rig's hand on its power switch. Its known-good state is
 * the snapshot of its state directory taken at open; restoring it reopens the board from a
 * copy, which is exact (flash, counters, boot record) and takes milliseconds.
 */
import type { InProcessLink } from '../../../host/smp/in-process.js';
import type { SmpClient } from '../../../host/smp/client.js';
import type { Quirk } from '../../virtual/bootloader/index.js';
import { VirtualBoard } from '../../virtual/board/board.js';
import type { DutBackend } from '../backend.js';
import type { BoardProvision, DutEvent } from '../types.js';
import { copyState } from './state-dir.js';

export interface InProcessOptions {
  name: string;
  profile: string;
  /** The board's working state directory (replaced by the snapshot on restore). */
  stateDir: string;
  /** The known-good snapshot to start from and return to. */
  snapshotDir: string;
  quirks: readonly Quirk[];
  baud: number;
  /** Real time per simulated flash time (0 instant, 1 the profile's timings). */
  flashScale: number;
  seed: number;
  provision: BoardProvision | undefined;
  log(e: DutEvent): void;
}

/** Boot, swap and revert at the profile's flash timings take seconds on slow parts. */
const BOOT_TIMEOUT_MS = 20_000;

export class InProcessVirtualBackend implements DutBackend {
  readonly resetLine = false;
  readonly faults = true;
  readonly resetGraceMs = 0;
  readonly bootTimeoutMs: number;
  readonly provision: BoardProvision | undefined;
  readonly power: DutBackend['power'];
  private board!: VirtualBoard;
  private link!: InProcessLink;
  private restores = 0;

  private constructor(private readonly o: InProcessOptions) {
    this.provision = o.provision;
    this.bootTimeoutMs = BOOT_TIMEOUT_MS * Math.max(1, o.flashScale);
    this.power = {
      cut: async () => this.board.powerOff(),
      restore: async () => void (await this.board.powerOn()),
    };
  }

  static async open(o: InProcessOptions): Promise<InProcessVirtualBackend> {
    const b = new InProcessVirtualBackend(o);
    copyState(o.snapshotDir, o.stateDir);
    await b.start();
    return b;
  }

  get description(): string {
    return `in-process virtual board (${this.board.profile.name}${this.o.quirks.length ? `, quirks ${this.o.quirks.join(', ')}` : ''}) over the emulated serial link at ${this.o.baud} baud`;
  }

  get client(): SmpClient {
    return this.link.client;
  }

  reconnect(): Promise<SmpClient> {
    return this.link.reconnect();
  }

  async restoreSnapshot(): Promise<string> {
    await this.stop();
    copyState(this.o.snapshotDir, this.o.stateDir);
    this.restores++;
    await this.start();
    return 'restored the board from its known-good state snapshot (flash, counters, boot record)';
  }

  async close(): Promise<void> {
    await this.stop();
  }

  private async start(): Promise<void> {
    this.board = await VirtualBoard.open({
      name: this.o.name,
      profile: this.o.profile,
      stateDir: this.o.stateDir,
      quirks: this.o.quirks,
      flashScale: this.o.flashScale,
      seed: (this.o.seed + this.restores) >>> 0,
    });
    this.board.subscribe((e) => {
      if (e.kind === 'power-lost') this.o.log({ kind: 'note', message: `power cut before flash operation #${e.opIndex}` });
      else if (e.kind === 'error') this.o.log({ kind: 'note', message: `board internal error: ${(e.error as Error).message}` });
    });
    this.link = await this.board.connect({ baudRate: this.o.baud, seed: this.o.seed >>> 0 });
  }

  private async stop(): Promise<void> {
    await this.link.close();
    await this.board.close();
  }

  /** The board model itself (tests). */
  get virtualBoard(): VirtualBoard {
    return this.board;
  }
}

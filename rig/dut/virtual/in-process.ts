/**
 * A virtual board in this process behind the emulated serial link (DESIGN.md "Command line":
 * `run --board virtual` is one in-process virtual board): rig/virtual's VirtualBoard reached
 * over the paired link paced at the board's baud (host/smp/in-process.ts), with the rig's hand
 * on its power switch. It starts from the run's known-good snapshot and goes back to it after
 * each case with `VirtualBoard.restore`, in place, the link staying up, as a board reflashed
 * by a programmer keeps its UART. It is the rig's own board: it serves the rig group's test
 * hooks (fault arming, board model).
 */
import type { Quirk } from '../../virtual/bootloader/index.js';
import { VirtualBoard, type BoardSnapshot } from '../../virtual/board/board.js';
import { LinkConsole, SmpClientLink } from '../link.js';
import type { DutBoard, SnapshotProtocol } from '../protocols.js';
import type { BoardProvision, DutEvent } from '../types.js';
import type { GoldenState } from './known-good.js';
import { rigGroupFaults } from './faults.js';

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

/** Opens the board (from the golden snapshot, with the run's quirks) and its link. */
export async function openInProcessVirtualBoard(o: InProcessOptions): Promise<DutBoard> {
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
  const paired = await board.connect({ baudRate: o.baud, seed: o.seed >>> 0 });
  let first = true;
  const link = await SmpClientLink.open({
    describe: () => `in-process virtual board (${board.profile.name}${o.quirks.length ? `, quirks ${o.quirks.join(', ')}` : ''}) over the emulated serial link at ${o.baud} baud`,
    // The first client is the one the paired link opened with; later ones bring the cable back.
    open: async () => (first ? ((first = false), paired.client) : paired.reconnect()),
    processTimeoutMs: virtualProcessTimeoutMs(o.flashScale),
  });
  const known: BoardSnapshot = { ...o.golden.snapshot, quirks: [...o.quirks] };
  const snapshot: SnapshotProtocol = {
    restore: async () => {
      board.faults.link({});
      await board.restore(known);
      return 'restored the board in place from its known-good snapshot (flash, boot record)';
    },
  };
  await snapshot.restore();
  return {
    link,
    reset: { bootTimeoutMs: virtualBootTimeoutMs(o.flashScale), witness: board.witness },
    console: new LinkConsole(link),
    power: { cut: async () => board.powerOff(), restore: async () => void (await board.powerOn()) },
    faults: rigGroupFaults(link),
    snapshot,
    provision: o.provision,
    close: async () => {
      await paired.close();
      await board.close();
    },
  };
}

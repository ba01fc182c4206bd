/**
 * One board's SMP link as a single update, flash, reboot or status drives it (the single-board
 * commands, rig/cli/port-options.ts, and an agent's campaign jobs, rig/service/agent): the current
 * client, a reconnect after the port vanished, and the evidence a reset leaves beside the link
 * (the board's witness, a console port of its own) — taken from the board's protocols
 * (protocols.ts), so a lab board is opened one way whoever drives it: PortBoard for serial and
 * tcp boards, EmulatorBoard for emulated ones, and a VirtualBoard's paired link for virtual ones.
 */
import type { SmpClient, SmpClientOptions } from '../../host/smp/client.js';
import type { ConsoleSource } from '../../host/smp/console-watch.js';
import type { SmpLinkSettings } from '../../host/smp/link-settings.js';
import type { ResetWitness } from '../../host/smp/reset-witness.js';
import type { ResolvedBoard } from '../lab/resolve.js';
import type { LabBoard } from '../lab/types.js';
import type { PortLister } from '../ports/types.js';
import type { VirtualBoard } from '../virtual/board/board.js';
import type { EmulatorLog } from '../emulator/emulated-board.js';
import { EmulatorBoard } from './emulator-board.js';
import { PortBoard } from './port-board.js';
import { resetEvidenceOf, type DutBoard } from './protocols.js';

export interface BoardLink {
  /** The current client (a new one after `reconnect`). */
  readonly client: SmpClient;
  /** Opens the port again (after it vanished, e.g. a USB board's reset); the new client. */
  reconnect(): Promise<SmpClient>;
  /** For messages: `/dev/ttyACM0 @ 115200`, a tcp url, the emulator, the virtual board. */
  readonly description: string;
  /** Resets the board's surroundings see for themselves (a restarted process, QEMU's reset event). */
  readonly witness?: ResetWitness;
  /** The board's console apart from its link (a console port of its own): its boot banner proves a reset too. */
  readonly console?: ConsoleSource;
  /** The lab file's entry, when the board has one (its trust anchors, identity, reset method). */
  readonly lab?: LabBoard;
  /** Closes the link and whatever was started for the board (an emulator, a console port). */
  close(): Promise<void>;
}

/** Client settings a caller adds to the board's own link settings: its deadline, a packet trace. */
export type ClientExtras = Pick<SmpClientOptions, 'timeoutMs' | 'onEvent'>;

export interface OpenLinkOptions {
  /** The caller's link settings over the lab board's `smp:` (e.g. the command line's `--framing`). */
  link?: Partial<SmpLinkSettings>;
  client?: ClientExtras;
  /** What an emulated board's emulator does and prints. */
  onEmulatorOutput?: EmulatorLog;
  lister?: PortLister;
}

/** The link of a board the rig opened as its protocols. */
export function linkOf(board: DutBoard, lab: LabBoard | undefined): BoardLink {
  // The description follows the board (a USB board's new path, an emulator's new pid) while the
  // link is open, and stays as it was last after the close, for what is reported then.
  let closedAs: string | undefined;
  return {
    get client() {
      return board.link.client;
    },
    reconnect: () => board.link.reopen(),
    get description() {
      return closedAs ?? board.link.description;
    },
    ...resetEvidenceOf(board),
    ...(lab ? { lab } : {}),
    close: async () => {
      closedAs ??= board.link.description;
      await board.close();
    },
  };
}

/** Opens a lab board on a port, a tcp url or in an emulator (virtual boards: `virtualLink`). */
export async function openBoardLink(resolved: ResolvedBoard, o: OpenLinkOptions = {}): Promise<BoardLink> {
  const t = resolved.target;
  if (t.kind === 'virtual') throw new Error(`board ${resolved.name} is virtual: open it with virtualLink`);
  const board: DutBoard =
    t.kind === 'emulator'
      ? await EmulatorBoard.open(resolved.name, t.emulator, resolved.board, { ...o, output: o.onEmulatorOutput ?? (() => undefined) })
      : await PortBoard.open(resolved, o);
  return linkOf(board, resolved.board);
}

/**
 * A link to a virtual board in this process over the emulated serial link at `baud`, its
 * client as `client` says (framing, version, deadline, trace); `closeBoard` also closes the
 * board with the link (the caller opened it for this link alone).
 */
export async function virtualLink(board: VirtualBoard, o: { baud: number; description: string; client?: SmpClientOptions; lab?: LabBoard; closeBoard?: boolean }): Promise<BoardLink> {
  let paired: Awaited<ReturnType<VirtualBoard['connect']>>;
  try {
    paired = await board.connect({ baudRate: o.baud, ...(o.client ? { client: o.client } : {}) });
  } catch (e) {
    if (o.closeBoard) await board.close();
    throw e;
  }
  return {
    get client() {
      return paired.client;
    },
    reconnect: () => paired.reconnect(),
    description: o.description,
    witness: board.witness,
    ...(o.lab ? { lab: o.lab } : {}),
    close: async () => {
      await paired.close();
      if (o.closeBoard) await board.close();
    },
  };
}

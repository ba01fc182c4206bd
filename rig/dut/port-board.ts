/**
 * A real board as the lab file describes it (rig/lab, DESIGN.md "Rig"), with the protocols its
 * entry gives it (protocols.ts): the link to its serial port (found again by USB identity after
 * it re-enumerates) or tcp url, speaking SMP as `smp:` says (framing, version, line length); its
 * reset (a DTR or RTS pulse with its timings, an external command, else the SMP reset command);
 * power when the lab gives `power:` on/off commands; its known-good image; and the trust
 * anchors, roles and identity it was provisioned with; its console, between SMP frames or on a
 * console port of its own (`console:`). Boards given as a bare device path or tcp url have the
 * defaults: console framing, SMP v2, SMP reset, no power control, no known-good, the console
 * between SMP frames.
 */
import { readBoundedFile } from '../../host/util/bounded-read.js';
import { SmpClient, type SmpClientOptions } from '../../host/smp/client.js';
import { linkClientOptions, linkSettings, type SmpLinkSettings } from '../../host/smp/link-settings.js';
import { sleep, systemClock } from '../../host/transport/clock.js';
import { openPort } from '../../host/transport/open.js';
import { relocateTarget, type PortTarget, type ResolvedBoard } from '../lab/resolve.js';
import type { PowerControl } from '../lab/types.js';
import type { PortLister } from '../ports/types.js';
import { runExternalCommand } from './external-command.js';
import { hardReset, isHardReset } from './hard-reset.js';
import { PortConsole } from './console/port-console.js';
import { TextConsole } from './console/text-console.js';
import { LinkConsole, SmpClientLink, linkText } from './link.js';
import type { ConsoleProtocol, DutBoard, PowerProtocol, ResetProtocol } from './protocols.js';
import { labProvision } from './provision.js';
import type { BoardProvision } from './types.js';

/** Real boards: a swap of a large image on slow flash takes a while. */
const BOOT_TIMEOUT_MS = 60_000;
/** Real SUIT boards may erase a large slot while they process an envelope. */
const PROCESS_TIMEOUT_MS = 60_000;

type PortBoardTarget = Exclude<PortTarget, { kind: 'virtual' | 'emulator' }>;

export class PortBoard implements DutBoard {
  readonly reset: ResetProtocol;
  readonly console: ConsoleProtocol;
  readonly power?: PowerProtocol;
  readonly knownGoodImage?: { path: string; bytes: Uint8Array };
  readonly provision: BoardProvision | undefined;

  private constructor(
    readonly link: SmpClientLink,
    /** Framing, SMP version and line length: the command line's over the lab board's `smp:` over the defaults. */
    readonly settings: SmpLinkSettings,
    board: ResolvedBoard,
    private readonly consolePort: PortConsole | undefined,
  ) {
    const lab = board.board;
    const r = lab?.reset ?? { method: 'smp' };
    this.reset = {
      bootTimeoutMs: BOOT_TIMEOUT_MS,
      ...(isHardReset(r) ? { hard: { kind: r.method, run: (o = {}) => hardReset(r, () => this.link.client.transport, o.signal) } } : {}),
    };
    // With a console port of its own, its text joins what shows between SMP frames, and input goes there.
    const port = consolePort;
    this.console = port
      ? new TextConsole({ describe: () => `${port.description} (and text between SMP frames on ${link.description})`, sources: [port.text, linkText(link)], input: (b, o) => port.write(b, o) })
      : new LinkConsole(link);
    if (port) link.onReopen(() => void port.revive());
    if (lab?.power) this.power = commandPower(lab.power, link);
    if (lab?.knownGood) this.knownGoodImage = { path: lab.knownGood, bytes: readBoundedFile(lab.knownGood, 'image') };
    this.provision = labProvision(lab);
  }

  /** `link`: settings over the lab's `smp:`; `client`: a deadline, a trace; `lister`: for USB identities (tests). */
  static async open(board: ResolvedBoard, o: { lister?: PortLister; link?: Partial<SmpLinkSettings>; client?: Pick<SmpClientOptions, 'timeoutMs' | 'onEvent'> } = {}): Promise<PortBoard> {
    const lister = o.lister;
    if (board.target.kind === 'virtual' || board.target.kind === 'emulator') throw new Error(`board ${board.name} is ${board.target.kind === 'virtual' ? 'virtual' : 'emulated'}, not a board on a port`);
    let target = board.target as PortBoardTarget;
    const settings = linkSettings(board.board?.smp, o.link);
    let opened = false;
    const link = await SmpClientLink.open({
      describe: () => (target.kind === 'serial' ? `${target.path} @ ${target.baud}` : target.url),
      open: async () => {
        // A USB board may come back as another /dev/ttyACMx after a reset or power cycle.
        if (opened) target = (await relocateTarget(target, lister, { waitMs: 5_000 })) as PortBoardTarget;
        opened = true;
        return SmpClient.over(await openPort(target.url, { baudRate: target.baud }), { ...linkClientOptions(settings), ...o.client });
      },
      processTimeoutMs: PROCESS_TIMEOUT_MS,
    });
    const spec = board.board?.console;
    try {
      return new PortBoard(link, settings, board, spec && (await PortConsole.open(`board ${board.name}`, spec, board.target.baud, lister)));
    } catch (e) {
      await link.drop();
      throw e;
    }
  }

  async close(): Promise<void> {
    await this.link.drop();
    await this.consolePort?.close();
  }
}

/** The lab's power commands: off drops the link (the port goes with the board), each waits `settle-ms` after. */
function commandPower(p: PowerControl, link: SmpClientLink): PowerProtocol {
  return {
    cut: async (o = {}) => {
      await runExternalCommand(p.off, { timeoutMs: p.timeoutMs, what: 'power off command', ...(o.signal ? { signal: o.signal } : {}) });
      await link.drop();
      await sleep(systemClock, p.settleMs, o.signal);
    },
    restore: async (o = {}) => {
      await runExternalCommand(p.on, { timeoutMs: p.timeoutMs, what: 'power on command', ...(o.signal ? { signal: o.signal } : {}) });
      await sleep(systemClock, p.settleMs, o.signal);
    },
  };
}

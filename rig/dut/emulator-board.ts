/**
 * A board whose firmware runs in an emulator the rig starts itself (rig.yaml `port: qemu` /
 * `port: native-sim`, rig/emulator), with its protocols (protocols.ts): the link to its UART,
 * which survives the emulator's resets and restarts, speaking SMP as its `smp:` says (as for
 * every lab board); power, which is the emulator (stop it, start it again); its resets, which
 * are SMP resets (the firmware answers, then resets some 250 ms later, as on a real Zephyr
 * board) told to the rig by the emulator's witness (a restarted native_sim process, QEMU's RESET
 * event); and its known-good state, which comes back by restarting the emulator from the state
 * it was opened in.
 */
import { readBoundedFile } from '../../host/util/bounded-read.js';
import { SmpClient, type SmpClientOptions } from '../../host/smp/client.js';
import { linkClientOptions, linkSettings, type SmpLinkSettings } from '../../host/smp/link-settings.js';
import type { EmulatedBoard, EmulatorLog } from '../emulator/emulated-board.js';
import { startEmulatedBoard } from '../emulator/start.js';
import type { EmulatorSpec, LabBoard } from '../lab/types.js';
import { DutUnresponsiveError } from './errors.js';
import { TextConsole } from './console/text-console.js';
import { SmpClientLink, linkInput, linkText } from './link.js';
import type { DutBoard, PowerProtocol, ResetProtocol, SnapshotProtocol } from './protocols.js';
import { labProvision } from './provision.js';
import type { BoardProvision } from './types.js';

/** An emulated board boots in about a second; native_sim through qemu-user takes longer. */
const BOOT_TIMEOUT_MS = 20_000;

export class EmulatorBoard implements DutBoard {
  readonly reset: ResetProtocol;
  readonly console: TextConsole;
  readonly power: PowerProtocol;
  readonly snapshot: SnapshotProtocol;
  readonly knownGoodImage?: { path: string; bytes: Uint8Array };
  readonly provision: BoardProvision | undefined;

  private constructor(
    private readonly emulator: EmulatedBoard,
    readonly link: SmpClientLink,
    lab: LabBoard | undefined,
  ) {
    this.reset = { bootTimeoutMs: BOOT_TIMEOUT_MS, witness: emulator.witness };
    // The emulator's console (native_sim's stdout, a QEMU console UART) is in the board log
    // already, as everything the emulator prints; input goes to a console UART, else onto the link.
    const uart = emulator.consoleInput;
    this.console = new TextConsole({
      describe: () => `${emulator.consoleDescription ? `${emulator.consoleDescription} and ` : ''}text between SMP frames on ${link.description}`,
      sources: [linkText(link), { subscribe: (l) => emulator.onConsole(l), logged: true, where: () => emulator.consoleDescription }],
      input: uart ? (bytes, o) => uart.write(bytes, o.signal ? { signal: o.signal } : {}) : linkInput(link),
    });
    this.power = { cut: () => emulator.powerOff(), restore: () => emulator.powerOn() };
    // The link survives the restart: the client stays.
    this.snapshot = { restore: () => emulator.restoreInitialState() };
    if (lab?.knownGood) this.knownGoodImage = { path: lab.knownGood, bytes: readBoundedFile(lab.knownGood, 'image') };
    this.provision = labProvision(lab);
  }

  /**
   * Starts the emulator of board `name` and connects to its UART; `output` gets its events and
   * output, `link` settings over the lab's `smp:`, `client` a deadline or a trace.
   */
  static async open(
    name: string,
    spec: EmulatorSpec,
    lab: LabBoard | undefined,
    o: { output: EmulatorLog; link?: Partial<SmpLinkSettings>; client?: Pick<SmpClientOptions, 'timeoutMs' | 'onEvent'> },
  ): Promise<EmulatorBoard> {
    const emulator = await startEmulatedBoard(name, spec, o.output);
    const options = { ...linkClientOptions(linkSettings(lab?.smp, o.link)), ...o.client };
    const gone = new AbortController();
    emulator.lost.addEventListener('abort', () => gone.abort(new DutUnresponsiveError(`board ${name}: ${(emulator.lost.reason as Error).message}`)), { once: true });
    try {
      const link = await SmpClientLink.open({
        describe: () => emulator.description,
        open: async () => SmpClient.over(await emulator.connect(), options),
        processTimeoutMs: 30_000,
        lost: () => gone.signal,
      });
      return new EmulatorBoard(emulator, link, lab);
    } catch (e) {
      await emulator.close();
      throw e;
    }
  }

  async close(): Promise<void> {
    await this.link.drop();
    await this.emulator.close();
  }
}

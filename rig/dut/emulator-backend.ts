/**
 * What SmpDut needs around a board whose firmware runs in an emulator the rig starts itself
 * (rig.yaml `port: qemu` / `port: native-sim`, rig/emulator): the link to its UART, which
 * survives the emulator's resets and restarts; its power switch (stop the emulator, start it
 * again); the witness its emulator tells of every reset (a restarted native_sim process, QEMU's
 * RESET event); and its known-good state, which comes back by restarting the emulator from the
 * state it was opened in; how it speaks SMP (`smp:`, as for every lab board). Resets are SMP resets: the firmware answers, then resets some 250 ms
 * later, as on a real Zephyr board.
 */
import { readBoundedFile } from '../../host/util/bounded-read.js';
import { SmpClient, type SmpClientOptions } from '../../host/smp/client.js';
import { linkClientOptions, linkSettings, type SmpLinkSettings } from '../../host/smp/link-settings.js';
import type { EmulatedBoard } from '../emulator/emulated-board.js';
import { startEmulatedBoard } from '../emulator/start.js';
import type { EmulatorSpec, LabBoard } from '../lab/types.js';
import type { DutBackend } from './backend.js';
import { DutUnresponsiveError } from './errors.js';
import { labProvision } from './provision.js';
import type { BoardProvision, DutEvent } from './types.js';

/** An emulated board boots in about a second; native_sim through qemu-user takes longer. */
const BOOT_TIMEOUT_MS = 20_000;

export class EmulatorBackend implements DutBackend {
  readonly faults = false;
  readonly resetLine = false;
  readonly bootTimeoutMs = BOOT_TIMEOUT_MS;
  readonly processTimeoutMs = 30_000;
  readonly provision: BoardProvision | undefined;
  readonly power: DutBackend['power'];
  readonly knownGoodImage: DutBackend['knownGoodImage'];
  private readonly gone = new AbortController();
  private current: SmpClient;

  private constructor(
    private readonly board: EmulatedBoard,
    first: SmpClient,
    name: string,
    lab: LabBoard | undefined,
    /** Framing and SMP version: the lab board's `smp:` over the defaults. */
    private readonly link: Pick<SmpClientOptions, 'framing' | 'version'>,
  ) {
    this.current = first;
    this.provision = labProvision(lab);
    this.knownGoodImage = lab?.knownGood ? { path: lab.knownGood, bytes: readBoundedFile(lab.knownGood, 'image') } : undefined;
    this.power = { cut: () => board.powerOff(), restore: () => board.powerOn() };
    const lost = board.lost;
    lost.addEventListener('abort', () => this.gone.abort(new DutUnresponsiveError(`board ${name}: ${(lost.reason as Error).message}`)), { once: true });
  }

  /** Starts the emulator of board `name` and connects to its UART; `log` gets its events and output. */
  static async open(name: string, spec: EmulatorSpec, lab: LabBoard | undefined, log: (e: DutEvent) => void, given: Partial<SmpLinkSettings> = {}): Promise<EmulatorBackend> {
    const board = await startEmulatedBoard(name, spec, (message, kind) => log({ kind: 'note', message: kind === 'event' ? message : `| ${message}` }));
    const link = linkClientOptions(linkSettings(lab?.smp, given));
    try {
      return new EmulatorBackend(board, SmpClient.over(await board.connect(), link), name, lab, link);
    } catch (e) {
      await board.close();
      throw e;
    }
  }

  get description(): string {
    return this.board.description;
  }

  get client(): SmpClient {
    return this.current;
  }

  get witness(): EmulatedBoard['witness'] {
    return this.board.witness;
  }

  get lost(): AbortSignal {
    return this.gone.signal;
  }

  async reconnect(): Promise<SmpClient> {
    await this.current.close().catch(() => undefined);
    this.current = SmpClient.over(await this.board.connect(), this.link);
    return this.current;
  }

  restoreSnapshot(): Promise<string> {
    // The link survives the restart: the client stays.
    return this.board.restoreInitialState();
  }

  async close(): Promise<void> {
    await this.current.close().catch(() => undefined);
    await this.board.close();
  }
}

/**
 * A real board as the lab file describes it (rig/lab, DESIGN.md "Rig"): its serial port (found
 * again by USB identity after it re-enumerates) or tcp url, its reset method (SMP reset, a DTR
 * or RTS pulse with its timings, an external command), its power commands, its known-good
 * image, how it speaks SMP (framing, version, line length), and the trust anchors, roles and
 * identity it was provisioned with. Boards given as a bare device path or tcp url have the
 * defaults: console framing, SMP v2, SMP reset, no power control, no known-good.
 */
import { readBoundedFile } from '../../host/util/bounded-read.js';
import { SmpClient } from '../../host/smp/client.js';
import { linkClientOptions, linkSettings, type SmpLinkSettings } from '../../host/smp/link-settings.js';
import { sleep, systemClock } from '../../host/transport/clock.js';
import { openPort } from '../../host/transport/open.js';
import { relocateTarget, type PortTarget, type ResolvedBoard } from '../lab/resolve.js';
import type { PortLister } from '../ports/types.js';
import type { DutBackend } from './backend.js';
import { runExternalCommand } from './external-command.js';
import { hardReset, isHardReset } from './hard-reset.js';
import { labProvision } from './provision.js';
import type { BoardProvision } from './types.js';

/** Real boards: a swap of a large image on slow flash takes a while. */
const BOOT_TIMEOUT_MS = 60_000;

export class LabBackend implements DutBackend {
  readonly faults = false;
  readonly bootTimeoutMs = BOOT_TIMEOUT_MS;
  /** Real SUIT boards may erase a large slot while they process an envelope. */
  readonly processTimeoutMs = 60_000;
  readonly resetLine: boolean;
  readonly provision: BoardProvision | undefined;
  readonly power: DutBackend['power'];
  readonly hardReset: DutBackend['hardReset'];
  readonly knownGoodImage: DutBackend['knownGoodImage'];
  private target: Exclude<PortTarget, { kind: 'virtual' | 'emulator' }>;
  /** Framing, SMP version and line length: the command line's over the lab board's `smp:` over the defaults. */
  readonly link: SmpLinkSettings;
  private current!: SmpClient;

  private constructor(
    board: ResolvedBoard & { target: Exclude<PortTarget, { kind: 'virtual' | 'emulator' }> },
    private readonly lister: PortLister | undefined,
    given: Partial<SmpLinkSettings>,
  ) {
    this.target = board.target;
    const lab = board.board;
    this.link = linkSettings(lab?.smp, given);
    const reset = lab?.reset ?? { method: 'smp' };
    this.resetLine = reset.method === 'dtr' || reset.method === 'rts';
    this.hardReset = isHardReset(reset) ? (signal) => hardReset(reset, () => this.current.transport, signal) : undefined;
    this.provision = labProvision(lab);
    const p = lab?.power;
    this.power = p && {
      cut: async (signal) => {
        await runExternalCommand(p.off, { timeoutMs: p.timeoutMs, what: 'power off command', ...(signal ? { signal } : {}) });
        await this.current.close().catch(() => undefined);
        await sleep(systemClock, p.settleMs, signal);
      },
      restore: async (signal) => {
        await runExternalCommand(p.on, { timeoutMs: p.timeoutMs, what: 'power on command', ...(signal ? { signal } : {}) });
        await sleep(systemClock, p.settleMs, signal);
      },
    };
    this.knownGoodImage = lab?.knownGood ? { path: lab.knownGood, bytes: readBoundedFile(lab.knownGood, 'image') } : undefined;
  }

  static async open(board: ResolvedBoard, lister?: PortLister, given: Partial<SmpLinkSettings> = {}): Promise<LabBackend> {
    if (board.target.kind === 'virtual' || board.target.kind === 'emulator') throw new Error(`board ${board.name} is ${board.target.kind === 'virtual' ? 'virtual' : 'emulated'}, not a board on a port`);
    const b = new LabBackend(board as ResolvedBoard & { target: Exclude<PortTarget, { kind: 'virtual' | 'emulator' }> }, lister, given);
    await b.connect();
    return b;
  }

  get description(): string {
    return this.target.kind === 'serial' ? `${this.target.path} @ ${this.target.baud}` : `${this.target.url} (raw tcp)`;
  }

  get client(): SmpClient {
    return this.current;
  }

  async reconnect(): Promise<SmpClient> {
    await this.current.close().catch(() => undefined);
    // A USB board may come back as another /dev/ttyACMx after a reset or power cycle.
    this.target = (await relocateTarget(this.target, this.lister, { waitMs: 5_000 })) as typeof this.target;
    return this.connect();
  }

  async close(): Promise<void> {
    await this.current.close().catch(() => undefined);
  }

  private async connect(): Promise<SmpClient> {
    this.current = SmpClient.over(await openPort(this.target.url, { baudRate: this.target.baud }), linkClientOptions(this.link));
    return this.current;
  }
}

/**
 * The virtual board (DESIGN.md "Virtual board"): the SUIT firmware of rig/virtual/suit (flash,
 * MCUboot-style bootloader with SUIT secure boot, application model, firmware consumer) behind
 * two SMP servers (host/smp/server), as a real board has two firmware builds on one UART:
 *
 * - the application's (Zephyr): OS (0), image (1), SUIT (66) and rig (67) groups; answers
 *   without `rc` on success except the SUIT group, which keeps it as nRF Connect SDK's suitfu
 *   does (it needs CONFIG_MCUMGR_SMP_LEGACY_RC_BEHAVIOUR); Zephyr's frame encoder; the
 *   profile's buffers (`profile.smp.app`);
 * - MCUboot's serial recovery, while the bootloader waits (`reset` with `boot_mode` 1, or no
 *   bootable image): its subset of groups 0 and 1 (host/smp/server/mcuboot-recovery.ts) in
 *   one 1024-byte buffer; besides, through MCUboot's hook for user groups >= 64
 *   (MCUBOOT_PERUSER_MGMT_GROUP_ENABLED), the SUIT group — a SUIT board that cannot boot must
 *   still take the update that recovers it, as nRF54H20's SUIT recovery firmware does — and
 *   rig group 67, whose boot record is how the rig tells "waits in its bootloader on request"
 *   from "nothing bootable" (real MCUboot recovery has neither group);
 *
 * both taking console lines of at most `profile.smp.lineMax` bytes (longer ones are dropped
 * silently, as Zephyr's and MCUboot's line buffers do), served over any transport — the
 * in-process paired link, TCP, a pty — with the board's power, time and faults around it:
 *
 * - power and reboots: off, the board's UART is dead; booting, it prints its console (boot
 *   banner, bootloader log, application messages, between SMP frames) but serves no SMP
 *   (board/port.ts); an SMP reset answers first and reboots `profile.smp.resetMs`
 *   later on the board's clock (Zephyr's CONFIG_MCUMGR_GRP_OS_RESET_MS; the application
 *   keeps answering until the reset, as Zephyr's does, unless the profile's
 *   `smp.serveUntilReset` is off; the bootloader goes silent at once), then
 *   swaps, runs secure boot and starts the application, taking the simulated flash time of
 *   the boot; a board whose application crashes at
 *   every boot never serves SMP again until reset or power-cycled, as a boot-looping board;
 * - flash time: every request waits for the simulated busy time of the flash operations it
 *   caused, times `flashScale` (0 = instant; `slowFlash` multiplies it);
 * - power cuts: armed before the Nth flash operation (or at a seeded random one), from the
 *   TypeScript API or, on a board started with `testHooks`, rig group 67 (any client on the
 *   port could use them: elsewhere they are refused, rig-group.ts); when one strikes the
 *   board goes dark, loses its RAM (an upload in progress, the consumer's run) and, unless
 *   told otherwise, comes back after `powerRestoreMs` and boots from what the flash holds;
 * - link faults (seeded), the reset line (DTR/RTS of the paired link), bootloader mode
 *   (`reset` with `boot_mode` 1: stays in serial recovery, uploads go to the primary slot);
 * - the application's shell (shell.ts): a line typed between SMP frames is echoed and run
 *   (`help`, `version`, `kernel version`, `kernel reboot cold`), and the prompt `uart:~$ `
 *   follows, ending no line — the console text between frames a console session expects;
 * - one upload session per board: while one connection uploads (image group, SUIT envelope,
 *   payload or cache), the other connections' uploads are answered EBUSY, until it completes,
 *   its connection closes, the board resets, or `uploadIdleMs` pass without a request from it.
 *
 * `VirtualBoard.open(options)` powers it on; `connect()` gives an SmpClient over an in-process
 * paired link; `listenTcp` / `serve(transport)` serve other links; `snapshot()` / `restore()`
 * return a board to a known-good state in place.
 */
import { join } from 'node:path';
import { systemClock, type Clock, type Timer } from '../../../host/transport/clock.js';
import type { LinkFaults } from '../../../host/transport/paired/faults.js';
import type { PairedLink } from '../../../host/transport/paired/paired-link.js';
import { randomSeed, seededRng } from '../../../host/transport/rng.js';
import { listenTcp, type TcpListener } from '../../../host/transport/tcp.js';
import type { Transport } from '../../../host/transport/transport.js';
import { connectInProcess, type InProcessLink, type InProcessOptions } from '../../../host/smp/in-process.js';
import { MgmtErr, SmpRcError } from '../../../host/smp/errors.js';
import { ConsoleFraming } from '../../../host/smp/framing/console.js';
import { imageGroup } from '../../../host/smp/server/image-group.js';
import { recoveryImageGroup, recoveryOsGroup } from '../../../host/smp/server/mcuboot-recovery.js';
import { osGroup } from '../../../host/smp/server/os-group.js';
import { SmpServer, type ServerConnection, type SmpGroupHandler, type SmpHandler, type SmpServing } from '../../../host/smp/server/server.js';
import { UploadSessionLock } from '../../../host/smp/server/upload-session.js';
import type { LinkEvent } from '../../../host/smp/link.js';
import { CountingWitness, type ResetWitness } from '../../../host/smp/reset-witness.js';
import type { DeviceIdentity } from '../../../host/verifier/identity.js';
import { padImage } from '../../../host/mcuboot/create.js';
import { capabilityReport, CAPABILITY_REASONS, componentText, withReportFields } from '../../../host/verifier/index.js';
import { DEFAULT_IMAGE_COMPONENT_IDS } from '../suit/flash-platform.js';
import { createSigner, type Signer } from '../../../host/cose/index.js';
import { verificationKeyOf, type SigningKey, type VerificationKey } from '../../../host/keys/index.js';
import { protectReport } from '../../../host/operator/report-protection.js';
import { type Behaviour } from '../app/app-image.js';
import type { Quirk } from '../bootloader/index.js';
import { fileBootRecordStore, ZEPHYR_BANNER, type BootRecord, type DeviceState, type ResetReason } from '../device.js';
import { isPowerCut, PersistentFlash, programArea, settle, SimFlash, type FlashSnapshot } from '../flash/index.js';
import { DEFAULT_PROFILE, getProfile, type BoardProfile } from '../profiles.js';
import type { InstallMode } from '../suit/consumer.js';
import { SuitFirmware } from '../suit/firmware.js';
import { ReportLog } from '../suit/reports.js';
import type { BoardTrust } from '../suit/trust.js';
import { resolveIdentity } from './identity.js';
import { resolveReportKey } from './report-key.js';
import { BoardImageStorage } from './image-storage.js';
import { BoardPort, type SmpFirmware, type UartState } from './port.js';
import { rigGroup } from './rig-group.js';
import { runShellLine } from './shell.js';
import { suitGroup } from './suit-group.js';

export interface VirtualBoardOptions {
  /** For logs and OS info (default `virtual`). */
  name?: string;
  /** Profile name or profile (default nrf52840-like). */
  profile?: string | BoardProfile;
  /** Keep flash, boot record, last report and generated identity here (survives restarts). */
  stateDir?: string;
  /** Trust anchors to provision; without them the board keeps what its trust partition holds. */
  trust?: BoardTrust;
  /** Identity; missing parts: vendor/class from the profile, a random device id. */
  identity?: DeviceIdentity;
  /** The key the board protects its SUIT reports with (report-key.ts; default: kept in the
   *  state directory, or a fresh P-256 key). */
  reportKey?: SigningKey;
  quirks?: readonly Quirk[];
  /**
   * Serve rig group 67's test hooks, commands 8 (arm fault) and 9 (board model), to any client
   * on the port (default false: refused rc 8). Only for a board started for testing: the rig's
   * own boards, `board virtual --test-hooks`.
   */
  testHooks?: boolean;
  installMode?: InstallMode;
  /** Real time per simulated flash time: 0 instant (default), 1 the profile's timings. */
  flashScale?: number;
  /** Pace the board's side (what it sends and what it reads) at this baud on links that do not pace themselves (TCP, pty). */
  baud?: number;
  /** How long an upload session may go without a request from its client before another client may take the board (default 30 s). */
  uploadIdleMs?: number;
  /** Seed of the board's fault generators (default random; read it back from `seed`). */
  seed?: number;
  /** How long the board stays off after an armed power cut before it boots again (default 200 ms). */
  powerRestoreMs?: number;
  /** Boot again by itself after an armed power cut (default true); else call `powerOn()`. */
  autoRestore?: boolean;
  /** SMP packets and console lines of every connection (traces). */
  onEvent?: (e: LinkEvent) => void;
  /** Board events from the first boot on (console lines, power losses, boots, internal errors). */
  listener?: (e: BoardEvent) => void;
  clock?: Clock;
}

/** A board's state for `restore` (its flash, boot record and model). */
export interface BoardSnapshot {
  flash: FlashSnapshot;
  bootRecord: BootRecord;
  quirks: Quirk[];
  installMode: InstallMode;
}

export type BoardMode = 'off' | 'application' | 'bootloader' | 'recovery' | 'boot-loop';

/** What happened to the board, for tests and the CLI's log. */
export type BoardEvent =
  | { kind: 'console'; line: string }
  | { kind: 'power-lost'; opIndex: number }
  | { kind: 'booted'; state: DeviceState['kind'] }
  | { kind: 'error'; error: unknown };

export class VirtualBoard implements SmpServing {
  readonly name: string;
  readonly profile: BoardProfile;
  private fw: SuitFirmware;
  /** The application's SMP server. */
  readonly appServer: SmpServer;
  /** MCUboot serial recovery's SMP server. */
  readonly bootServer: SmpServer;
  readonly seed: number;
  readonly clock: Clock;
  /** Which identity parts were defaulted (profile vendor/class, generated device id). */
  readonly defaultedIdentity: readonly string[];
  /** What protects the board's SUIT reports: its public (or shared HMAC) key, for the operator. */
  readonly reportKey: VerificationKey;
  private readonly reportSigner: Signer;
  private readonly persistent: PersistentFlash | undefined;
  private readonly ports = new Set<BoardPort>();
  private readonly listeners = new Set<(e: BoardEvent) => void>();
  private readonly storage: BoardImageStorage;
  private readonly suit: ReturnType<typeof suitGroup>;
  /** One upload session per board, whichever port and group it comes through (upload-session.ts). */
  readonly uploads: UploadSessionLock;
  private removeImageGroups: () => void = () => undefined;
  private uart: UartState = 'off';
  private powered = false;
  private bootloaderMode = false;
  private linkFaults: LinkFaults = {};
  private portSeeds: () => number;
  private scale: number;
  private slow = 1;
  private restoreTimer: Timer | undefined;
  /** The SMP reset waiting for its delay (deferredReset). */
  private resetTimer: Timer | undefined;
  private readonly autoRestore: boolean;
  private readonly restoreMs: number;
  private readonly baud: number | undefined;
  private closed = false;
  private readonly boots = new CountingWitness();
  /** The shell's prompt ends the console's last line (what the board prints next starts a new one). */
  private promptOpen = false;

  private constructor(o: VirtualBoardOptions) {
    this.name = o.name ?? 'virtual';
    this.profile = typeof o.profile === 'string' || o.profile === undefined ? getProfile(o.profile ?? DEFAULT_PROFILE) : o.profile;
    this.clock = o.clock ?? systemClock;
    this.seed = o.seed ?? randomSeed();
    const rng = seededRng(this.seed);
    this.portSeeds = rng.u32;
    this.scale = o.flashScale ?? 0;
    this.autoRestore = o.autoRestore ?? true;
    this.restoreMs = o.powerRestoreMs ?? 200;
    this.baud = o.baud;
    if (o.listener) this.listeners.add(o.listener);
    let flash: SimFlash;
    if (o.stateDir) {
      this.persistent = PersistentFlash.open(o.stateDir, this.profile.geometry, { timing: this.profile.timing });
      flash = this.persistent.flash;
    } else {
      flash = new SimFlash(this.profile.geometry, { timing: this.profile.timing });
    }
    const id = resolveIdentity(this.profile, o.identity, o.stateDir);
    this.defaultedIdentity = id.defaulted;
    const reportKey = resolveReportKey(o.reportKey, o.stateDir);
    this.reportKey = verificationKeyOf(reportKey);
    this.reportSigner = createSigner(reportKey);
    this.fw = new SuitFirmware({
      profile: this.profile,
      flash,
      identity: id.identity,
      ...(o.trust ? { trust: o.trust } : {}),
      quirks: o.quirks ?? [],
      installMode: o.installMode ?? 'test',
      ...(o.stateDir ? { records: fileBootRecordStore(join(o.stateDir, 'boot.json')), reports: new ReportLog(join(o.stateDir, 'last-report.json')) } : {}),
      console: (line) => this.consoleLine(line),
    });
    this.storage = new BoardImageStorage(this);
    this.uploads = new UploadSessionLock(this.clock, { ...(o.uploadIdleMs !== undefined ? { idleMs: o.uploadIdleMs } : {}) });
    const smp = this.profile.smp;
    const common = { clock: this.clock, ...(o.onEvent ? { onEvent: o.onEvent } : {}), onHandlerError: (e: unknown) => this.emit({ kind: 'error', error: e }) };
    this.appServer = new SmpServer({
      ...common,
      bufSize: smp.app.bufSize,
      bufCount: smp.app.bufCount,
      // Zephyr's encoder (serial_util.c: the recorded server frames) and its UART line buffer.
      framing: () => new ConsoleFraming({ style: 'zephyr', maxLineBytes: smp.lineMax }),
    });
    this.bootServer = new SmpServer({
      ...common,
      bufSize: smp.recovery.bufSize,
      // One request served at a time; the requests that wait are held in MCUboot's line buffers.
      bufCount: smp.recovery.lineBufs,
      // MCUboot's boot_serial_output: base64 of the whole buffer, cut every 124 characters.
      framing: () => new ConsoleFraming({ style: 'mcumgr', maxLineBytes: smp.lineMax }),
      // dec_buf is BOOT_SERIAL_MAX_RECEIVE_SIZE + 1 bytes and holds length, packet and CRC.
      maxPacket: smp.recovery.bufSize + 1 - 4,
      dialect: 'mcuboot',
    });
    this.appServer.register(
      this.wrap(
        osGroup({
          params: { bufSize: smp.app.bufSize, bufCount: smp.app.bufCount },
          reset: ({ bootMode }) => this.deferredReset(bootMode === 1, 'application'),
          info: { n: this.name, r: '0.1.0', v: 'suitrig virtual board', m: this.profile.name, p: 'virtual', i: this.profile.description, o: 'suitrig' },
          bootloader: { name: 'MCUboot', mode: this.profile.swapMode === 'move' ? 3 : 1 },
        }),
        'application',
      ),
    );
    this.bootServer.register(
      this.wrap(
        recoveryOsGroup({
          ...(smp.recovery.params ? { params: { bufSize: smp.recovery.bufSize } } : {}),
          echo: smp.recovery.echo,
          // Leaving serial recovery is a reset; the bootloader then boots what it can.
          reset: () => this.deferredReset(false, 'bootloader'),
        }),
        'bootloader',
      ),
    );
    // One writer of the candidate slot at a time: a SUIT update ends an image-group upload
    // (and an image-group upload cancels a SUIT update: BoardImageStorage.beginUpload).
    this.suit = suitGroup(() => this.firmware, {
      lock: this.uploads,
      claimCandidate: () => {
        this.storage.abandonUpload();
        this.freshImageGroups();
      },
    });
    const rig = rigGroup({
      testHooks: o.testHooks ?? false,
      lastReport: () => (this.firmware.reports.lastUpdate ?? this.firmware.reports.lastBoot)?.report ?? new Uint8Array(0),
      protectedReport: (nonce, capabilities) => this.protectedReport(nonce, capabilities),
      boot: () => this.bootRecord,
      trust: () => {
        const t = this.firmware.trust;
        return { sequence: this.firmware.storedSequence(), anchors: (t?.anchors ?? []).map((a) => a.id), require: [...(t?.require ?? [])] };
      },
      model: () => ({ quirks: [...this.firmware.quirks], appDefault: this.firmware.device.appDefault, powerCutInOps: this.firmware.flash.opsUntilPowerCut, link: this.linkFaults }),
      armPowerCut: (n, seed) => this.faults.powerCutBeforeOp(n, { seed }),
      armLinkFaults: (f, seed) => this.faults.link(f, seed),
      setModel: (m) => this.setModel(m),
      log: (line) => this.consoleLine(line),
    });
    for (const [server, firmware] of [[this.appServer, 'application'], [this.bootServer, 'bootloader']] as const) {
      server.register(this.wrap(this.suit, firmware));
      server.register(this.wrap(rig, firmware));
    }
    this.freshImageGroups();
  }

  /**
   * The last SUIT report (the update's, else the last secure boot's) with `nonce`, a capability
   * report when asked or when the run failed on something the board does not implement, signed
   * (or MACed) with the report key: what rig command 2 answers. Empty before any run.
   */
  protectedReport(nonce: Uint8Array, capabilities: boolean): Uint8Array {
    const last = this.firmware.reports.lastUpdate ?? this.firmware.reports.lastBoot;
    if (!last) return new Uint8Array(0);
    // The image components this firmware takes (flash-platform.ts); nothing else can be stored.
    const components = DEFAULT_IMAGE_COMPONENT_IDS.filter((id) => this.firmware.components.includes(componentText(id)));
    const caps = capabilities || CAPABILITY_REASONS.has(last.reasonCode) ? capabilityReport(components) : undefined;
    return protectReport(withReportFields(last.report, { nonce, ...(caps ? { capabilities: caps } : {}) }), this.reportSigner);
  }

  /** Creates the board and powers it on (it boots what its flash holds). */
  static async open(o: VirtualBoardOptions = {}): Promise<VirtualBoard> {
    const b = new VirtualBoard(o);
    await b.powerOn();
    return b;
  }

  /** Everything on the board: flash, bootloader, consumer, reports (replaced by `restore`). */
  get firmware(): SuitFirmware {
    return this.fw;
  }

  /** The board's flash and boot record as they are now (for `restore`: a known-good state). */
  snapshot(): BoardSnapshot {
    return { flash: this.fw.flash.snapshot(), bootRecord: { ...this.fw.bootRecord }, quirks: [...this.fw.quirks], installMode: this.fw.installMode };
  }

  /**
   * Puts the board back into a snapshot's state (the rig's fast known-good restore) and boots
   * it; connections stay up, as a board reflashed by a programmer keeps its UART. Boards
   * with a state directory are restored by reflashing instead (not supported here).
   */
  async restore(snap: BoardSnapshot): Promise<DeviceState> {
    if (this.persistent) throw new Error(`board ${this.name} keeps its flash in ${this.persistent.dir}: restore works on boards without a state directory`);
    this.powerOff();
    let record = snap.bootRecord;
    this.fw = new SuitFirmware({
      profile: this.profile,
      flash: new SimFlash(this.profile.geometry, { timing: this.profile.timing, snapshot: snap.flash }),
      identity: this.fw.identity,
      quirks: snap.quirks,
      installMode: snap.installMode,
      records: { load: () => record, save: (r) => void (record = r) },
      console: (line) => this.consoleLine(line),
    });
    return this.powerOn();
  }

  /**
   * Writes `image` (a signed MCUboot image) into the primary slot as `imgtool sign --pad
   * --confirm` and a programmer would — the factory's first image, not an update — and resets
   * the board into it. The board's bootloader validates it at that boot as any other.
   */
  async program(image: Uint8Array): Promise<DeviceState> {
    const a = this.firmware.areas.primary;
    programArea(a, 0, padImage(image, { slotSize: a.size, confirm: true, align: a.align, erasedValue: a.erasedValue as 0xff | 0x00 }));
    return this.powered ? this.reset('pin-reset') : this.powerOn();
  }

  /** The SMP server that serves now: MCUboot's while the bootloader waits in serial recovery, else the application's. */
  get server(): SmpServer {
    return this.servingFirmware === 'bootloader' ? this.bootServer : this.appServer;
  }

  /** Where the board is: its application runs, it stays in its bootloader, or it is off. */
  get mode(): BoardMode {
    if (!this.powered) return 'off';
    if (this.bootloaderMode) return 'bootloader';
    const k = this.firmware.state.kind;
    return k === 'running' ? 'application' : k === 'off' ? 'off' : k;
  }

  get state(): DeviceState {
    return this.firmware.state;
  }

  /** The last boot as rig group 67 reports it. */
  get bootRecord(): { count: number; reason: string; slot: number; outcome: string } {
    const r = this.firmware.bootRecord;
    if (this.bootloaderMode) return { count: r.count, reason: 'boot-mode', slot: 0, outcome: 'recovery' };
    return { count: r.count, reason: r.reason, slot: r.slot, outcome: r.outcome };
  }

  /** Every boot and every entry into the bootloader, as the rig's hand on the board sees them (host/smp/reboot.ts). */
  get witness(): ResetWitness {
    return this.boots;
  }

  /** Board events: console lines, power losses, boots, internal errors. Returns the unsubscribe. */
  subscribe(listener: (e: BoardEvent) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  // ---- links --------------------------------------------------------------------------------

  /**
   * Serves SMP on `transport` (one more UART-side port of this board): the application's server
   * and MCUboot's each read it while their firmware runs. The connection's `link` is the
   * application's. Requests through either are the port's (one client: its upload session).
   */
  serve(transport: Transport): ServerConnection {
    const port = this.attach(transport);
    const app = this.appServer.serve(port.view('application'), { peer: port });
    const boot = this.bootServer.serve(port.view('bootloader'), { peer: port });
    // Text typed between SMP frames reaches the application's shell (MCUboot's recovery reads none).
    app.link.onEvent((e) => e.kind === 'console' && this.shellLine(e.text));
    return {
      link: app.link,
      stats: {
        get served() {
          return app.stats.served + boot.stats.served;
        },
        get droppedBusy() {
          return app.stats.droppedBusy + boot.stats.droppedBusy;
        },
        get droppedOff() {
          return app.stats.droppedOff + boot.stats.droppedOff;
        },
      },
      close: async () => {
        await Promise.all([app.close(), boot.close()]);
      },
    };
  }

  private attach(transport: Transport): BoardPort {
    const port = new BoardPort(transport, { seed: this.portSeeds(), clock: this.clock, ...(this.baud !== undefined ? { baud: this.baud } : {}) });
    port.setFaults(this.linkFaults);
    port.setUart(this.uart);
    this.ports.add(port);
    port.onClose(() => this.ports.delete(port));
    return port;
  }

  /** A host in this process over the paired serial link (paced at `baudRate`, default 115200, unless `pace: false`). */
  connect(o: InProcessOptions = {}): Promise<InProcessLink> {
    return connectInProcess(this, { clock: this.clock, ...o });
  }

  /** Serves every TCP connection to `host:port` (port 0: any free port; read it from the listener). */
  listenTcp(o: { host?: string; port?: number } = {}): Promise<TcpListener> {
    return listenTcp(o, (t) => void this.serve(t));
  }

  /**
   * The reset line: `line` of the paired link's end `hostEnd` (the host's DTR or RTS) is wired to
   * the board's reset; releasing it after it was asserted resets the board.
   */
  attachResetLine(link: PairedLink, line: 'dtr' | 'rts', hostEnd: 'a' | 'b' = 'a'): () => void {
    let level = link.lines(hostEnd)[line];
    return link.onSignals(hostEnd, (l) => {
      const was = level;
      level = l[line];
      if (was && !level && this.powered) void this.reset('pin-reset');
    });
  }

  // ---- power and resets ---------------------------------------------------------------------

  /** Power on (or back on): the board boots what its flash holds. */
  async powerOn(): Promise<DeviceState> {
    this.restoreTimer?.cancel();
    this.restoreTimer = undefined;
    return this.boot(() => this.firmware.powerOn());
  }

  /** A reset while powered (SMP reset, reset pin, `reason`). */
  async reset(reason: ResetReason = 'soft-reset'): Promise<DeviceState> {
    if (!this.powered) throw new Error(`board ${this.name} has no power: powerOn() first`);
    return this.boot(() => this.firmware.reset(reason));
  }

  /** Cuts power now (the rig's power switch); `powerOn()` brings it back. */
  powerOff(): void {
    this.restoreTimer?.cancel();
    this.restoreTimer = undefined;
    this.dark('power-on');
  }

  /** `reset` with `boot_mode` 1: the bootloader stays in serial recovery instead of booting. */
  async enterBootloader(): Promise<void> {
    this.overtakeReset();
    this.setUart('booting');
    this.firmware.consumer.cancel();
    this.freshRam();
    this.bootloaderMode = true;
    this.consoleLine(ZEPHYR_BANNER);
    this.consoleLine('I: Starting bootloader');
    this.consoleLine('I: boot mode 1 requested: staying in serial recovery');
    this.boots.saw('the virtual board restarted into its bootloader');
    this.setUart('bootloader');
  }

  readonly faults = {
    /** Cut power just before the flash operation `n` operations from now (0: the next one). */
    powerCutBeforeOp: (n: number, o: { torn?: boolean; seed?: number } = {}): void => {
      this.firmware.flash.armPowerCut({ afterOps: n, ...(o.torn ? { torn: true } : {}), ...(o.seed !== undefined ? { seed: o.seed } : {}) });
    },
    /** Cut power before a random one of the next `withinOps` flash operations (seeded); returns its index. */
    powerCutAtRandom: (o: { seed: number; withinOps: number; torn?: boolean }): number => {
      const n = seededRng(o.seed >>> 0).below(Math.max(1, o.withinOps));
      this.faults.powerCutBeforeOp(n, { seed: o.seed, ...(o.torn ? { torn: true } : {}) });
      return n;
    },
    disarmPowerCut: (): void => this.firmware.flash.disarmPowerCut(),
    /** Flash operations take `factor` times their (scaled) time. */
    slowFlash: (factor: number): void => {
      if (!(factor >= 1)) throw new RangeError(`slow flash factor must be >= 1, got ${factor}`);
      this.slow = factor;
      if (this.scale === 0) this.scale = 1;
    },
    /** Link faults on every port of the board, both directions, from now on ({} clears them). */
    link: (f: LinkFaults, seed?: number): void => {
      this.linkFaults = { ...f };
      if (seed !== undefined) {
        this.portSeeds = seededRng(seed >>> 0).u32;
      }
      for (const p of this.ports) p.setFaults(this.linkFaults);
    },
    /** The reset pin (as the reset line would). */
    resetPin: (): Promise<DeviceState> => this.reset('pin-reset'),
  };

  /** Stops serving, closes every connection, and writes the flash state out. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.restoreTimer?.cancel();
    this.overtakeReset();
    await Promise.all([this.appServer.close(), this.bootServer.close()]);
    this.persistent?.close();
  }

  // ---- internals ----------------------------------------------------------------------------

  /**
   * An SMP reset of `firmware` once its answer went out: the board resets after the profile's
   * delay on its clock — unless a boot or power loss came first — serving nothing in between
   * unless the application is built to (`smp.serveUntilReset`). A second reset request in the
   * delay changes nothing, as Zephyr's delayed reset work is already scheduled. Without a delay
   * the reset runs at once and the returned promise ends with the boot.
   */
  private deferredReset(toBootloader: boolean, firmware: SmpFirmware): Promise<void> | undefined {
    if (this.resetTimer) return undefined;
    if (firmware === 'bootloader' || !this.profile.smp.serveUntilReset) this.setUart('booting');
    const go = async (): Promise<void> => {
      this.resetTimer = undefined;
      if (!this.powered || this.closed) return;
      if (toBootloader) await this.enterBootloader();
      else await this.reset('soft-reset');
    };
    if (this.profile.smp.resetMs === 0) return go();
    this.resetTimer = this.clock.setTimer(() => void go().catch((e: unknown) => this.emit({ kind: 'error', error: e })), this.profile.smp.resetMs);
    return undefined;
  }

  private async boot(fn: () => DeviceState): Promise<DeviceState> {
    this.overtakeReset();
    this.setUart('booting');
    this.freshRam();
    this.bootloaderMode = false;
    this.firmware.flash.drainBusyUs();
    let st: DeviceState;
    try {
      st = fn();
    } catch (e) {
      if (!isPowerCut(e)) throw e;
      st = { kind: 'off' };
    }
    if (st.kind === 'off') {
      this.lostPower();
      return st;
    }
    this.powered = true;
    await this.settleFlash();
    this.boots.saw(`the virtual board booted (${st.kind})`);
    this.emit({ kind: 'booted', state: st.kind });
    // A boot-looping board never gets as far as serving SMP (its console keeps printing); with
    // nothing bootable MCUboot stays in serial recovery.
    if (st.kind !== 'boot-loop') this.setUart(st.kind === 'recovery' ? 'bootloader' : 'application');
    return st;
  }

  /** The armed power cut struck: dark, RAM lost; back after `powerRestoreMs` unless told otherwise. */
  private lostPower(): void {
    const op = this.firmware.flash.opCount;
    this.dark('power-cut');
    this.emit({ kind: 'power-lost', opIndex: op });
    if (this.autoRestore && !this.closed) {
      this.restoreTimer = this.clock.setTimer(() => {
        this.restoreTimer = undefined;
        void this.powerOn().catch((e: unknown) => this.emit({ kind: 'error', error: e }));
      }, this.restoreMs);
    }
  }

  /** `next`: the reset reason of the next boot (a cut, or the rig switching power). */
  private dark(next: 'power-cut' | 'power-on'): void {
    this.overtakeReset();
    this.setUart('off');
    this.powered = false;
    this.bootloaderMode = false;
    this.firmware.powerLost(next);
    this.freshRam();
  }

  /** RAM state of the SMP groups (upload sessions, buffers) does not survive a reset. */
  private freshRam(): void {
    this.uploads.clear();
    this.suit.reset();
    this.freshImageGroups();
  }

  private freshImageGroups(): void {
    this.removeImageGroups();
    const app = this.appServer.register(this.wrap(imageGroup(this.storage, { lock: this.uploads, imageCheck: this.profile.smp.imageCheck }), 'application'));
    const boot = this.bootServer.register(this.wrap(recoveryImageGroup(this.storage, { lock: this.uploads }), 'bootloader'));
    this.removeImageGroups = () => {
      app();
      boot();
    };
  }

  /** A boot, power loss or close comes first: the SMP reset waiting for its delay is dropped. */
  private overtakeReset(): void {
    this.resetTimer?.cancel();
    this.resetTimer = undefined;
  }

  /** Which firmware's SMP server owns the UART, or would once it is up. */
  private get servingFirmware(): SmpFirmware {
    return this.bootloaderMode || this.firmware.state.kind === 'recovery' ? 'bootloader' : 'application';
  }

  private setModel(m: { quirks?: Quirk[]; appDefault?: Behaviour }): void {
    if (m.quirks) this.firmware.setQuirks(m.quirks);
    if (m.appDefault !== undefined) this.firmware.device.appDefault = m.appDefault;
  }

  private setUart(state: UartState): void {
    this.uart = state;
    for (const p of this.ports) p.setUart(state);
  }

  private consoleLine(line: string): void {
    this.emit({ kind: 'console', line });
    // After the shell's prompt, other output begins a line of its own.
    const text = `${this.promptOpen ? '\r\n' : ''}${line}`;
    this.promptOpen = false;
    for (const p of this.ports) p.writeLine(text);
  }

  /** A line typed on the console while the application runs: its shell (shell.ts) answers on the UART. */
  private shellLine(typed: string): void {
    if (this.uart !== 'application') return;
    const r = runShellLine(typed, {
      running: () => {
        const st = this.firmware.state;
        return st.kind === 'running' ? { app: st.appVersion, image: st.image.version, confirmed: st.confirmed } : undefined;
      },
      reboot: () => void this.reset('soft-reset').catch((e: unknown) => this.emit({ kind: 'error', error: e })),
    });
    for (const line of r.lines) this.emit({ kind: 'console', line });
    // The echo goes on the prompt's line, as typed at a terminal.
    for (const p of this.ports) p.writeText(r.text);
    this.promptOpen = r.after === undefined;
    r.after?.();
  }

  private emit(e: BoardEvent): void {
    for (const l of this.listeners) l(e);
  }

  private settleFlash(): Promise<void> {
    return settle(this.firmware.flash, this.scale * this.slow);
  }

  /** Every handler of `firmware`: served only while it runs; flash time is waited for; a power cut darkens the board. */
  private wrap(g: SmpGroupHandler, firmware: SmpFirmware): SmpGroupHandler {
    const commands: Record<number, { read?: SmpHandler; write?: SmpHandler }> = {};
    for (const [id, c] of Object.entries(g.commands)) {
      commands[Number(id)] = { ...(c.read ? { read: this.guard(c.read, firmware) } : {}), ...(c.write ? { write: this.guard(c.write, firmware) } : {}) };
    }
    return {
      id: g.id,
      name: g.name,
      commands,
      ...(g.translateV1 ? { translateV1: (rc: number) => g.translateV1!(rc) } : {}),
      ...(g.legacyRc !== undefined ? { legacyRc: g.legacyRc } : {}),
    };
  }

  private guard(h: SmpHandler, firmware: SmpFirmware): SmpHandler {
    return async (ctx) => {
      if (this.uart !== firmware) throw new SmpRcError(MgmtErr.EUNKNOWN, `board is not running its ${firmware === 'application' ? 'application' : 'serial recovery'} SMP server`);
      try {
        // Not a spread: it would decode the body (a getter) before the handler asks for it.
        const out = await h({
          header: ctx.header,
          peer: ctx.peer,
          get body() {
            return ctx.body;
          },
          afterResponse: (fn) => ctx.afterResponse(() => this.afterResponse(fn, firmware)),
        });
        await this.settleFlash();
        return out;
      } catch (e) {
        if (!isPowerCut(e)) throw e;
        this.lostPower();
        throw new SmpRcError(MgmtErr.EUNKNOWN, 'power lost');
      }
    };
  }

  private async afterResponse(fn: () => void | Promise<void>, firmware: SmpFirmware): Promise<void> {
    if (this.uart !== firmware) return;
    try {
      await fn();
      await this.settleFlash();
    } catch (e) {
      if (isPowerCut(e)) this.lostPower();
      else this.emit({ kind: 'error', error: e });
    }
  }
}

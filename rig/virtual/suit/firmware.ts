/**
 * Everything that runs on the virtual SUIT board, without its link: the flash of a board
 * profile, the MCUboot-style bootloader with SUIT secure boot (secure-boot.ts), the application
 * model (rig/virtual/device.ts), the SUIT firmware consumer (consumer.ts), the provisioned
 * trust anchors (trust.ts) and the stored sequence number (rollback protection, RFC 9019 §4.3.2
 * "Rollback", like MCUboot's hardware security counter: notes/mcuboot.md §5).
 *
 * The stored sequence number advances only once the image of a newer manifest is confirmed
 * (it confirmed itself after booting, or the image group confirmed it), so a test image that
 * is reverted leaves it alone and the older manifest still boots. It is raised right after the
 * confirmation and again at every boot of a confirmed image, so a power cut between the two
 * flash operations is healed at the next boot.
 *
 * Synchronous, so the power-cut sweeps drive it directly; board/ puts SMP, time and faults
 * around it. A PowerCutError from any call means the board lost power: call `powerLost()`, then
 * `powerOn()`.
 */
import type { BootRecord, BootRecordStore, DeviceState, ResetReason } from '../device.js';
import { VirtualDevice } from '../device.js';
import { SimFlash, type FlashArea } from '../flash/index.js';
import type { BoardAreas, BoardProfile } from '../profiles.js';
import type { PublicKey } from '../../../host/keys/index.js';
import { CounterId, Flag, Magic, headerErased, type Quirk } from '../bootloader/index.js';
import { SuitCache } from './cache.js';
import { SuitConsumer, type InstallMode } from './consumer.js';
import { DEFAULT_IMAGE_COMPONENTS } from './flash-platform.js';
import { ReportLog, type RunReport } from './reports.js';
import { suitBootHook, suitValidator, type SecureBootContext, type VerifiedManifest } from './secure-boot.js';
import { provisionTrust, readTrust, sameTrust, type BoardIdentity, type BoardTrust } from './trust.js';
import type { BoardPolicy } from './policy.js';

export interface SuitFirmwareOptions {
  profile: BoardProfile;
  /** The board's flash (default: a fresh, erased one with the profile's timing). */
  flash?: SimFlash;
  /** Trust anchors to provision; provisioned into the trust partition when they differ from it. */
  trust?: BoardTrust;
  identity: BoardIdentity;
  quirks?: readonly Quirk[];
  /** How a SUIT install asks for the swap (default test: reverts unless the image confirms). */
  installMode?: InstallMode;
  /** Identifiers of the application image component (default [h'00'] and ['app']). */
  components?: readonly string[];
  records?: BootRecordStore;
  reports?: ReportLog;
  /** Console lines: bootloader log, application and firmware messages. */
  console?: (line: string) => void;
  /** Failed application boots in a row before the board counts as boot-looping (default 8). */
  maxBoots?: number;
}

/** A boot record store in RAM: the count goes on when the device model is rebuilt. */
function memoryRecords(): BootRecordStore {
  let r: BootRecord | undefined;
  return { load: () => r, save: (x) => void (r = x) };
}

export class SuitFirmware {
  readonly profile: BoardProfile;
  readonly flash: SimFlash;
  readonly identity: BoardIdentity;
  readonly reports: ReportLog;
  readonly consumer: SuitConsumer;
  readonly components: readonly string[];
  /** Payloads pushed ahead of an envelope (SUIT raw cache upload). */
  readonly cache: SuitCache;
  installMode: InstallMode;
  private dev: VirtualDevice;
  private readonly quirkSet = new Set<Quirk>();
  private readonly hook: ReturnType<typeof suitBootHook>;
  private trustCache: { value: BoardTrust | undefined } | undefined;
  private readonly say: (line: string) => void;

  constructor(o: SuitFirmwareOptions) {
    this.profile = o.profile;
    this.flash = o.flash ?? new SimFlash(o.profile.geometry, { timing: o.profile.timing });
    this.identity = o.identity;
    this.reports = o.reports ?? new ReportLog();
    this.components = o.components ?? DEFAULT_IMAGE_COMPONENTS;
    this.installMode = o.installMode ?? 'test';
    this.say = o.console ?? (() => undefined);
    for (const q of o.quirks ?? []) this.quirkSet.add(q);
    const boot: SecureBootContext = {
      policy: () => this.policy(),
      keys: () => (this.trust?.anchors ?? []).map((a) => a.key).filter((k): k is PublicKey => k.family === 'p256' || k.family === 'ed25519'),
      components: this.components,
      finished: (r) => this.reports.add(r),
    };
    this.hook = suitBootHook(boot);
    this.dev = new VirtualDevice({
      profile: o.profile,
      flash: this.flash,
      keys: [],
      quirks: [...this.quirkSet],
      hooks: [this.hook],
      validator: suitValidator(boot, () => this.quirkSet.has('skip-signature')),
      // One rollback floor for both ways in: an MCUboot image that bypasses SUIT (image group,
      // serial recovery) needs a SEC_CNT of at least the stored sequence number too.
      floorCounters: [CounterId.mcubootImage0, CounterId.suitSequence],
      records: o.records ?? memoryRecords(),
      console: this.say,
      ...(o.maxBoots !== undefined ? { maxBoots: o.maxBoots } : {}),
    });
    this.cache = new SuitCache(this.dev.areas.suitCache);
    if (o.trust && !(this.trust && sameTrust(this.trust, o.trust))) {
      provisionTrust(this.areas.trust, o.trust);
      this.trustCache = undefined;
      this.say(`I: provisioned ${o.trust.anchors.length} trust anchor(s)${o.trust.require.length ? `, required roles ${o.trust.require.join(',')}` : ''}`);
    }
    this.consumer = new SuitConsumer({
      secondary: this.dev.bootloader.secondary,
      maxImageSize: maxImageSize(this.dev, o.profile),
      policy: () => this.policy(),
      components: this.components,
      installedVersion: () => this.running?.semver.map(BigInt),
      installMode: () => this.installMode,
      candidateBusy: () => this.candidateBusy(),
      cached: (uri) => this.cache.lookup(uri),
      finished: (r: RunReport) => this.reports.add(r),
      log: this.say,
    });
  }

  get device(): VirtualDevice {
    return this.dev;
  }

  get areas(): BoardAreas {
    return this.dev.areas;
  }

  get state(): DeviceState {
    return this.dev.state;
  }

  get bootRecord(): Readonly<BootRecord> {
    return this.dev.bootRecord;
  }

  get quirks(): ReadonlySet<Quirk> {
    return this.quirkSet;
  }

  /**
   * Changes the deliberately broken behaviours. The consumer and the secure boot use them at
   * once; the bootloader's (never-revert) from its next run.
   */
  setQuirks(quirks: readonly Quirk[]): void {
    this.quirkSet.clear();
    for (const q of quirks) this.quirkSet.add(q);
    this.dev.setQuirks(quirks);
  }

  /** The provisioned trust anchors (undefined: none, the board refuses every manifest). */
  get trust(): BoardTrust | undefined {
    this.trustCache ??= { value: readTrust(this.areas.trust) };
    return this.trustCache.value;
  }

  /** The stored sequence number: manifests below it are refused (rollback). */
  storedSequence(): bigint {
    return this.dev.counters.get(CounterId.suitSequence);
  }

  /** The SUIT manifest of the running image, as the secure boot verified it (undefined: none, or not a SUIT image). */
  get running(): VerifiedManifest | undefined {
    return this.dev.state.kind === 'running' ? this.hook.verified : undefined;
  }

  policy(): BoardPolicy {
    return { trust: this.trust, identity: this.identity, storedSequence: this.storedSequence(), quirks: this.quirkSet };
  }

  /** Power returns: boot until stable. */
  powerOn(): DeviceState {
    return this.boot(() => this.dev.powerOn());
  }

  /** A reset while powered (SMP reset, reset pin, watchdog). */
  reset(reason: ResetReason = 'soft-reset'): DeviceState {
    return this.boot(() => this.dev.reset(reason));
  }

  /** Power went away (a cut during an operation, or the rig switched it off): RAM is lost. */
  powerLost(reason: 'power-cut' | 'power-on' = 'power-cut'): void {
    this.consumer.cancel();
    // A cut inside a boot already left the device off (and remembered why).
    if (this.dev.state.kind !== 'off') this.dev.powerOff(reason);
  }

  /** The running image confirms itself, or the image group confirms it. */
  confirmRunning(): void {
    this.dev.confirmRunning();
    this.commitSequence();
  }

  private boot(fn: () => DeviceState): DeviceState {
    this.consumer.cancel();
    const st = fn();
    if (st.kind !== 'off') this.commitSequence();
    return st;
  }

  /** The confirmed SUIT image's sequence number becomes the stored floor. */
  private commitSequence(): void {
    const st = this.dev.state;
    const v = this.hook.verified;
    if (st.kind !== 'running' || !st.confirmed || !v) return;
    if (this.dev.counters.raise(CounterId.suitSequence, v.sequence)) this.say(`I: stored sequence number raised to ${v.sequence}`);
  }

  /**
   * The secondary slot holds the image a pending revert needs while a test image runs
   * unconfirmed. Once nothing runs (recovery: the bootloader found no bootable image, so it
   * had no revert to make either), or the secondary holds no image at all (it was erased: the
   * bootloader has nothing to revert to and boots the test image again, "Swap type: none"), the
   * slot is free again — else the board could never be updated.
   */
  candidateBusy(): string | undefined {
    const st = this.dev.state;
    if (st.kind !== 'running' || st.confirmed) return undefined;
    if (headerErased(this.dev.areas.secondary)) return undefined;
    const p = this.dev.bootloader.primary.readState();
    if (p.magic === Magic.GOOD && p.imageOk === Flag.UNSET && p.copyDone === Flag.SET) {
      return 'the running image is on test and the secondary slot holds the image a revert needs: confirm the running image or reset the board first';
    }
    return undefined;
  }
}

/** Largest image the slots can swap: swap-using-move needs a free sector and the trailer's; scratch only the trailer's. */
export function maxImageSize(dev: VirtualDevice, profile: BoardProfile): number {
  const pri: FlashArea = dev.areas.primary;
  const t = dev.bootloader.primary;
  if (profile.swapMode === 'move') return (t.trailerSectors().first - 1) * pri.sectors[0]!.size;
  return pri.size - t.layout.trailerSize;
}

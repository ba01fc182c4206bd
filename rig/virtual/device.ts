/**
 * The powered virtual device: flash of a board profile, the MCUboot-style bootloader, and the
 * application model run after each boot (DESIGN.md "Virtual board"). `powerOn()` / `reset()`
 * boot until the device is stable: a healthy application confirms itself; one that crashes is
 * reset, one that hangs is reset by the watchdog, and the bootloader then reverts an unconfirmed
 * test image. A power cut (armed on the flash) stops it wherever it strikes; the next
 * `powerOn()` carries on from what the flash holds. The SMP server (next layer) drives this API.
 */
import type { PublicKey } from '../../host/keys/types.js';
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../../host/util/atomic-write.js';
import { parseAppHeader, formatAppVersion, type Behaviour } from './app/app-image.js';
import { Bootloader, CounterStore, mcubootValidator, setConfirmed, setPending, type BootHook, type BootResult, type ImageValidator, type Quirk, type ValidImage } from './bootloader/index.js';
import { FlashStateError, isPowerCut, SimFlash } from './flash/index.js';
import { openAreas, type BoardAreas, type BoardProfile } from './profiles.js';

/** What Zephyr prints first at every boot (the Zephyr version of the real peers the rig is checked against). */
export const ZEPHYR_BANNER = '*** Booting Zephyr OS build v4.4.0 ***';

export type ResetReason = 'power-on' | 'soft-reset' | 'watchdog' | 'crash' | 'power-cut' | 'pin-reset';

/** Outcome of the last boot as the rig group reports it (`boot.outcome`). */
export type BootOutcomeKind = 'booted' | 'test' | 'perm' | 'revert' | 'fail' | 'recovery' | 'boot-loop';

export interface BootRecord {
  /** Bootloader runs since the state was created. */
  count: number;
  /** Why the last boot happened. */
  reason: ResetReason;
  /** Slot booted from (always the primary, 0, in swap modes). */
  slot: number;
  outcome: BootOutcomeKind;
  /** Version of the image running, when one runs. */
  version?: string;
}

export type DeviceState =
  | { kind: 'off' }
  | { kind: 'running'; image: ValidImage; behaviour: Behaviour; confirmed: boolean; appVersion: string | undefined }
  | { kind: 'recovery'; reason: string; message: string }
  /** The application failed `maxBoots` boots in a row; a real board would keep resetting. */
  | { kind: 'boot-loop'; image: ValidImage; behaviour: Behaviour };

/** Where the boot record survives process restarts. */
export interface BootRecordStore {
  load(): BootRecord | undefined;
  save(r: BootRecord): void;
}

export function fileBootRecordStore(path: string): BootRecordStore {
  return {
    load() {
      let r: unknown;
      try {
        r = JSON.parse(readFileSync(path, 'utf8'));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw new FlashStateError(`${path}: unreadable boot record (${(e as Error).message}); remove it to start the board with a fresh boot record`);
      }
      const b = r as Partial<BootRecord> | null;
      if (!b || typeof b !== 'object' || !Number.isSafeInteger(b.count) || typeof b.reason !== 'string' || !Number.isSafeInteger(b.slot) || typeof b.outcome !== 'string') {
        throw new FlashStateError(`${path}: not a boot record (expected count, reason, slot and outcome); remove it to start the board with a fresh boot record`);
      }
      return b as BootRecord;
    },
    save(r) {
      writeFileAtomic(path, JSON.stringify(r) + '\n');
    },
  };
}

export interface DeviceOptions {
  profile: BoardProfile;
  /** The board's flash (default: a fresh, erased one). */
  flash?: SimFlash;
  /** The bootloader's built-in public keys. */
  keys: readonly PublicKey[];
  quirks?: readonly Quirk[];
  /** Extra checks before the jump (SUIT secure boot). */
  hooks?: readonly BootHook[];
  /** Replaces MCUboot image validation (e.g. for SUIT-managed slots). */
  validator?: ImageValidator;
  /** Hardware rollback protection (default on). */
  rollbackProtection?: boolean;
  /** The counters whose largest value SEC_CNT is checked against (BootloaderConfig.floorCounters). */
  floorCounters?: readonly number[];
  records?: BootRecordStore;
  /** Console lines (bootloader log and application messages). */
  console?: (line: string) => void;
  /** Consecutive failed application boots before the device is reported in a boot loop (default 8). */
  maxBoots?: number;
  /** How an image without an app header behaves (default healthy: a real application binary). */
  appDefault?: Behaviour;
}

export class VirtualDevice {
  readonly profile: BoardProfile;
  readonly flash: SimFlash;
  readonly areas: BoardAreas;
  readonly bootloader: Bootloader;
  readonly counters: CounterStore;
  readonly quirks: ReadonlySet<Quirk>;
  /** How an image without an app header behaves (rig group 67 `app_default`). */
  appDefault: Behaviour;
  private current: DeviceState = { kind: 'off' };
  private rec: BootRecord;
  private nextReason: ResetReason = 'power-on';
  private readonly records: BootRecordStore | undefined;
  private readonly say: (line: string) => void;
  private readonly maxBoots: number;

  constructor(o: DeviceOptions) {
    this.profile = o.profile;
    this.flash = o.flash ?? new SimFlash(o.profile.geometry, { timing: o.profile.timing });
    this.areas = openAreas(o.profile, this.flash);
    this.counters = new CounterStore(this.areas.counters);
    this.quirks = new Set(o.quirks ?? []);
    this.say = o.console ?? (() => undefined);
    this.maxBoots = o.maxBoots ?? 8;
    this.appDefault = o.appDefault ?? 'healthy';
    this.records = o.records;
    this.rec = o.records?.load() ?? { count: 0, reason: 'power-on', slot: 0, outcome: 'booted' };
    this.bootloader = new Bootloader({
      areas: this.areas,
      mode: o.profile.swapMode,
      maxAlign: o.profile.bootMaxAlign,
      maxImgSectors: o.profile.maxImgSectors,
      validator: o.validator ?? mcubootValidator({ keys: o.keys, skipSignature: this.quirks.has('skip-signature') }),
      counters: o.rollbackProtection === false ? undefined : this.counters,
      ...(o.floorCounters ? { floorCounters: o.floorCounters } : {}),
      hooks: o.hooks ?? [],
      quirks: this.quirks,
      log: this.say,
    });
  }

  get state(): DeviceState {
    return this.current;
  }

  get bootRecord(): Readonly<BootRecord> {
    return this.rec;
  }

  /** Power returns: boot until stable. */
  powerOn(): DeviceState {
    this.flash.powerOn();
    return this.run(this.current.kind === 'off' ? this.nextReason : 'power-on');
  }

  /** A reset while powered (SMP reset, reset pin). */
  reset(reason: ResetReason = 'soft-reset'): DeviceState {
    if (this.current.kind === 'off') throw new Error('reset of a device without power: call powerOn()');
    return this.run(reason);
  }

  /** Power removed: by the rig (not mid-operation), or by a cut outside a boot (`power-cut`). */
  powerOff(reason: 'power-on' | 'power-cut' = 'power-on'): void {
    this.current = { kind: 'off' };
    this.nextReason = reason;
  }

  /** Changes the broken-board variants; the bootloader uses them from its next run. */
  setQuirks(quirks: readonly Quirk[]): void {
    const set = this.quirks as Set<Quirk>;
    set.clear();
    for (const q of quirks) set.add(q);
  }

  /** The running application confirms itself (`boot_write_img_confirmed()`), or the SMP image group does. */
  confirmRunning(): void {
    setConfirmed(this.bootloader.primary);
    if (this.current.kind === 'running') this.current = { ...this.current, confirmed: true };
  }

  /** Request a swap to the image in the secondary slot at the next boot (SMP image state write). */
  requestUpdate(permanent: boolean): void {
    setPending(this.bootloader.secondary, permanent);
  }

  private record(reason: ResetReason, outcome: BootOutcomeKind, version: string | undefined): void {
    this.rec = { count: this.rec.count + 1, reason, slot: 0, outcome, ...(version !== undefined ? { version } : {}) };
    this.records?.save(this.rec);
  }

  private run(first: ResetReason): DeviceState {
    let reason = first;
    try {
      for (let boots = 0; ; boots++) {
        // MCUboot is a Zephyr application too: Zephyr's banner, then MCUboot's log.
        this.say(ZEPHYR_BANNER);
        this.say(`I: Starting bootloader (reset reason: ${reason})`);
        const r: BootResult = this.bootloader.boot();
        if (r.kind === 'recovery') {
          this.record(reason, 'recovery', undefined);
          this.current = { kind: 'recovery', reason: r.reason, message: r.message };
          this.say(`I: no bootable image (${r.message}); staying in recovery`);
          return this.current;
        }
        const payload = this.areas.primary.read(r.image.payloadOffset, Math.min(r.image.payloadSize, 64));
        const app = parseAppHeader(payload);
        const behaviour: Behaviour = app?.behaviour ?? this.appDefault;
        const appVersion = app && formatAppVersion(app.version);
        const outcome: BootOutcomeKind = r.swap === 'none' ? 'booted' : r.swap;
        this.record(reason, outcome, r.image.version);
        this.say(ZEPHYR_BANNER);
        this.say(`app ${appVersion ?? r.image.version} (${app ? behaviour : `no app header: ${behaviour}`}) started from image ${r.image.version}`);
        if (behaviour === 'crashes' || behaviour === 'hangs') {
          reason = behaviour === 'crashes' ? 'crash' : 'watchdog';
          this.say(behaviour === 'crashes' ? 'app: fatal error, resetting' : 'app: stopped responding; watchdog reset');
          if (boots + 1 >= this.maxBoots) {
            this.current = { kind: 'boot-loop', image: r.image, behaviour };
            this.nextReason = reason;
            return this.current;
          }
          continue;
        }
        let confirmed = r.confirmed;
        if (behaviour === 'healthy' && !confirmed) {
          setConfirmed(this.bootloader.primary);
          confirmed = true;
          this.say('app: image confirmed');
        }
        this.current = { kind: 'running', image: r.image, behaviour, confirmed, appVersion };
        this.nextReason = 'soft-reset';
        return this.current;
      }
    } catch (e) {
      if (!isPowerCut(e)) throw e;
      this.current = { kind: 'off' };
      this.nextReason = 'power-cut';
      return this.current;
    }
  }
}

/**
 * The virtual board's MCUboot-style bootloader: `context_boot_go()` of MCUboot's `loader.c` for
 * one image in a swap mode (notes/mcuboot.md §2-§5):
 * 1. finish a swap a power cut interrupted (its status in flash says where), or work out the
 *    requested swap from the trailers and validate the secondary image first (erasing it when
 *    invalid: swap type FAIL, primary image_ok set so it is not tried again);
 * 2. run the swap (test, permanent or revert) and write image_ok / copy_done as MCUboot does;
 * 3. validate the primary image (MCUBOOT_VALIDATE_PRIMARY_SLOT), run the extra boot hooks (SUIT
 *    secure boot plugs in here), raise the stored security counter — for a test swap only once
 *    the image has confirmed itself, so a revert still boots;
 * 4. boot it, or stay in recovery when there is nothing valid to boot.
 * Every flash access goes through areas of a counted flash, so a power cut can strike before
 * any operation; the next run resumes from the flash contents alone.
 */
import { SwapType, swapTypeName } from '../../../host/mcuboot/trailer.js';
import { IMAGE_F, IMAGE_HEADER_SIZE, decodeHeader } from '../../../host/mcuboot/format.js';
import type { BoardAreas, SwapMode } from '../profiles.js';
import { CounterId, type CounterStore } from './counters.js';
import { requestedSwapType } from './swap-type.js';
import { isReset, type BootStatus, type SwapStrategy } from './swap-status.js';
import { swapUsingMove } from './swap-move.js';
import { swapUsingScratch } from './swap-scratch.js';
import { Flag, Magic, SlotTrailer } from './trailer-io.js';
import { headerErased, imageLength, type BootHook, type ImageValidator, type ValidImage } from './validate.js';

/** Deliberately broken bootloader variants (DESIGN.md `--quirk`), to prove the rig's suites catch them. */
export type Quirk = 'never-revert' | 'accept-rollback' | 'skip-signature';
export const QUIRKS: readonly Quirk[] = ['never-revert', 'accept-rollback', 'skip-signature'];

export interface BootloaderConfig {
  areas: BoardAreas;
  mode: SwapMode;
  maxAlign: number;
  maxImgSectors: number;
  validator: ImageValidator;
  /** Hardware rollback protection store; undefined disables it. */
  counters: CounterStore | undefined;
  /**
   * The counters whose largest value is the floor an image's SEC_CNT must reach (default:
   * MCUboot's own, image 0). MCUboot reads its floor through a platform hook
   * (`boot_nv_security_counter_get()`); a SUIT board's hook adds its stored SUIT sequence number,
   * so an image that bypasses SUIT cannot roll back what a SUIT install reached.
   */
  floorCounters?: readonly number[];
  hooks?: readonly BootHook[];
  quirks?: ReadonlySet<Quirk>;
  /** Console lines in MCUboot's log style ("I: ...", "W: ...", "E: ..."). */
  log?: (line: string) => void;
}

/** What one run of the bootloader did. */
export type BootResult =
  | {
      kind: 'boot';
      /** The swap performed this run: none, test, perm, revert, or fail (secondary invalid, erased). */
      swap: 'none' | 'test' | 'perm' | 'revert' | 'fail';
      /** An interrupted swap was finished this run. */
      resumed: boolean;
      image: ValidImage;
      /** The primary's image_ok was set when it booted (confirmed or permanent). */
      confirmed: boolean;
      securityCounter: bigint | undefined;
    }
  | { kind: 'recovery'; reason: string; message: string };

function swapName(t: number): 'none' | 'test' | 'perm' | 'revert' | 'fail' {
  const n = swapTypeName(t);
  return n === 'test' || n === 'perm' || n === 'revert' || n === 'fail' ? n : 'none';
}

export class Bootloader {
  readonly primary: SlotTrailer;
  readonly secondary: SlotTrailer;
  private readonly strategy: SwapStrategy;
  private readonly quirks: ReadonlySet<Quirk>;
  private readonly log: (line: string) => void;

  constructor(private readonly cfg: BootloaderConfig) {
    const tc = { maxAlign: cfg.maxAlign, maxImgSectors: cfg.maxImgSectors };
    this.primary = new SlotTrailer(cfg.areas.primary, tc);
    this.secondary = new SlotTrailer(cfg.areas.secondary, tc);
    this.quirks = cfg.quirks ?? new Set();
    this.log = cfg.log ?? (() => undefined);
    const ctx = { primary: this.primary, secondary: this.secondary, maxImgSectors: cfg.maxImgSectors, log: this.log };
    if (cfg.mode === 'move') this.strategy = swapUsingMove(ctx);
    else {
      if (!cfg.areas.scratch) throw new RangeError('swap-using-scratch needs a scratch partition');
      // The scratch trailer holds the status of one step: 3 entries.
      this.strategy = swapUsingScratch({ ...ctx, scratch: new SlotTrailer(cfg.areas.scratch, { maxAlign: cfg.maxAlign, maxImgSectors: 1 }) });
    }
  }

  get strategyName(): string {
    return this.strategy.name;
  }

  /**
   * Whether the image in `slot` passes bootutil_img_validate (hash, signature, security counter),
   * checked as MCUboot's serial recovery does before it lists a slot: nothing erased, run or recorded.
   */
  accepts(slot: 'primary' | 'secondary'): boolean {
    const area = slot === 'primary' ? this.cfg.areas.primary : this.cfg.areas.secondary;
    return !headerErased(area) && this.cfg.validator.validate(area, slot, { storedCounter: this.enforcedCounter(), integrityOnly: true }).ok;
  }

  /** The stored security counter enforced on images (undefined: no rollback protection or quirk). */
  private enforcedCounter(): bigint | undefined {
    if (!this.cfg.counters || this.quirks.has('accept-rollback')) return undefined;
    return this.cfg.counters.largest(this.cfg.floorCounters ?? [CounterId.mcubootImage0]);
  }

  /**
   * `boot_validate_slot()`: 'absent' when the slot holds no bootable image (a stray secondary
   * trailer is erased); 'invalid' erases a bad secondary so it is not tried again.
   */
  private validateSlot(slot: 'primary' | 'secondary'): { state: 'valid'; image: ValidImage } | { state: 'absent' | 'invalid'; reason: string; message: string } {
    const area = slot === 'primary' ? this.cfg.areas.primary : this.cfg.areas.secondary;
    const nonBootable = !headerErased(area) && (decodeHeader(area.read(0, IMAGE_HEADER_SIZE)).flags & IMAGE_F.NON_BOOTABLE) !== 0;
    if (headerErased(area) || nonBootable) {
      if (slot === 'secondary') this.secondary.eraseTrailerSectors();
      return { state: 'absent', reason: 'no-image', message: `no bootable image in the ${slot} slot` };
    }
    const v = this.cfg.validator.validate(area, slot, { storedCounter: this.enforcedCounter() });
    if (v.ok) return { state: 'valid', image: v.image };
    this.log(`E: Image in the ${slot} slot is not valid! (${v.message})`);
    if (slot === 'secondary') area.eraseAll();
    return { state: 'invalid', reason: v.reason, message: v.message };
  }

  /** `boot_swap_image()`: the size to swap (the larger image) on a fresh start, else the recorded one. */
  private swap(bs: BootStatus): boolean {
    if (isReset(bs)) {
      const sizes = [this.cfg.areas.primary, this.cfg.areas.secondary].map((a) => {
        if (headerErased(a)) return 0;
        const len = imageLength(a);
        return typeof len === 'number' ? len : 0;
      });
      bs.swapSize = Math.max(sizes[0]!, sizes[1]!);
    } else {
      bs.swapSize = this.strategy.statusTrailer(bs).readSwapSize();
    }
    return this.strategy.run(bs, bs.swapSize);
  }

  /** After a swap: image_ok for revert and permanent (no revert of those), copy_done for all. */
  private finishSwap(swapType: number): void {
    if (swapType === SwapType.REVERT || swapType === SwapType.PERM) {
      if (this.primary.readState().imageOk === Flag.UNSET) this.primary.writeImageOk();
    }
    this.primary.writeCopyDone();
  }

  /** One boot: returns which image runs, or recovery. Throws PowerCutError when power fails. */
  boot(): BootResult {
    const incompatible = this.strategy.incompatibility();
    let swapType: number = SwapType.NONE;
    let performed: number = SwapType.NONE;
    let resumed = false;
    if (incompatible) {
      this.log(`W: Cannot upgrade: ${incompatible}`);
    } else {
      const bs = this.strategy.readStatus();
      if (!isReset(bs)) {
        // boot_complete_partial_swap(): the type comes from the interrupted swap's swap_info.
        this.log(`I: Resuming an interrupted ${swapTypeName(bs.swapType)} swap`);
        resumed = true;
        this.swap(bs);
        this.finishSwap(bs.swapType);
        performed = bs.swapType;
      } else {
        if (bs.swapType === SwapType.NONE) {
          swapType = requestedSwapType(this.primary.readState(), this.secondary.readState());
          if (swapType === SwapType.REVERT && this.quirks.has('never-revert')) swapType = SwapType.NONE;
        } else {
          // A swap whose status was initialised but has no step recorded yet.
          swapType = bs.swapType;
        }
        if (swapType === SwapType.TEST || swapType === SwapType.PERM || swapType === SwapType.REVERT) {
          const v = this.validateSlot('secondary');
          if (v.state !== 'valid') swapType = v.state === 'absent' ? SwapType.NONE : SwapType.FAIL;
        }
        this.log(`I: Swap type: ${swapTypeName(swapType)}`);
        if (swapType === SwapType.TEST || swapType === SwapType.PERM || swapType === SwapType.REVERT) {
          bs.swapType = swapType;
          if (this.swap(bs)) {
            this.finishSwap(swapType);
            performed = swapType;
          }
        } else if (swapType === SwapType.FAIL) {
          if (this.primary.readState().imageOk === Flag.UNSET) this.primary.writeImageOk();
          performed = SwapType.FAIL;
        }
      }
    }
    return this.bootPrimary(swapName(performed), resumed);
  }

  private bootPrimary(swap: 'none' | 'test' | 'perm' | 'revert' | 'fail', resumed: boolean): BootResult {
    const v = this.validateSlot('primary');
    if (v.state !== 'valid') {
      this.log(`E: Unable to find bootable image (${v.message})`);
      return { kind: 'recovery', reason: v.reason, message: v.message };
    }
    for (const hook of this.cfg.hooks ?? []) {
      const r = hook.check({ areas: this.cfg.areas, image: v.image });
      if (!r.ok) {
        this.log(`E: ${hook.name} refused the primary image: ${r.message}`);
        return { kind: 'recovery', reason: r.reason, message: `${hook.name}: ${r.message}` };
      }
    }
    const st = this.primary.readState();
    const confirmed = st.imageOk === Flag.SET;
    // boot_update_hw_rollback_protection() (and the update after a permanent swap): only once the
    // running image is final — not right after a test swap, a revert or a failed upgrade, and not
    // while the image awaits its confirmation — so that a revert still boots.
    const settled = resumed || swap === 'none' || swap === 'perm';
    if (this.cfg.counters && v.image.securityCounter !== undefined && settled && (st.magic !== Magic.GOOD || confirmed)) {
      this.cfg.counters.raise(CounterId.mcubootImage0, v.image.securityCounter);
    }
    this.log(`I: Jumping to the first image slot (version ${v.image.version})`);
    return {
      kind: 'boot',
      swap,
      resumed,
      image: v.image,
      confirmed,
      securityCounter: this.cfg.counters?.get(CounterId.mcubootImage0),
    };
  }
}

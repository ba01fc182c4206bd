/**
 * swap-using-move (MCUboot `boot/bootutil/src/swap_move.c`, `swap_misc.c`; notes/mcuboot.md §2):
 * first every used sector of the primary slot moves up by one sector (last first), then for each
 * index the secondary's sector goes down into the primary and the moved-up primary sector into
 * the secondary. Progress is one status entry per step in the primary's trailer — 1 entry per
 * move, 2 per swap step (BOOT_STATUS_MOVE_STATE_COUNT 1, BOOT_STATUS_SWAP_STATE_COUNT 2) — written
 * after each step's copy, so a power cut before any operation resumes at the interrupted step.
 */
import { SwapType } from '../../../host/mcuboot/trailer.js';
import { Flag, Magic } from './trailer-io.js';
import { copyRegion, swapStatusInit, type SwapContext } from './swap-misc.js';
import { resetStatus, isReset, type BootStatus, type SwapStrategy } from './swap-status.js';

const MOVE_STATES = 1;
const SWAP_STATES = 2;

export function swapUsingMove(ctx: SwapContext): SwapStrategy {
  const pri = ctx.primary.area;
  const sec = ctx.secondary.area;
  const sz = pri.sectors[0]!.size;
  const moveEntries = ctx.maxImgSectors * MOVE_STATES;

  const writeStatus = (bs: BootStatus): void => {
    const entry = bs.op === 'move' ? (bs.idx - 1) * MOVE_STATES + (bs.state - 1) : moveEntries + (bs.idx - 1) * SWAP_STATES + (bs.state - 1);
    ctx.primary.writeStatusEntry(entry, bs.state);
  };

  /** `find_last_idx()`: number of sectors the swap covers. */
  const lastIdx = (copySize: number): number => Math.max(1, Math.ceil(copySize / sz));

  const moveSectorUp = (idx: number, bs: BootStatus): void => {
    if (bs.idx === 1) {
      if (bs.source !== 'primary') {
        ctx.primary.eraseTrailerSectors();
        swapStatusInit(ctx.primary, ctx.secondary, bs);
      }
      ctx.secondary.eraseTrailerSectors();
    }
    const newOff = pri.sectors[idx]!.offset;
    const oldOff = pri.sectors[idx - 1]!.offset;
    pri.erase(newOff, sz);
    copyRegion(pri, pri, oldOff, newOff, sz);
    writeStatus(bs);
    bs.idx++;
  };

  const swapSectors = (idx: number, bs: BootStatus): void => {
    const priUpOff = pri.sectors[idx]!.offset;
    const priOff = pri.sectors[idx - 1]!.offset;
    const secOff = sec.sectors[idx - 1]!.offset;
    if (bs.state === 1) {
      pri.erase(priOff, sz);
      copyRegion(sec, pri, secOff, priOff, sz);
      writeStatus(bs);
      bs.state = 2;
    }
    if (bs.state === 2) {
      sec.erase(secOff, sz);
      copyRegion(pri, sec, priUpOff, secOff, sz);
      writeStatus(bs);
      bs.idx++;
      bs.state = 1;
    }
  };

  /**
   * `fixup_revert()`: a revert starts with its status in the primary and the secondary trailer
   * erased; make it look like a permanent upgrade request so that a cut before the first status
   * write still finishes the revert.
   */
  const fixupRevert = (bs: BootStatus): void => {
    if (bs.swapType !== SwapType.REVERT || bs.op !== 'move' || bs.idx !== 1) return;
    if (ctx.secondary.readState().magic !== Magic.UNSET) return;
    ctx.secondary.eraseTrailerSectors();
    ctx.secondary.writeImageOk();
    ctx.secondary.writeSwapSize(bs.swapSize);
    ctx.secondary.writeMagic();
  };

  return {
    name: 'swap-using-move',

    incompatibility() {
      const np = pri.sectors.length;
      const ns = sec.sectors.length;
      if (np !== ns && np !== ns + 1) return `not a compatible number of sectors (primary ${np}, secondary ${ns})`;
      if (np > ctx.maxImgSectors) return `more sectors (${np}) than BOOT_MAX_IMG_SECTORS (${ctx.maxImgSectors})`;
      if (pri.sectors.some((s) => s.size !== sz) || sec.sectors.some((s) => s.size !== sz)) return 'swap-using-move needs sectors of one size in both slots';
      return undefined;
    },

    readStatus() {
      const bs = resetStatus();
      const p = ctx.primary.readState();
      const s = ctx.secondary.readState();
      // swap_status_source(): only a started, unfinished swap keeps its status in the primary.
      if (!(p.magic === Magic.GOOD && p.copyDone === Flag.UNSET && s.magic !== Magic.GOOD)) return bs;
      bs.source = 'primary';
      let found = -1;
      for (let i = ctx.primary.layout.statusEntries; i > 0; i--) {
        if (ctx.primary.readStatusEntry(i - 1) !== undefined) {
          found = i;
          break;
        }
      }
      if (found > 0 && found < moveEntries) {
        bs.op = 'move';
        bs.idx = Math.floor(found / MOVE_STATES) + 1;
        bs.state = (found % MOVE_STATES) + 1;
      } else if (found >= moveEntries) {
        bs.op = 'swap';
        bs.idx = Math.floor((found - moveEntries) / SWAP_STATES) + 1;
        bs.state = ((found - moveEntries) % SWAP_STATES) + 1;
      }
      bs.swapType = p.swapType;
      return bs;
    },

    statusTrailer() {
      return ctx.primary;
    },

    run(bs, copySize) {
      const last = lastIdx(copySize);
      if (isReset(bs)) {
        const firstTrailerIdx = ctx.primary.trailerSectors().first;
        if (last >= firstTrailerIdx) {
          ctx.log(`W: Not enough free space to run swap upgrade: required ${(last + 1) * sz} bytes but only ${firstTrailerIdx * sz} are available`);
          return false;
        }
      }
      ctx.log(`I: Starting swap using move algorithm.`);
      fixupRevert(bs);
      if (bs.op === 'move') {
        for (let idx = last; idx > 0; idx--) if (idx <= last - bs.idx + 1) moveSectorUp(idx, bs);
        bs.idx = 1;
      }
      bs.op = 'swap';
      for (let idx = 1; idx <= last; idx++) if (idx >= bs.idx) swapSectors(idx, bs);
      return true;
    },
  };
}

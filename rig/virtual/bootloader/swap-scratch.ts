/**
 * swap-using-scratch (MCUboot `boot/bootutil/src/swap_scratch.c`; notes/mcuboot.md §2), the mode
 * for parts with sectors of mixed sizes: the slots are swapped from their end backwards, in
 * chunks of whole sectors that fit the scratch area, each chunk in three steps — secondary →
 * scratch, primary → secondary, scratch → primary — with one status entry per step
 * (BOOT_STATUS_STATE_COUNT 3). The chunk holding the primary's trailer keeps its status in the
 * scratch area's own small trailer until the primary trailer is rewritten ("use_scratch").
 */
import { SwapType } from '../../../host/mcuboot/trailer.js';
import { copyRegion, swapStatusInit, type SwapContext } from './swap-misc.js';
import { resetStatus, type BootStatus, type StatusSource, type SwapStrategy } from './swap-status.js';
import { Flag, Magic, type SlotTrailer } from './trailer-io.js';

const STATES = 3;

export interface ScratchSwapContext extends SwapContext {
  /** The scratch area, its trailer sized for one sector's status (3 entries). */
  scratch: SlotTrailer;
}

export function swapUsingScratch(ctx: ScratchSwapContext): SwapStrategy {
  const pri = ctx.primary.area;
  const sec = ctx.secondary.area;
  const scr = ctx.scratch.area;

  const statusArea = (bs: BootStatus): SlotTrailer => (bs.useScratch ? ctx.scratch : ctx.primary);
  const writeStatus = (bs: BootStatus): void => statusArea(bs).writeStatusEntry((bs.idx - 1) * STATES + (bs.state - 1), bs.state);
  const eraseScratch = (): void => scr.erase(0, scr.size);

  /** `boot_copy_sz()`: primary sectors ending at `last` that fit the scratch; returns [first, bytes]. */
  const copySz = (last: number): [number, number] => {
    let sz = 0;
    let i = last;
    for (; i >= 0; i--) {
      const next = sz + pri.sectors[i]!.size;
      if (next > scr.size) break;
      sz = next;
    }
    return [i + 1, sz];
  };

  const swapSectors = (idx: number, sz: number, bs: BootStatus): void => {
    const imgOff = pri.sectors[idx]!.offset;
    const trailerFirst = ctx.primary.trailerSectors().first;
    const copy = imgOff + sz > pri.sectors[trailerFirst]!.offset ? sz - ctx.primary.layout.trailerSize : sz;
    bs.useScratch = bs.idx === 1 && copy !== sz;
    if (bs.state === 1) {
      eraseScratch();
      if (bs.idx === 1) {
        // The scratch trailer holds the swap type while the primary trailer is erased.
        swapStatusInit(ctx.scratch, ctx.secondary, bs);
        if (!bs.useScratch) {
          ctx.primary.eraseTrailerSectors();
          swapStatusInit(ctx.primary, ctx.secondary, bs);
          eraseScratch();
        }
      }
      copyRegion(sec, scr, imgOff, 0, copy);
      writeStatus(bs);
      bs.state = 2;
    }
    if (bs.state === 2) {
      sec.erase(imgOff, sz);
      copyRegion(pri, sec, imgOff, imgOff, copy);
      if (bs.idx === 1 && !bs.useScratch) ctx.secondary.eraseTrailerSectors();
      writeStatus(bs);
      bs.state = 3;
    }
    if (bs.state === 3) {
      pri.erase(imgOff, sz);
      copyRegion(scr, pri, 0, imgOff, copy);
      const eraseAfter = bs.useScratch;
      if (bs.useScratch) {
        // Move the status so far, then the trailer fields, from the scratch into the primary.
        copyRegion(scr, pri, ctx.scratch.layout.statusOff, imgOff + copy, (STATES - 1) * ctx.scratch.layout.writeSize);
        const st = ctx.scratch.readState();
        if (st.imageOk === Flag.SET) ctx.primary.writeImageOk();
        if (st.swapType !== SwapType.NONE) ctx.primary.writeSwapInfo(st.swapType, 0);
        ctx.primary.writeSwapSize(bs.swapSize);
        ctx.primary.writeMagic();
      }
      bs.useScratch = false;
      writeStatus(bs);
      bs.idx++;
      bs.state = 1;
      // Erased only now, so a reset cannot read a stale status from it.
      if (eraseAfter) eraseScratch();
    }
  };

  return {
    name: 'swap-using-scratch',

    incompatibility() {
      const np = pri.sectors.length;
      const ns = sec.sectors.length;
      if (np > ctx.maxImgSectors || ns > ctx.maxImgSectors) return `more sectors than BOOT_MAX_IMG_SECTORS (${ctx.maxImgSectors})`;
      let i = 0;
      let j = 0;
      let sz0 = 0;
      let sz1 = 0;
      let total0 = 0;
      let total1 = 0;
      let smaller = 0;
      while (i < np || j < ns) {
        if (sz0 === sz1) {
          sz0 += pri.sectors[i++]?.size ?? 0;
          sz1 += sec.sectors[j++]?.size ?? 0;
        } else if (sz0 < sz1) {
          if (smaller === 2) return 'slots have non-compatible sectors';
          smaller = 1;
          sz0 += pri.sectors[i++]?.size ?? 0;
        } else {
          if (smaller === 1) return 'slots have non-compatible sectors';
          smaller = 2;
          sz1 += sec.sectors[j++]?.size ?? 0;
        }
        if (sz0 === sz1) {
          total0 += sz0;
          total1 += sz1;
          if (sz0 > scr.size) return `not all sectors fit inside the ${scr.size}-byte scratch area`;
          smaller = sz0 = sz1 = 0;
        }
      }
      if (i !== np || j !== ns || total0 !== total1) return 'slots are not compatible';
      return undefined;
    },

    readStatus() {
      const bs = resetStatus();
      const p = ctx.primary.readState();
      const s = ctx.scratch.readState();
      // swap_status_source(): the boot_status_tables of swap_scratch.c, in order.
      let source: StatusSource = 'none';
      if (p.magic === Magic.GOOD && s.magic !== Magic.GOOD && p.copyDone === Flag.SET) source = 'none';
      else if (p.magic === Magic.GOOD && s.magic !== Magic.GOOD && p.copyDone === Flag.UNSET) source = 'primary';
      else if (s.magic === Magic.GOOD) source = 'scratch';
      else if (p.magic === Magic.UNSET && p.copyDone === Flag.UNSET) source = 'primary';
      bs.source = source;
      if (source === 'none') return bs;
      const t = source === 'scratch' ? ctx.scratch : ctx.primary;
      // swap_read_status_bytes(): the written entries are a prefix; the first erased one is the next step.
      let found = false;
      let next = -1;
      for (let i = 0; i < t.layout.statusEntries; i++) {
        const written = t.readStatusEntry(i) !== undefined;
        if (!written && found && next < 0) next = i;
        else if (written && !found) found = true;
        else if (written && next >= 0) {
          ctx.log('E: Detected inconsistent status!');
          break;
        }
      }
      if (found) {
        if (next < 0) next = t.layout.statusEntries;
        bs.idx = Math.floor(next / STATES) + 1;
        bs.state = (next % STATES) + 1;
      }
      bs.swapType = t.readState().swapType;
      return bs;
    },

    statusTrailer(bs) {
      return bs.source === 'scratch' ? ctx.scratch : ctx.primary;
    },

    run(bs, copySize) {
      if (copySize + ctx.primary.layout.trailerSize > pri.size) {
        ctx.log(`W: Not enough free space to run swap upgrade: ${copySize} bytes and the ${ctx.primary.layout.trailerSize}-byte trailer exceed the ${pri.size}-byte slot`);
        return false;
      }
      ctx.log('I: Starting swap using scratch algorithm.');
      // The last sector to swap: both slots covered up to copySize, at equal sizes (compatible slots end together).
      let last = 0;
      let pSize = 0;
      let sSize = 0;
      for (let lastSec = 0; ; last++, lastSec++) {
        if (pSize < copySize || pSize < sSize) pSize += pri.sectors[last]!.size;
        if (sSize < copySize || sSize < pSize) sSize += sec.sectors[lastSec]!.size;
        if (pSize >= copySize && sSize >= copySize && pSize === sSize) break;
      }
      // An image ending inside the first of several trailer sectors: swap through the slot end, so
      // that the chunk holding the trailer holds all of it (MCUboot's `copy_sz -= trailer_sz`
      // assumes that chunk ends at the slot end, which only holds for one-sector trailers).
      if (last >= ctx.primary.trailerSectors().first) last = pri.sectors.length - 1;
      let step = 0;
      while (last >= 0) {
        const [first, sz] = copySz(last);
        if (step >= bs.idx - 1) swapSectors(first, sz, bs);
        last = first - 1;
        step++;
      }
      return true;
    },
  };
}

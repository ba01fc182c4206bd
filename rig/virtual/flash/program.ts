/**
 * Writing a file into a flash area as a programmer does (nrfjprog, pyOCD, `west flash`): erase
 * the sectors it covers, then write it, skipping write units that are blank (all erased value)
 * as programmers skip gaps of a hex file. Blank units stay writable, so a padded MCUboot image
 * (`imgtool --pad`) leaves its trailer fields free for the bootloader to write.
 */
import type { FlashArea } from './area.js';

export function programArea(area: FlashArea, offset: number, data: Uint8Array): void {
  if (offset + data.length > area.size) throw new RangeError(`${data.length} bytes at 0x${offset.toString(16)} do not fit area '${area.name}' of ${area.size} bytes`);
  const first = area.sectorIndexAt(offset);
  const last = area.sectorIndexAt(offset + data.length - 1);
  for (let i = first; i <= last; i++) area.erase(area.sectors[i]!.offset, area.sectors[i]!.size);
  const a = area.align;
  const start = Math.floor(offset / a) * a;
  const end = Math.ceil((offset + data.length) / a) * a;
  const buf = new Uint8Array(end - start).fill(area.erasedValue);
  buf.set(data, offset - start);
  // Write maximal runs of non-blank units, one operation per run.
  let run = -1;
  for (let u = 0; u <= buf.length; u += a) {
    const blank = u === buf.length || buf.subarray(u, u + a).every((x) => x === area.erasedValue);
    if (!blank && run < 0) run = u;
    if (blank && run >= 0) {
      area.write(start + run, buf.subarray(run, u));
      run = -1;
    }
  }
}

/**
 * Monotonic counters in flash: MCUboot's hardware security counter (`security_cnt.h`
 * `boot_nv_security_counter_get/update`, notes/mcuboot.md §5) and the stored SUIT sequence number
 * share one area. A counter only grows, so its value is the largest valid record for its id,
 * wherever it lies; that makes every update safe against a power cut:
 * - records are appended (32 bytes: value u64, write sequence u32, id u8, CRC-32); a torn record
 *   fails its CRC and is ignored;
 * - when the sector being written is full, the next one is erased and receives the current value
 *   of every counter before the new record. The full sector still holds all of them while the
 *   next one is erased, so no value is ever only in a sector being erased.
 */
import { crc32 } from 'node:zlib';
import type { FlashArea } from '../flash/index.js';

/** Counter ids used by the board. */
export const CounterId = {
  /** MCUboot image 0 hardware security counter (SEC_CNT). */
  mcubootImage0: 0,
  /** Stored SUIT manifest sequence number. */
  suitSequence: 1,
} as const;

const RECORD = 32;

interface Slot {
  sector: number;
  offset: number;
}

export class CounterStore {
  private readonly recordSize: number;

  constructor(private readonly area: FlashArea) {
    this.recordSize = Math.max(RECORD, area.align);
    if (area.sectors.length < 2) throw new RangeError(`counter area '${area.name}' needs at least two sectors`);
    const odd = area.sectors.find((s) => s.size % this.recordSize !== 0);
    if (odd) throw new RangeError(`counter area '${area.name}': a ${odd.size}-byte sector does not hold whole ${this.recordSize}-byte records`);
  }

  private decode(b: Uint8Array): { id: number; value: bigint; seq: number } | undefined {
    const v = Buffer.from(b.buffer, b.byteOffset, RECORD);
    if (crc32(v.subarray(0, 28)) !== v.readUInt32LE(28)) return undefined;
    if (v.readUInt8(13) !== 0 || v.readUInt16LE(14) !== 0 || !v.subarray(16, 28).every((x) => x === 0)) return undefined;
    return { value: v.readBigUInt64LE(0), seq: v.readUInt32LE(8), id: v.readUInt8(12) };
  }

  private scan(): { values: Map<number, bigint>; lastSeq: number; last: Slot | undefined; firstFree: Map<number, number> } {
    const values = new Map<number, bigint>();
    let lastSeq = -1;
    let last: Slot | undefined;
    const firstFree = new Map<number, number>();
    const erased = this.area.erasedValue;
    this.area.sectors.forEach((s, sector) => {
      const bytes = this.area.read(s.offset, s.size);
      // Records are appended from the sector start: the free space is the erased tail, from the
      // record after the last byte written. (A plain loop: every boot scans the whole area.)
      let end = s.size;
      while (end > 0 && bytes[end - 1] === erased) end--;
      const free = Math.ceil(end / this.recordSize) * this.recordSize;
      firstFree.set(sector, free);
      for (let off = 0; off + this.recordSize <= free; off += this.recordSize) {
        const r = this.decode(bytes.subarray(off, off + RECORD));
        if (!r) continue;
        if ((values.get(r.id) ?? -1n) < r.value) values.set(r.id, r.value);
        if (r.seq > lastSeq) {
          lastSeq = r.seq;
          last = { sector, offset: off };
        }
      }
    });
    return { values, lastSeq, last, firstFree };
  }

  /** The stored value of a counter (0 when never written). */
  get(id: number): bigint {
    return this.scan().values.get(id) ?? 0n;
  }

  /** The largest stored value of several counters, read in one scan (0 when none was written). */
  largest(ids: readonly number[]): bigint {
    const { values } = this.scan();
    return ids.reduce((m, id) => {
      const v = values.get(id) ?? 0n;
      return v > m ? v : m;
    }, 0n);
  }

  /** Raises a counter to `value`; never lowers it. Returns whether flash was written. */
  raise(id: number, value: bigint): boolean {
    if (!Number.isInteger(id) || id < 0 || id > 0xff) throw new RangeError(`counter id must be 0..255, got ${id}`);
    if (value < 0n || value > 0xffff_ffff_ffff_ffffn) throw new RangeError(`counter value must be a uint64, got ${value}`);
    const st = this.scan();
    if ((st.values.get(id) ?? 0n) >= value) return false;
    let seq = st.lastSeq + 1;
    const sector = st.last?.sector ?? 0;
    const s = this.area.sectors[sector]!;
    const free = st.firstFree.get(sector)!;
    if (free + this.recordSize <= s.size) {
      this.writeRecord(s.offset + free, id, value, seq);
      return true;
    }
    const next = (sector + 1) % this.area.sectors.length;
    const n = this.area.sectors[next]!;
    this.area.erase(n.offset, n.size);
    let off = n.offset;
    for (const [other, v] of st.values) {
      if (other === id) continue;
      this.writeRecord(off, other, v, seq++);
      off += this.recordSize;
    }
    this.writeRecord(off, id, value, seq);
    return true;
  }

  private writeRecord(offset: number, id: number, value: bigint, seq: number): void {
    const b = Buffer.alloc(this.recordSize, this.area.erasedValue);
    b.fill(0, 0, RECORD);
    b.writeBigUInt64LE(value, 0);
    b.writeUInt32LE(seq >>> 0, 8);
    b.writeUInt8(id, 12);
    b.writeUInt32LE(crc32(b.subarray(0, 28)), 28);
    this.area.write(offset, new Uint8Array(b.buffer, b.byteOffset, b.length));
  }
}

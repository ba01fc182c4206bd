/**
 * Streams an image into a flash slot the way an application's DFU code does with progressive
 * erase (Zephyr CONFIG_IMG_ERASE_PROGRESSIVELY): the slot's trailer sectors are erased first,
 * so no stale swap request survives the new upload, and each further sector is erased when the
 * stream first reaches it. Flash takes only aligned, write-once units (rig/virtual/flash), so
 * bytes that do not fill a unit stay in RAM until more arrive or the stream is closed with the
 * bytes that follow it (the container's TLV areas). Used for SUIT payloads (the candidate
 * component) and image-group uploads alike.
 */
import type { FlashArea } from '../flash/index.js';

export class SlotWriteError extends Error {
  override name = 'SlotWriteError';
}

export class SlotWriter {
  /** Bytes accepted (flushed + held). */
  private length = 0;
  /** Bytes on flash, a multiple of the write alignment. */
  private flushed = 0;
  private held = new Uint8Array(0);
  private readonly erased = new Set<number>();

  /**
   * Starts a stream at `base` (area offset, aligned) of at most `capacity` bytes. Erases the
   * sectors in `firstErase` (the trailer sectors) now, last first.
   */
  constructor(
    readonly area: FlashArea,
    readonly base: number,
    readonly capacity: number,
    firstErase: readonly number[],
  ) {
    if (base % area.align !== 0) throw new RangeError(`slot stream base 0x${base.toString(16)} is not aligned to ${area.align}`);
    for (const i of [...firstErase].sort((a, b) => b - a)) this.eraseSector(i);
  }

  /** Bytes written so far. */
  get size(): number {
    return this.length;
  }

  /** Appends `data` (the next bytes of the stream). */
  write(data: Uint8Array): void {
    if (this.length + data.length > this.capacity) {
      throw new SlotWriteError(`image does not fit: ${this.length + data.length} bytes, the slot takes ${this.capacity}`);
    }
    // One flash write per chunk; the chunk is copied only to join it to bytes held from before.
    let all = data;
    if (this.held.length > 0) {
      all = new Uint8Array(this.held.length + data.length);
      all.set(this.held);
      all.set(data, this.held.length);
    }
    this.length += data.length;
    const a = this.area.align;
    const whole = all.length - (all.length % a);
    this.held = all.slice(whole);
    if (whole > 0) this.put(all.subarray(0, whole));
  }

  /** Writes the held bytes followed by `trailer` (padded with the erased value to a whole unit). */
  close(trailer: Uint8Array = new Uint8Array(0)): void {
    const a = this.area.align;
    const n = this.held.length + trailer.length;
    if (n === 0) return;
    if (this.length + trailer.length > this.capacity) throw new SlotWriteError(`image does not fit: ${this.length + trailer.length} bytes, the slot takes ${this.capacity}`);
    const buf = new Uint8Array(Math.ceil(n / a) * a).fill(this.area.erasedValue);
    buf.set(this.held);
    buf.set(trailer, this.held.length);
    this.held = new Uint8Array(0);
    this.length += trailer.length;
    this.put(buf);
  }

  /** Copies stream bytes from `offset` into `dst` (flash, then the held tail); returns the count. */
  read(offset: number, dst: Uint8Array): number {
    const n = Math.max(0, Math.min(dst.length, this.length - offset));
    const fromFlash = Math.max(0, Math.min(n, this.flushed - offset));
    if (fromFlash > 0) dst.set(this.area.read(this.base + offset, fromFlash));
    for (let i = fromFlash; i < n; i++) dst[i] = this.held[offset + i - this.flushed]!;
    return n;
  }

  private put(bytes: Uint8Array): void {
    const start = this.base + this.flushed;
    const end = start + bytes.length;
    for (let s = this.area.sectorIndexAt(start); s < this.area.sectors.length && this.area.sectors[s]!.offset < end; s++) this.eraseSector(s);
    this.area.write(start, bytes);
    this.flushed += bytes.length;
  }

  private eraseSector(i: number): void {
    if (this.erased.has(i)) return;
    const s = this.area.sectors[i]!;
    this.area.erase(s.offset, s.size);
    this.erased.add(i);
  }
}

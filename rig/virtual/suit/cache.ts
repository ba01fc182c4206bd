/**
 * The SUIT payload cache (the `suit-cache` partition of the profile): payloads pushed ahead of
 * an envelope with the SUIT group's raw cache upload (nRF Connect SDK suitfu command 5, "DFU
 * cache"), so the firmware consumer finds them without asking the host. The partition holds
 * what the host sent, as nRF's DFU cache partitions do (subsys/suit/cache): one CBOR map of
 * payload URI (text, exactly as manifests name it) to payload (byte string) — indefinite-length
 * as nRF tools write it, or definite; non-canonical heads are fine. It is read with the SMP
 * codec (host/smp/cbor.ts, bounded and tolerant): an indefinite map ends at its break, at the
 * first erased 0xff byte after an entry, or at the end of the partition. Entries that are not
 * text -> bytes are skipped; an erased or unreadable partition is an empty cache.
 */
import { decodeCborPrefix, SmpCborError } from '../../../host/smp/cbor.js';
import { isMap } from '../../../host/smp/fields.js';
import type { FlashArea } from '../flash/index.js';
import { SlotWriter } from './slot-writer.js';

export class SuitCache {
  private writer: SlotWriter | undefined;
  private index: Map<string, Uint8Array> | undefined;

  constructor(readonly area: FlashArea) {}

  /** Starts replacing the cache with `length` bytes of raw content. */
  begin(length: number): void {
    if (length > this.area.size) throw new RangeError(`cache content of ${length} bytes; the partition holds ${this.area.size}`);
    this.index = undefined;
    this.writer = new SlotWriter(this.area, 0, this.area.size, [0]);
  }

  write(data: Uint8Array): void {
    if (!this.writer) throw new Error('no cache upload in progress');
    this.writer.write(data);
  }

  finish(): void {
    const w = this.writer;
    if (w) {
      w.close();
      // The sectors past the new content still hold the old one, and a map without its final
      // break is read on until erased flash: they go too.
      this.eraseFrom(w.size);
    }
    this.writer = undefined;
    this.index = undefined;
  }

  /** Drops the cache (SUIT cleanup). */
  clear(): void {
    this.writer = undefined;
    this.index = undefined;
    this.eraseFrom(0);
  }

  /** Erases every sector at or after `offset` that is not erased. */
  private eraseFrom(offset: number): void {
    for (const s of this.area.sectors) if (s.offset >= offset && !this.area.isErased(s.offset, s.size)) this.area.erase(s.offset, s.size);
  }

  /** The cached payload for `uri`, if any. */
  lookup(uri: string): Uint8Array | undefined {
    return this.entries().get(uri);
  }

  /** URIs held. */
  uris(): string[] {
    return [...this.entries().keys()];
  }

  private entries(): Map<string, Uint8Array> {
    if (this.index) return this.index;
    const index = new Map<string, Uint8Array>();
    if (!this.writer && !this.area.isErased(0, 1)) {
      try {
        const { value } = decodeCborPrefix(this.area.read(0, this.area.size), { maxDepth: 4 });
        if (isMap(value)) for (const [uri, payload] of Object.entries(value)) if (payload instanceof Uint8Array) index.set(uri, payload);
      } catch (e) {
        if (!(e instanceof SmpCborError)) throw e; // not a cache map: an empty cache
      }
    }
    this.index = index;
    return index;
  }
}

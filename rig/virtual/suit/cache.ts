/**
 * The SUIT payload cache (the `suit-cache` partition of the profile): payloads pushed ahead of
 * an envelope with the SUIT group's raw cache upload (nRF Connect SDK suitfu command 5, "DFU
 * cache"), so the firmware consumer finds them without asking the host. The partition holds
 * one CBOR map (definite length) of payload URI (text, exactly as manifests name it) to payload
 * (byte string), written through a progressive-erase stream; an erased or unreadable partition
 * is an empty cache.
 */
import { bstrAt, mapEntries } from '../../../host/suit/cbor/scan.js';
import type { FlashArea } from '../flash/index.js';
import { SlotWriter } from './slot-writer.js';

export class SuitCache {
  private writer: SlotWriter | undefined;
  private index: Map<string, { start: number; length: number }> | undefined;

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
    this.writer?.close();
    this.writer = undefined;
    this.index = undefined;
  }

  /** Drops the cache (SUIT cleanup). */
  clear(): void {
    this.writer = undefined;
    this.index = undefined;
    for (const s of this.area.sectors) if (!this.area.isErased(s.offset, s.size)) this.area.erase(s.offset, s.size);
  }

  /** The cached payload for `uri`, if any. */
  lookup(uri: string): Uint8Array | undefined {
    const at = this.entries().get(uri);
    return at && this.area.read(at.start, at.length);
  }

  /** URIs held. */
  uris(): string[] {
    return [...this.entries().keys()];
  }

  private entries(): Map<string, { start: number; length: number }> {
    if (this.index) return this.index;
    const index = new Map<string, { start: number; length: number }>();
    if (!this.writer && !this.area.isErased(0, 1)) {
      try {
        const bytes = this.area.read(0, this.area.size);
        for (const e of mapEntries(bytes, 0).entries) {
          if (typeof e.key !== 'string') continue;
          const v = bstrAt(bytes, e.valueStart);
          index.set(e.key, { start: v.end - v.content.length, length: v.content.length });
        }
      } catch {
        index.clear(); // not a cache map: an empty cache
      }
    }
    this.index = index;
    return index;
  }
}

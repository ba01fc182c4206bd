/**
 * The raw UART variant of SMP (notes/smp.md §5: Zephyr `CONFIG_MCUMGR_TRANSPORT_RAW_UART`,
 * MCUboot `MCUBOOT_SERIAL_RAW_PROTOCOL`): bare SMP packets back to back, no base64, length
 * field or CRC; packet boundaries come from the SMP header's length, and a gap longer than the
 * inter-byte timeout discards a partial packet. About 27% less wire overhead than the console
 * framing, but nothing detects a corrupted byte: only the upload's final SHA-256 check
 * (upload engine, image group) protects what gets installed. Unusable on a UART shared with logs.
 */
import type { Clock } from '../../transport/clock.js';
import { SMP_HEADER_SIZE } from '../header.js';
import type { DecoderLimits, FrameDecoder, FrameSink, Framing } from './framing.js';

export interface RawFramingOptions {
  /** Idle gap after which a partial packet is thrown away; default 100 ms. */
  interByteTimeoutMs?: number;
}

export class RawFraming implements Framing {
  readonly kind = 'raw';
  readonly description = 'raw SMP framing (no base64, no CRC)';
  readonly interByteTimeoutMs: number;

  constructor(options: RawFramingOptions = {}) {
    this.interByteTimeoutMs = options.interByteTimeoutMs ?? 100;
  }

  encode(packet: Uint8Array): Uint8Array {
    return packet;
  }

  decoder(sink: FrameSink, limits: DecoderLimits): FrameDecoder {
    return new RawDecoder(sink, limits.maxPacket, limits.clock, this.interByteTimeoutMs);
  }

  maxPacketFor(bufSize: number): number {
    return bufSize;
  }

  wireBytes(packetBytes: number): number {
    return packetBytes;
  }
}

class RawDecoder implements FrameDecoder {
  /** Received bytes not yet delivered are `buf[start, end)`; the buffer grows, it is not rebuilt per chunk. */
  private buf = new Uint8Array(0);
  private start = 0;
  private end = 0;
  private lastByteAt = -Infinity;
  /** After garbage, everything is discarded until the line goes idle. */
  private discarding = false;

  constructor(
    private readonly sink: FrameSink,
    private readonly maxPacket: number,
    private readonly clock: Clock,
    private readonly timeoutMs: number,
  ) {}

  push(chunk: Uint8Array): void {
    const now = this.clock.now();
    if (now - this.lastByteAt > this.timeoutMs) {
      const partial = this.end - this.start;
      if (partial > 0) this.sink.dropped(`partial packet of ${partial} bytes discarded after ${this.timeoutMs} ms idle`);
      this.clear();
      this.discarding = false;
    }
    this.lastByteAt = now;
    if (this.discarding) return;
    this.append(chunk);
    while (this.end - this.start >= SMP_HEADER_SIZE) {
      const b = this.buf;
      const b0 = b[this.start]!;
      const size = SMP_HEADER_SIZE + ((b[this.start + 2]! << 8) | b[this.start + 3]!);
      if (b0 & 0xe0 || ((b0 >> 3) & 3) > 1) return this.garbage(`byte 0x${b0.toString(16)} cannot start an SMP header`);
      if (size > this.maxPacket) return this.garbage(`SMP packet of ${size} bytes exceeds the ${this.maxPacket}-byte limit`);
      if (this.end - this.start < size) return;
      this.sink.packet(b.slice(this.start, this.start + size));
      this.start += size;
    }
    if (this.start === this.end) this.clear();
  }

  private append(chunk: Uint8Array): void {
    if (this.end + chunk.length > this.buf.length) {
      const held = this.end - this.start;
      const next = held + chunk.length <= this.buf.length ? this.buf : new Uint8Array(Math.max(held + chunk.length, 2 * this.buf.length));
      next.set(this.buf.subarray(this.start, this.end));
      this.buf = next;
      this.start = 0;
      this.end = held;
    }
    this.buf.set(chunk, this.end);
    this.end += chunk.length;
  }

  private clear(): void {
    this.start = 0;
    this.end = 0;
  }

  private garbage(reason: string): void {
    this.sink.dropped(`${reason}; discarding input until the line goes idle`);
    this.clear();
    this.discarding = true;
  }
}

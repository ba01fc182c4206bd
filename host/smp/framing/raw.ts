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
  private buf = new Uint8Array(0);
  private lastByteAt = -Infinity;
  /** After garbage, everything is discarded until the line goes idle. */
  private discarding = false;

  constructor(
    private readonly sink: FrameSink,
    private readonly maxPacket: number,
    private readonly clock: Clock,
    private readonly timeoutMs: number,
  ) {}

  reset(): void {
    this.buf = new Uint8Array(0);
    this.discarding = false;
  }

  push(chunk: Uint8Array): void {
    const now = this.clock.now();
    if (now - this.lastByteAt > this.timeoutMs) {
      if (this.buf.length > 0) this.sink.dropped(`partial packet of ${this.buf.length} bytes discarded after ${this.timeoutMs} ms idle`);
      this.reset();
    }
    this.lastByteAt = now;
    if (this.discarding) return;
    const next = new Uint8Array(this.buf.length + chunk.length);
    next.set(this.buf);
    next.set(chunk, this.buf.length);
    this.buf = next;
    while (this.buf.length >= SMP_HEADER_SIZE) {
      const b0 = this.buf[0]!;
      const len = (this.buf[2]! << 8) | this.buf[3]!;
      if (b0 & 0xe0 || ((b0 >> 3) & 3) > 1) return this.garbage(`byte 0x${b0.toString(16)} cannot start an SMP header`);
      if (SMP_HEADER_SIZE + len > this.maxPacket) return this.garbage(`SMP packet of ${SMP_HEADER_SIZE + len} bytes exceeds the ${this.maxPacket}-byte limit`);
      if (this.buf.length < SMP_HEADER_SIZE + len) return;
      this.sink.packet(this.buf.slice(0, SMP_HEADER_SIZE + len));
      this.buf = this.buf.subarray(SMP_HEADER_SIZE + len);
    }
  }

  private garbage(reason: string): void {
    this.sink.dropped(`${reason}; discarding input until the line goes idle`);
    this.buf = new Uint8Array(0);
    this.discarding = true;
  }
}

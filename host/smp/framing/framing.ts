/**
 * How SMP packets travel over a byte stream (notes/smp.md §5): the console framing (base64
 * lines with length and CRC, safe on a UART shared with logs) or the raw UART variant (bare
 * packets). Client and server use the same framing code, so what one encodes the other reads.
 */
import type { Clock } from '../../transport/clock.js';

export interface FrameSink {
  /** A complete SMP packet (header + CBOR) that passed the framing's checks. */
  packet(packet: Uint8Array): void;
  /** A line of non-SMP text between frames (logs, shell output). */
  console(text: string): void;
  /**
   * The same text as a stream, as soon as it arrives: every byte that is not part of a frame,
   * newlines as sent, and a line still open (a shell prompt) passed on without waiting for its
   * end — all but a last byte that may begin a frame marker. Framings without console text
   * (raw) never call it.
   */
  text?(text: string): void;
  /** A frame was thrown away; `reason` says why (bad base64, CRC, length, timeout). */
  dropped(reason: string): void;
}

export interface FrameDecoder {
  push(chunk: Uint8Array): void;
}

export interface DecoderLimits {
  /** Largest SMP packet accepted; longer frames are dropped. */
  maxPacket: number;
  clock: Clock;
}

export interface Framing {
  readonly kind: 'console' | 'raw';
  /** One line for logs and `--trace`, e.g. `console framing, 124-char lines`. */
  readonly description: string;
  encode(packet: Uint8Array): Uint8Array;
  decoder(sink: FrameSink, limits: DecoderLimits): FrameDecoder;
  /** Largest SMP packet a peer that reports `buf_size` accepts through this framing. */
  maxPacketFor(bufSize: number): number;
  /** Bytes on the wire for an SMP packet of `packetBytes`. */
  wireBytes(packetBytes: number): number;
}

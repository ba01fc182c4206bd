/**
 * An SMP link: a transport plus a framing, carrying whole SMP packets both ways. The client
 * and the server each sit on one. It reports what it drops (bad frames, packets whose header
 * length is wrong), passes console text between frames to a console log line by line (events)
 * and as a timestamped stream (`onText`, for console sessions), and feeds `--trace`.
 */
import { systemClock, type Clock } from '../transport/clock.js';
import type { ConsoleText } from '../transport/text.js';
import type { Transport, TransportClosedError } from '../transport/transport.js';
import { ConsoleFraming } from './framing/console.js';
import type { FrameDecoder, Framing } from './framing/framing.js';
import { decodePacket, SMP_HEADER_SIZE, SMP_MAX_PAYLOAD, type SmpPacket } from './header.js';

export type { ConsoleText } from '../transport/text.js';

export type LinkEvent =
  | { kind: 'tx' | 'rx'; packet: Uint8Array }
  | { kind: 'drop'; reason: string }
  | { kind: 'console'; text: string };

export interface SmpLinkOptions {
  /** Default: console framing with 124-character lines. */
  framing?: Framing;
  /** Largest SMP packet accepted from the peer; default the protocol's maximum. */
  maxPacket?: number;
  clock?: Clock;
  /** Every packet sent and received, every drop and console line (for `--trace` and logs). */
  onEvent?: (event: LinkEvent) => void;
}

export interface LinkStats {
  packetsOut: number;
  packetsIn: number;
  /** Frames or packets thrown away on receive. */
  dropped: number;
  /** Bytes written to the transport. */
  wireBytesOut: number;
}

export class SmpLink {
  readonly framing: Framing;
  readonly clock: Clock;
  readonly stats: LinkStats = { packetsOut: 0, packetsIn: 0, dropped: 0, wireBytesOut: 0 };
  private readonly decoder: FrameDecoder;
  private readonly packetListeners = new Set<(p: SmpPacket) => void>();
  private readonly rawListeners = new Set<(raw: Uint8Array) => void>();
  private readonly eventListeners = new Set<(e: LinkEvent) => void>();
  private readonly textListeners = new Set<(t: ConsoleText) => void>();

  constructor(
    readonly transport: Transport,
    options: SmpLinkOptions = {},
  ) {
    this.framing = options.framing ?? new ConsoleFraming();
    this.clock = options.clock ?? systemClock;
    if (options.onEvent) this.eventListeners.add(options.onEvent);
    this.decoder = this.framing.decoder(
      {
        packet: (raw) => this.receive(raw),
        console: (text) => this.emit({ kind: 'console', text }),
        text: (text) => {
          const t = { text, at: Date.now() };
          for (const l of this.textListeners) l(t);
        },
        dropped: (reason) => this.drop(reason),
      },
      { maxPacket: options.maxPacket ?? SMP_HEADER_SIZE + SMP_MAX_PAYLOAD, clock: this.clock },
    );
    transport.onData((chunk) => this.decoder.push(chunk));
  }

  get isOpen(): boolean {
    return this.transport.isOpen;
  }

  /** Frames and writes one packet; rejects if the transport does not take it in time. */
  async send(packet: Uint8Array, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    const wire = this.framing.encode(packet);
    this.stats.packetsOut++;
    this.stats.wireBytesOut += wire.length;
    this.emit({ kind: 'tx', packet });
    await this.transport.write(wire, options);
  }

  onPacket(listener: (p: SmpPacket) => void): () => void {
    this.packetListeners.add(listener);
    return () => void this.packetListeners.delete(listener);
  }

  /**
   * Every received packet as the framing delivered it, before its header is checked: a board's
   * server reads headers by its firmware's own rules (server/request-rules.ts), which answer some
   * that `onPacket` would drop. While one listens, packets go to it alone.
   */
  onRawPacket(listener: (raw: Uint8Array) => void): () => void {
    this.rawListeners.add(listener);
    return () => void this.rawListeners.delete(listener);
  }

  onEvent(listener: (e: LinkEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => void this.eventListeners.delete(listener);
  }

  /** The console text between frames as it arrives (FrameSink.text); returns the unsubscribe function. */
  onText(listener: (t: ConsoleText) => void): () => void {
    this.textListeners.add(listener);
    return () => void this.textListeners.delete(listener);
  }

  onClose(listener: (error: TransportClosedError | undefined) => void): () => void {
    return this.transport.onClose(listener);
  }

  close(): Promise<void> {
    return this.transport.close();
  }

  private receive(raw: Uint8Array): void {
    if (this.rawListeners.size > 0) {
      this.stats.packetsIn++;
      this.emit({ kind: 'rx', packet: raw });
      for (const l of this.rawListeners) l(raw);
      return;
    }
    let p: SmpPacket;
    try {
      p = decodePacket(raw);
    } catch (e) {
      return this.drop((e as Error).message);
    }
    this.stats.packetsIn++;
    this.emit({ kind: 'rx', packet: raw });
    for (const l of this.packetListeners) l(p);
  }

  private drop(reason: string): void {
    this.stats.dropped++;
    this.emit({ kind: 'drop', reason });
  }

  private emit(e: LinkEvent): void {
    for (const l of this.eventListeners) l(e);
  }
}

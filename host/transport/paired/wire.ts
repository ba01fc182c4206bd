/**
 * One direction of the paired link: a UART line at a given baud with 8N1 framing (10 bit
 * times per byte, so baud/10 bytes per second), fed from a transmit buffer like a kernel tty's.
 * Byte arrival times are computed from absolute line time (no drift from timer jitter); they
 * are delivered in batches when the clock's timer fires, so a real-time receiver sees bytes at
 * most a timer tick (~1 ms) late. A wire without a baud delivers at once (functional tests).
 */
import type { Clock, Timer } from '../clock.js';
import { lineMs } from '../line-rate.js';

interface Segment {
  bytes: Uint8Array;
  /** Line time at which the first bit of bytes[0] goes out. */
  start: number;
  byteMs: number;
  delivered: number;
}

/** Never fire the delivery timer more often than this (ms): batches bytes like a UART FIFO. */
const MIN_TICK_MS = 1;
/** An unpaced wire hands over at most this much per event-loop turn, as a pty does (4095). */
const UNPACED_CHUNK = 4096;

export class Wire {
  private segments: Segment[] = [];
  private lineFreeAt = 0;
  private backlog = 0;
  private waiters: { threshold: number; resolve: () => void }[] = [];
  private timer: Timer | undefined;
  private immediate = false;
  private cut = false;

  constructor(
    private readonly clock: Clock,
    private readonly deliver: (bytes: Uint8Array) => void,
    /** Bytes the sender may queue before `send` waits (a tty's transmit buffer). */
    private readonly txBufferBytes = 4096,
  ) {}

  /** Bytes queued or on the line, not yet delivered. */
  get pendingBytes(): number {
    return this.backlog;
  }

  /**
   * Queues bytes to go out at `baud` (undefined: instantly) after `stallMs` of quiet line.
   * Resolves when the transmit buffer has room again; never resolves once the wire is cut,
   * like a write to a vanished serial port.
   */
  send(bytes: Uint8Array, baud: number | undefined, stallMs = 0): Promise<void> {
    if (this.cut) return new Promise<void>(() => undefined);
    const now = this.clock.now();
    const start = Math.max(now, this.lineFreeAt) + stallMs;
    const byteMs = baud === undefined ? 0 : lineMs(1, baud);
    this.lineFreeAt = start + bytes.length * byteMs;
    if (bytes.length > 0) {
      this.segments.push({ bytes, start, byteMs, delivered: 0 });
      this.backlog += bytes.length;
      this.schedule();
    }
    if (this.backlog <= this.txBufferBytes) return Promise.resolve();
    return new Promise<void>((resolve) => this.waiters.push({ threshold: this.txBufferBytes, resolve }));
  }

  /** Resolves once every queued byte has been delivered (tcdrain). */
  drain(): Promise<void> {
    if (this.cut) return new Promise<void>(() => undefined);
    if (this.backlog === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.waiters.push({ threshold: 0, resolve }));
  }

  /** Stops the line for good: queued bytes are lost, pending sends never complete. */
  cutOff(): void {
    this.cut = true;
    this.segments = [];
    this.backlog = 0;
    this.waiters = [];
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** Discards bytes not yet on the wire (tcflush of the output queue). */
  flush(): void {
    this.backlog = 0;
    this.segments = [];
    this.lineFreeAt = this.clock.now();
    this.release();
  }

  private schedule(): void {
    if (this.timer || this.immediate) return;
    const head = this.segments[0];
    if (!head) return;
    const nextByteAt = head.start + (head.delivered + 1) * head.byteMs;
    const wait = nextByteAt - this.clock.now();
    if (wait <= 0) {
      // Due now: deliver from the event loop, never re-entrantly from inside a write.
      this.immediate = true;
      setImmediate(() => {
        this.immediate = false;
        this.tick();
      });
    } else {
      this.timer = this.clock.setTimer(() => {
        this.timer = undefined;
        this.tick();
      }, Math.max(wait, MIN_TICK_MS));
    }
  }

  private tick(): void {
    if (this.cut) return;
    const now = this.clock.now();
    const out: Uint8Array[] = [];
    let budget = UNPACED_CHUNK;
    while (this.segments.length > 0) {
      const seg = this.segments[0]!;
      if (seg.byteMs === 0 && (budget === 0 || seg.start > now)) break;
      const due = seg.byteMs === 0 ? Math.min(seg.bytes.length, seg.delivered + budget) : Math.floor((now - seg.start) / seg.byteMs + 1e-9);
      const done = Math.min(seg.bytes.length, due);
      if (seg.byteMs === 0) budget -= done - seg.delivered;
      if (done > seg.delivered) {
        out.push(seg.bytes.subarray(seg.delivered, done));
        this.backlog -= done - seg.delivered;
        seg.delivered = done;
      }
      if (seg.delivered < seg.bytes.length) break;
      this.segments.shift();
    }
    this.release();
    if (out.length > 0) this.deliver(out.length === 1 ? out[0]! : Buffer.concat(out));
    this.schedule();
  }

  private release(): void {
    const ready = this.waiters.filter((w) => this.backlog <= w.threshold);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => this.backlog > w.threshold);
    for (const w of ready) w.resolve();
  }
}

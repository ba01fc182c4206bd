/**
 * The byte-pipe seam between SMP and whatever carries it (DESIGN.md "Wire protocol: SMP over
 * serial", "Transports behind one interface"): a real serial port, raw TCP (ser2net, a
 * virtual board in another process), the in-process paired link, or a pty. SMP framing, the
 * client, the server and the rig see only this interface.
 *
 * Contract every implementation keeps:
 * - bytes arrive through `onData` in order; bytes received before the first data listener is
 *   attached are kept and handed to it (nothing is lost between open and subscribe);
 * - `onClose` fires exactly once: with a `TransportClosedError` whose `disconnected` is true
 *   when the other side vanished (USB re-enumeration, peer gone), with `undefined` after our
 *   own `close()`;
 * - `write` never hangs: a port that vanished without telling us (serialport 13 never calls
 *   a write back after a disconnect, notes/platform.md) fails the write after its deadline.
 */
import { abortReason, systemClock, type Clock } from './clock.js';

export interface ModemSignals {
  /** Data Terminal Ready (crossed to the peer's DSR/DCD). */
  dtr?: boolean;
  /** Request To Send (crossed to the peer's CTS). */
  rts?: boolean;
}

export interface WriteOptions {
  /** Deadline for handing the bytes to the OS or link; default `Transport.writeTimeoutMs`. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface Transport {
  /** What is open, for messages: `/dev/ttyACM0 @ 115200`, `tcp://127.0.0.1:4001`. */
  readonly description: string;
  /** Line rate in baud when the transport has one (serial, paired link); undefined on TCP. */
  readonly baudRate: number | undefined;
  readonly isOpen: boolean;
  /** Default write deadline in ms. */
  readonly writeTimeoutMs: number;
  /** Sends bytes; resolves once they are handed on, rejects on close, abort or deadline. */
  write(data: Uint8Array, options?: WriteOptions): Promise<void>;
  /** Subscribes to received bytes; returns the unsubscribe function. */
  onData(listener: (chunk: Uint8Array) => void): () => void;
  /** Subscribes to the one close event (called at once if already closed). */
  onClose(listener: (error: TransportClosedError | undefined) => void): () => void;
  /** Sets modem control lines; rejects with `UnsupportedSignalsError` where there are none. */
  setSignals(signals: ModemSignals): Promise<void>;
  /** Closes; idempotent. */
  close(): Promise<void>;
}

/** The transport closed under us (or was used after close). */
export class TransportClosedError extends Error {
  override name = 'TransportClosedError';
  constructor(
    message: string,
    /** True when the other side went away rather than us closing it. */
    readonly disconnected: boolean,
  ) {
    super(message);
  }
}

/** A write or read did not complete in time. */
export class TransportTimeoutError extends Error {
  override name = 'TransportTimeoutError';
}

/** The port could not be opened; `hint` says what to do about it. */
export class PortOpenError extends Error {
  override name = 'PortOpenError';
  constructor(
    message: string,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(hint ? `${message} (${hint})` : message, options);
  }
}

/** This transport has no modem control lines (TCP, pty). */
export class UnsupportedSignalsError extends Error {
  override name = 'UnsupportedSignalsError';
}

export const DEFAULT_WRITE_TIMEOUT_MS = 5_000;

/**
 * Listener bookkeeping, early-data buffering, close-once and write deadlines shared by every
 * transport. Subclasses call `emitData`/`emitClose` and implement `rawWrite`/`rawClose`.
 */
export abstract class TransportBase implements Transport {
  abstract readonly description: string;
  abstract readonly baudRate: number | undefined;
  readonly writeTimeoutMs: number;
  protected readonly clock: Clock;
  private dataListeners = new Set<(chunk: Uint8Array) => void>();
  private closeListeners = new Set<(error: TransportClosedError | undefined) => void>();
  private early: Uint8Array[] = [];
  private closedWith: { error: TransportClosedError | undefined } | undefined;
  /** Our own `close()` has begun: what fails from now on is not the other side going away. */
  protected closing = false;

  constructor(options: { writeTimeoutMs?: number; clock?: Clock } = {}) {
    this.writeTimeoutMs = options.writeTimeoutMs ?? DEFAULT_WRITE_TIMEOUT_MS;
    this.clock = options.clock ?? systemClock;
  }

  get isOpen(): boolean {
    return this.closedWith === undefined;
  }

  onData(listener: (chunk: Uint8Array) => void): () => void {
    this.dataListeners.add(listener);
    if (this.early.length > 0) {
      const early = this.early;
      this.early = [];
      for (const c of early) listener(c);
    }
    return () => void this.dataListeners.delete(listener);
  }

  onClose(listener: (error: TransportClosedError | undefined) => void): () => void {
    if (this.closedWith) {
      const { error } = this.closedWith;
      queueMicrotask(() => listener(error));
      return () => undefined;
    }
    this.closeListeners.add(listener);
    return () => void this.closeListeners.delete(listener);
  }

  async write(data: Uint8Array, options: WriteOptions = {}): Promise<void> {
    if (this.closedWith) throw this.closedError('write');
    const { signal } = options;
    if (signal?.aborted) throw abortReason(signal);
    const timeoutMs = options.timeoutMs ?? this.writeTimeoutMs;
    await new Promise<void>((resolve, reject) => {
      let done = false;
      const finish = (err?: Error): void => {
        if (done) return;
        done = true;
        timer.cancel();
        offClose();
        signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve();
      };
      const onAbort = (): void => finish(abortReason(signal!));
      const timer = this.clock.setTimer(
        () => finish(new TransportTimeoutError(`${this.description}: write of ${data.length} bytes not accepted within ${timeoutMs} ms (port gone?)`)),
        timeoutMs,
      );
      const offClose = this.onClose(() => finish(this.closedError('write')));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.rawWrite(data).then(
        () => finish(),
        (e: unknown) => finish(e instanceof Error ? e : new Error(String(e))),
      );
    });
  }

  async setSignals(_signals: ModemSignals): Promise<void> {
    throw new UnsupportedSignalsError(`${this.description} has no modem control lines (DTR/RTS)`);
  }

  async close(): Promise<void> {
    if (this.closedWith) return;
    this.closing = true;
    try {
      await this.rawClose();
    } finally {
      this.emitClose(undefined);
    }
  }

  protected emitData(chunk: Uint8Array): void {
    if (this.closedWith || chunk.length === 0) return;
    if (this.dataListeners.size === 0) {
      this.early.push(chunk);
      return;
    }
    for (const l of this.dataListeners) l(chunk);
  }

  protected emitClose(error: TransportClosedError | undefined): void {
    if (this.closedWith) return;
    this.closedWith = { error };
    const ls = [...this.closeListeners];
    this.closeListeners.clear();
    for (const l of ls) l(error);
  }

  /**
   * A write the OS refused: unless we are closing the port, it is gone (EIO on a vanished serial
   * port, EPIPE or ECONNRESET on a dropped connection), and the write's error can come before the
   * close is read: it is the port closing from the other side, the one error callers reopen on.
   */
  protected writeFailed(err: Error): Error {
    if (this.closing) return err;
    const gone = new TransportClosedError(`${this.description} disconnected: ${err.message}`, true);
    this.emitClose(gone);
    return gone;
  }

  /** The error a use after close gets: says whether the port vanished or we closed it. */
  protected closedError(what: string): TransportClosedError {
    const e = this.closedWith?.error;
    if (e) return new TransportClosedError(`${this.description}: ${what} failed: ${e.message}`, true);
    return new TransportClosedError(`${this.description}: ${what} after close`, false);
  }

  /** Hands bytes on; may never settle if the port vanished (the deadline covers that). */
  protected abstract rawWrite(data: Uint8Array): Promise<void>;
  protected abstract rawClose(): Promise<void>;
}

/**
 * One link over a board whose port comes and goes under it, as a UART behind ser2net stays one
 * TCP connection while the board behind it resets: a Zephyr native_sim process exits at every
 * reset and its restart opens a new pty. The owner attaches each new underlying transport; when
 * the current one vanishes the link stays open, detached, and bytes written meanwhile are lost
 * as on a wire to a board that is resetting. SMP clients see one transport that never closes
 * under them; only `close()` or the owner's `fail()` (the board will not come back) closes it.
 */
import { TransportBase, TransportClosedError, type Transport } from './transport.js';

export class ReattachingTransport extends TransportBase {
  readonly baudRate = undefined;
  private current: Transport | undefined;
  private offCurrent: (() => void)[] = [];
  /** Bytes written while no port was attached (they went nowhere). */
  droppedBytes = 0;

  constructor(
    private readonly what: string,
    options: { writeTimeoutMs?: number } = {},
  ) {
    super(options);
  }

  get description(): string {
    return this.current ? `${this.what} (${this.current.description})` : `${this.what} (detached)`;
  }

  /** True while a port is attached. */
  get attached(): boolean {
    return this.current !== undefined;
  }

  /** Carries the link over `t` from now on (closing the previous port, if any). */
  attach(t: Transport): void {
    if (!this.isOpen) {
      void t.close();
      return;
    }
    this.detach();
    this.current = t;
    this.offCurrent = [
      t.onData((chunk) => this.emitData(chunk)),
      t.onClose(() => {
        if (this.current === t) this.detach();
      }),
    ];
  }

  /** The board will not come back: the link closes as a vanished port does. */
  fail(reason: string): void {
    this.detach();
    this.emitClose(new TransportClosedError(`${this.what}: ${reason}`, true));
  }

  private detach(): void {
    const t = this.current;
    this.current = undefined;
    for (const off of this.offCurrent.splice(0)) off();
    void t?.close().catch(() => undefined);
  }

  protected async rawWrite(data: Uint8Array): Promise<void> {
    const t = this.current;
    try {
      if (t) return await t.write(data);
    } catch (e) {
      // The port vanished under the write: the board is resetting, the bytes are lost with it.
      if (!(e instanceof TransportClosedError && e.disconnected)) throw e;
    }
    this.droppedBytes += data.length;
  }

  protected async rawClose(): Promise<void> {
    const t = this.current;
    this.current = undefined;
    for (const off of this.offCurrent.splice(0)) off();
    await t?.close().catch(() => undefined);
  }
}

/**
 * The virtual board's end of a serial link, as its UART sees it (DESIGN.md "Virtual board",
 * "Faults"): wraps whatever transport carries the link (the paired link's end, a TCP connection,
 * a pty) and adds what belongs to the board rather than to the cable:
 * - power and boot: while the board is off its UART is dead; while it boots (and when it
 *   boot-loops) the bootloader and application print their console lines but no SMP server
 *   listens — bytes arriving then are lost, answers to requests it was serving go nowhere;
 * - line rate: with a baud rate, the board's transmissions are paced at 8N1 (baud/10 bytes/s),
 *   as `--baud` does for a board served over TCP or a pty (the paired link paces by itself);
 * - seeded link faults (host/transport/paired/faults.ts) on both directions, armed by rig
 *   group 67 or the TypeScript API;
 * - console lines (boot banner, log, application messages) written between SMP frames.
 */
import { sleep, systemClock, type Clock } from '../../../host/transport/clock.js';
import { FaultInjector, type LinkFaults } from '../../../host/transport/paired/faults.js';
import { Wire } from '../../../host/transport/paired/wire.js';
import { TransportBase, type ModemSignals, type Transport } from '../../../host/transport/transport.js';

export type UartState = 'off' | 'booting' | 'running';

export interface BoardPortOptions {
  /** Pace the board's output at this baud (8N1); undefined: as fast as the carrier takes it. */
  baud?: number;
  /** Seed of this port's fault generators. */
  seed: number;
  clock?: Clock;
}

export class BoardPort extends TransportBase {
  readonly description: string;
  readonly baudRate: number | undefined;
  private state: UartState = 'off';
  private readonly tx: FaultInjector;
  private readonly rx: FaultInjector;
  private readonly wire: Wire | undefined;

  constructor(
    readonly inner: Transport,
    o: BoardPortOptions,
  ) {
    super({ clock: o.clock ?? systemClock, writeTimeoutMs: inner.writeTimeoutMs });
    this.description = `board side of ${inner.description}`;
    this.baudRate = o.baud ?? inner.baudRate;
    this.tx = new FaultInjector(o.seed >>> 0);
    this.rx = new FaultInjector((o.seed ^ 0x5bd1e995) >>> 0);
    if (o.baud !== undefined) {
      this.wire = new Wire(o.clock ?? systemClock, (bytes) => void inner.write(bytes).catch(() => undefined));
    }
    inner.onData((chunk) => {
      if (this.state !== 'running') return;
      const out = this.rx.apply(chunk);
      if (out.bytes.length > 0) this.emitData(out.bytes);
    });
    inner.onClose((err) => this.emitClose(err));
  }

  /** off: dead; booting: console output only; running: SMP served. */
  get uart(): UartState {
    return this.state;
  }

  setUart(state: UartState): void {
    this.state = state;
  }

  /** Faults on both directions from now on ({} clears them). */
  setFaults(f: LinkFaults): void {
    this.tx.set(f);
    this.rx.set(f);
  }

  /** A console line between SMP frames (dropped while the board is off). */
  writeLine(text: string): void {
    if (this.state === 'off' || !this.isOpen) return;
    void this.transmit(new TextEncoder().encode(`${text}\r\n`)).catch(() => undefined);
  }

  override setSignals(signals: ModemSignals): Promise<void> {
    return this.inner.setSignals(signals);
  }

  protected async rawWrite(data: Uint8Array): Promise<void> {
    // SMP answers only from a running board.
    if (this.state === 'running') await this.transmit(data);
  }

  private async transmit(data: Uint8Array): Promise<void> {
    const out = this.tx.apply(data);
    if (this.wire) await this.wire.send(out.bytes, this.baudRate, out.stallMs);
    else {
      if (out.stallMs > 0) await sleep(this.clock, out.stallMs);
      await this.inner.write(out.bytes);
    }
    // The cable comes off once the armed number of bytes went out.
    if (out.disconnect) void this.inner.close();
  }

  protected async rawClose(): Promise<void> {
    this.wire?.flush();
    await this.inner.close();
  }
}

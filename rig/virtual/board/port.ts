/**
 * The virtual board's end of a serial link, as its UART sees it (DESIGN.md "Virtual board",
 * "Faults"): wraps whatever transport carries the link (the paired link's end, a TCP connection,
 * a pty) and adds what belongs to the board rather than to the cable:
 * - which firmware owns the UART: while the board is off it is dead; while it boots (and when
 *   it boot-loops) the bootloader and application print their console lines but no SMP server
 *   listens — bytes arriving then are lost, answers to requests it was serving go nowhere; then
 *   either the application's SMP server or MCUboot's serial recovery serves it. Each has its
 *   own view of the port (`view`), so each keeps its own framing, buffers and line limit, as
 *   two firmware builds on one UART do;
 * - line rate: with a baud rate, the board's transmissions are paced at 8N1 (baud/10 bytes/s)
 *   and so is what it reads — a UART takes bytes no faster than the line delivers them — as
 *   `--baud` does for a board served over TCP or a pty (the paired link paces by itself);
 * - seeded link faults (host/transport/paired/faults.ts) on both directions, armed by rig
 *   group 67 or the TypeScript API;
 * - console text (boot banner, log, application messages, the shell's answers) written between
 *   SMP frames.
 */
import { sleep, systemClock, type Clock } from '../../../host/transport/clock.js';
import { FaultInjector, type LinkFaults } from '../../../host/transport/paired/faults.js';
import { Wire } from '../../../host/transport/paired/wire.js';
import { TransportBase, type ModemSignals, type Transport, type TransportClosedError } from '../../../host/transport/transport.js';

/** Which firmware serves SMP on the UART. */
export type SmpFirmware = 'application' | 'bootloader';

export type UartState = 'off' | 'booting' | SmpFirmware;

export interface BoardPortOptions {
  /** Pace the board's output and input at this baud (8N1); undefined: as fast as the carrier takes it. */
  baud?: number;
  /** Seed of this port's fault generators. */
  seed: number;
  clock?: Clock;
}

/** The board's UART over `inner`; SMP servers read and answer through its views. */
export class BoardPort {
  readonly description: string;
  readonly baudRate: number | undefined;
  readonly writeTimeoutMs: number;
  private readonly clock: Clock;
  private state: UartState = 'off';
  private open = true;
  private readonly closeListeners = new Set<() => void>();
  private readonly tx: FaultInjector;
  private readonly rx: FaultInjector;
  private readonly wire: Wire | undefined;
  private readonly rxWire: Wire | undefined;
  private readonly views = new Map<SmpFirmware, FirmwareView>();

  constructor(
    readonly inner: Transport,
    o: BoardPortOptions,
  ) {
    this.description = `board side of ${inner.description}`;
    this.baudRate = o.baud ?? inner.baudRate;
    this.writeTimeoutMs = inner.writeTimeoutMs;
    this.clock = o.clock ?? systemClock;
    this.tx = new FaultInjector(o.seed >>> 0);
    this.rx = new FaultInjector((o.seed ^ 0x5bd1e995) >>> 0);
    if (o.baud !== undefined) {
      this.wire = new Wire(this.clock, (bytes) => void inner.write(bytes).catch(() => undefined));
      // Received bytes queue here; the promise only says when the queue is short again.
      this.rxWire = new Wire(this.clock, (bytes) => this.received(bytes));
    }
    inner.onData((chunk) => {
      if (this.rxWire) void this.rxWire.send(chunk, o.baud);
      else this.received(chunk);
    });
    inner.onClose((err) => {
      this.open = false;
      this.rxWire?.cutOff();
      for (const v of this.views.values()) v.closed(err);
      for (const l of this.closeListeners) l();
    });
  }

  get isOpen(): boolean {
    return this.open;
  }

  /** Called once when the carrier closes (either side). */
  onClose(listener: () => void): void {
    this.closeListeners.add(listener);
  }

  /** off: dead; booting: console output only; application / bootloader: that firmware serves SMP. */
  get uart(): UartState {
    return this.state;
  }

  setUart(state: UartState): void {
    this.state = state;
  }

  /** The port as `firmware` sees it: bytes only while it runs, its answers only while it runs. */
  view(firmware: SmpFirmware): Transport {
    let v = this.views.get(firmware);
    if (!v) this.views.set(firmware, (v = new FirmwareView(this, firmware, this.clock)));
    return v;
  }

  /** Faults on both directions from now on ({} clears them). */
  setFaults(f: LinkFaults): void {
    this.tx.set(f);
    this.rx.set(f);
  }

  /** A console line between SMP frames (dropped while the board is off). */
  writeLine(text: string): void {
    this.writeText(`${text}\r\n`);
  }

  /** Console text between SMP frames as it is, e.g. a shell prompt that ends no line (dropped while the board is off). */
  writeText(text: string): void {
    if (this.state === 'off' || !this.isOpen) return;
    void this.transmit(new TextEncoder().encode(text)).catch(() => undefined);
  }

  setSignals(signals: ModemSignals): Promise<void> {
    return this.inner.setSignals(signals);
  }

  /** @internal an SMP answer of `firmware`: it goes out only while that firmware still runs. */
  async answer(firmware: SmpFirmware, data: Uint8Array): Promise<void> {
    if (this.state === firmware) await this.transmit(data);
  }

  /** Closes the carrier (and so every view). */
  async close(): Promise<void> {
    this.wire?.flush();
    this.rxWire?.cutOff();
    await this.inner.close();
  }

  private received(chunk: Uint8Array): void {
    const v = this.state === 'application' || this.state === 'bootloader' ? this.views.get(this.state) : undefined;
    if (!v) return;
    const out = this.rx.apply(chunk);
    if (out.bytes.length > 0) v.data(out.bytes);
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
}

/** One firmware's view of the board's port (BoardPort.view). */
class FirmwareView extends TransportBase {
  readonly description: string;

  constructor(
    private readonly port: BoardPort,
    private readonly firmware: SmpFirmware,
    clock: Clock,
  ) {
    super({ writeTimeoutMs: port.writeTimeoutMs, clock });
    this.description = `${port.description} (${firmware})`;
  }

  get baudRate(): number | undefined {
    return this.port.baudRate;
  }

  data(bytes: Uint8Array): void {
    this.emitData(bytes);
  }

  closed(err: TransportClosedError | undefined): void {
    this.emitClose(err);
  }

  override setSignals(signals: ModemSignals): Promise<void> {
    return this.port.setSignals(signals);
  }

  protected rawWrite(data: Uint8Array): Promise<void> {
    return this.port.answer(this.firmware, data);
  }

  protected rawClose(): Promise<void> {
    return this.port.close();
  }
}

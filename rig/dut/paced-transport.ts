/**
 * The host's end of an emulated serial line carried over TCP (a virtual board in its own
 * process, DESIGN.md "Command line": `--boards N` ... paced at `--baud`): the board paces what
 * it sends at the line rate (`suitrig board virtual --baud`), and this decorator paces what the
 * host sends, 8N1 at `baud` through the same Wire model as the paired link, so both directions
 * take the time a UART at that rate would. It also reports `baudRate`, so SMP deadlines and
 * upload windows are sized for the line rather than for TCP.
 */
import { Wire } from '../../host/transport/paired/wire.js';
import { systemClock, type Clock } from '../../host/transport/clock.js';
import { TransportBase, type ModemSignals, type Transport } from '../../host/transport/transport.js';

export class PacedTransport extends TransportBase {
  readonly description: string;
  private readonly wire: Wire;

  constructor(
    private readonly inner: Transport,
    readonly baudRate: number,
    clock: Clock = systemClock,
  ) {
    super({ clock, writeTimeoutMs: inner.writeTimeoutMs });
    this.description = `${inner.description} @ ${baudRate} baud`;
    this.wire = new Wire(clock, (bytes) => void inner.write(bytes).catch(() => undefined));
    inner.onData((chunk) => this.emitData(chunk));
    inner.onClose((err) => this.emitClose(err));
  }

  override setSignals(signals: ModemSignals): Promise<void> {
    return this.inner.setSignals(signals);
  }

  protected rawWrite(data: Uint8Array): Promise<void> {
    return this.wire.send(data, this.baudRate);
  }

  protected async rawClose(): Promise<void> {
    this.wire.flush();
    await this.inner.close();
  }
}

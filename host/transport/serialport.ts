/**
 * A `Transport` over the `serialport` stream layer (serialport 13): the native binding for
 * real ports and ptys, or any `@serialport/bindings-interface` binding — the paired link's
 * binding runs the very same stream code in tests. Measured behaviour this relies on is in
 * notes/platform.md: a vanished port closes with `disconnected: true`, later writes never call
 * back (TransportBase's deadline catches them), a write that finds it gone before its close was
 * read fails EIO (reported as that same close), and DTR/RTS fail on a pty.
 */
import { SerialPortStream } from '@serialport/stream';
import type { BindingInterface } from '@serialport/bindings-interface' with { 'resolution-mode': 'require' };
import type { Clock } from './clock.js';
import {
  PortOpenError,
  TransportBase,
  TransportClosedError,
  UnsupportedSignalsError,
  type ModemSignals,
} from './transport.js';

export interface SerialTransportOptions {
  /** Device path (`/dev/ttyACM0`) or the binding's own port name. */
  path: string;
  baudRate: number;
  /** RTS/CTS hardware flow control; default off (most SMP boards run without it). */
  rtscts?: boolean;
  /** Binding to use; default the native one from the `serialport` package. */
  binding?: BindingInterface;
  writeTimeoutMs?: number;
  clock?: Clock;
}

export class SerialPortTransport extends TransportBase {
  readonly description: string;
  private signals: Required<ModemSignals> = { dtr: true, rts: true };

  private constructor(
    private readonly stream: SerialPortStream,
    options: SerialTransportOptions,
  ) {
    super(options);
    this.description = `${options.path} @ ${options.baudRate}`;
    stream.on('data', (chunk: Buffer) => this.emitData(chunk));
    stream.on('close', (err: (Error & { disconnected?: boolean }) | null) => {
      // A failed write (EIO once a pty's peer is gone) destroys the stream, which emits a bare
      // 'close' before serialport's own disconnect: unless we closed it, the port went away.
      if (!err && this.closing) return this.emitClose(undefined);
      this.emitClose(new TransportClosedError(`${this.description} disconnected: ${err?.message ?? 'the port closed'}`, true));
    });
    // A read of 0 bytes (peer hung up) ends the stream without a close event.
    stream.on('end', () => this.emitClose(new TransportClosedError(`${this.description}: the other end hung up`, true)));
    // Errors also surface as close/write failures; without a listener they would crash Node.
    stream.on('error', () => undefined);
  }

  get baudRate(): number {
    return this.stream.baudRate;
  }

  /** Opens the port; errors say what to do (plugged in? permissions? port in use?). */
  static async open(options: SerialTransportOptions): Promise<SerialPortTransport> {
    if (!Number.isInteger(options.baudRate) || options.baudRate <= 0) {
      throw new PortOpenError(`${options.path}: baud rate must be a positive integer, got ${options.baudRate}`);
    }
    const binding = options.binding ?? (await nativeBinding());
    const stream = new SerialPortStream({
      binding,
      path: options.path,
      baudRate: options.baudRate,
      rtscts: options.rtscts ?? false,
      autoOpen: false,
    });
    await new Promise<void>((resolve, reject) => {
      stream.open((err) => (err ? reject(openError(options.path, err)) : resolve()));
    });
    return new SerialPortTransport(stream, options);
  }

  override async setSignals(signals: ModemSignals): Promise<void> {
    const next = { ...this.signals, ...signals };
    await new Promise<void>((resolve, reject) => {
      this.stream.set({ ...next, brk: false }, (err) => {
        if (!err) return resolve();
        reject(new UnsupportedSignalsError(`${this.description}: cannot set DTR/RTS: ${err.message}`));
      });
    });
    this.signals = next;
  }

  protected rawWrite(data: Uint8Array): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.stream.write(Buffer.from(data), (err) => {
        // A failed write destroys the stream.
        if (err) reject(this.writeFailed(err));
        else resolve();
      });
    });
  }

  protected async rawClose(): Promise<void> {
    if (!this.stream.isOpen) return;
    await new Promise<void>((resolve) => this.stream.close(() => resolve()));
  }
}

async function nativeBinding(): Promise<BindingInterface> {
  const { SerialPort } = await import('serialport');
  return SerialPort.binding as unknown as BindingInterface;
}

function openError(path: string, err: Error): PortOpenError {
  const m = err.message;
  if (/ENOENT|No such file|does not exist|cannot find/i.test(m)) {
    return new PortOpenError(`cannot open ${path}: no such port`, 'is the board plugged in and powered? `suitrig ports` lists serial ports', { cause: err });
  }
  if (/EACCES|Permission denied/i.test(m)) {
    return new PortOpenError(
      `cannot open ${path}: permission denied`,
      'add your user to the dialout group (sudo usermod -aG dialout $USER) and log in again',
      { cause: err },
    );
  }
  if (/lock|EBUSY|Resource temporarily unavailable/i.test(m)) {
    return new PortOpenError(`cannot open ${path}: the port is in use`, 'close the other program using it (terminal, mcumgr, ModemManager)', { cause: err });
  }
  return new PortOpenError(`cannot open ${path}: ${m}`, undefined, { cause: err });
}

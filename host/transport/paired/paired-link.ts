/**
 * An in-process serial cable as a `@serialport/bindings-interface` binding, so tests and the
 * virtual board run the real `@serialport/stream` code (DESIGN.md "Transports"): two ends,
 * `pathA` and `pathB`, each opened through the binding like a device path.
 *
 * What it models that `@serialport/binding-mock` does not (notes/platform.md):
 * - line-rate pacing at each sender's baud (8N1, baud/10 bytes/s), and garbage when the two
 *   ends disagree on the baud, as on a real UART;
 * - DTR/RTS crossover: an end's DTR shows as the peer's DSR and DCD, RTS as the peer's CTS, and
 *   `onSignals` tells the board side when the host pulses them (reset lines);
 * - seeded line faults per direction (faults.ts), stalls, and disconnects that behave like a
 *   vanished USB port: pending reads fail (the stream closes with `disconnected: true`), writes
 *   never call back, and the path cannot be opened until `reconnect()`.
 */
import type {
  BindingInterface,
  BindingPortInterface,
  OpenOptions,
  PortInfo,
  PortStatus,
  SetOptions,
  UpdateOptions,
} from '@serialport/bindings-interface' with { 'resolution-mode': 'require' };
import { systemClock, type Clock } from '../clock.js';
import { randomSeed } from '../rng.js';
import { FaultInjector, type FaultCounters, type LinkFaults } from './faults.js';
import { Wire } from './wire.js';

export type LinkEnd = 'a' | 'b';

export interface PairedLinkOptions {
  /** Pace bytes at the sender's baud; default true. False: bytes arrive at once. */
  pace?: boolean;
  /** Faults for both directions (per direction: `setFaults`). */
  faults?: LinkFaults;
  /** Seed of the fault generators; default a random one (read it back from `seed` and print it). */
  seed?: number;
  clock?: Clock;
  /** Name used in the two paths; default a unique `link<N>`. */
  name?: string;
  /** Transmit buffer per end in bytes; default 4096 (a Linux tty's). */
  txBufferBytes?: number;
  /** Receive buffer per end in bytes; bytes beyond it are lost (overrun); default 65536. */
  rxBufferBytes?: number;
}

export interface DirectionStats extends FaultCounters {
  /** Bytes written by the sender. */
  sent: number;
  /** Bytes handed to the receiver's buffer. */
  delivered: number;
  /** Bytes lost because the receiver was closed or its buffer was full. */
  lost: number;
}

export interface ControlLines {
  dtr: boolean;
  rts: boolean;
}

let linkCounter = 0;

function canceled(message: string): Error & { canceled: true } {
  return Object.assign(new Error(message), { canceled: true as const });
}

class Side {
  port: PairedPort | undefined;
  baud = 0;
  lines: ControlLines = { dtr: false, rts: false };
  readonly signalListeners = new Set<(lines: ControlLines) => void>();
  readonly stats: DirectionStats;
  constructor(
    readonly name: LinkEnd,
    readonly injector: FaultInjector,
    readonly wire: Wire,
  ) {
    this.stats = { sent: 0, delivered: 0, lost: 0, ...injector.counters };
  }
}

export class PairedLink {
  readonly seed: number;
  readonly pathA: string;
  readonly pathB: string;
  readonly binding: BindingInterface;
  private readonly sides: Record<LinkEnd, Side>;
  private readonly clock: Clock;
  private readonly pace: boolean;
  private readonly rxBufferBytes: number;
  private readonly txBufferBytes: number;
  private vanished = false;
  private readonly disconnectListeners = new Set<() => void>();

  constructor(options: PairedLinkOptions = {}) {
    this.seed = options.seed ?? randomSeed();
    this.clock = options.clock ?? systemClock;
    this.pace = options.pace ?? true;
    this.rxBufferBytes = options.rxBufferBytes ?? 65536;
    const name = options.name ?? `link${++linkCounter}`;
    this.pathA = `paired:${name}/a`;
    this.pathB = `paired:${name}/b`;
    this.txBufferBytes = options.txBufferBytes ?? 4096;
    const mk = (end: LinkEnd, salt: number): Side =>
      new Side(end, new FaultInjector((this.seed ^ salt) >>> 0), new Wire(this.clock, (bytes) => this.arrive(end, bytes), this.txBufferBytes));
    this.sides = { a: mk('a', 0x5a5a_0001), b: mk('b', 0xa5a5_0002) };
    if (options.faults) this.setFaults('both', options.faults);
    this.binding = {
      list: async (): Promise<PortInfo[]> => [this.pathA, this.pathB].map((path) => portInfo(path)),
      open: async (opts: OpenOptions): Promise<BindingPortInterface> => this.open(opts),
    };
  }

  /** Sets the faults of bytes written by `from` ('a' = a->b), or of both directions. */
  setFaults(from: LinkEnd | 'both', faults: LinkFaults): void {
    for (const s of from === 'both' ? (['a', 'b'] as const) : [from]) this.sides[s].injector.set(faults);
  }

  /** Counters for bytes written by `from`. */
  stats(from: LinkEnd): DirectionStats {
    const s = this.sides[from];
    return { ...s.stats, ...s.injector.counters };
  }

  /** Control lines last set by `end`. */
  lines(end: LinkEnd): ControlLines {
    return { ...this.sides[end].lines };
  }

  /** Calls `listener` whenever `end` changes its DTR/RTS (the peer reacts to them). */
  onSignals(end: LinkEnd, listener: (lines: ControlLines) => void): () => void {
    this.sides[end].signalListeners.add(listener);
    return () => void this.sides[end].signalListeners.delete(listener);
  }

  /** Quiets the line written by `from` for `ms` (a busy bridge, a stalled USB endpoint). */
  stall(from: LinkEnd, ms: number): void {
    void this.sides[from].wire.send(new Uint8Array(0), undefined, ms);
  }

  /** Both ends vanish: as if the USB cable were pulled. */
  disconnect(): void {
    if (this.vanished) return;
    this.vanished = true;
    for (const s of Object.values(this.sides)) {
      s.wire.cutOff();
      s.port?.vanish();
    }
    for (const l of this.disconnectListeners) l();
  }

  get disconnected(): boolean {
    return this.vanished;
  }

  onDisconnect(listener: () => void): () => void {
    this.disconnectListeners.add(listener);
    return () => void this.disconnectListeners.delete(listener);
  }

  /** The cable is back: both paths can be opened again (fresh lines, same fault settings). */
  reconnect(): void {
    if (!this.vanished) return;
    this.vanished = false;
    for (const end of ['a', 'b'] as const) {
      const s = this.sides[end];
      const fresh = new Side(end, s.injector, new Wire(this.clock, (bytes) => this.arrive(end, bytes), this.txBufferBytes));
      for (const l of s.signalListeners) fresh.signalListeners.add(l);
      Object.assign(fresh.stats, s.stats);
      this.sides[end] = fresh;
    }
  }

  private open(opts: OpenOptions): PairedPort {
    const end: LinkEnd | undefined = opts.path === this.pathA ? 'a' : opts.path === this.pathB ? 'b' : undefined;
    if (!end) throw new Error(`No such file or directory, cannot open ${opts.path}: not an end of this paired link (${this.pathA}, ${this.pathB})`);
    if (this.vanished) throw new Error(`No such file or directory, cannot open ${opts.path}: the link is disconnected`);
    const side = this.sides[end];
    if (side.port?.isOpen) throw new Error(`Cannot lock port ${opts.path}: already open`);
    if (!Number.isFinite(opts.baudRate) || opts.baudRate <= 0) throw new TypeError(`"baudRate" is not a valid baud rate: ${opts.baudRate}`);
    const port = new PairedPort(this, end, {
      dataBits: 8,
      lock: true,
      stopBits: 1,
      parity: 'none',
      rtscts: false,
      xon: false,
      xoff: false,
      xany: false,
      hupcl: true,
      ...opts,
    } as Required<OpenOptions>);
    side.port = port;
    side.baud = opts.baudRate;
    // Opening a tty raises DTR and RTS (and `hupcl` drops them on close).
    this.setLines(end, { dtr: true, rts: true });
    return port;
  }

  /** @internal bytes written by `from`. */
  transmit(from: LinkEnd, data: Uint8Array): Promise<void> {
    const side = this.sides[from];
    side.stats.sent += data.length;
    const out = side.injector.apply(data);
    const done = side.wire.send(out.bytes, this.pace ? side.baud : undefined, out.stallMs);
    // The bytes before the cut still reach the other end.
    if (out.disconnect) void side.wire.drain().then(() => this.disconnect());
    return done;
  }

  /** @internal */
  drain(from: LinkEnd): Promise<void> {
    return this.sides[from].wire.drain();
  }

  /** @internal */
  flushOutput(from: LinkEnd): void {
    this.sides[from].wire.flush();
  }

  /** @internal */
  setLines(end: LinkEnd, lines: ControlLines): void {
    const side = this.sides[end];
    const changed = side.lines.dtr !== lines.dtr || side.lines.rts !== lines.rts;
    side.lines = { ...lines };
    if (changed) for (const l of side.signalListeners) l({ ...lines });
  }

  /** @internal */
  setBaud(end: LinkEnd, baud: number): void {
    this.sides[end].baud = baud;
  }

  /** @internal */
  status(end: LinkEnd): PortStatus {
    const peer = this.sides[end === 'a' ? 'b' : 'a'].lines;
    return { cts: peer.rts, dsr: peer.dtr, dcd: peer.dtr };
  }

  /** @internal */
  portClosed(end: LinkEnd): void {
    const side = this.sides[end];
    side.port = undefined;
    side.lines = { dtr: false, rts: false };
  }

  private arrive(from: LinkEnd, bytes: Uint8Array): void {
    const sender = this.sides[from];
    const receiver = this.sides[from === 'a' ? 'b' : 'a'];
    const port = receiver.port;
    if (!port?.isOpen) {
      sender.stats.lost += bytes.length;
      return;
    }
    // A receiver at another baud samples garbage: deterministic, so runs replay.
    const data = receiver.baud === sender.baud ? bytes : bytes.map((b, i) => (b * 31 + i * 17 + (sender.baud % 251)) & 0xff);
    const room = this.rxBufferBytes - port.buffered;
    const take = Math.min(room, data.length);
    sender.stats.delivered += take;
    sender.stats.lost += data.length - take;
    if (take > 0) port.receive(data.subarray(0, take));
  }
}

function portInfo(path: string): PortInfo {
  return { path, manufacturer: 'suitrig paired link', serialNumber: undefined, pnpId: undefined, locationId: undefined, productId: undefined, vendorId: undefined };
}

/** One open end, as the binding interface sees it. */
class PairedPort implements BindingPortInterface {
  isOpen = true;
  private rx: Uint8Array[] = [];
  private rxBytes = 0;
  private pendingRead: { buffer: Buffer; offset: number; length: number; resolve: (r: { buffer: Buffer; bytesRead: number }) => void; reject: (e: Error) => void } | undefined;
  private gone = false;

  constructor(
    private readonly link: PairedLink,
    private readonly end: LinkEnd,
    readonly openOptions: Required<OpenOptions>,
  ) {}

  get buffered(): number {
    return this.rxBytes;
  }

  /** `data` is the link's own copy of a write (FaultInjector.apply), never written again: kept as it is. */
  receive(data: Uint8Array): void {
    this.rx.push(data);
    this.rxBytes += data.length;
    if (this.pendingRead) {
      const r = this.pendingRead;
      this.pendingRead = undefined;
      r.resolve(this.take(r.buffer, r.offset, r.length));
    }
  }

  vanish(): void {
    this.gone = true;
    const r = this.pendingRead;
    this.pendingRead = undefined;
    // Not `canceled`: the stream treats it as a disconnect, as with a pulled USB adapter.
    r?.reject(new Error('bad file descriptor: the paired link was disconnected'));
  }

  async close(): Promise<void> {
    if (!this.isOpen) throw new Error('Port is not open');
    this.isOpen = false;
    const r = this.pendingRead;
    this.pendingRead = undefined;
    r?.reject(canceled('port is closed'));
    this.link.portClosed(this.end);
  }

  read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    if (!this.isOpen) return Promise.reject(canceled('port is not open'));
    if (this.gone) return Promise.reject(new Error('bad file descriptor: the paired link was disconnected'));
    if (this.rxBytes > 0) return Promise.resolve(this.take(buffer, offset, length));
    return new Promise((resolve, reject) => {
      this.pendingRead = { buffer, offset, length, resolve, reject };
    });
  }

  write(buffer: Buffer): Promise<void> {
    if (!this.isOpen) return Promise.reject(canceled('port is not open'));
    // After a disconnect a write never completes, as serialport 13 does with a vanished port.
    if (this.gone) return new Promise<void>(() => undefined);
    // The fault model's output is the link's one copy of the write (as a kernel's), queued until delivered.
    return this.link.transmit(this.end, buffer);
  }

  async update(options: UpdateOptions): Promise<void> {
    if (!Number.isFinite(options.baudRate) || options.baudRate <= 0) throw new TypeError(`"baudRate" is not a valid baud rate: ${options.baudRate}`);
    this.openOptions.baudRate = options.baudRate;
    this.link.setBaud(this.end, options.baudRate);
  }

  async set(options: SetOptions): Promise<void> {
    this.link.setLines(this.end, { dtr: options.dtr ?? false, rts: options.rts ?? false });
  }

  async get(): Promise<PortStatus> {
    return this.link.status(this.end);
  }

  async getBaudRate(): Promise<{ baudRate: number }> {
    return { baudRate: this.openOptions.baudRate };
  }

  async flush(): Promise<void> {
    this.rx = [];
    this.rxBytes = 0;
    this.link.flushOutput(this.end);
  }

  drain(): Promise<void> {
    return this.link.drain(this.end);
  }

  private take(buffer: Buffer, offset: number, length: number): { buffer: Buffer; bytesRead: number } {
    let n = 0;
    while (n < length && this.rx.length > 0) {
      const head = this.rx[0]!;
      const k = Math.min(head.length, length - n);
      buffer.set(head.subarray(0, k), offset + n);
      n += k;
      if (k === head.length) this.rx.shift();
      else this.rx[0] = head.subarray(k);
    }
    this.rxBytes -= n;
    return { buffer, bytesRead: n };
  }
}

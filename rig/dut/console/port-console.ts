/**
 * A board's console on a port of its own (lab `console:` — a second USB-serial adapter, by its
 * path or its USB identity, a ser2net port), apart from its SMP port: read as text as it
 * arrives, written to as it is.
 * The port stays open for as long as the board; when it vanishes (an adapter unplugged, ser2net
 * restarted) the next write, or the board's link coming back, opens it again.
 */
import { onTransportText, type ConsoleText } from '../../../host/transport/text.js';
import { openPort } from '../../../host/transport/open.js';
import { TransportClosedError, type Transport } from '../../../host/transport/transport.js';
import { EnvironmentError } from '../../../host/util/errors.js';
import { consolePortUrl } from '../../lab/resolve.js';
import type { ConsolePortSpec } from '../../lab/types.js';
import { describeUsbIdentity } from '../../ports/locate.js';
import type { PortLister } from '../../ports/types.js';
import type { DutOpOptions } from '../types.js';
import type { TextSource } from './text-console.js';
import type { ConsoleSource } from '../../../host/smp/console-watch.js';

/** How long a USB console adapter that vanished may take to come back (as a board's own port: port-board.ts). */
const REAPPEAR_WAIT_MS = 5_000;

export class PortConsole {
  private transport: Transport | undefined;
  private readonly listeners = new Set<(t: ConsoleText) => void>();
  private reopening: Promise<Transport> | undefined;
  private closed = false;
  /** The device path or tcp url it was last opened at (a USB adapter's may change). */
  private url: string;

  private constructor(
    /** `board X`, for messages. */
    private readonly who: string,
    private readonly spec: ConsolePortSpec,
    private readonly baud: number,
    private readonly lister: PortLister | undefined,
  ) {
    this.url = spec.kind === 'usb' ? `(USB ${describeUsbIdentity(spec.usb)})` : spec.kind === 'serial' ? spec.path : spec.url;
  }

  /**
   * Opens the console port of board `who` (a USB adapter found by its identity among the ports
   * `lister` lists); a port that cannot be found or opened is an error naming it.
   */
  static async open(who: string, spec: ConsolePortSpec, baud: number, lister?: PortLister): Promise<PortConsole> {
    const c = new PortConsole(who, spec, spec.baud ?? baud, lister);
    await c.connect();
    return c;
  }

  get description(): string {
    return this.url.startsWith('tcp://') ? `console port ${this.url}` : `console port ${this.url} @ ${this.baud}`;
  }

  /** The text the port carries. */
  readonly text: TextSource = {
    subscribe: (listener) => {
      this.listeners.add(listener);
      return () => void this.listeners.delete(listener);
    },
    where: () => this.description,
  };

  /** The port as a reset's proof and an update's watch read it (host/smp/console-watch.ts). */
  get source(): ConsoleSource {
    const where = (): string => this.description;
    return { get description() { return where(); }, onText: (listener) => this.text.subscribe(listener) };
  }

  /**
   * Writes to the port, opening it again first if it vanished — also when the write itself is
   * what finds it gone (an adapter unplugged fails the write before its port reports the close).
   */
  async write(bytes: Uint8Array, o: DutOpOptions = {}): Promise<void> {
    const opts = o.signal ? { signal: o.signal } : {};
    const t = this.transport?.isOpen ? this.transport : await this.connect();
    try {
      await t.write(bytes, opts);
    } catch (e) {
      if (!(e instanceof TransportClosedError && e.disconnected) || this.closed) throw e;
      await (await this.connect()).write(bytes, opts);
    }
  }

  /** Opens the port again if it vanished (the board's link came back: so may its console adapter). */
  async revive(): Promise<void> {
    if (!this.closed && !this.transport?.isOpen) await this.connect().catch(() => undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.transport?.close().catch(() => undefined);
  }

  private connect(): Promise<Transport> {
    if (this.closed) return Promise.reject(new Error(`${this.who}: its ${this.description} is closed`));
    const again = this.transport !== undefined;
    this.reopening ??= (async () => {
      try {
        // A USB adapter is looked up again each time: after it vanished it may come back as another device (given a moment to).
        // Not finding it is its own error (PortLookupError, naming the ports present).
        this.url = await consolePortUrl(this.spec, this.who, this.lister, { waitMs: again ? REAPPEAR_WAIT_MS : 0 });
        let t: Transport;
        try {
          t = await openPort(this.url, { baudRate: this.baud });
        } catch (e) {
          throw new EnvironmentError(`${this.who}: its ${this.description} cannot be opened: ${(e as Error).message}`, { cause: e });
        }
        onTransportText(t, (text) => {
          for (const l of this.listeners) l(text);
        });
        this.transport = t;
        return t;
      } finally {
        this.reopening = undefined;
      }
    })();
    return this.reopening;
  }
}

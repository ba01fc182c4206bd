/**
 * The link and console protocols (protocols.ts) as every board of the rig has them: a client of
 * the board's SMP server over whatever `open` connects to (a serial port found again by its USB
 * identity, an emulator's UART, the paired link to a virtual board, a board process's tcp
 * port), and the console the board prints on the same UART, between SMP frames — followed
 * across every client the link opens, so no line is lost to a reconnect.
 */
import type { SmpClient } from '../../host/smp/client.js';
import { DEFAULT_BOOT_BANNER } from '../../host/smp/console-watch.js';
import type { ConsoleProtocol, LinkProtocol } from './protocols.js';

export interface ClientLinkOptions {
  /** For logs (asked each time: a board process's port changes when it restarts). */
  describe: () => string;
  /** Opens a client on the board's port (the board side must be there). */
  open: () => Promise<SmpClient>;
  processTimeoutMs: number;
  /** The board is known to be gone (asked each time: a board process gets a new one per start). */
  lost?: () => AbortSignal;
}

export class SmpClientLink implements LinkProtocol {
  readonly processTimeoutMs: number;
  private current: SmpClient | undefined;
  private readonly listeners = new Set<(client: SmpClient) => void>();

  private constructor(private readonly o: ClientLinkOptions) {
    this.processTimeoutMs = o.processTimeoutMs;
  }

  /** Opens the first client. */
  static async open(o: ClientLinkOptions): Promise<SmpClientLink> {
    const link = new SmpClientLink(o);
    await link.reopen();
    return link;
  }

  get description(): string {
    return this.o.describe();
  }

  get client(): SmpClient {
    if (!this.current) throw new Error(`the link to ${this.description} was never opened`);
    return this.current;
  }

  get lost(): AbortSignal | undefined {
    return this.o.lost?.();
  }

  async reopen(): Promise<SmpClient> {
    await this.drop();
    const c = await this.o.open();
    this.current = c;
    for (const l of this.listeners) l(c);
    return c;
  }

  onReopen(listener: (client: SmpClient) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Closes the current client (the board goes on; `reopen` brings a new one). */
  async drop(): Promise<void> {
    await this.current?.close().catch(() => undefined);
  }
}

/** The console text a board prints between SMP frames on its link, line by line. */
export class LinkConsole implements ConsoleProtocol {
  readonly banner = DEFAULT_BOOT_BANNER;

  constructor(private readonly link: LinkProtocol) {}

  onLine(listener: (line: string) => void): () => void {
    const follow = (c: SmpClient): (() => void) => c.link.onEvent((e) => e.kind === 'console' && listener(e.text));
    let off = follow(this.link.client);
    const offReopen = this.link.onReopen((c) => {
      off();
      off = follow(c);
    });
    return () => {
      off();
      offReopen();
    };
  }
}

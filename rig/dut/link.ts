/**
 * The link and console protocols (protocols.ts) as every board of the rig has them: a client of
 * the board's SMP server over whatever `open` connects to (a serial port found again by its USB
 * identity, an emulator's UART, the paired link to a virtual board, a board process's tcp
 * port), and the console the board prints on the same UART, between SMP frames — followed
 * across every client the link opens, so no line is lost to a reconnect.
 */
import type { SmpClient } from '../../host/smp/client.js';
import { TextConsole, type TextSource } from './console/text-console.js';
import { DutUnsupportedError } from './errors.js';
import type { LinkProtocol } from './protocols.js';
import type { DutOpOptions } from './types.js';

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

/**
 * The console text a board prints between SMP frames on its link, following every client the
 * link opens; what is written to it goes onto the link between frames, where the board's shell
 * (Zephyr's shell on the UART SMP shares) reads it.
 */
export class LinkConsole extends TextConsole {
  constructor(link: LinkProtocol) {
    super({ describe: () => `text between SMP frames on ${link.description}`, sources: [linkText(link)], input: linkInput(link) });
  }
}

/** The text between SMP frames on the link, following every client it opens. */
export function linkText(link: LinkProtocol): TextSource {
  return {
    subscribe: (listener) => {
      const follow = (c: SmpClient): (() => void) => c.link.onText(listener);
      let off = follow(link.client);
      const offReopen = link.onReopen((c) => {
        off();
        off = follow(c);
      });
      return () => {
        off();
        offReopen();
      };
    },
  };
}

/**
 * Console input onto the link between frames. A link in raw SMP framing carries no text: what
 * is written would corrupt the SMP stream, so it is refused.
 */
export function linkInput(link: LinkProtocol): (bytes: Uint8Array, o: DutOpOptions) => Promise<void> {
  return async (bytes, o) => {
    const c = link.client;
    if (c.link.framing.kind === 'raw') {
      throw new DutUnsupportedError(`the console on ${link.description} takes no input: the link speaks raw SMP framing, where text would corrupt the SMP stream (give the board a console port: lab console:)`);
    }
    await c.transport.write(bytes, o.signal ? { signal: o.signal } : {});
  };
}

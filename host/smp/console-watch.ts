/**
 * What a board prints between SMP frames, read for the two things the rig acts on: its boot
 * banner (Zephyr's `*** Booting Zephyr OS`, MCUboot's `Starting bootloader`: the board went
 * through a reset) and its error lines (MCUboot's and Zephyr's `E: ...`: why it refused an image or
 * a payload, which it says on its console only). Console text arrives in pieces; the watch keeps
 * a short tail so a banner split across reads is still seen, and follows a client replaced after a
 * reconnect. A board whose console is apart from its SMP link (a console port of its own, an
 * emulator's console UART) prints its banner and error lines there: the watch reads that too.
 */
import { TextLines } from '../transport/text.js';
import type { SmpClient } from './client.js';

/** What a booting board prints on its console (Zephyr's banner, MCUboot's first log line, the virtual board's). */
export const DEFAULT_BOOT_BANNER = /\*\*\* Booting |Starting bootloader/;

/** Console text that does not travel on the SMP link: a console port of the board's own, an emulator's console UART. */
export interface ConsoleSource {
  /** Where it is read, for messages: `console port tcp://lab-pi:4002`, `QEMU console UART 1 (...)`. */
  readonly description: string;
  /** Calls `listener` with the text as it arrives; returns the unsubscribe function. */
  onText(listener: (t: { text: string }) => void): () => void;
}

/** At most this many error lines are kept, each cut to 200 characters: a chatty board cannot grow them. */
const MAX_ERRORS = 4;

export class ConsoleWatch {
  /** The board's first error lines (`E: ...`) since the watch started. */
  readonly errors: string[] = [];
  /** What arrived last from each place (the link, the console apart from it): two places never join into one banner. */
  private readonly tails = new Map<string, string>();
  private unsubscribe: () => void = () => undefined;
  private offApart: (() => void) | undefined;

  constructor(
    private readonly o: {
      banner?: RegExp;
      /** `where`: `the console` (between SMP frames on the link), or the description of `apart`. */
      onBanner?: (text: string, where: string) => void;
      onClose?: () => void;
      /** The board's console apart from its SMP link, read from the first `watch` until `stop`. */
      apart?: ConsoleSource;
    } = {},
  ) {}

  /** Watches `client` (instead of the one before); returns it. */
  watch(client: SmpClient): SmpClient {
    this.unsubscribe();
    const apart = this.o.apart;
    if (apart && !this.offApart) {
      // A port hands over text as it arrives, not in lines: its error lines are put together first.
      const lines = new TextLines((l) => this.errorLine(l));
      this.offApart = apart.onText((t) => {
        this.banner(t.text, apart.description);
        lines.push(t.text);
      });
    }
    const offEvent = client.link.onEvent((e) => {
      if (e.kind !== 'console') return;
      this.banner(e.text, 'the console');
      // The console framing hands over whole lines (raw framing: what arrived, which may hold several).
      for (const l of e.text.split('\n')) this.errorLine(l);
    });
    const offClose = client.link.onClose(() => this.o.onClose?.());
    this.unsubscribe = () => {
      offEvent();
      offClose();
    };
    return client;
  }

  stop(): void {
    this.unsubscribe();
    this.unsubscribe = () => undefined;
    this.offApart?.();
    this.offApart = undefined;
  }

  /** The error lines for a message: `; the board said: "E: ...", "E: ..."`, or '' when there are none. */
  said(who = 'the board'): string {
    return this.errors.length ? `; ${who} said: ${this.errors.map((l) => JSON.stringify(l)).join(', ')}` : '';
  }

  private banner(text: string, where: string): void {
    const tail = ((this.tails.get(where) ?? '') + text).slice(-256);
    const m = (this.o.banner ?? DEFAULT_BOOT_BANNER).exec(tail);
    this.tails.set(where, m ? '' : tail);
    if (m) this.o.onBanner?.(m[0].trim(), where);
  }

  private errorLine(l: string): void {
    if (/^\s*E: /.test(l) && this.errors.length < MAX_ERRORS) this.errors.push(l.trim().slice(0, 200));
  }
}

/**
 * What a board prints between SMP frames, read for the two things the rig acts on: its boot
 * banner (Zephyr's `*** Booting Zephyr OS`, MCUboot's `Starting bootloader`: the board went
 * through a reset) and its error lines (MCUboot's and Zephyr's `E: ...`: why it refused an image or
 * a payload, which it says on its console only). Console text arrives in pieces; the watch keeps
 * a short tail so a banner split across reads is still seen, and follows a client replaced after a
 * reconnect.
 */
import type { SmpClient } from './client.js';

/** What a booting board prints on its console (Zephyr's banner, MCUboot's first log line, the virtual board's). */
export const DEFAULT_BOOT_BANNER = /\*\*\* Booting |Starting bootloader/;

/** At most this many error lines are kept, each cut to 200 characters: a chatty board cannot grow them. */
const MAX_ERRORS = 4;

export class ConsoleWatch {
  /** The board's first error lines (`E: ...`) since the watch started. */
  readonly errors: string[] = [];
  private tail = '';
  private unsubscribe: () => void = () => undefined;

  constructor(private readonly o: { banner?: RegExp; onBanner?: (text: string) => void; onClose?: () => void } = {}) {}

  /** Watches `client` (instead of the one before); returns it. */
  watch(client: SmpClient): SmpClient {
    this.unsubscribe();
    const offEvent = client.link.onEvent((e) => e.kind === 'console' && this.read(e.text));
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
  }

  /** The error lines for a message: `; the board said: "E: ...", "E: ..."`, or '' when there are none. */
  said(who = 'the board'): string {
    return this.errors.length ? `; ${who} said: ${this.errors.map((l) => JSON.stringify(l)).join(', ')}` : '';
  }

  private read(text: string): void {
    this.tail = (this.tail + text).slice(-256);
    const m = (this.o.banner ?? DEFAULT_BOOT_BANNER).exec(this.tail);
    if (m) {
      this.tail = '';
      this.o.onBanner?.(m[0].trim());
    }
    // The console framing hands over whole lines (raw framing: what arrived, which may hold several).
    for (const l of text.split('\n')) if (/^\s*E: /.test(l) && this.errors.length < MAX_ERRORS) this.errors.push(l.trim().slice(0, 200));
  }
}

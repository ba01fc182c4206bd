/**
 * A board's console (protocols.ts ConsoleProtocol) put together from where its text comes from
 * — the SMP link between frames, a console port of its own, an emulator's output — and where
 * input goes, if anywhere. Every kind of board builds its console from this one class, so text,
 * lines and input behave alike on all of them.
 */
import { TextLines, type ConsoleText } from '../../../host/transport/text.js';
import { DEFAULT_BOOT_BANNER, type ConsoleSource } from '../../../host/smp/console-watch.js';
import type { ConsoleProtocol } from '../protocols.js';
import type { DutOpOptions } from '../types.js';

/** One place console text comes from. */
export interface TextSource {
  subscribe(listener: (t: ConsoleText) => void): () => void;
  /** Its lines reach the board log another way (an emulator's output log): `onLine` leaves them out. */
  logged?: boolean;
  /** Set for a place apart from the SMP link (a console port, an emulator's console UART): where it is read, asked each time. */
  where?: () => string | undefined;
}

export interface TextConsoleOptions {
  /** Where the console is read, for messages (asked each time: a port may change under it). */
  describe: () => string;
  sources: readonly TextSource[];
  /** The console's input, when it takes any. */
  input?: (bytes: Uint8Array, o: DutOpOptions) => Promise<void>;
  banner?: RegExp;
}

export class TextConsole implements ConsoleProtocol {
  readonly banner: RegExp;
  readonly write?: (text: string, o?: DutOpOptions) => Promise<void>;
  readonly apart?: ConsoleSource;

  constructor(private readonly o: TextConsoleOptions) {
    this.banner = o.banner ?? DEFAULT_BOOT_BANNER;
    const input = o.input;
    if (input) this.write = (text, opts = {}) => input(new TextEncoder().encode(text), opts);
    // A board's console has at most one place apart from its link.
    const apart = o.sources.find((s) => s.where?.() !== undefined);
    if (apart) this.apart = { get description() { return apart.where!() ?? ''; }, onText: (l) => apart.subscribe(l) };
  }

  get description(): string {
    return this.o.describe();
  }

  onText(listener: (t: ConsoleText) => void): () => void {
    return all(this.o.sources.map((s) => s.subscribe(listener)));
  }

  onLine(listener: (line: string) => void): () => void {
    // Each source is split on its own: two sources never merge into one line.
    return all(
      this.o.sources
        .filter((s) => !s.logged)
        .map((s) => {
          const lines = new TextLines(listener);
          return s.subscribe((t) => lines.push(t.text));
        }),
    );
  }
}

function all(offs: (() => void)[]): () => void {
  return () => {
    for (const off of offs) off();
  };
}

/**
 * A port read as text: what a board's console port (or an emulator's console UART) carries,
 * decoded as UTF-8 as it arrives — a character split across reads is held until it is whole,
 * bytes that are not UTF-8 become U+FFFD — and stamped with the time it was received, for
 * console sessions and their logs; and such text cut into lines, bounded.
 */
import type { Transport } from './transport.js';

/** Text as it arrived on a port or between SMP frames: newlines as sent. */
export interface ConsoleText {
  text: string;
  /** When it was received, in milliseconds since the epoch (Date.now()). */
  at: number;
}

/** Calls `listener` with the text of every chunk `transport` receives; returns the unsubscribe function. */
export function onTransportText(transport: Transport, listener: (t: ConsoleText) => void): () => void {
  const decoder = new TextDecoder('utf-8', { fatal: false });
  return transport.onData((chunk) => {
    const text = decoder.decode(chunk, { stream: true });
    if (text.length > 0) listener({ text, at: Date.now() });
  });
}

/** Longest line TextLines hands on in one piece: a console that never ends its line cannot grow one. */
export const MAX_LINE_CHARS = 4096;

/** Text into lines: `\r\n` or `\n` ends one, empty lines are skipped, a line over MAX_LINE_CHARS is handed on in pieces. */
export class TextLines {
  private partial = '';

  constructor(private readonly line: (line: string) => void) {}

  push(text: string): void {
    let from = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
      this.emit(this.partial + text.slice(from, nl));
      this.partial = '';
      from = nl + 1;
    }
    this.partial += text.slice(from);
    while (this.partial.length > MAX_LINE_CHARS) {
      this.emit(this.partial.slice(0, MAX_LINE_CHARS));
      this.partial = this.partial.slice(MAX_LINE_CHARS);
    }
  }

  private emit(line: string): void {
    const l = line.endsWith('\r') ? line.slice(0, -1) : line;
    for (let i = 0; i < l.length; i += MAX_LINE_CHARS) this.line(l.slice(i, i + MAX_LINE_CHARS));
  }
}

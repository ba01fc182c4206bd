/**
 * A port read as text: what a board's console port (or an emulator's console UART) carries,
 * decoded as UTF-8 as it arrives — a character split across reads is held until it is whole,
 * bytes that are not UTF-8 become U+FFFD — and stamped with the time it was received, for
 * console sessions and their logs.
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

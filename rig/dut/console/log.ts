/**
 * A console session's log for the report: what the board printed, line by line, and what the
 * test wrote, each stamped with when it arrived or was sent. Bounded: a line that never ends is
 * cut into pieces of MAX_LINE_CHARS, and once the log holds more than its limit the oldest
 * entries go, counted in `dropped`, so an endless console cannot grow it.
 */
import { MAX_LINE_CHARS, type ConsoleText } from '../../../host/transport/text.js';
import { escapeControls } from './escape.js';

export interface ConsoleLogEntry {
  /** When the line began to arrive (rx) or was written (tx). */
  at: Date;
  /** `rx`: the board printed it; `tx`: the test wrote it. */
  dir: 'rx' | 'tx';
  /** One line without its line ending; the last rx entry may be unfinished (a prompt). */
  text: string;
}

export interface ConsoleLogView {
  entries: ConsoleLogEntry[];
  /** Entries dropped from the start to keep the log within its limit. */
  dropped: number;
}

/** What an entry costs besides its text (its object, its date), so many short lines are bounded too. */
const ENTRY_OVERHEAD = 64;

export class ConsoleLog {
  private entries: ConsoleLogEntry[] = [];
  /** Entries before `head` are gone (dropped): removing from the front without shifting. */
  private head = 0;
  private size = 0;
  private droppedEntries = 0;
  /** The line still arriving. */
  private open: { at: number; text: string } | undefined;

  constructor(private readonly limitChars: number) {}

  /** Characters the log holds now (its entries' text plus their overhead, the open line included). */
  get chars(): number {
    return this.size + (this.open?.text.length ?? 0);
  }

  /** Entries dropped from the start so far. */
  get dropped(): number {
    return this.droppedEntries;
  }

  received(t: ConsoleText): void {
    let from = 0;
    for (let nl = t.text.indexOf('\n', from); nl >= 0; nl = t.text.indexOf('\n', from)) {
      this.extend(t.at, t.text.slice(from, nl));
      this.closeLine();
      from = nl + 1;
    }
    if (from < t.text.length) this.extend(t.at, t.text.slice(from));
  }

  /** A write: the line the board was printing ends here (a prompt), the text written is its own entry. */
  sent(text: string, at: number): void {
    if (this.open) this.closeLine();
    for (const line of text.replace(/\r?\n$/, '').split('\n')) this.push({ at: new Date(at), dir: 'tx', text: line.replace(/\r$/, '') });
  }

  view(): ConsoleLogView {
    const entries = this.entries.slice(this.head);
    if (this.open) entries.push({ at: new Date(this.open.at), dir: 'rx', text: trimCr(this.open.text) });
    return { entries, dropped: this.droppedEntries };
  }

  /** The log as text: `HH:MM:SS.mmm < line` (UTC; `<` the board, `>` the test), control characters escaped. */
  format(): string {
    const v = this.view();
    const lines = v.entries.map((e) => `${e.at.toISOString().slice(11, 23)} ${e.dir === 'rx' ? '<' : '>'} ${escapeControls(e.text)}`);
    if (v.dropped > 0) lines.unshift(`(${v.dropped} earlier entries dropped: the log keeps about ${this.limitChars} characters)`);
    return lines.join('\n');
  }

  private extend(at: number, text: string): void {
    if (!this.open) this.open = { at, text: '' };
    this.open.text += text;
    while (this.open.text.length > MAX_LINE_CHARS) {
      const rest = this.open.text.slice(MAX_LINE_CHARS);
      this.open.text = this.open.text.slice(0, MAX_LINE_CHARS);
      this.closeLine();
      this.open = { at, text: rest };
    }
  }

  private closeLine(): void {
    const o = this.open ?? { at: Date.now(), text: '' };
    this.open = undefined;
    this.push({ at: new Date(o.at), dir: 'rx', text: trimCr(o.text) });
  }

  private push(e: ConsoleLogEntry): void {
    this.entries.push(e);
    this.size += e.text.length + ENTRY_OVERHEAD;
    while (this.size > this.limitChars && this.head < this.entries.length) {
      const gone = this.entries[this.head++]!;
      this.size -= gone.text.length + ENTRY_OVERHEAD;
      this.droppedEntries++;
    }
    // Compact now and then, so the dropped entries' memory goes too.
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }
}

function trimCr(s: string): string {
  return s.endsWith('\r') ? s.slice(0, -1) : s;
}

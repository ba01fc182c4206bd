/**
 * A console session with a board, as pexpect and pytest-embedded give one: `expect` waits for a
 * string or a RegExp in what the board prints and consumes the text up to the end of the match
 * (the next expect looks only after it); `expectNot` passes when a pattern does not show within
 * its time; `write` types into the board's console; `log()` is what was printed and written,
 * stamped, for the report. Works on any board's ConsoleProtocol (protocols.ts): text between SMP
 * frames, a console port, an emulator's output.
 *
 * Bounded against an endless console: the unconsumed text is a window of `windowChars` (the
 * oldest text beyond it is discarded unread, and counted), the log keeps about `logChars`
 * (oldest entries dropped, counted). A RegExp is matched against the window as text arrives,
 * so a greedy pattern (`/\d+/`) may match before the last digits arrive — as in pexpect; end
 * patterns with what follows (`/v(\d+\.\d+\.\d+)\r?\n/`).
 */
import { abortReason } from '../../../host/transport/clock.js';
import type { ConsoleText } from '../../../host/transport/text.js';
import { DutUnsupportedError } from '../errors.js';
import type { ConsoleProtocol } from '../protocols.js';
import { describePattern, showLine } from './escape.js';
import { ConsoleLog, type ConsoleLogView } from './log.js';

export type ConsolePattern = string | RegExp;

export interface ConsoleSessionOptions {
  /** For messages: whose console it is, e.g. `board nrf-1`. */
  name?: string;
  /** Unconsumed text kept for `expect`, in characters (default 64 Ki); it may grow to 1.5 times this before the oldest is discarded. */
  windowChars?: number;
  /** Log kept for the report, in characters (default 256 Ki). */
  logChars?: number;
  /** `expect` / `expectNot` time when the call gives none (default 10 s). */
  timeoutMs?: number;
  /** Lines of what was seen that a timeout error shows (default 12). */
  errorLines?: number;
}

export interface ExpectOptions {
  /** Milliseconds to wait (default: the session's `timeoutMs`). */
  timeout?: number;
  signal?: AbortSignal;
}

export interface ConsoleMatch {
  /** A RegExp's match (groups included), or the string that was expected. */
  match: RegExpExecArray | string;
  /** The unconsumed text before the match. */
  before: string;
  /** When the text that completed the match arrived. */
  at: Date;
}

export const DEFAULT_WINDOW_CHARS = 64 * 1024;
export const DEFAULT_LOG_CHARS = 256 * 1024;
export const DEFAULT_EXPECT_TIMEOUT_MS = 10_000;

/** `expect` waited its time and the pattern did not show; the message names it and shows the last lines seen. */
export class ConsoleTimeoutError extends Error {
  override name = 'ConsoleTimeoutError';
  constructor(
    message: string,
    readonly pattern: ConsolePattern,
    /** The last lines of the unconsumed text, as the message shows them. */
    readonly lastLines: string[],
  ) {
    super(message);
  }
}

/** `expectNot`'s pattern did show. */
export class ConsoleUnexpectedError extends Error {
  override name = 'ConsoleUnexpectedError';
  constructor(
    message: string,
    readonly pattern: ConsolePattern,
    readonly match: RegExpExecArray | string,
    readonly at: Date,
  ) {
    super(message);
  }
}

type Outcome<T> = { value: T } | { error: Error };

interface Found {
  start: number;
  end: number;
  match: RegExpExecArray | string;
}

/** The expect or expectNot waiting for text. */
interface Waiter {
  /** Looks at the window (after every arrival) and settles the wait when the pattern is there. */
  look(): void;
  /** Ends the wait with `e` (the session closed). */
  cancel(e: Error): void;
}

export class ConsoleSession {
  private readonly o: Required<ConsoleSessionOptions>;
  /** The unconsumed text; it begins at absolute offset `base` of everything received. */
  private window = '';
  private base = 0;
  /** Where received chunks end (absolute offsets) and when they arrived, for a match's time. */
  private marks: { end: number; at: number }[] = [];
  private discarded = 0;
  private received = 0;
  private readonly history: ConsoleLog;
  private waiter: Waiter | undefined;
  private readonly off: () => void;
  private closed = false;

  constructor(
    private readonly console: ConsoleProtocol,
    o: ConsoleSessionOptions = {},
  ) {
    this.o = {
      name: o.name ?? 'the board',
      windowChars: positive(o.windowChars, DEFAULT_WINDOW_CHARS, 'windowChars'),
      logChars: positive(o.logChars, DEFAULT_LOG_CHARS, 'logChars'),
      timeoutMs: positive(o.timeoutMs, DEFAULT_EXPECT_TIMEOUT_MS, 'timeoutMs'),
      errorLines: positive(o.errorLines, 12, 'errorLines'),
    };
    this.history = new ConsoleLog(this.o.logChars);
    this.off = console.onText((t) => this.receive(t));
  }

  /**
   * Waits until `pattern` shows in the unconsumed text (a string exactly, a RegExp by `exec`;
   * its `g` and `y` flags are ignored), then consumes the text up to the end of the match.
   * Rejects with ConsoleTimeoutError after `timeout` ms, or with the signal's reason.
   */
  async expect(pattern: ConsolePattern, o: ExpectOptions = {}): Promise<ConsoleMatch> {
    const search = searcher(pattern);
    return this.wait<ConsoleMatch>(o, 'expect', search, {
      found: (f) => {
        const before = this.window.slice(0, f.start - this.base);
        const at = this.arrival(f.end);
        this.consume(f.end);
        return { value: { match: f.match, before, at } };
      },
      timedOut: (ms) => ({ error: this.timeoutError(pattern, ms) }),
    });
  }

  /**
   * Passes when `pattern` does not show in the unconsumed text within `timeout` ms (default the
   * session's); rejects with ConsoleUnexpectedError as soon as it does. Consumes nothing.
   */
  async expectNot(pattern: ConsolePattern, o: ExpectOptions = {}): Promise<void> {
    const search = searcher(pattern);
    return this.wait<void>(o, 'expectNot', search, {
      found: (f) => {
        const at = this.arrival(f.end);
        const message = `${this.who()}: ${describePattern(pattern)} showed at ${at.toISOString()} though it was not expected, in: ${showLine(this.lineAround(f))}`;
        return { error: new ConsoleUnexpectedError(message, pattern, f.match, at) };
      },
      timedOut: () => ({ value: undefined }),
    });
  }

  /** Types `text` into the board's console as it is (end a command with '\n'); DutUnsupportedError where the console takes no input. */
  async write(text: string, o: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.closed) throw new Error(`${this.who()}: the console session is closed`);
    const write = this.console.write;
    if (!write) throw new DutUnsupportedError(`${this.who()}: the console (${this.console.description}) takes no input`);
    this.history.sent(text, Date.now());
    await write.call(this.console, text, o);
  }

  /** `text` and a newline. */
  writeLine(text: string, o: { signal?: AbortSignal } = {}): Promise<void> {
    return this.write(`${text}\n`, o);
  }

  /** The unconsumed text (at most the window). */
  get buffer(): string {
    return this.window;
  }

  /** What was printed and written since the session began, line by line and stamped (bounded: `dropped` counts what went). */
  log(): ConsoleLogView {
    return this.history.view();
  }

  /** The log as text for a report: `HH:MM:SS.mmm < line` (UTC), `>` for what the test wrote. */
  formatLog(): string {
    return this.history.format();
  }

  /** How much the session holds and what it let go (characters), for tests of its bounds and for reports. */
  stats(): { receivedChars: number; windowChars: number; discardedChars: number; logChars: number; droppedLogEntries: number } {
    return { receivedChars: this.received, windowChars: this.window.length, discardedChars: this.discarded, logChars: this.history.chars, droppedLogEntries: this.history.dropped };
  }

  /** Stops reading the console; a waiting expect rejects. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.off();
    this.waiter?.cancel(new Error(`${this.who()}: the console session was closed while an expect waited`));
  }

  // ---- internals ----------------------------------------------------------------------------

  private receive(t: ConsoleText): void {
    this.received += t.text.length;
    this.history.received(t);
    this.window += t.text;
    const last = this.marks[this.marks.length - 1];
    // Chunks of the same millisecond share a mark: a console delivered byte by byte adds few.
    if (last?.at === t.at) last.end = this.base + this.window.length;
    else this.marks.push({ end: this.base + this.window.length, at: t.at });
    this.waiter?.look();
    // Cut back to the window once it is half as long again: each character is copied a bounded number of times.
    if (this.window.length > this.o.windowChars * 1.5) this.discard(this.window.length - this.o.windowChars);
  }

  /** Waits for `search` to find something in the window, or for the time to pass; `on` says how each ends. */
  private wait<T>(
    o: ExpectOptions,
    what: string,
    search: (window: string, base: number) => Found | undefined,
    on: { found: (f: Found) => Outcome<T>; timedOut: (ms: number) => Outcome<T> },
  ): Promise<T> {
    if (this.closed) return Promise.reject(new Error(`${this.who()}: the console session is closed`));
    if (this.waiter) return Promise.reject(new Error(`${this.who()}: ${what} called while another expect is waiting; await that one first`));
    const ms = o.timeout ?? this.o.timeoutMs;
    if (!(ms >= 0) || !Number.isFinite(ms)) return Promise.reject(new RangeError(`${what}: timeout must be a number of milliseconds >= 0, got ${ms}`));
    const { signal } = o;
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise<T>((resolve, reject) => {
      const settle = (r: Outcome<T>): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.waiter = undefined;
        if ('error' in r) reject(r.error);
        else resolve(r.value);
      };
      const onAbort = (): void => settle({ error: abortReason(signal!) });
      const timer = setTimeout(() => settle(on.timedOut(ms)), ms);
      signal?.addEventListener('abort', onAbort, { once: true });
      const waiter: Waiter = {
        look: () => {
          const f = search(this.window, this.base);
          if (f) settle(on.found(f));
        },
        cancel: (error) => settle({ error }),
      };
      this.waiter = waiter;
      // What is unconsumed already counts.
      waiter.look();
    });
  }

  /** Drops the text before absolute offset `end` from the window. */
  private consume(end: number): void {
    this.window = this.window.slice(end - this.base);
    this.base = end;
    this.dropMarks();
  }

  private discard(n: number): void {
    this.discarded += n;
    this.consume(this.base + n);
  }

  private dropMarks(): void {
    let i = 0;
    while (i < this.marks.length - 1 && this.marks[i]!.end <= this.base) i++;
    if (i > 0) this.marks.splice(0, i);
  }

  /** When the chunk holding absolute offset `end - 1` arrived. */
  private arrival(end: number): Date {
    const m = this.marks.find((x) => x.end >= end) ?? this.marks[this.marks.length - 1];
    return new Date(m?.at ?? Date.now());
  }

  /** The line of the window a match lies on. */
  private lineAround(f: Found): string {
    const s = f.start - this.base;
    const from = this.window.lastIndexOf('\n', s - 1) + 1;
    const nl = this.window.indexOf('\n', f.end - this.base);
    return this.window.slice(from, nl < 0 ? undefined : nl).replace(/\r$/, '');
  }

  private timeoutError(pattern: ConsolePattern, ms: number): ConsoleTimeoutError {
    const lines = this.window.split('\n').map((l) => l.replace(/\r$/, ''));
    if (lines[lines.length - 1] === '') lines.pop();
    const last = lines.slice(-this.o.errorLines);
    const head = `${this.who()}: expected ${describePattern(pattern)} within ${ms} ms; not seen`;
    const lost = this.discarded > 0 ? ` (${this.discarded} characters were discarded unread before it: the session keeps ${this.o.windowChars})` : '';
    if (last.length === 0) {
      return new ConsoleTimeoutError(`${head}: nothing unconsumed on the console (${this.console.description}) since ${this.received === 0 ? 'the session began' : 'the last match'}${lost}`, pattern, []);
    }
    const shown = last.map((l) => `  | ${showLine(l)}`).join('\n');
    const more = lines.length > last.length ? `the last ${last.length} of ${lines.length} lines` : `${lines.length} line${lines.length === 1 ? '' : 's'}`;
    return new ConsoleTimeoutError(`${head}; ${more} seen since ${this.base === 0 && this.discarded === 0 ? 'the session began' : 'the last match'}${lost}:\n${shown}`, pattern, last);
  }

  private who(): string {
    return `console of ${this.o.name}`;
  }
}

/** Finds a pattern in the window (offsets absolute); a string's search resumes where the last one gave up. */
function searcher(pattern: ConsolePattern): (window: string, base: number) => Found | undefined {
  if (typeof pattern === 'string') {
    if (pattern.length === 0) throw new RangeError('expect: the pattern is an empty string');
    let next = 0;
    return (window, base) => {
      const from = Math.max(0, next - base - (pattern.length - 1));
      const i = window.indexOf(pattern, from);
      next = base + window.length;
      return i < 0 ? undefined : { start: base + i, end: base + i + pattern.length, match: pattern };
    };
  }
  const re = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
  return (window, base) => {
    const m = re.exec(window);
    if (!m) return undefined;
    // An empty match (`/x*/` before any x) is a match that consumes nothing.
    return { start: base + m.index, end: base + m.index + m[0].length, match: m };
  };
}

function positive(v: number | undefined, dflt: number, what: string): number {
  if (v === undefined) return dflt;
  if (!(v > 0) || !Number.isFinite(v)) throw new RangeError(`console session: ${what} must be a positive number, got ${v}`);
  return v;
}

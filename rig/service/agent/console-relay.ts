/**
 * The agent's relay of what its boards print (DESIGN.md "Lab service": a board's console log on
 * its page): lines are gathered per board and sent in one batch every `flushMs`, so a board that
 * prints a line per millisecond costs one request a second, not a thousand. At most `maxLines`
 * wait per board; beyond that the oldest are dropped and counted, and the count travels with the
 * next batch, so a reader sees that lines are missing. A failed send is dropped, not retried: the
 * console is a view, not a record the update's verdict depends on.
 */
import type { BoardDriver } from './board-driver.js';

export type ConsoleSink = (board: string, lines: readonly string[], dropped: number) => Promise<void>;

export interface ConsoleRelayOptions {
  flushMs?: number;
  maxLines?: number;
  log?: (line: string) => void;
}

interface Pending {
  lines: string[];
  dropped: number;
}

export class ConsoleRelay {
  private readonly pending = new Map<string, Pending>();
  private readonly detach: (() => void)[] = [];
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  private readonly maxLines: number;

  constructor(
    private readonly sink: ConsoleSink,
    private readonly o: ConsoleRelayOptions = {},
  ) {
    this.maxLines = o.maxLines ?? 1000;
    this.timer = setInterval(() => void this.flush(), o.flushMs ?? 1000);
  }

  /** Relays `driver`'s console lines from now on. */
  attach(driver: BoardDriver): void {
    this.detach.push(driver.onConsole((line) => this.heard(driver.name, line)));
  }

  private heard(board: string, line: string): void {
    let p = this.pending.get(board);
    if (!p) this.pending.set(board, (p = { lines: [], dropped: 0 }));
    p.lines.push(line);
    if (p.lines.length > this.maxLines) {
      p.lines.shift();
      p.dropped++;
    }
  }

  /** Sends what waits (one send at a time; a flush asked during one follows it). */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      const batches = [...this.pending];
      this.pending.clear();
      for (const [board, p] of batches) {
        await this.sink(board, p.lines, p.dropped).catch((e: Error) => this.o.log?.(`board ${board}: console lines not recorded: ${e.message}`));
      }
    });
    return this.flushing;
  }

  /** Stops listening and sends what is left. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    for (const d of this.detach.splice(0)) d();
    await this.flush();
  }
}

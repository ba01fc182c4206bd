/**
 * One log file per board and run: the step summary, the board's console lines and SMP
 * summaries, and timings, each line stamped with seconds since the board's run started, so a
 * failure can be read next to what the board printed at the time.
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';

export type LogKind = 'run' | 'case' | 'step' | 'result' | 'console' | 'smp' | 'note' | 'cleanup' | 'error';

export class BoardLog {
  private readonly stream: WriteStream;
  private readonly start = performance.now();
  private failed: Error | undefined;

  /** `append`: a board's test files each open the log in turn (rig/fixture), and add to it. */
  constructor(
    readonly path: string,
    o: { append?: boolean } = {},
  ) {
    mkdirSync(dirname(path), { recursive: true });
    this.stream = createWriteStream(path, { flags: o.append ? 'a' : 'w' });
    this.stream.on('error', (e) => (this.failed = e));
  }

  line(kind: LogKind, text: string): void {
    const t = ((performance.now() - this.start) / 1000).toFixed(3).padStart(9);
    for (const l of text.split('\n')) this.stream.write(`${t} ${kind.padEnd(7)} ${l}\n`);
  }

  /** Flushes and closes; rejects if the file could not be written. */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.stream.end(resolve));
    if (this.failed) throw new Error(`board log ${this.path}: ${this.failed.message}`);
  }
}

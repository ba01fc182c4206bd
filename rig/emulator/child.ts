/**
 * An emulator's process as the rig runs it: its output kept (every line to the board's log, the
 * last lines for error messages), a bounded stop (SIGTERM, then SIGKILL after a deadline), and
 * never leaked — every live child is killed when the rig's own process exits or is terminated.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

const live = new Set<ChildProcess>();
let hooked = false;

function killAll(): void {
  for (const c of live) c.kill('SIGKILL');
}

/**
 * Kills what is still running when Node exits (synchronously: nothing async runs at exit), and
 * when it is told to terminate: on SIGTERM or SIGHUP the emulators die first, then the signal
 * takes its default course (unless someone else handles it).
 */
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.once('exit', killAll);
  for (const sig of ['SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      killAll();
      process.off(sig, onSignal);
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}

export interface ChildOptions {
  argv: string[];
  cwd?: string;
  /** Every line it prints (stdout and stderr). */
  onLine?(line: string, stream: 'stdout' | 'stderr'): void;
}

const TAIL_LINES = 20;

export class EmulatorChild {
  private readonly process: ChildProcess;
  /** Resolves with how it ended once it has exited (also when it could not be started). */
  readonly exited: Promise<string>;
  private readonly tail: string[] = [];
  private spawnError: Error | undefined;

  constructor(o: ChildOptions) {
    hookExit();
    const [file, ...args] = o.argv;
    const child = spawn(file!, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(o.cwd ? { cwd: o.cwd } : {}) });
    this.process = child;
    live.add(child);
    for (const stream of ['stdout', 'stderr'] as const) {
      createInterface({ input: child[stream]! }).on('line', (raw) => {
        // Zephyr colours its log lines; the board log wants the text.
        const line = raw.replace(/\x1b\[[0-9;]*m/g, '');
        this.tail.push(line);
        if (this.tail.length > TAIL_LINES) this.tail.shift();
        o.onLine?.(line, stream);
      });
    }
    this.exited = new Promise<string>((resolve) => {
      child.once('error', (e) => {
        this.spawnError = e;
        live.delete(child);
        resolve(`could not be started: ${e.message}`);
      });
      child.once('exit', (code, sig) => {
        live.delete(child);
        resolve(sig ? `killed by ${sig}` : `exit status ${code}`);
      });
    });
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  get running(): boolean {
    return live.has(this.process);
  }

  /** The error spawning it gave (ENOENT, EACCES, ENOEXEC), once it failed to start. */
  get startError(): Error | undefined {
    return this.spawnError;
  }

  /** Its last lines of output, for error messages (`(no output)` when it printed nothing). */
  output(): string {
    return this.tail.length ? this.tail.join('\n') : '(no output)';
  }

  /** Stops it: SIGTERM, then SIGKILL when it has not exited after `graceMs`. Resolves once it has exited. */
  async stop(graceMs = 3_000, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (!this.running) return;
    this.process.kill(signal);
    const timer = setTimeout(() => this.process.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

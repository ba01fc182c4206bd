/**
 * A virtual board in its own process (DESIGN.md "Command line": `run --board virtual --boards N`
 * starts N virtual boards, each in its own process over tcp, paced at `--baud`): a child
 * `suitrig board virtual --listen tcp://127.0.0.1:0 --state DIR --baud B --test-hooks` whose
 * first stdout line names its port. It is the rig's own board, so it serves the rig group's
 * test hooks (fault arming: the power-cut cases). Both ends pace what they send at the line rate: the board with its
 * `--baud`, the host through PacedTransport, so the emulated line is what limits a run.
 *
 * Its power switch is the process: a power cut kills it (RAM is lost; the flash, written
 * through to DIR operation by operation, keeps exactly what was written), power-on starts it
 * again on the same DIR. Its known-good state is the snapshot of DIR taken at open; restoring
 * it is a power cut, copying the snapshot back, and power-on.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { packageRoot } from '../../../host/paths.js';
import { SmpClient } from '../../../host/smp/client.js';
import { TcpTransport } from '../../../host/transport/tcp.js';
import type { DutBackend } from '../backend.js';
import { DutUnresponsiveError } from '../errors.js';
import { PacedTransport } from '../paced-transport.js';
import type { BoardProvision, DutEvent } from '../types.js';
import { virtualBootTimeoutMs, virtualProcessTimeoutMs } from './in-process.js';
import { copyState } from './state-dir.js';

export interface ProcessOptions {
  name: string;
  profile: string;
  stateDir: string;
  snapshotDir: string;
  quirks: readonly string[];
  baud: number;
  flashScale: number;
  seed: number;
  provision: BoardProvision | undefined;
  log(e: DutEvent): void;
  /** How long the child may take to print its port (default 20 s). */
  startTimeoutMs?: number;
  /** The script the child runs (default: the built CLI, cliEntry(); tests give a stand-in). */
  entry?: string;
}

/** The built CLI the board processes run (npm run build:ts makes it). */
export function cliEntry(): string {
  return join(packageRoot(), 'dist', 'rig', 'cli', 'main.js');
}

/** Why board processes cannot be started, or undefined. */
export function processBoardsUnavailable(): string | undefined {
  const entry = cliEntry();
  return existsSync(entry) ? undefined : `virtual boards in their own process run ${entry}, which is not built: run npm run build:ts`;
}

export class ProcessVirtualBackend implements DutBackend {
  readonly resetLine = false;
  readonly faults = true;
  readonly bootTimeoutMs: number;
  readonly processTimeoutMs: number;
  readonly provision: BoardProvision | undefined;
  readonly power: DutBackend['power'];
  private child: ChildProcess | undefined;
  private url = '';
  private current!: SmpClient;
  private starts = 0;
  private gone = new AbortController();

  private constructor(private readonly o: ProcessOptions) {
    this.provision = o.provision;
    this.bootTimeoutMs = virtualBootTimeoutMs(o.flashScale);
    this.processTimeoutMs = virtualProcessTimeoutMs(o.flashScale);
    this.power = {
      cut: async () => {
        await this.stopProcess('SIGKILL');
        await this.current.close().catch(() => undefined);
      },
      restore: async () => {
        await this.startProcess();
        await this.connect();
      },
    };
  }

  static async open(o: ProcessOptions): Promise<ProcessVirtualBackend> {
    const b = new ProcessVirtualBackend(o);
    copyState(o.snapshotDir, o.stateDir);
    try {
      await b.startProcess();
      await b.connect();
    } catch (e) {
      // Nobody gets this backend to close: a board process that did start must not outlive the failed open.
      await b.close();
      throw e;
    }
    return b;
  }

  get description(): string {
    return `virtual board in its own process (pid ${this.child?.pid ?? '-'}, ${this.o.profile}${this.o.quirks.length ? `, quirks ${this.o.quirks.join(', ')}` : ''}) on ${this.url} at ${this.o.baud} baud`;
  }

  get client(): SmpClient {
    return this.current;
  }

  get lost(): AbortSignal {
    return this.gone.signal;
  }

  /** The child's process id (tests kill it to play a board that dies). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  async reconnect(): Promise<SmpClient> {
    await this.current.close().catch(() => undefined);
    return this.connect();
  }

  async restoreSnapshot(): Promise<string> {
    await this.stopProcess('SIGKILL');
    await this.current.close().catch(() => undefined);
    copyState(this.o.snapshotDir, this.o.stateDir);
    await this.startProcess();
    await this.connect();
    return 'restarted the board process from its known-good state snapshot (flash, counters, boot record)';
  }

  async close(): Promise<void> {
    await this.current?.close().catch(() => undefined);
    await this.stopProcess('SIGINT');
  }

  private async connect(): Promise<SmpClient> {
    const m = /^tcp:\/\/([^:]+):(\d+)$/.exec(this.url)!;
    const tcp = await TcpTransport.connect(m[1]!, Number(m[2]));
    this.current = SmpClient.over(new PacedTransport(tcp, this.o.baud));
    return this.current;
  }

  private startProcess(): Promise<void> {
    const args = [
      this.o.entry ?? cliEntry(),
      'board',
      'virtual',
      '--listen',
      'tcp://127.0.0.1:0',
      '--state',
      this.o.stateDir,
      '--profile',
      this.o.profile,
      '--baud',
      String(this.o.baud),
      '--flash-scale',
      String(this.o.flashScale),
      '--test-hooks',
      ...this.o.quirks.flatMap((q) => ['--quirk', q]),
    ];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.starts++;
    const gone = (this.gone = new AbortController());
    // Exiting while it is still this board's process (not stopped by us) means the board is gone.
    child.once('exit', (code, sig) => {
      if (this.child === child) gone.abort(new DutUnresponsiveError(`board ${this.o.name}: its process ${child.pid} exited (${sig ?? `exit status ${code}`})`));
    });
    const log = this.o.log;
    createInterface({ input: child.stderr! }).on('line', (line) => {
      // Console lines also arrive over the link between SMP frames; log the board's own notes.
      if (!line.startsWith('console |')) log({ kind: 'note', message: `process: ${line}` });
    });
    const timeoutMs = this.o.startTimeoutMs ?? 20_000;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`virtual board process for ${this.o.name} printed no 'listening on' line within ${timeoutMs} ms`));
      }, timeoutMs);
      const lines = createInterface({ input: child.stdout! });
      lines.once('line', (line) => {
        clearTimeout(timer);
        const m = /^listening on (tcp:\/\/\S+)$/.exec(line);
        if (!m) {
          child.kill('SIGKILL');
          return reject(new Error(`virtual board process for ${this.o.name} said '${line}' instead of 'listening on tcp://...'`));
        }
        this.url = m[1]!;
        log({ kind: 'note', message: `board process ${child.pid} (start ${this.starts}) listening on ${this.url}` });
        resolve();
      });
      child.once('exit', (code, sig) => {
        clearTimeout(timer);
        reject(new Error(`virtual board process for ${this.o.name} exited (${sig ?? `code ${code}`}) before listening`));
      });
    });
  }

  private async stopProcess(signal: 'SIGINT' | 'SIGKILL'): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
    await exited;
    clearTimeout(timer);
  }
}

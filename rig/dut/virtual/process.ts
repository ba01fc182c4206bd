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
import { DutUnresponsiveError } from '../errors.js';
import { LinkConsole, SmpClientLink } from '../link.js';
import { PacedTransport } from '../paced-transport.js';
import type { DutBoard, FaultProtocol, PowerProtocol, ResetProtocol, SnapshotProtocol } from '../protocols.js';
import type { BoardProvision, DutEvent } from '../types.js';
import { rigGroupFaults } from './faults.js';
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

/** The board's process: started, stopped, its port, and the signal that it died on its own. */
class BoardProcess {
  private child: ChildProcess | undefined;
  url = '';
  private starts = 0;
  private gone = new AbortController();

  constructor(private readonly o: ProcessOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Aborted when the current process exits without being stopped. */
  get lost(): AbortSignal {
    return this.gone.signal;
  }

  /** A client on the process's port, paced at the board's baud. */
  async connect(): Promise<SmpClient> {
    const m = /^tcp:\/\/([^:]+):(\d+)$/.exec(this.url)!;
    const tcp = await TcpTransport.connect(m[1]!, Number(m[2]));
    return SmpClient.over(new PacedTransport(tcp, this.o.baud));
  }

  start(): Promise<void> {
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

  async stop(signal: 'SIGINT' | 'SIGKILL'): Promise<void> {
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

export class ProcessVirtualBoard implements DutBoard {
  readonly reset: ResetProtocol;
  readonly console: LinkConsole;
  readonly power: PowerProtocol;
  readonly faults: FaultProtocol;
  readonly snapshot: SnapshotProtocol;
  readonly provision: BoardProvision | undefined;

  private constructor(
    private readonly proc: BoardProcess,
    readonly link: SmpClientLink,
    o: ProcessOptions,
  ) {
    this.provision = o.provision;
    this.reset = { bootTimeoutMs: virtualBootTimeoutMs(o.flashScale) };
    this.console = new LinkConsole(link);
    this.faults = rigGroupFaults(link);
    // A power cut kills the process (RAM lost, the flash as written); power-on starts it again.
    this.power = {
      cut: async () => {
        await proc.stop('SIGKILL');
        await link.drop();
      },
      restore: async () => {
        await proc.start();
        await link.reopen();
      },
    };
    this.snapshot = {
      restore: async () => {
        await this.power.cut();
        copyState(o.snapshotDir, o.stateDir);
        await this.power.restore();
        return 'restarted the board process from its known-good state snapshot (flash, counters, boot record)';
      },
    };
  }

  static async open(o: ProcessOptions): Promise<ProcessVirtualBoard> {
    const proc = new BoardProcess(o);
    copyState(o.snapshotDir, o.stateDir);
    try {
      await proc.start();
      const link = await SmpClientLink.open({
        describe: () => `virtual board in its own process (pid ${proc.pid ?? '-'}, ${o.profile}${o.quirks.length ? `, quirks ${o.quirks.join(', ')}` : ''}) on ${proc.url} at ${o.baud} baud`,
        open: () => proc.connect(),
        processTimeoutMs: virtualProcessTimeoutMs(o.flashScale),
        lost: () => proc.lost,
      });
      return new ProcessVirtualBoard(proc, link, o);
    } catch (e) {
      // Nobody gets this board to close: a board process that did start must not outlive the failed open.
      await proc.stop('SIGINT');
      throw e;
    }
  }

  async close(): Promise<void> {
    await this.link.drop();
    await this.proc.stop('SIGINT');
  }
}

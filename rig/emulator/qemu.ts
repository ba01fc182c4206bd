/**
 * A QEMU machine as a lab board (rig.yaml `port: qemu`): `qemu-system-arm` with the lab's
 * machine, cpu and images (QEMU's generic loader), its first UART on a tcp socket QEMU binds to
 * a free port on 127.0.0.1, no monitor on stdio, and QMP on a unix socket in a temporary
 * directory. Through QMP the rig reads the port QEMU bound and hears the `RESET` event QEMU
 * emits whenever the guest resets (the firmware's own reset after `os reset`), which it reports
 * to the board's ResetWitness. A power cycle restarts QEMU, which loads the images afresh.
 * With `console-uart: N` the guest's UART N, where the firmware prints its console (the peers'
 * mps2-an385 build: UART 1), is bound to a local port as well and read from the guest's first
 * instruction; its lines go to the board log and to the board's console readers, and console
 * input is written to it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TcpTransport } from '../../host/transport/tcp.js';
import { TextLines } from '../../host/transport/text.js';
import type { Transport } from '../../host/transport/transport.js';
import { EnvironmentError } from '../../host/util/errors.js';
import type { QemuSpec } from '../lab/types.js';
import { EmulatorChild } from './child.js';
import { EmulatedBoard, type EmulatorLog } from './emulated-board.js';
import { requireProgram } from './programs.js';
import { QmpClient } from './qmp.js';

/** How long QEMU may take to open its QMP socket and bind the UART. */
const START_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 3_000;
const UART_ID = 'uart';
const CONSOLE_ID = 'console';

/**
 * QEMU's command line for `spec` with the UART on a free local port and QMP at `qmpPath`; with a
 * console UART, that one too (the UARTs between it and the SMP UART unconnected), and the guest
 * held until the rig has connected to it (`-S`, then QMP `cont`), so the first boot's console
 * is read from its first line.
 */
function qemuArgs(spec: QemuSpec, qmpPath: string): string[] {
  const n = spec.consoleUart;
  const consoleUart =
    n === undefined
      ? []
      : ['-S', ...Array.from({ length: n - 1 }, () => ['-serial', 'null']).flat(), '-chardev', `socket,id=${CONSOLE_ID},host=127.0.0.1,port=0,server=on,wait=off`, '-serial', `chardev:${CONSOLE_ID}`];
  return [
    '-machine',
    spec.machine,
    ...(spec.cpu ? ['-cpu', spec.cpu] : []),
    '-nographic',
    '-monitor',
    'none',
    '-chardev',
    `socket,id=${UART_ID},host=127.0.0.1,port=0,server=on,wait=off`,
    '-serial',
    `chardev:${UART_ID}`,
    ...consoleUart,
    '-qmp',
    `unix:${qmpPath},server=on,wait=off`,
    ...spec.images.flatMap((i) => ['-device', `loader,file=${i.file}${i.addr !== undefined ? `,addr=0x${i.addr.toString(16)}` : ''}`]),
    ...spec.args,
  ];
}

export class QemuBoard extends EmulatedBoard {
  private readonly program: string;
  private readonly dir: string;
  private child: EmulatorChild | undefined;
  private qmp: QmpClient | undefined;
  private port = 0;
  private consolePort = 0;
  private starts = 0;

  private constructor(
    private readonly name: string,
    private readonly spec: QemuSpec,
    log: EmulatorLog,
  ) {
    super('QEMU', log);
    const lines = new TextLines((line) => log(`qemu console: ${line.replace(/\x1b\[[0-9;]*m/g, '')}`, 'output'));
    this.onConsole((t) => lines.push(t.text));
    this.program = requireProgram(spec.program, `board ${name}`);
    this.dir = mkdtempSync(join(tmpdir(), 'suitrig-qemu-'));
  }

  /** Starts QEMU for board `name`; throws a clear error (and leaves nothing running) when it cannot. */
  static async start(name: string, spec: QemuSpec, log: EmulatorLog): Promise<QemuBoard> {
    const b = new QemuBoard(name, spec, log);
    await b.boot();
    return b;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get consoleDescription(): string | undefined {
    return this.spec.consoleUart === undefined ? undefined : `QEMU console UART ${this.spec.consoleUart} (tcp://127.0.0.1:${this.consolePort})`;
  }

  get description(): string {
    return `QEMU ${this.spec.machine}${this.spec.cpu ? ` (${this.spec.cpu})` : ''}, pid ${this.pid ?? '-'}, UART tcp://127.0.0.1:${this.port}`;
  }

  async restoreInitialState(): Promise<string> {
    await this.powerOff();
    await this.powerOn();
    return "restarted QEMU, which loads the lab's images afresh";
  }

  protected async launch(): Promise<void> {
    const qmpPath = join(this.dir, `qmp-${++this.starts}.sock`);
    const child = new EmulatorChild({ argv: [this.program, ...qemuArgs(this.spec, qmpPath)], onLine: (l) => this.log(`qemu: ${l}`, 'output') });
    this.child = child;
    const fail = async (why: string): Promise<never> => {
      await child.stop(0, 'SIGKILL');
      throw new EnvironmentError(`board ${this.name}: QEMU ${why}; its output:\n${child.output()}`);
    };
    let qmp: QmpClient;
    try {
      qmp = await QmpClient.connect(qmpPath, { timeoutMs: START_TIMEOUT_MS, alive: () => child.running });
    } catch (e) {
      return fail(child.running ? `did not start: ${(e as Error).message}` : `exited as it started (${await child.exited})`);
    }
    this.qmp = qmp;
    qmp.onEvent((e) => {
      // Every guest reset (the firmware's own, after `os reset`) is a RESET event; its reason says who asked.
      if (e.event === 'RESET') this.sawReset(`QEMU reported a guest reset (QMP RESET event${typeof e.data?.reason === 'string' ? `, ${e.data.reason}` : ''})`);
    });
    let consolePort: number | undefined;
    try {
      const chardevs = await qmp.execute('query-chardev');
      this.port = chardevPort(chardevs, UART_ID);
      if (this.spec.consoleUart !== undefined) consolePort = this.consolePort = chardevPort(chardevs, CONSOLE_ID);
    } catch (e) {
      qmp.close();
      return fail(`did not say where its UART listens: ${(e as Error).message}`);
    }
    if (consolePort !== undefined) {
      try {
        this.attachConsoleUart(await TcpTransport.connect('127.0.0.1', consolePort));
        await qmp.execute('cont');
      } catch (e) {
        qmp.close();
        return fail(`could not start its guest with the console UART connected: ${(e as Error).message}`);
      }
    }
    const uarts = `UART on tcp://127.0.0.1:${this.port}${consolePort !== undefined ? `, console UART ${this.spec.consoleUart} on tcp://127.0.0.1:${consolePort}` : ''}`;
    this.log(`QEMU pid ${child.pid} (start ${this.starts}): ${this.spec.machine}, ${uarts}`, 'event');
    void child.exited.then((how) => {
      if (this.child === child) this.lose(`QEMU exited (${how}); its output:\n${child.output()}`);
    });
  }

  protected async halt(hard: boolean): Promise<void> {
    const child = this.child;
    this.child = undefined;
    this.qmp?.close();
    this.qmp = undefined;
    await child?.stop(hard ? 0 : STOP_GRACE_MS, hard ? 'SIGKILL' : 'SIGTERM');
  }

  protected openUart(): Promise<Transport> {
    return TcpTransport.connect('127.0.0.1', this.port);
  }

  protected dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The port of chardev `id` in QEMU's `query-chardev` answer (`disconnected:tcp:127.0.0.1:PORT,server=on`). */
function chardevPort(answer: unknown, id: string): number {
  const list = Array.isArray(answer) ? (answer as { label?: string; filename?: string }[]) : [];
  const uart = list.find((c) => c.label === id);
  const m = uart?.filename ? /:(\d+)(,|$)/.exec(uart.filename) : null;
  if (!m) throw new Error(`no tcp port for ${id} in its chardev list: ${JSON.stringify(answer)}`);
  return Number(m[1]);
}

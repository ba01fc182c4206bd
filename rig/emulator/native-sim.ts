/**
 * A Zephyr native_sim executable as a lab board (rig.yaml `port: native-sim`): started, through
 * its runner when the lab gives one (`qemu-i386-static` for a 32-bit build on a kernel that
 * refuses them), in its state directory, where it keeps `flash.bin` (the lab's `state:`, or a
 * temporary directory). Its stdout names the pty of its UART (`uart connected to pseudotty:
 * /dev/pts/N`), opened with the serialport transport. `os reset` makes it exit ("sys_arch_reboot
 * called ... Exiting") some 250 ms after it answered: the rig starts it again at once on the same
 * flash, reports the reset to the board's witness, and the link re-attaches to the new pty — to
 * the rest of the rig it is one board whose link survives its resets. Its stdout is the
 * firmware's console (Zephyr's native_sim console: boot banner, printk, logs; colour codes
 * removed): every line goes to the board log and to the board's console readers. It reads no
 * console input (its stdin is not the firmware's).
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { SerialPortTransport } from '../../host/transport/serialport.js';
import type { Transport } from '../../host/transport/transport.js';
import { EnvironmentError } from '../../host/util/errors.js';
import type { NativeSimSpec } from '../lab/types.js';
import { EmulatorChild } from './child.js';
import { EmulatedBoard, type EmulatorLog } from './emulated-board.js';
import { diagnoseStart, requireProgram } from './programs.js';

/** How long native_sim may take to print its pty (through qemu-user it takes a moment). */
const PTY_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 3_000;
/** Exits this soon after a start count as a crash, not a reset; this many in a row and the board is gone. */
const QUICK_EXIT_MS = 1_000;
const QUICK_EXITS_MAX = 3;
const PTY_LINE = /^(\S+) connected to pseudotty: (\/\S+)/;
const FLASH_FILE = 'flash.bin';

export class NativeSimBoard extends EmulatedBoard {
  private readonly argv: string[];
  private readonly dir: string;
  private readonly temporary: boolean;
  /** flash.bin as it was when the board was opened (undefined: there was none), for restoreInitialState. */
  private readonly snapshot: string | undefined;
  private child: EmulatorChild | undefined;
  private pty = '';
  private starts = 0;
  private quickExits = 0;
  private restarting: Promise<void> | undefined;

  private constructor(
    private readonly name: string,
    private readonly spec: NativeSimSpec,
    log: EmulatorLog,
  ) {
    super('native_sim', log);
    const [runner, ...runnerArgs] = spec.runner;
    this.argv = runner !== undefined ? [requireProgram(runner, `board ${name}`), ...runnerArgs, spec.program, ...spec.args] : [spec.program, ...spec.args];
    this.temporary = spec.state === undefined;
    this.dir = spec.state ?? mkdtempSync(join(tmpdir(), 'suitrig-native-sim-'));
    mkdirSync(this.dir, { recursive: true });
    const flash = join(this.dir, FLASH_FILE);
    if (existsSync(flash)) {
      this.snapshot = join(mkdtempSync(join(tmpdir(), 'suitrig-native-sim-snapshot-')), FLASH_FILE);
      copyFileSync(flash, this.snapshot);
    }
  }

  /** Starts native_sim for board `name`; throws a clear error (and leaves nothing running) when it cannot. */
  static async start(name: string, spec: NativeSimSpec, log: EmulatorLog): Promise<NativeSimBoard> {
    const b = new NativeSimBoard(name, spec, log);
    await b.boot();
    return b;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get consoleDescription(): string {
    return "native_sim's stdout";
  }

  get description(): string {
    return `native_sim ${basename(this.spec.program)} (pid ${this.pid ?? '-'}, UART ${this.pty || '-'}, state ${this.dir})`;
  }

  /** Stops it, puts flash.bin back as it was when the board was opened, and starts it again. */
  async restoreInitialState(): Promise<string> {
    await this.powerOff();
    const flash = join(this.dir, FLASH_FILE);
    if (this.snapshot) copyFileSync(this.snapshot, flash);
    else rmSync(flash, { force: true });
    await this.powerOn();
    return `restarted native_sim with its flash as it was when the board was opened (${this.snapshot ? 'a copy of flash.bin' : 'no flash.bin: erased'})`;
  }

  protected async launch(): Promise<void> {
    const started = Date.now();
    this.starts++;
    let found: (pty: string) => void = () => undefined;
    const printed = new Promise<string>((resolve) => (found = resolve));
    const child = new EmulatorChild({
      argv: this.argv,
      cwd: this.dir,
      onLine: (line, stream) => {
        const m = stream === 'stdout' ? PTY_LINE.exec(line) : null;
        if (m) found(m[2]!);
        this.log(`native_sim: ${line}`, 'output');
        // Zephyr's console on native_sim is its stdout (the UART carries SMP).
        if (stream === 'stdout') this.printed({ text: `${line}\n`, at: Date.now() });
      },
    });
    this.child = child;
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      printed.then((pty) => ({ pty })),
      child.exited.then((how) => ({ ended: how })),
      new Promise<{ late: true }>((resolve) => (timer = setTimeout(() => resolve({ late: true }), PTY_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
    if (!('pty' in outcome)) {
      await child.stop(0, 'SIGKILL');
      if (this.child === child) this.child = undefined;
      const why = 'late' in outcome ? `did not print its pty within ${PTY_TIMEOUT_MS / 1000} s` : `ended before it printed its pty (${await child.exited})`;
      const hint = diagnoseStart(child.output(), child.startError);
      throw new EnvironmentError(`board ${this.name}: native_sim ${why}${hint ? `: ${hint}` : ''}; its output:\n${child.output()}`);
    }
    this.pty = outcome.pty;
    this.log(`native_sim pid ${child.pid} (start ${this.starts}) in ${this.dir}, UART ${this.pty}`, 'event');
    void child.exited.then((how) => this.exited(child, how, Date.now() - started));
  }

  /** It exited on its own: a reset (start it again at once, on the same flash), or a crash loop (the board is gone). */
  private exited(child: EmulatorChild, how: string, ranMs: number): void {
    if (this.child !== child || this.closing || !this.running) return;
    this.child = undefined;
    this.quickExits = ranMs < QUICK_EXIT_MS ? this.quickExits + 1 : 0;
    if (this.quickExits >= QUICK_EXITS_MAX) return this.lose(`native_sim exited ${QUICK_EXITS_MAX} times within ${QUICK_EXIT_MS} ms of starting (${how}); its output:\n${child.output()}`);
    this.log(`native_sim pid ${child.pid} exited (${how}): starting it again on the same flash`, 'event');
    this.restarting = this.launch().then(
      async () => {
        // The link first, so that whoever waits on the witness finds the board reachable.
        await this.reattach();
        this.sawReset('native_sim process exited and was started again');
      },
      (e: Error) => this.lose(`it could not be started again: ${e.message}`),
    );
  }

  protected async halt(hard: boolean): Promise<void> {
    // A restart under way finishes first, so that the process it starts is the one stopped.
    await this.restarting;
    const child = this.child;
    this.child = undefined;
    await child?.stop(hard ? 0 : STOP_GRACE_MS, hard ? 'SIGKILL' : 'SIGTERM');
  }

  protected openUart(): Promise<Transport> {
    // A pty has no line rate; serialport wants one.
    return SerialPortTransport.open({ path: this.pty, baudRate: 115_200 });
  }

  protected dispose(): void {
    if (this.temporary) rmSync(this.dir, { recursive: true, force: true });
    if (this.snapshot) rmSync(join(this.snapshot, '..'), { recursive: true, force: true });
  }
}

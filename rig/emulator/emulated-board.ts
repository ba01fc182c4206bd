/**
 * A board whose firmware runs in an emulator the rig starts itself (rig.yaml `port: qemu` or
 * `port: native-sim`): one link to its UART that survives the emulator's resets and restarts
 * (host/transport/reattaching.ts), its power switch (stop the emulator, start it again), a
 * ResetWitness told of every reset the emulator shows (host/smp/reset-witness.ts), the
 * firmware's console where the emulator keeps it apart from the SMP UART (native_sim's stdout,
 * a QEMU console UART: also one link across restarts), and a clean stop. The QEMU and
 * native_sim boards (qemu.ts, native-sim.ts) supply how to start and stop the emulator and how
 * to open its UARTs; everything else is here, once.
 */
import { CountingWitness } from '../../host/smp/reset-witness.js';
import { ReattachingTransport } from '../../host/transport/reattaching.js';
import { onTransportText, type ConsoleText } from '../../host/transport/text.js';
import type { Transport } from '../../host/transport/transport.js';

/**
 * Where an emulated board tells what it does (`event`: started, reset seen, gone) and what its
 * emulator prints (`output`): the board log keeps both; a single-board command shows the events.
 */
export type EmulatorLog = (message: string, kind: 'event' | 'output') => void;

/** The emulator stopped for good (it did not come back, or could not be started again). */
class EmulatorGoneError extends Error {
  override name = 'EmulatorGoneError';
}

export abstract class EmulatedBoard {
  readonly witness = new CountingWitness();
  private link: ReattachingTransport | undefined;
  private consoleUart: ReattachingTransport | undefined;
  private readonly consoleListeners = new Set<(t: ConsoleText) => void>();
  private readonly gone = new AbortController();
  private powered = false;
  protected closing = false;

  protected constructor(
    /** `QEMU`, `native_sim`: for messages. */
    protected readonly what: string,
    protected readonly log: EmulatorLog,
  ) {}

  /** For logs and reports: the emulator, its process and its UART. */
  abstract get description(): string;
  /** The emulator's process id while it runs. */
  abstract get pid(): number | undefined;
  /** Where the firmware's console is apart from the SMP UART (`native_sim's stdout`), if anywhere. */
  abstract get consoleDescription(): string | undefined;

  /** Aborted with an EmulatorGoneError when the emulator has stopped for good. */
  get lost(): AbortSignal {
    return this.gone.signal;
  }

  /** Whether the emulator runs now (false between a power cut and power-on). */
  get running(): boolean {
    return this.powered;
  }

  /** Brings the board back to the state it was opened in (QEMU: a restart loads the images afresh; native_sim: its flash file as it was). */
  abstract restoreInitialState(): Promise<string>;
  /** Starts the emulator (bounded; a clear error naming what went wrong and its output). */
  protected abstract launch(): Promise<void>;
  /** Stops the emulator: SIGTERM, then SIGKILL after a bound. `hard`: at once, as a power cut. */
  protected abstract halt(hard: boolean): Promise<void>;
  /** Opens the UART of the emulator running now. */
  protected abstract openUart(): Promise<Transport>;
  /** Removes what the board made for itself (temporary directories). */
  protected abstract dispose(): void;

  /** First start, by the subclass's `start`: a failure stops what did start and removes its temporary files. */
  protected async boot(): Promise<void> {
    try {
      await this.launch();
      this.powered = true;
    } catch (e) {
      await this.close();
      throw e;
    }
  }

  /**
   * The board's UART as one link: it survives the emulator's resets and power cycles (bytes sent
   * while the board is down are lost, as on a wire). A new link closes the one before.
   */
  async connect(): Promise<Transport> {
    await this.link?.close();
    if (this.gone.signal.aborted) throw this.gone.signal.reason;
    const link = new ReattachingTransport(`${this.what} UART`);
    this.link = link;
    if (this.powered) link.attach(await this.openUart());
    return link;
  }

  /** The firmware's console text where the emulator keeps it apart from the SMP UART (native_sim's stdout, a QEMU console UART); returns the unsubscribe. */
  onConsole(listener: (t: ConsoleText) => void): () => void {
    this.consoleListeners.add(listener);
    return () => void this.consoleListeners.delete(listener);
  }

  /** The console UART, when the emulator has one apart from the SMP UART (console input goes there). */
  get consoleInput(): Transport | undefined {
    return this.consoleUart;
  }

  /** Power cut: the emulator stops at once; the link stays, detached, until power-on. */
  async powerOff(): Promise<void> {
    this.powered = false;
    await this.halt(true);
  }

  /** Power-on: the emulator starts again, the link attaches to it; the witness sees the reset. */
  async powerOn(): Promise<void> {
    await this.launch();
    this.powered = true;
    await this.reattach();
    this.sawReset(`${this.what} was started again (power cycle)`);
  }

  /** Stops the emulator and removes its temporary files; idempotent. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.powered = false;
    await this.link?.close();
    await this.consoleUart?.close();
    await this.halt(false);
    this.dispose();
  }

  /** A reset seen by the emulator's surroundings (a restart, QEMU's RESET event). */
  protected sawReset(what: string): void {
    this.log(`reset seen: ${what}`, 'event');
    this.witness.saw(what);
  }

  /** Text the firmware printed on its console, for the console's readers (the subclass logs it). */
  protected printed(t: ConsoleText): void {
    for (const l of this.consoleListeners) l(t);
  }

  /** The console UART of the emulator running now, attached before its guest runs; `printed` gets what it carries. */
  protected attachConsoleUart(t: Transport): void {
    if (!this.consoleUart) {
      const uart = new ReattachingTransport(`${this.what} console UART`);
      onTransportText(uart, (text) => this.printed(text));
      this.consoleUart = uart;
    }
    this.consoleUart.attach(t);
  }

  /** After a restart: the link carries on over the new UART. */
  protected async reattach(): Promise<void> {
    const link = this.link;
    if (!link?.isOpen) return;
    try {
      link.attach(await this.openUart());
    } catch (e) {
      this.lose(`its UART could not be opened again after a restart: ${(e as Error).message}`);
    }
  }

  /** The emulator is gone for good: the link closes, every operation on the board fails at once. */
  protected lose(reason: string): void {
    if (this.gone.signal.aborted || this.closing) return;
    this.powered = false;
    this.log(`${this.what} is gone: ${reason}`, 'event');
    const e = new EmulatorGoneError(`${this.what}: ${reason}`);
    this.gone.abort(e);
    this.link?.fail(reason);
    this.consoleUart?.fail(reason);
  }
}

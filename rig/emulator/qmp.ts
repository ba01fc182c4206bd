/**
 * A client of QEMU's machine protocol (QMP) on a unix socket: the greeting, `qmp_capabilities`
 * (without it QEMU accepts no command), commands matched to their answers by id, and events.
 * The rig reads the chardev QEMU bound (the board's UART on a free port) and the `RESET` event
 * QEMU emits when the guest resets — proof of a reset that needs nothing from the firmware.
 */
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';

export interface QmpEvent {
  event: string;
  data?: Record<string, unknown>;
}

class QmpError extends Error {
  override name = 'QmpError';
}

export class QmpClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private readonly listeners = new Set<(e: QmpEvent) => void>();
  private closed: Error | undefined;

  private constructor(private readonly socket: Socket) {
    createInterface({ input: socket }).on('line', (line) => this.receive(line));
    socket.on('close', () => this.fail(new QmpError('QMP connection closed')));
    socket.on('error', () => undefined); // 'close' follows
  }

  /**
   * Connects to QEMU's QMP socket, retrying while QEMU has not created it yet, until `timeoutMs`;
   * `alive()` false (QEMU exited) stops the wait at once. Negotiates capabilities.
   */
  static async connect(path: string, o: { timeoutMs: number; alive(): boolean }): Promise<QmpClient> {
    const deadline = Date.now() + o.timeoutMs;
    for (;;) {
      const socket = await new Promise<Socket | undefined>((resolve) => {
        const s = connect(path);
        s.once('connect', () => resolve(s));
        s.once('error', () => resolve(undefined));
      });
      if (socket) {
        const qmp = new QmpClient(socket);
        await qmp.handshake(Math.max(deadline - Date.now(), 1_000));
        return qmp;
      }
      if (!o.alive()) throw new QmpError('the emulator exited before it opened its QMP socket');
      if (Date.now() > deadline) throw new QmpError(`no QMP socket at ${path} within ${o.timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Subscribes to events (RESET, SHUTDOWN, ...); returns the unsubscribe function. */
  onEvent(listener: (e: QmpEvent) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Runs a command; its `return` value, or QmpError with QEMU's description. */
  execute(command: string, args?: Record<string, unknown>, timeoutMs = 5_000): Promise<unknown> {
    if (this.closed) return Promise.reject(this.closed);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new QmpError(`QMP ${command}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => (clearTimeout(timer), resolve(v)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      this.socket.write(JSON.stringify({ execute: command, ...(args ? { arguments: args } : {}), id }) + '\n');
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private async handshake(timeoutMs: number): Promise<void> {
    // The greeting arrives first and carries no id; capabilities negotiation ends command mode's wait.
    await this.execute('qmp_capabilities', undefined, timeoutMs);
  }

  private receive(line: string): void {
    let msg: { id?: number; return?: unknown; error?: { class?: string; desc?: string }; event?: string; data?: Record<string, unknown> };
    try {
      msg = JSON.parse(line) as typeof msg;
    } catch {
      return; // not QMP: ignore
    }
    if (msg.event !== undefined) {
      for (const l of this.listeners) l({ event: msg.event, ...(msg.data ? { data: msg.data } : {}) });
      return;
    }
    if (typeof msg.id !== 'number') return; // the greeting
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (msg.error) p.reject(new QmpError(`QMP: ${msg.error.class ?? 'error'}: ${msg.error.desc ?? ''}`));
    else p.resolve(msg.return);
  }

  private fail(e: Error): void {
    if (this.closed) return;
    this.closed = e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }
}

/**
 * Raw TCP as a serial line (`tcp://host:port`): how ser2net exposes a lab's serial ports (raw
 * mode, no RFC 2217, so no DTR/RTS and no baud), and how a virtual board in another process
 * serves its console. Also the listening side, for boards served over TCP.
 */
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { systemClock, type Clock } from './clock.js';
import { PortOpenError, TransportBase, TransportClosedError } from './transport.js';

export interface TcpOptions {
  /** Give up connecting after this long; default 5000 ms. */
  connectTimeoutMs?: number;
  writeTimeoutMs?: number;
  clock?: Clock;
}

export class TcpTransport extends TransportBase {
  readonly baudRate = undefined;

  constructor(
    private readonly socket: Socket,
    readonly description: string,
    options: TcpOptions = {},
  ) {
    super(options);
    // SMP is request/response with small frames: Nagle would add up to 40 ms per exchange.
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.emitData(chunk));
    socket.on('end', () => this.emitClose(new TransportClosedError(`${description}: the other end closed the connection`, true)));
    socket.on('close', () => this.emitClose(new TransportClosedError(`${description}: connection lost`, true)));
    socket.on('error', () => undefined); // 'close' follows every error
  }

  static async connect(host: string, port: number, options: TcpOptions = {}): Promise<TcpTransport> {
    const url = `tcp://${host.includes(':') ? `[${host}]` : host}:${port}`;
    const clock = options.clock ?? systemClock;
    const timeoutMs = options.connectTimeoutMs ?? 5_000;
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ host, port });
      const timer = clock.setTimer(() => {
        s.destroy();
        reject(new PortOpenError(`cannot connect to ${url}: no answer within ${timeoutMs} ms`, 'is the host reachable?'));
      }, timeoutMs);
      s.once('connect', () => {
        timer.cancel();
        s.removeAllListeners('error');
        resolve(s);
      });
      s.once('error', (err: NodeJS.ErrnoException) => {
        timer.cancel();
        const hint = err.code === 'ECONNREFUSED' ? 'is ser2net or the virtual board listening on that port?' : undefined;
        reject(new PortOpenError(`cannot connect to ${url}: ${err.code ?? err.message}`, hint, { cause: err }));
      });
    });
    return new TcpTransport(socket, url, options);
  }

  protected rawWrite(data: Uint8Array): Promise<void> {
    // 'close' follows every socket error, but the write's own error may come first.
    return new Promise<void>((resolve, reject) => this.socket.write(data, (err) => (err ? reject(this.writeFailed(err)) : resolve())));
  }

  protected async rawClose(): Promise<void> {
    await new Promise<void>((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.end(() => resolve());
      // A peer that stops reading must not hold our close forever.
      setTimeout(resolve, 500).unref();
    });
    this.socket.destroy();
  }
}

export interface TcpListener {
  /** `tcp://host:port` with the port actually bound (useful with port 0). */
  readonly url: string;
  readonly port: number;
  /** Stops listening and closes every open connection. */
  close(): Promise<void>;
}

/** Listens for TCP connections; each one becomes a `TcpTransport` handed to `onConnection`. */
export async function listenTcp(
  options: { host?: string; port?: number } & TcpOptions,
  onConnection: (transport: TcpTransport) => void,
): Promise<TcpListener> {
  const host = options.host ?? '127.0.0.1';
  const open = new Set<TcpTransport>();
  const server: Server = createServer((socket) => {
    const t = new TcpTransport(socket, `tcp://${socket.remoteAddress}:${socket.remotePort}`, options);
    open.add(t);
    t.onClose(() => open.delete(t));
    onConnection(t);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new PortOpenError(`cannot listen on ${host}:${options.port ?? 0}: ${err.code ?? err.message}`, undefined, { cause: err })),
    );
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `tcp://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    async close() {
      await Promise.all([...open].map((t) => t.close()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

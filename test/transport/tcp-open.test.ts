import { createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { openPort, parseTcpUrl, registerPortScheme } from '../../host/transport/open.js';
import { listenTcp, TcpTransport, type TcpListener } from '../../host/transport/tcp.js';
import { PortOpenError, TransportClosedError, UnsupportedSignalsError, type Transport } from '../../host/transport/transport.js';
import { collect, waitFor } from './helpers.js';

const listeners: TcpListener[] = [];
afterEach(async () => {
  await Promise.all(listeners.splice(0).map((l) => l.close()));
});

async function pair(): Promise<{ client: Transport; server: TcpTransport; listener: TcpListener }> {
  let server: TcpTransport | undefined;
  const listener = await listenTcp({}, (t) => (server = t));
  listeners.push(listener);
  const client = await openPort(listener.url);
  await waitFor(() => server !== undefined);
  return { client, server: server!, listener };
}

describe('raw TCP transport (ser2net style)', () => {
  it('carries bytes both ways and has no baud or modem lines', async () => {
    const { client, server } = await pair();
    expect(client.baudRate).toBeUndefined();
    const atServer = collect(server);
    const atClient = collect(client);
    const big = Uint8Array.from({ length: 100_000 }, (_, i) => i & 0xff);
    await client.write(big);
    await server.write(Uint8Array.of(7, 8));
    await waitFor(() => atServer.count() === big.length && atClient.count() === 2);
    expect(atServer.bytes()).toEqual(big);
    await expect(client.setSignals({ dtr: false })).rejects.toBeInstanceOf(UnsupportedSignalsError);
    await client.close();
  });

  it('the other end closing is a disconnect; later writes fail at once', async () => {
    const { client, server } = await pair();
    let closed: TransportClosedError | undefined;
    client.onClose((e) => (closed = e));
    await server.close();
    await waitFor(() => closed !== undefined);
    expect(closed!.disconnected).toBe(true);
    await expect(client.write(Uint8Array.of(1))).rejects.toThrow(/write failed: .*closed the connection|connection lost/);
  });

  it('a write that finds the connection reset fails as a disconnect, whichever is noticed first', async () => {
    const server = createServer((s) => void setTimeout(() => s.resetAndDestroy(), 50));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const client = await TcpTransport.connect('127.0.0.1', (server.address() as AddressInfo).port);
      let e: unknown;
      // Written without waiting for the close to be read: a write is what finds the reset.
      for (const t0 = Date.now(); e === undefined && Date.now() - t0 < 3_000; await new Promise((r) => setTimeout(r, 2))) {
        e = await client.write(new Uint8Array(4096)).then(() => undefined, (x: unknown) => x);
      }
      expect(e, String(e)).toBeInstanceOf(TransportClosedError);
      expect((e as TransportClosedError).disconnected).toBe(true);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('bytes that arrive before anyone listens are kept for the first listener', async () => {
    const { client, server } = await pair();
    await server.write(Uint8Array.of(1, 2, 3));
    await new Promise((r) => setTimeout(r, 30));
    const got = collect(client);
    expect(got.bytes()).toEqual(Uint8Array.of(1, 2, 3));
    await client.close();
  });

  it('connection refused says what to check', async () => {
    await expect(openPort('tcp://127.0.0.1:1')).rejects.toThrow(/cannot connect to tcp:\/\/127\.0\.0\.1:1: ECONNREFUSED \(is ser2net or the virtual board listening/);
  });
});

describe('port URLs', () => {
  it('parses tcp urls and refuses malformed ones', () => {
    expect(parseTcpUrl('tcp://127.0.0.1:4001')).toEqual({ host: '127.0.0.1', port: 4001 });
    expect(parseTcpUrl('tcp://[::1]:4001')).toEqual({ host: '::1', port: 4001 });
    expect(() => parseTcpUrl('tcp://host')).toThrow(/expected tcp:\/\/host:port/);
    expect(() => parseTcpUrl('tcp://host:70000')).toThrow(/out of range/);
  });

  it('a device path that does not exist: no such port, with a hint', async () => {
    await expect(openPort('/dev/ttyDOES-NOT-EXIST', { baudRate: 115200 })).rejects.toThrow(/cannot open \/dev\/ttyDOES-NOT-EXIST: no such port \(is the board plugged in/);
    await expect(openPort('serial:///dev/ttyDOES-NOT-EXIST')).rejects.toBeInstanceOf(PortOpenError);
  });

  it('unknown schemes are refused; registered ones are used', async () => {
    await expect(openPort('bluetooth://x')).rejects.toThrow(/unknown port scheme 'bluetooth:'/);
    const { listener } = await pair();
    const off = registerPortScheme('lab', (_url, o) => openPort(listener.url, o));
    try {
      const t = await openPort('lab:board-1');
      expect(t.description).toBe(listener.url);
      await t.close();
    } finally {
      off();
    }
    await expect(openPort('lab:board-1')).rejects.toThrow(/unknown port scheme/);
  });
});

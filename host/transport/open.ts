/**
 * Opens a transport from a port URL as the command line takes it (DESIGN.md "Command line":
 * `--port` takes a device path or `tcp://host:port`): device paths go to the native serialport
 * binding, `tcp://` to raw TCP. Other schemes can be registered (the in-process paired link,
 * a virtual board) so every board command opens ports the same way.
 */
import type { Clock } from './clock.js';
import { SerialPortTransport } from './serialport.js';
import { TcpTransport } from './tcp.js';
import { PortOpenError, type Transport } from './transport.js';

export interface OpenPortOptions {
  /** Baud rate for serial ports; default 115200 (ignored by TCP). */
  baudRate?: number;
  /** RTS/CTS flow control on serial ports. */
  rtscts?: boolean;
  connectTimeoutMs?: number;
  writeTimeoutMs?: number;
  clock?: Clock;
}

export const DEFAULT_BAUD = 115200;

export type PortOpener = (url: string, options: OpenPortOptions) => Promise<Transport>;

const schemes = new Map<string, PortOpener>();

/** Lets `openPort` open `<scheme>:...` URLs (e.g. `paired:` for an in-process link). */
export function registerPortScheme(scheme: string, opener: PortOpener): () => void {
  const key = scheme.toLowerCase();
  if (key === 'tcp') throw new Error('the tcp: scheme is built in');
  schemes.set(key, opener);
  return () => void schemes.delete(key);
}

/** `tcp://host:port` (IPv6 hosts in brackets). */
export function parseTcpUrl(url: string): { host: string; port: number } {
  const m = /^tcp:\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+):([0-9]{1,5})\/?$/i.exec(url);
  if (!m) throw new PortOpenError(`'${url}' is not a tcp url: expected tcp://host:port, e.g. tcp://127.0.0.1:4001`);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new PortOpenError(`'${url}': tcp port ${m[2]} is out of range (1-65535)`);
  const host = m[1]!.startsWith('[') ? m[1]!.slice(1, -1) : m[1]!;
  return { host, port };
}

export async function openPort(url: string, options: OpenPortOptions = {}): Promise<Transport> {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'tcp') {
    const { host, port } = parseTcpUrl(url);
    return TcpTransport.connect(host, port, options);
  }
  // `serial://` spells out a device path; a one-letter "scheme" is a Windows drive.
  if (scheme && scheme !== 'serial' && scheme.length > 1) {
    const opener = schemes.get(scheme);
    if (!opener) {
      throw new PortOpenError(`'${url}': unknown port scheme '${scheme}:'`, `use a device path such as /dev/ttyACM0, or tcp://host:port${schemes.size ? `, or ${[...schemes.keys()].map((s) => s + ':').join(', ')}` : ''}`);
    }
    return opener(url, options);
  }
  const path = url.startsWith('serial://') ? url.slice('serial://'.length) : url;
  return SerialPortTransport.open({
    path,
    baudRate: options.baudRate ?? DEFAULT_BAUD,
    rtscts: options.rtscts,
    writeTimeoutMs: options.writeTimeoutMs,
    clock: options.clock,
  });
}

/**
 * Host and board in one process over the paired serial link (DESIGN.md "Transports"): the
 * client on end A and a server on end B, both through the real serialport stream code, paced
 * at a baud rate, with the link's seeded faults. Tests, the bench and in-process virtual boards
 * use it; `reconnect` brings both ends back after `link.disconnect()`.
 */
import type { Clock } from '../transport/clock.js';
import { PairedLink, type PairedLinkOptions } from '../transport/paired/paired-link.js';
import { SerialPortTransport } from '../transport/serialport.js';
import { SmpClient, type SmpClientOptions } from './client.js';
import type { ServerConnection, SmpServing } from './server/server.js';

export interface InProcessOptions extends PairedLinkOptions {
  /** Baud of both ends; default 115200. */
  baudRate?: number;
  /** Client options (version, deadlines, framing: must match the server's). */
  client?: SmpClientOptions;
  writeTimeoutMs?: number;
}

export interface InProcessLink {
  link: PairedLink;
  client: SmpClient;
  connection: ServerConnection;
  /** After a disconnect: the cable comes back, the board serves again, a new client opens. */
  reconnect(): Promise<SmpClient>;
  close(): Promise<void>;
}

export async function connectInProcess(server: SmpServing, options: InProcessOptions = {}): Promise<InProcessLink> {
  const link = new PairedLink({ clock: server.clock, ...options });
  const baudRate = options.baudRate ?? 115200;
  const clock: Clock = options.clock ?? server.clock;
  const open = (path: string): Promise<SerialPortTransport> =>
    SerialPortTransport.open({ path, baudRate, binding: link.binding, clock, writeTimeoutMs: options.writeTimeoutMs });
  const attach = async (): Promise<{ client: SmpClient; connection: ServerConnection }> => {
    const connection = server.serve(await open(link.pathB));
    const client = SmpClient.over(await open(link.pathA), { clock, ...options.client });
    return { client, connection };
  };
  let current = await attach();
  const result: InProcessLink = {
    link,
    client: current.client,
    connection: current.connection,
    async reconnect() {
      link.reconnect();
      await current.client.close().catch(() => undefined);
      await current.connection.close().catch(() => undefined);
      current = await attach();
      result.client = current.client;
      result.connection = current.connection;
      return current.client;
    },
    async close() {
      await current.client.close().catch(() => undefined);
      await current.connection.close().catch(() => undefined);
    },
  };
  return result;
}

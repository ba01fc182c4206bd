/** Serves an SMP server on a local TCP port for the length of a test file (closed after all its tests); returns the tcp:// url. */
import { afterAll } from 'vitest';
import type { SmpServer } from '../../../host/smp/server/server.js';
import { listenTcp, type TcpListener } from '../../../host/transport/tcp.js';

const listeners: TcpListener[] = [];
afterAll(async () => {
  await Promise.all(listeners.splice(0).map((l) => l.close()));
});

export async function serve(server: SmpServer): Promise<string> {
  const l = await listenTcp({}, (t) => void server.serve(t));
  listeners.push(l);
  return l.url;
}

/** Opens both ends of a paired link through the real serialport stream code. */
import { PairedLink, type PairedLinkOptions } from '../../host/transport/paired/paired-link.js';
import { SerialPortTransport } from '../../host/transport/serialport.js';
import type { Clock } from '../../host/transport/clock.js';

export async function openPair(
  options: PairedLinkOptions & { baud?: number; writeTimeoutMs?: number } = {},
): Promise<{ link: PairedLink; a: SerialPortTransport; b: SerialPortTransport }> {
  const link = new PairedLink(options);
  const baud = options.baud ?? 115200;
  const common = { baudRate: baud, binding: link.binding, writeTimeoutMs: options.writeTimeoutMs, clock: options.clock as Clock | undefined };
  const a = await SerialPortTransport.open({ path: link.pathA, ...common });
  const b = await SerialPortTransport.open({ path: link.pathB, ...common });
  return { link, a, b };
}

/** Collects everything a transport receives. */
export function collect(t: { onData(l: (c: Uint8Array) => void): () => void }): { bytes(): Uint8Array; count(): number } {
  const parts: Uint8Array[] = [];
  t.onData((c) => parts.push(Uint8Array.from(c)));
  return {
    bytes: () => Uint8Array.from(parts.flatMap((p) => [...p])),
    count: () => parts.reduce((n, p) => n + p.length, 0),
  };
}

export async function waitFor(cond: () => boolean, timeoutMs = 2000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 2));
  }
}

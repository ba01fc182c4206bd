/**
 * Finds a board's serial port from its stable USB identity among the ports present. USB
 * boards change /dev/ttyACMx when they re-enumerate (reset, power cycle, another board
 * plugged in first), so the rig looks the identity up again every time it opens the port,
 * and can wait for the port to come back after a reset.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { EnvironmentError } from '../../host/util/errors.js';
import type { PortLister, SerialPortInfo, UsbIdentity } from './types.js';

/** No port, or more than one, matches a board's USB identity. */
export class PortLookupError extends EnvironmentError {
  override name = 'PortLookupError';
  constructor(
    message: string,
    readonly matches: SerialPortInfo[],
  ) {
    super(message);
  }
}

export function describeUsbIdentity(id: UsbIdentity): string {
  const parts: string[] = [];
  if (id.byId !== undefined) parts.push(`by-id ${id.byId}`);
  if (id.serial !== undefined) parts.push(`serial ${id.serial}`);
  if (id.vendorId !== undefined) parts.push(`vid:pid ${id.vendorId}:${id.productId}`);
  if (id.location !== undefined) parts.push(`usb port ${id.location}`);
  if (id.interface !== undefined) parts.push(`interface ${id.interface}`);
  return parts.join(', ');
}

export function describePort(p: SerialPortInfo): string {
  const usb = p.vendorId ? ` ${p.vendorId}:${p.productId}${p.serialNumber ? ` serial ${p.serialNumber}` : ''}${p.interface !== undefined ? ` if${p.interface}` : ''}` : '';
  return `${p.path}${usb}`;
}

export function matchesUsbIdentity(id: UsbIdentity, p: SerialPortInfo): boolean {
  if (id.byId !== undefined && !p.byId.includes(id.byId) && p.udevId !== id.byId) return false;
  if (id.serial !== undefined && p.serialNumber !== id.serial) return false;
  if (id.vendorId !== undefined && p.vendorId !== id.vendorId) return false;
  if (id.productId !== undefined && p.productId !== id.productId) return false;
  if (id.location !== undefined && p.location !== id.location) return false;
  if (id.interface !== undefined && p.interface !== id.interface) return false;
  return true;
}

/** Whether two USB identities say the same thing (the same fields with the same values). */
export function sameUsbIdentity(a: UsbIdentity, b: UsbIdentity): boolean {
  const fields = new Set([...Object.keys(a), ...Object.keys(b)] as (keyof UsbIdentity)[]);
  return [...fields].every((k) => a[k] === b[k]);
}

/** The one port matching `id`; throws PortLookupError naming the ports present otherwise. */
export function pickUsbPort(id: UsbIdentity, ports: readonly SerialPortInfo[], who: string): SerialPortInfo {
  const matches = ports.filter((p) => matchesUsbIdentity(id, p));
  if (matches.length === 1) return matches[0]!;
  const present = ports.length === 0 ? 'no serial ports are present' : `ports present: ${ports.map(describePort).join('; ')}`;
  if (matches.length === 0) {
    throw new PortLookupError(`${who}: no serial port matches ${describeUsbIdentity(id)} (${present}). Is the board plugged in? 'suitrig ports' lists what is there.`, []);
  }
  throw new PortLookupError(
    `${who}: ${matches.length} ports match ${describeUsbIdentity(id)}: ${matches.map(describePort).join('; ')}. Add serial, interface or location to the lab file's usb: to tell them apart.`,
    matches,
  );
}

export interface LocateOptions {
  /** Keep looking this long while no port matches (a board re-enumerating after reset). Default 0. */
  waitMs?: number;
  pollMs?: number;
  signal?: AbortSignal;
}

/** Lists the ports (through `lister`) until exactly one matches `id`, or `waitMs` has passed. */
export async function locateUsbPort(id: UsbIdentity, lister: PortLister, who: string, opts: LocateOptions = {}): Promise<SerialPortInfo> {
  const deadline = Date.now() + (opts.waitMs ?? 0);
  for (;;) {
    opts.signal?.throwIfAborted();
    try {
      return pickUsbPort(id, await lister(), who);
    } catch (e) {
      // Several matches will not resolve by waiting; none may, while the board re-enumerates.
      if (!(e instanceof PortLookupError) || e.matches.length > 0 || Date.now() >= deadline) throw e;
    }
    await sleep(Math.min(opts.pollMs ?? 200, Math.max(1, deadline - Date.now())), undefined, opts.signal ? { signal: opts.signal } : {});
  }
}

/**
 * `suitrig ports` and board resolution see the same list: `serialport`'s where udev is
 * present, enriched from sysfs; sysfs and /dev/serial alone where `SerialPort.list()` fails
 * (no udevadm: `spawn udevadm ENOENT`, notes/platform.md). Ptys are never listed (they have
 * no sysfs device, and udev does not list them either): pass their path to --port.
 */
import { SerialPort } from 'serialport';
import { fromSerialportList, type SerialportListEntry } from './serialport-list.js';
import { readSysfsPorts, type SysfsRoots } from './sysfs.js';
import type { PortLister, PortListing } from './types.js';

export interface ListOptions extends SysfsRoots {
  /** Replaces `SerialPort.list()` (tests feed recorded output, or a rejection). */
  serialportList?: () => Promise<SerialportListEntry[]>;
}

export async function listPorts(opts: ListOptions = {}): Promise<PortListing> {
  const sysfs = readSysfsPorts(opts);
  const list = opts.serialportList ?? (() => SerialPort.list());
  try {
    const entries = await list();
    return { source: 'serialport', ports: fromSerialportList(entries, sysfs) };
  } catch (e) {
    return { source: 'sysfs', ports: sysfs, note: `serialport's list failed (${(e as Error).message}); read sysfs and /dev/serial instead` };
  }
}

/** A PortLister over listPorts (what the board resolver uses unless a test gives its own). */
export function portLister(opts: ListOptions = {}): PortLister {
  return async () => (await listPorts(opts)).ports;
}

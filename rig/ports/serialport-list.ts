/**
 * Ports from `serialport`'s own list (`SerialPort.list()`, which runs `udevadm info -e` on
 * Linux): path, manufacturer, serial number, VID/PID and the first by-id link (`pnpId`).
 * Anything sysfs and /dev/serial add (interface number, USB port path, product, driver,
 * every by-id link) is merged in by device path.
 */
import { basename } from 'node:path';
import type { SerialPort } from 'serialport';
import { comparePortPaths } from './sysfs.js';
import type { SerialPortInfo } from './types.js';

type PortInfo = Awaited<ReturnType<typeof SerialPort.list>>[number];

/** The shape `SerialPort.list()` resolves to (as recorded with JSON.stringify: undefined fields absent). */
export type SerialportListEntry = Partial<PortInfo> & { path: string };

function hex4(s: string | undefined): string | undefined {
  if (s === undefined) return undefined;
  const v = s.replace(/^0x/i, '').toLowerCase();
  return /^[0-9a-f]{1,4}$/.test(v) ? v.padStart(4, '0') : undefined;
}

export function fromSerialportList(entries: readonly SerialportListEntry[], extra: readonly SerialPortInfo[] = []): SerialPortInfo[] {
  const byName = new Map(extra.map((p) => [basename(p.path), p]));
  const out = entries.map((e): SerialPortInfo => {
    const more = byName.get(basename(e.path));
    const byId = new Set([...(e.pnpId ? [e.pnpId] : []), ...(more?.byId ?? [])]);
    const info: SerialPortInfo = { ...more, path: e.path, byId: [...byId], byPath: more?.byPath ?? [] };
    const vid = hex4(e.vendorId);
    const pid = hex4(e.productId);
    if (vid) info.vendorId = vid;
    if (pid) info.productId = pid;
    if (e.serialNumber) info.serialNumber = e.serialNumber;
    if (e.manufacturer) info.manufacturer = e.manufacturer;
    return info;
  });
  return out.sort((a, b) => comparePortPaths(a.path, b.path));
}

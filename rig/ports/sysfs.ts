/**
 * Serial ports read from sysfs, for machines without udev (containers, CI runners) where
 * `SerialPort.list()` fails with `spawn udevadm ENOENT` (notes/platform.md). A tty is a port
 * when /sys/class/tty/<name>/device exists (virtual consoles and ptys have none) and, for
 * 8250-style UARTs, when its `type` is not 0 (PORT_UNKNOWN: a slot with no UART behind it).
 * The USB identity comes from walking up the device's sysfs path: the interface directory
 * holds `bInterfaceNumber`, the USB device directory `idVendor`, `idProduct`, `serial`,
 * `manufacturer`, `product`, and its name is the physical port path (`1-2.3`).
 */
import { readFileSync, readdirSync, realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { readSerialLinks } from './links.js';
import type { SerialPortInfo } from './types.js';
import { udevById } from './udev-id.js';

export interface SysfsRoots {
  /** Default `/sys`. */
  sysRoot?: string;
  /** Default `/dev`. */
  devRoot?: string;
}

function readAttr(dir: string, name: string): string | undefined {
  try {
    const v = readFileSync(join(dir, name), 'utf8').trim();
    return v === '' ? undefined : v;
  } catch {
    return undefined;
  }
}

function realTarget(p: string): string | undefined {
  try {
    return realpathSync(p);
  } catch {
    return undefined;
  }
}

/** Natural order: ttyACM2 before ttyACM10. */
export function comparePortPaths(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/** What sysfs tells about the USB device behind a tty. */
type UsbAttrs = Pick<SerialPortInfo, 'vendorId' | 'productId' | 'serialNumber' | 'manufacturer' | 'product' | 'location' | 'interface'>;

function usbAttrs(deviceDir: string, sysRoot: string): UsbAttrs {
  const out: UsbAttrs = {};
  let dir = deviceDir;
  for (let depth = 0; depth < 16 && dir.startsWith(sysRoot) && dir !== sysRoot; depth++, dir = dirname(dir)) {
    if (out.interface === undefined) {
      const n = readAttr(dir, 'bInterfaceNumber');
      if (n !== undefined && /^[0-9a-fA-F]+$/.test(n)) out.interface = parseInt(n, 16);
    }
    const vid = readAttr(dir, 'idVendor');
    if (vid !== undefined) {
      out.vendorId = vid.toLowerCase();
      const pid = readAttr(dir, 'idProduct');
      if (pid !== undefined) out.productId = pid.toLowerCase();
      const serial = readAttr(dir, 'serial');
      if (serial !== undefined) out.serialNumber = serial;
      const m = readAttr(dir, 'manufacturer');
      if (m !== undefined) out.manufacturer = m;
      const p = readAttr(dir, 'product');
      if (p !== undefined) out.product = p;
      out.location = basename(dir);
      break;
    }
  }
  return out;
}

/**
 * The driver of the hardware behind a tty. Since Linux 6.5 a UART's tty device is a serial-base
 * "port" under a serial-base "ctrl" device; the UART driver (e.g. `serial` for PNP0501) sits on
 * the first ancestor outside that bus.
 */
function hardwareDriver(deviceDir: string, sysRoot: string): string | undefined {
  let dir = deviceDir;
  for (let depth = 0; depth < 4 && dir.startsWith(sysRoot) && dir !== sysRoot; depth++, dir = dirname(dir)) {
    const bus = realTarget(join(dir, 'subsystem'));
    if (bus !== undefined && basename(bus) === 'serial-base') continue;
    const driver = realTarget(join(dir, 'driver'));
    return driver && basename(driver);
  }
  return undefined;
}

/** The serial ports sysfs shows, with USB identity and by-id links where present. */
export function readSysfsPorts(roots: SysfsRoots = {}): SerialPortInfo[] {
  const sysRoot = realTarget(roots.sysRoot ?? '/sys') ?? roots.sysRoot ?? '/sys';
  const devRoot = roots.devRoot ?? '/dev';
  const classDir = join(sysRoot, 'class', 'tty');
  let names: string[];
  try {
    names = readdirSync(classDir);
  } catch {
    return [];
  }
  const links = readSerialLinks(devRoot);
  const ports: SerialPortInfo[] = [];
  for (const name of names) {
    const ttyDir = join(classDir, name);
    const device = realTarget(join(ttyDir, 'device'));
    if (!device) continue;
    if (readAttr(ttyDir, 'type') === '0') continue;
    const info: SerialPortInfo = {
      path: join(devRoot, name),
      byId: links.byId.get(name) ?? [],
      byPath: links.byPath.get(name) ?? [],
      ...usbAttrs(device, sysRoot),
    };
    const driver = hardwareDriver(device, sysRoot);
    if (driver) info.driver = driver;
    if (info.vendorId !== undefined && info.productId !== undefined) {
      const port = readAttr(device, 'port_number');
      const id = udevById({
        vendorId: info.vendorId,
        productId: info.productId,
        ...(info.manufacturer !== undefined ? { manufacturer: info.manufacturer } : {}),
        ...(info.product !== undefined ? { product: info.product } : {}),
        ...(info.serialNumber !== undefined ? { serialNumber: info.serialNumber } : {}),
        ...(info.interface !== undefined ? { interface: info.interface } : {}),
        ...(port !== undefined && /^[0-9]+$/.test(port) ? { portNumber: Number(port) } : {}),
      });
      if (id) info.udevId = id;
    }
    ports.push(info);
  }
  return ports.sort((a, b) => comparePortPaths(a.path, b.path));
}

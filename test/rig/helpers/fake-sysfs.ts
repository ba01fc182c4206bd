/**
 * Builds a fake /sys and /dev tree in a temp directory laid out like Linux's: USB devices
 * under /sys/devices/.../usbN/<port path>/<port path>:1.<if>/..., tty class links, `device`
 * and `driver` symlinks, optional udev /dev/serial/by-id links. Used to test the sysfs reader
 * on a machine with no serial hardware.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

export interface UsbTty {
  tty: string;
  /** USB port path, e.g. `1-2` or `1-4.1`. */
  location: string;
  idVendor: string;
  idProduct: string;
  serial?: string;
  manufacturer?: string;
  product?: string;
  interface: number;
  driver: string;
  /** usb-serial adapters (ttyUSB): the port device between interface and tty, with port_number. */
  usbSerialPort?: number;
}

export class FakeSysfs {
  readonly sys: string;
  readonly dev: string;
  constructor(readonly root: string) {
    this.sys = join(root, 'sys');
    this.dev = join(root, 'dev');
    mkdirSync(join(this.sys, 'class', 'tty'), { recursive: true });
    mkdirSync(join(this.sys, 'bus', 'usb', 'drivers'), { recursive: true });
    mkdirSync(this.dev, { recursive: true });
  }

  private file(path: string, content: string): void {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content + '\n');
  }

  private link(at: string, target: string): void {
    mkdirSync(dirname(at), { recursive: true });
    symlinkSync(relative(dirname(at), target), at);
  }

  private driverDir(bus: string, name: string): string {
    const d = join(this.sys, 'bus', bus, 'drivers', name);
    mkdirSync(d, { recursive: true });
    return d;
  }

  addUsb(t: UsbTty): void {
    const bus = t.location.split('-')[0];
    const devDir = join(this.sys, 'devices', 'pci0000:00', '0000:00:14.0', `usb${bus}`, t.location);
    this.file(join(devDir, 'idVendor'), t.idVendor);
    this.file(join(devDir, 'idProduct'), t.idProduct);
    if (t.serial !== undefined) this.file(join(devDir, 'serial'), t.serial);
    if (t.manufacturer !== undefined) this.file(join(devDir, 'manufacturer'), t.manufacturer);
    if (t.product !== undefined) this.file(join(devDir, 'product'), t.product);
    const intfDir = join(devDir, `${t.location}:1.${t.interface}`);
    this.file(join(intfDir, 'bInterfaceNumber'), t.interface.toString(16).padStart(2, '0'));
    let portDev = intfDir;
    if (t.usbSerialPort !== undefined) {
      portDev = join(intfDir, t.tty);
      this.file(join(portDev, 'port_number'), String(t.usbSerialPort));
      this.link(join(portDev, 'driver'), this.driverDir('usb-serial', t.driver));
    } else {
      this.link(join(intfDir, 'driver'), this.driverDir('usb', t.driver));
    }
    const classDev = join(portDev, 'tty', t.tty);
    this.file(join(classDev, 'dev'), '166:0');
    this.link(join(classDev, 'device'), portDev);
    this.link(join(this.sys, 'class', 'tty', t.tty), classDev);
    this.file(join(this.dev, t.tty), '');
  }

  /**
   * A PNP UART as Linux 6.5+ lays it out: the pnp device (driver `serial`), a serial-base ctrl
   * device, a serial-base port device the tty links to. `type` 0 means no UART behind the slot.
   */
  addUart(tty: string, type: number, index: number): void {
    const pnp = join(this.sys, 'devices', 'pnp0', `00:0${index}`);
    const ctrl = join(pnp, `00:0${index}:0`);
    const port = join(ctrl, `00:0${index}:0.0`);
    mkdirSync(port, { recursive: true });
    const bus = (name: string) => {
      const d = join(this.sys, 'bus', name);
      mkdirSync(d, { recursive: true });
      return d;
    };
    this.link(join(pnp, 'subsystem'), bus('pnp'));
    this.link(join(pnp, 'driver'), this.driverDir('pnp', 'serial'));
    this.link(join(ctrl, 'subsystem'), bus('serial-base'));
    this.link(join(ctrl, 'driver'), this.driverDir('serial-base', 'ctrl'));
    this.link(join(port, 'subsystem'), bus('serial-base'));
    this.link(join(port, 'driver'), this.driverDir('serial-base', 'port'));
    const classDev = join(port, 'tty', tty);
    this.file(join(classDev, 'type'), String(type));
    this.link(join(classDev, 'device'), port);
    this.link(join(this.sys, 'class', 'tty', tty), classDev);
  }

  /** A virtual tty (console, tty0): no device link. */
  addVirtual(tty: string): void {
    const classDev = join(this.sys, 'devices', 'virtual', 'tty', tty);
    this.file(join(classDev, 'dev'), '4:0');
    this.link(join(this.sys, 'class', 'tty', tty), classDev);
  }

  /** What udev's 60-serial.rules would add. */
  addByIdLink(name: string, tty: string, kind: 'by-id' | 'by-path' = 'by-id'): void {
    this.link(join(this.dev, 'serial', kind, name), join(this.dev, tty));
  }
}

/** The lab used across the port tests: a J-Link, an FTDI, two CH340s without serials on a hub, a 3-port probe. */
export function standardBench(root: string): FakeSysfs {
  const fs = new FakeSysfs(root);
  fs.addUsb({ tty: 'ttyACM0', location: '1-2', idVendor: '1366', idProduct: '1015', serial: '000683123456', manufacturer: 'SEGGER', product: 'J-Link', interface: 0, driver: 'cdc_acm' });
  fs.addUsb({ tty: 'ttyUSB0', location: '1-3', idVendor: '0403', idProduct: '6001', serial: 'A50285BI', manufacturer: 'FTDI', product: 'FT232R USB UART', interface: 0, driver: 'ftdi_sio', usbSerialPort: 0 });
  fs.addUsb({ tty: 'ttyUSB1', location: '1-4.1', idVendor: '1a86', idProduct: '7523', product: 'USB Serial', interface: 0, driver: 'ch341-uart', usbSerialPort: 0 });
  fs.addUsb({ tty: 'ttyUSB2', location: '1-4.2', idVendor: '1a86', idProduct: '7523', product: 'USB Serial', interface: 0, driver: 'ch341-uart', usbSerialPort: 0 });
  fs.addUsb({ tty: 'ttyACM1', location: '1-5', idVendor: '1366', idProduct: '1055', serial: '001050012345', manufacturer: 'SEGGER', product: 'J-Link', interface: 0, driver: 'cdc_acm' });
  fs.addUsb({ tty: 'ttyACM2', location: '1-5', idVendor: '1366', idProduct: '1055', serial: '001050012345', manufacturer: 'SEGGER', product: 'J-Link', interface: 2, driver: 'cdc_acm' });
  fs.addUart('ttyS0', 4, 0);
  fs.addUart('ttyS1', 0, 1);
  fs.addVirtual('tty0');
  fs.addVirtual('console');
  return fs;
}

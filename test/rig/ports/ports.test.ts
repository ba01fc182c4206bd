import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listPorts, portLister } from '../../../rig/ports/list.js';
import { PortLookupError, locateUsbPort, pickUsbPort } from '../../../rig/ports/locate.js';
import { fromSerialportList, type SerialportListEntry } from '../../../rig/ports/serialport-list.js';
import { readSysfsPorts } from '../../../rig/ports/sysfs.js';
import type { SerialPortInfo } from '../../../rig/ports/types.js';
import { udevById } from '../../../rig/ports/udev-id.js';
import { standardBench } from '../helpers/fake-sysfs.js';
import { tempDir } from '../helpers/lab-files.js';
import recorded from '../fixtures/serialport-list-linux.json' with { type: 'json' };

const RECORDED = recorded.list as SerialportListEntry[];

describe('udev-style by-id names', () => {
  it('match the names udev gives well-known adapters', () => {
    expect(udevById({ vendorId: '1366', productId: '1015', manufacturer: 'SEGGER', product: 'J-Link', serialNumber: '000683123456', interface: 0 })).toBe('usb-SEGGER_J-Link_000683123456-if00');
    expect(udevById({ vendorId: '0403', productId: '6001', manufacturer: 'FTDI', product: 'FT232R USB UART', serialNumber: 'A50285BI', interface: 0, portNumber: 0 })).toBe('usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0');
    // no manufacturer string: udev falls back to the vendor id
    expect(udevById({ vendorId: '1a86', productId: '7523', product: 'USB Serial', interface: 0, portNumber: 0 })).toBe('usb-1a86_USB_Serial-if00-port0');
    expect(udevById({ vendorId: '2fe3', productId: '0100', manufacturer: '  ZEPHYR  Project ', product: 'USB/ACM (CDC)', interface: 10 })).toBe('usb-ZEPHYR_Project_USB_ACM__CDC_-if0a');
  });
});

describe('sysfs port reader (no udev)', () => {
  it('lists hardware ttys with their USB identity and skips virtual ttys and empty UART slots', () => {
    const bench = standardBench(tempDir());
    const ports = readSysfsPorts({ sysRoot: bench.sys, devRoot: bench.dev });
    expect(ports.map((p) => p.path.slice(bench.dev.length + 1))).toEqual(['ttyACM0', 'ttyACM1', 'ttyACM2', 'ttyS0', 'ttyUSB0', 'ttyUSB1', 'ttyUSB2']);
    const acm0 = ports.find((p) => p.path.endsWith('ttyACM0'))!;
    expect(acm0).toEqual({
      path: join(bench.dev, 'ttyACM0'),
      byId: [],
      byPath: [],
      vendorId: '1366',
      productId: '1015',
      serialNumber: '000683123456',
      manufacturer: 'SEGGER',
      product: 'J-Link',
      location: '1-2',
      interface: 0,
      driver: 'cdc_acm',
      udevId: 'usb-SEGGER_J-Link_000683123456-if00',
    });
    const usb0 = ports.find((p) => p.path.endsWith('ttyUSB0'))!;
    expect(usb0).toMatchObject({ driver: 'ftdi_sio', location: '1-3', udevId: 'usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0' });
    const usb2 = ports.find((p) => p.path.endsWith('ttyUSB2'))!;
    expect(usb2.location).toBe('1-4.2');
    expect('serialNumber' in usb2).toBe(false);
    expect(ports.find((p) => p.path.endsWith('ttyACM2'))).toMatchObject({ interface: 2, udevId: 'usb-SEGGER_J-Link_001050012345-if02' });
    expect(ports.find((p) => p.path.endsWith('ttyS0'))).toEqual({ path: join(bench.dev, 'ttyS0'), byId: [], byPath: [], driver: 'serial' });
  });

  it('adds /dev/serial/by-id and by-path links when udev made them', () => {
    const bench = standardBench(tempDir());
    bench.addByIdLink('usb-SEGGER_J-Link_000683123456-if00', 'ttyACM0');
    bench.addByIdLink('pci-0000:00:14.0-usb-0:2:1.0', 'ttyACM0', 'by-path');
    const acm0 = readSysfsPorts({ sysRoot: bench.sys, devRoot: bench.dev }).find((p) => p.path.endsWith('ttyACM0'))!;
    expect(acm0.byId).toEqual(['usb-SEGGER_J-Link_000683123456-if00']);
    expect(acm0.byPath).toEqual(['pci-0000:00:14.0-usb-0:2:1.0']);
  });

  it('gives an empty list when there is no sysfs to read', () => {
    expect(readSysfsPorts({ sysRoot: join(tempDir(), 'nothing'), devRoot: '/nonexistent' })).toEqual([]);
  });
});

describe('listPorts: serialport where udev is present, sysfs where not', () => {
  it('uses recorded SerialPort.list() output, enriched from sysfs by device path', async () => {
    const bench = standardBench(tempDir());
    const entries = RECORDED.map((e) => ({ ...e, path: e.path.replace('/dev', bench.dev) }));
    const listing = await listPorts({ sysRoot: bench.sys, devRoot: bench.dev, serialportList: async () => entries });
    expect(listing.source).toBe('serialport');
    expect(listing.note).toBeUndefined();
    // udev lists the empty ttyS1 slot; serialport's list is taken as the truth for what exists
    expect(listing.ports).toHaveLength(8);
    const acm2 = listing.ports.find((p) => p.path.endsWith('ttyACM2'))!;
    expect(acm2).toMatchObject({ byId: ['usb-SEGGER_J-Link_001050012345-if02'], interface: 2, location: '1-5', serialNumber: '001050012345', driver: 'cdc_acm' });
  });

  it('falls back to sysfs when SerialPort.list() rejects (spawn udevadm ENOENT), saying so', async () => {
    const bench = standardBench(tempDir());
    const enoent = Object.assign(new Error('spawn udevadm ENOENT'), { code: 'ENOENT' });
    const listing = await listPorts({ sysRoot: bench.sys, devRoot: bench.dev, serialportList: async () => Promise.reject(enoent) });
    expect(listing.source).toBe('sysfs');
    expect(listing.note).toMatch(/spawn udevadm ENOENT.*sysfs/);
    expect(listing.ports).toHaveLength(7);
  });

  it('serialport entries without sysfs data keep what the list gave (hex ids normalised)', () => {
    const ports = fromSerialportList([{ path: '/dev/ttyACM5', vendorId: '0x2FE3', productId: '100', serialNumber: 'X' }]);
    expect(ports).toEqual([{ path: '/dev/ttyACM5', byId: [], byPath: [], vendorId: '2fe3', productId: '0100', serialNumber: 'X' }]);
  });

  it('on this machine (no udev) the real list call falls back or succeeds, never throws', async () => {
    const listing = await listPorts();
    expect(['serialport', 'sysfs']).toContain(listing.source);
    for (const p of listing.ports) expect(p.path).toMatch(/^\/dev\//);
  });
});

describe('finding a board by USB identity', () => {
  const bench = standardBench(tempDir());
  const ports = readSysfsPorts({ sysRoot: bench.sys, devRoot: bench.dev });
  const name = (p: SerialPortInfo) => p.path.slice(bench.dev.length + 1);

  it('matches on serial, VID:PID, by-id (real or udev-style), location and interface', () => {
    expect(name(pickUsbPort({ serial: '000683123456' }, ports, 'b'))).toBe('ttyACM0');
    expect(name(pickUsbPort({ vendorId: '0403', productId: '6001' }, ports, 'b'))).toBe('ttyUSB0');
    expect(name(pickUsbPort({ byId: 'usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0' }, ports, 'b'))).toBe('ttyUSB0');
    expect(name(pickUsbPort({ vendorId: '1a86', productId: '7523', location: '1-4.2' }, ports, 'b'))).toBe('ttyUSB2');
    expect(name(pickUsbPort({ serial: '001050012345', interface: 2 }, ports, 'b'))).toBe('ttyACM2');
  });

  it('names the identity and the ports present when nothing matches, and the candidates when several do', () => {
    expect(() => pickUsbPort({ serial: '999' }, ports, "board 'nrf-9'")).toThrow(/board 'nrf-9': no serial port matches serial 999 \(ports present: .*ttyACM0 1366:1015 serial 000683123456 if0/);
    expect(() => pickUsbPort({ serial: '1' }, [], 'b')).toThrow(/no serial ports are present/);
    try {
      pickUsbPort({ vendorId: '1a86', productId: '7523' }, ports, 'b');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(PortLookupError);
      expect((e as PortLookupError).matches.map(name)).toEqual(['ttyUSB1', 'ttyUSB2']);
      expect((e as Error).message).toMatch(/2 ports match vid:pid 1a86:7523.*Add serial, interface or location/);
    }
  });

  it('finds the board again after it re-enumerates under another name', async () => {
    // the board vanishes during reset, then comes back as ttyACM3
    const moved = ports.map((p) => (name(p) === 'ttyACM0' ? { ...p, path: join(bench.dev, 'ttyACM3') } : p));
    const script = [ports.filter((p) => name(p) !== 'ttyACM0'), ports.filter((p) => name(p) !== 'ttyACM0'), moved];
    let calls = 0;
    const lister = async () => script[Math.min(calls++, script.length - 1)]!;
    const found = await locateUsbPort({ serial: '000683123456' }, lister, 'b', { waitMs: 5000, pollMs: 5 });
    expect(name(found)).toBe('ttyACM3');
    expect(calls).toBe(3);
  });

  it('gives up after waitMs with the not-found error', async () => {
    const start = Date.now();
    await expect(locateUsbPort({ serial: 'gone' }, async () => ports, 'b', { waitMs: 60, pollMs: 10 })).rejects.toThrow(/no serial port matches serial gone/);
    expect(Date.now() - start).toBeGreaterThanOrEqual(50);
  });

  it('portLister reads the same list', async () => {
    const lister = portLister({ sysRoot: bench.sys, devRoot: bench.dev, serialportList: async () => Promise.reject(new Error('spawn udevadm ENOENT')) });
    expect((await lister()).map(name)).toEqual(ports.map(name));
  });
});

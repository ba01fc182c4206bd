/**
 * A board's console in the lab file: `console:` gives a board on a real port a console port of
 * its own (a device path or tcp url, or `{port, baud}`, or `{usb, baud}`: its adapter found by
 * its USB identity, as a board's `usb:` is), and `qemu: console-uart: N` names the
 * guest UART a QEMU board prints its console on. What a good entry becomes, and every mistake
 * reported with its line, column and field.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { parseLab } from '../../../rig/lab/load.js';
import { labIssues, tempDir, writeFile } from '../helpers/lab-files.js';

let dir: string;
beforeAll(() => {
  dir = tempDir();
  writeFile(dir, 'fw/mcuboot.hex', ':00000001FF\n');
  writeFile(dir, 'fw/zephyr.exe', new Uint8Array(16));
});

const parse = (text: string) => parseLab(text, `${dir}/rig.yaml`);
const issues = (text: string) => labIssues(text, dir).map((i) => `${i.line}:${i.col} ${i.path}: ${i.message}`);

describe('lab file: console ports', () => {
  it('reads a serial console port with its baud, a tcp one, and the short form; relative paths from the lab folder', () => {
    const lab = parse(
      [
        'defaults: { baud: 1000000 }',
        'boards:',
        '  a:',
        '    port: /dev/ttyACM0',
        '    console: { port: /dev/ttyUSB1, baud: 115200 }',
        '  b:',
        '    port: tcp://lab-pi:4001',
        '    console: tcp://lab-pi:4002',
        '  c:',
        '    usb: { serial: "0001" }',
        '    console: { port: dev/console-c }',
        '  d:',
        '    port: /dev/ttyACM3',
        '  e:',
        '    usb: { serial: "0001", interface: 0 }',
        '    console: { usb: { serial: "0001", interface: 2 }, baud: 115200 }',
        '  f:',
        '    port: tcp://lab-pi:4001',
        '    console: { usb: { vid-pid: "0403:6001", location: 1-2.3 } }',
        '',
      ].join('\n'),
    );
    const byName = new Map(lab.boards.map((b) => [b.name, b]));
    expect(byName.get('a')!.console).toEqual({ kind: 'serial', path: '/dev/ttyUSB1', baud: 115200 });
    expect(byName.get('b')!.console).toEqual({ kind: 'tcp', url: 'tcp://lab-pi:4002', host: 'lab-pi', port: 4002 });
    expect(byName.get('c')!.console).toEqual({ kind: 'serial', path: `${dir}/dev/console-c` });
    expect(byName.get('d')!.console).toBeUndefined();
    expect(byName.get('e')!.console).toEqual({ kind: 'usb', usb: { serial: '0001', interface: 2 }, baud: 115200 });
    expect(byName.get('f')!.console).toEqual({ kind: 'usb', usb: { vendorId: '0403', productId: '6001', location: '1-2.3' } });
  });

  it('reports each mistake with its place', () => {
    expect(
      issues(
        [
          'boards:',
          '  a:',
          '    port: /dev/ttyACM0',
          '    console: { baud: 9600 }',
          '  b:',
          '    port: /dev/ttyACM1',
          '    console: { port: /dev/ttyUSB1, baud: 12 }',
          '  c:',
          '    port: tcp://h:1',
          '    console: { port: tcp://h:2, baud: 115200 }',
          '  d:',
          '    port: /dev/ttyACM2',
          '    console: /dev/ttyACM2',
          '  e:',
          '    port: /dev/ttyACM3',
          '    console: ftp://h/x',
          '  f:',
          '    port: /dev/ttyACM4',
          '    console: { port: /dev/ttyUSB4, speed: 9600 }',
          '  g:',
          '    port: /dev/ttyACM5',
          '    console: other-board',
          '  h:',
          '    usb: { serial: "0007" }',
          '    console: { usb: { serial: "0007" } }',
          '  i:',
          '    port: /dev/ttyACM6',
          '    console: { port: /dev/ttyUSB6, usb: { serial: "0008" } }',
          '  j:',
          '    port: tcp://h:3',
          '    console: { usb: { product: x } }',
          '',
        ].join('\n'),
      ),
    ).toEqual([
      '4:14 boards.a.console: console: needs port: (a device path such as /dev/ttyUSB1, or tcp://host:port) or usb: (the USB identity of its adapter)',
      '7:42 boards.b.console.baud: expected a baud rate from 300 to 12000000, got 12',
      "10:14 boards.c.console: baud: is for a serial console port; tcp://h:2 carries no line rate",
      "13:14 boards.d.console: the console port /dev/ttyACM2 is the board's SMP port: leave console: out when the console shares the SMP port (its text between SMP frames is read)",
      "16:14 boards.e.console: 'ftp://h/x': unsupported port url scheme; expected a device path, tcp://host:port or virtual",
      "19:36 boards.f.console.speed: unknown field 'speed'; expected one of: port, usb, baud",
      "22:14 boards.g.console: 'other-board' is not a console port: expected a device path such as /dev/ttyUSB1, or tcp://host:port",
      "25:21 boards.h.console.usb: the console port's USB identity is the board's SMP port's: leave console: out when the console shares the SMP port (its text between SMP frames is read)",
      '28:41 boards.i.console.usb: console: give either port: or usb:, not both (usb: finds the console port by its USB identity)',
      '31:21 boards.j.console.usb: usb needs at least one of by-id, serial, vid-pid, location',
      "31:23 boards.j.console.usb.product: unknown field 'product'; expected one of: by-id, serial, vid-pid, location, interface",
    ]);
  });

  it('virtual and emulated boards have no console port: each is told where its console is', () => {
    expect(
      issues(
        [
          'boards:',
          '  v:',
          '    port: virtual',
          '    console: /dev/ttyUSB1',
          '  q:',
          '    port: qemu',
          '    qemu: { machine: mps2-an385, images: [fw/mcuboot.hex] }',
          '    console: tcp://h:2',
          '  s:',
          '    port: native-sim',
          '    native-sim: { program: fw/zephyr.exe }',
          '    console: /dev/ttyUSB2',
          '',
        ].join('\n'),
      ),
    ).toEqual([
      '4:14 boards.v.console: console: is for boards on a real port; a virtual board prints its console between SMP frames on its link',
      "8:14 boards.q.console: console: is for boards on a real port; a QEMU board's console is a guest UART the rig binds itself: qemu: console-uart: N",
      "12:14 boards.s.console: console: is for boards on a real port; the rig reads a native_sim board's console from its stdout",
    ]);
  });
});

describe('lab file: the console UART of a QEMU board', () => {
  it('reads console-uart: 1 to 3, and refuses the SMP UART or one QEMU does not have', () => {
    const qemu = (n: string) => ['boards:', '  q:', '    port: qemu', `    qemu: { machine: mps2-an385, images: [fw/mcuboot.hex], console-uart: ${n} }`, ''].join('\n');
    const spec = parse(qemu('1')).boards[0]!.port;
    expect(spec).toMatchObject({ kind: 'emulator', emulator: { kind: 'qemu', consoleUart: 1 } });
    const uart = 'expected the number of the guest UART its console is on (a QEMU -serial index; 0 is the SMP UART) from 1 to 3';
    expect(issues(qemu('0'))).toEqual([`4:74 boards.q.qemu.console-uart: ${uart}, got 0`]);
    expect(issues(qemu('4'))).toEqual([`4:74 boards.q.qemu.console-uart: ${uart}, got 4`]);
    expect(issues(qemu('two'))[0]).toMatch(/^4:74 boards\.q\.qemu\.console-uart: expected the number of the guest UART/);
  });
});

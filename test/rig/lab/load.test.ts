import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LabError, findLabFile, loadLab, parseLab } from '../../../rig/lab/load.js';
import { labIssues, tempDir, writeExampleLabFiles, writeFile, writePublicKey } from '../helpers/lab-files.js';

const EXAMPLE = new URL('../../../rig/lab/example.rig.yaml', import.meta.url);

const issuesOf = labIssues;

describe('lab file: the shipped example', () => {
  it('validates and gives each board what the README says', () => {
    const dir = tempDir();
    writeExampleLabFiles(dir);
    copyFileSync(EXAMPLE, join(dir, 'rig.yaml'));
    const lab = loadLab(join(dir, 'rig.yaml'));
    expect(lab.boards.map((b) => b.name)).toEqual(['nrf52840dk-1', 'stm32f4-disco', 'remote-1', 'virt-never-revert', 'qemu-an385', 'zephyr-sim']);
    const [nrf, stm, remote, virt, qemu, sim] = lab.boards;
    expect(nrf!.port).toEqual({ kind: 'usb', usb: { serial: '000683123456', vendorId: '1366', productId: '1015', interface: 0 } });
    expect(nrf!.baud).toBe(1_000_000);
    expect(nrf!.reset).toEqual({ method: 'dtr', pulseMs: 100, waitMs: 800, invert: false });
    expect(nrf!.power?.on).toEqual({ shell: 'uhubctl --location 1-2 --ports 3 --action on', cwd: dir });
    expect(nrf!.power?.off).toEqual({ argv: ['uhubctl', '--location', '1-2', '--ports', '3', '--action', 'off'], cwd: dir });
    expect(nrf!.knownGood).toBe(join(dir, 'images/nrf52840-app-1.0.0.signed.bin'));
    expect(Object.keys(nrf!.apps)).toEqual(['healthy', 'crashes']);
    expect(nrf!.trust.map((a) => a.role)).toEqual(['author', 'operator']);
    expect(nrf!.require).toEqual(['author', 'operator']);
    expect(nrf!.identity?.deviceId).toBe('8d82573a-926d-4754-9353-32dc29997f74');
    expect(nrf!.source.line).toBeGreaterThan(10);
    // defaults apply where the board is silent
    expect(stm!.baud).toBe(115200);
    expect(stm!.require).toEqual(['author']);
    expect(stm!.port).toEqual({ kind: 'usb', usb: { byId: 'usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0' } });
    expect(stm!.reset).toMatchObject({ method: 'command', command: { shell: 'openocd -f board/stm32f4discovery.cfg -c "init; reset run; exit"' }, timeoutMs: 20000 });
    expect(stm!.identity).toEqual({ vendorId: 'fa6b4a53-d5ad-5fdf-be9d-e663e4d41ffe', classId: '1492af14-2569-5e48-bf42-9b2d51f2ab45' });
    expect(remote!.port).toEqual({ kind: 'tcp', url: 'tcp://lab-pi.local:4001', host: 'lab-pi.local', port: 4001 });
    expect(remote!.reset).toEqual({ method: 'smp' });
    expect(remote!.smp).toEqual({ framing: 'raw' });
    // consoles on ports of their own
    expect(remote!.console).toEqual({ kind: 'tcp', url: 'tcp://lab-pi.local:4002', host: 'lab-pi.local', port: 4002 });
    expect(stm!.console).toEqual({ kind: 'usb', usb: { serial: 'A50285BJ' }, baud: 115200 });
    expect(nrf!.console).toBeUndefined();
    expect(nrf!.smp).toBeUndefined();
    // a profile may be named by its part (nrf52840 for nrf52840-like)
    expect(virt!.port).toEqual({ kind: 'virtual', virtual: { profile: 'nrf52840-like', quirks: ['never-revert'] } });
    // boards in an emulator the rig starts; their images and state relative to the lab file
    expect(qemu!.port).toMatchObject({ kind: 'emulator', emulator: { kind: 'qemu', machine: 'mps2-an385', images: [{ file: join(dir, 'firmware/mcuboot.hex') }, { file: join(dir, 'firmware/app.signed.bin'), addr: 0x20050000 }], consoleUart: 1 } });
    expect(sim!.port).toEqual({ kind: 'emulator', emulator: { kind: 'native-sim', program: join(dir, 'firmware/zephyr.exe'), runner: ['qemu-i386-static'], args: [], state: join(dir, 'sim-state') } });
  });

  it('is the example the README shows', () => {
    const readme = readFileSync(new URL('../../../rig/lab/README.md', import.meta.url), 'utf8');
    expect(readme).toContain(readFileSync(EXAMPLE, 'utf8').trim());
  });
});

describe('lab file: errors name line and field, all at once', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
    writePublicKey(dir, 'author.pub.pem');
  });

  it('reports every mistake in one go, sorted by line', () => {
    const text = [
      'boards:', //                                 1
      '  a:', //                                    2
      '    port: /dev/ttyACM0', //                  3
      '    baudrate: 115200', //                    4  unknown field, did you mean baud
      '  b:', //                                    5
      '    port: tcp://host:4001', //               6
      '    reset: { method: dtr }', //              7  dtr over tcp
      '  c:', //                                    8
      '    usb: { vid-pid: "13661015" }', //        9  bad vid:pid
      '    baud: fast', //                          10 not an integer
      '    known-good: nowhere.bin', //             11 missing file
      '    trust: [author=author.pub.pem, operator=missing.pem]', // 12 missing key
      '    require: [author, operator]', //         13 (no cascade from the failed key)
      '    identity: { vendor-id: not-a-uuid }', // 14
      '  d:', //                                    15
      '    tags: [x]', //                           16 no port
      '  e:', //                                    17
      '    port: virtual', //                       18
      '    trust: author.pub.pem', //               19
      '    require: operator', //                   20 operator has no anchor
    ].join('\n');
    const issues = issuesOf(text, dir);
    const at = (line: number) => issues.filter((i) => i.line === line);
    expect(at(4)[0]).toMatchObject({ path: 'boards.a.baudrate', col: 5 });
    expect(at(4)[0]!.message).toMatch(/unknown field 'baudrate' \(did you mean 'baud'\?\)/);
    expect(at(6)).toEqual([]);
    expect(at(7)[0]!.message).toMatch(/dtr needs a serial line/);
    expect(at(9)[0]!.message).toMatch(/VID:PID/);
    expect(at(10)[0]).toMatchObject({ path: 'boards.c.baud', col: 11 });
    expect(at(11)[0]!.message).toMatch(/known-good image 'nowhere.bin' does not exist/);
    expect(at(12)[0]!.message).toMatch(/missing.pem.*no such file/);
    // the operator key failed to load: that error is reported, not a second one about the role
    expect(at(13)).toEqual([]);
    expect(at(14)[0]).toMatchObject({ path: 'boards.c.identity.vendor-id' });
    expect(at(16).length + at(15).length).toBe(1);
    expect(issues.find((i) => i.path === 'boards.d')?.message).toMatch(/needs port:/);
    expect(at(20)[0]!.message).toMatch(/require names role 'operator' but no trust anchor has that role \(trust: author=author.pub.pem\)/);
    const lines = issues.map((i) => i.line);
    expect(lines).toEqual([...lines].sort((x, y) => x - y));
  });

  it('formats the LabError message with file:line:col and the field path', () => {
    try {
      parseLab('boards:\n  a:\n    port: /dev/x\n    baud: 12\n', 'lab/rig.yaml');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(LabError);
      expect((e as Error).message).toBe('lab/rig.yaml: 1 problem\n  lab/rig.yaml:4:11  boards.a.baud: expected a baud rate from 300 to 12000000, got 12');
    }
  });

  it('reports YAML syntax errors and duplicate keys with their lines', () => {
    const issues = issuesOf('boards:\n  a:\n    port: /dev/x\n  a:\n    port: /dev/y\n  b: [unclosed\n', dir);
    expect(issues.some((i) => i.line === 4 && /unique/.test(i.message))).toBe(true);
    expect(issues.length).toBeGreaterThanOrEqual(2);
  });

  it('rejects unsupported versions, reserved names, empty and multi-document files', () => {
    expect(issuesOf('version: 2\nboards:\n  a: {port: virtual}\n', dir)[0]!.message).toMatch(/version 2 is not supported/);
    expect(issuesOf('boards:\n  virtual: {port: virtual}\n', dir)[0]!.message).toMatch(/reserved/);
    expect(issuesOf('', dir)[0]!.message).toMatch(/empty/);
    expect(issuesOf('boards:\n  a: {port: virtual}\n---\nboards: {}\n', dir)[0]!.message).toMatch(/one YAML document/);
    expect(issuesOf('boards: {}\n', dir)[0]!.message).toMatch(/names no board/);
    expect(issuesOf('boards:\n  a: {port: "tcp://h:99999"}\n', dir)[0]!.message).toMatch(/tcp port 99999 is out of range/);
    expect(issuesOf('boards:\n  a: {port: "ttyACM0"}\n', dir)[0]!.message).toMatch(/expected a device path such as \/dev\/ttyACM0/);
    expect(issuesOf('board:\n  a: {port: virtual}\n', dir).map((i) => i.message).join('\n')).toMatch(/did you mean 'boards'/);
  });

  it('refuses a lab file nested 50,000 deep with the nesting limit, not a stack overflow', () => {
    const flow = issuesOf(`boards:\n  a: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`, dir);
    expect(flow).toEqual([{ line: 2, col: 68, path: '', message: 'mappings and lists nest deeper than 64 levels, the limit for the lab file' }]);
    const block = issuesOf(Array.from({ length: 5_000 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n') + ' 1\n', dir);
    expect(block.map((i) => i.message)).toEqual(['mappings and lists nest deeper than 64 levels, the limit for the lab file']);
  });

  it('checks per-method reset fields and power commands', () => {
    const issues = issuesOf(
      [
        'boards:',
        '  a:',
        '    port: /dev/x',
        '    reset: { method: smp, pulse-ms: 5 }',
        '  b:',
        '    port: /dev/y',
        '    reset: { method: command }',
        '    power: { on: "relay 1 on" }',
        '  c:',
        '    port: /dev/z',
        '    reset: reboot',
      ].join('\n'),
      dir,
    );
    expect(issues.find((i) => i.line === 4)!.message).toMatch(/unknown field 'pulse-ms'/);
    expect(issues.find((i) => i.line === 7)!.message).toMatch(/needs a command/);
    expect(issues.find((i) => i.line === 8)!.message).toMatch(/both on: and off:.*missing off/);
    expect(issues.find((i) => i.line === 11)!.message).toMatch(/expected one of smp, dtr, rts, command, got 'reboot'/);
  });

  it('rejects port and usb together, and virtual: on a non-virtual port', () => {
    const issues = issuesOf('boards:\n  a:\n    port: /dev/x\n    usb: {serial: "1"}\n  b:\n    port: /dev/y\n    virtual: {profile: p}\n', dir);
    expect(issues.map((i) => [i.line, i.message])).toEqual([
      [4, expect.stringMatching(/either port: or usb:/)],
      [7, expect.stringMatching(/only to boards with port: virtual/)],
    ]);
  });

  it('follows aliases and << merge keys, explicit keys winning', () => {
    const text = 'common: &c\n  baud: 9600\n  reset: { method: rts, pulse-ms: 20 }\nboards:\n  a:\n    <<: *c\n    port: /dev/x\n    baud: 19200\n';
    // top-level `common` is not a lab field: the error proves unknown keys are still caught
    expect(issuesOf(text, dir)[0]!.message).toMatch(/unknown field 'common'/);
    const lab = parseLab('defaults: &c\n  baud: 9600\n  reset: { method: rts, pulse-ms: 20 }\nboards:\n  a:\n    <<: *c\n    port: /dev/x\n    baud: 19200\n', join(dir, 'rig.yaml'));
    expect(lab.boards[0]!.baud).toBe(19200);
    expect(lab.boards[0]!.reset).toEqual({ method: 'rts', pulseMs: 20, waitMs: 500, invert: false });
  });

  it('keeps leading zeros of USB serials and relative serial paths anchor at the lab file', () => {
    const lab = parseLab('boards:\n  a:\n    usb: { serial: 000123, location: 1-2.3 }\n  b:\n    port: ./ttyV0\n', join(dir, 'rig.yaml'));
    expect(lab.boards[0]!.port).toEqual({ kind: 'usb', usb: { serial: '000123', location: '1-2.3' } });
    expect(lab.boards[1]!.port).toEqual({ kind: 'serial', path: join(dir, 'ttyV0') });
  });

  it('reads identity files and reports their problems at the identity field', () => {
    writeFile(dir, 'bad-id.json', '{"vendor-id": "x", "colour": 1}');
    const issues = issuesOf('boards:\n  a:\n    port: virtual\n    identity: bad-id.json\n', dir);
    expect(issues.map((i) => i.line)).toEqual([4, 4]);
    expect(issues.map((i) => i.message).join('\n')).toMatch(/'vendor-id': expected a UUID[\s\S]*'colour': unknown field/);
  });
});

describe('findLabFile', () => {
  it('uses --lab when given, else ./rig.yaml only when present', () => {
    const dir = tempDir();
    expect(findLabFile(dir)).toBeUndefined();
    expect(findLabFile(dir, 'other.yaml')).toBe(join(dir, 'other.yaml'));
    writeFile(dir, 'rig.yaml', 'boards: {}\n');
    expect(findLabFile(dir)).toBe(join(dir, 'rig.yaml'));
  });
});

describe('lab file: virtual boards and signing keys', () => {
  it('names an unknown profile or quirk with what is known, and checks signing keys load', async () => {
    const { parseLab } = await import('../../../rig/lab/load.js');
    const text = ['boards:', '  v:', '    port: virtual', '    virtual: { profile: nrf9999, quirks: [never-revrt] }', '    keys: { author: nowhere.pem }'].join('\n');
    let err: Error | undefined;
    try {
      parseLab(text, '/lab/rig.yaml');
    } catch (e) {
      err = e as Error;
    }
    expect(err?.message).toMatch(/rig\.yaml:4:\d+ +boards\.v\.virtual\.profile: unknown virtual board profile 'nrf9999'; known: nrf52840-like, stm32f4-like, k64f-like/);
    expect(err?.message).toMatch(/rig\.yaml:4:\d+ +boards\.v\.virtual\.quirks: unknown quirk 'never-revrt' \(did you mean 'never-revert'\?\)/);
    expect(err?.message).toMatch(/rig\.yaml:5:\d+ +boards\.v\.keys\.author: signing key 'author' 'nowhere\.pem' does not exist/);
  });
});

describe('lab file: decryption keys', () => {
  it('loads decrypt-keys (a string or a list) into the board, and names a file that is no key', () => {
    const dir = tempDir();
    writeFile(dir, 'kek.key', Buffer.alloc(16, 7));
    writeFile(dir, 'not-a-key.txt', 'hello');
    const lab = parseLab(['boards:', '  a:', '    port: virtual', '    decrypt-keys: kek.key', '  b:', '    port: virtual', '    decrypt-keys: [kek.key, kek.key]'].join('\n'), join(dir, 'rig.yaml'));
    expect(lab.boards.map((b) => b.decrypt?.map((k) => [k.kind, k.secret.length]))).toEqual([[['kek', 16]], [['kek', 16], ['kek', 16]]]);
    const issues = issuesOf('boards:\n  a:\n    port: virtual\n    decrypt-keys: not-a-key.txt\n', dir);
    expect(issues.map((i) => [i.line, i.message])).toEqual([[4, expect.stringMatching(/not-a-key\.txt: not an encryption key \(5 bytes\)/)]]);
  });
});

import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EnvironmentError, UsageError } from '../../../rig/cli/command.js';
import { LabError } from '../../../rig/lab/load.js';
import { labFor, parseBaud, relocateTarget, resolveBoardWord, resolvePortOption } from '../../../rig/lab/resolve.js';
import { selectBoards } from '../../../rig/lab/select.js';
import { readSysfsPorts } from '../../../rig/ports/sysfs.js';
import type { PortLister, SerialPortInfo } from '../../../rig/ports/types.js';
import { standardBench } from '../helpers/fake-sysfs.js';
import { tempDir, writeFile } from '../helpers/lab-files.js';

let dir: string;
let ports: SerialPortInfo[];
let lister: PortLister;
let devDir: string;

beforeAll(() => {
  dir = tempDir();
  const bench = standardBench(join(dir, 'bench'));
  devDir = bench.dev;
  ports = readSysfsPorts({ sysRoot: bench.sys, devRoot: bench.dev });
  lister = async () => ports;
  writeFile(
    dir,
    'rig.yaml',
    [
      'defaults: { baud: 1000000 }',
      'boards:',
      '  nrf-1:',
      '    tags: [nrf52840, suit]',
      '    usb: { serial: "000683123456" }',
      '  ftdi:',
      '    tags: [stm32, mcuboot]',
      '    baud: 9600',
      `    port: ${join(devDir, 'ttyUSB0')}`,
      '  remote:',
      '    tags: [nrf52840]',
      '    port: tcp://10.0.0.7:4001',
      '  virt:',
      '    tags: [virtual, suit]',
      '    port: virtual',
      '    virtual: { profile: nrf52840, quirks: [accept-rollback] }',
      '  alias-of-ftdi:',
      '    tags: [dup]',
      `    port: ${join(devDir, 'ttyUSB0')}`,
    ].join('\n'),
  );
});

describe('resolvePortOption: --port <url|name> --lab --baud', () => {
  it('resolves a lab board name to the path its USB identity has now, with the lab baud', async () => {
    const r = await resolvePortOption({ port: 'nrf-1', cwd: dir, lister });
    expect(r.name).toBe('nrf-1');
    expect(r.target).toEqual({ kind: 'serial', url: join(devDir, 'ttyACM0'), path: join(devDir, 'ttyACM0'), baud: 1_000_000, usb: { serial: '000683123456' } });
    expect(r.board?.tags).toEqual(['nrf52840', 'suit']);
  });

  it('--baud wins over the lab; the board baud over the defaults', async () => {
    expect((await resolvePortOption({ port: 'nrf-1', baud: '115200', cwd: dir, lister })).target.baud).toBe(115200);
    expect((await resolvePortOption({ port: 'ftdi', cwd: dir, lister })).target.baud).toBe(9600);
  });

  it('takes device paths, tcp urls and virtual without a lab file, at 115200 by default', async () => {
    const empty = tempDir();
    const dev = writeFile(empty, 'ttyV0', '');
    expect(await resolvePortOption({ port: './ttyV0', cwd: empty })).toEqual({ name: 'ttyV0', target: { kind: 'serial', url: dev, path: dev, baud: 115200 } });
    expect(await resolvePortOption({ port: 'tcp://127.0.0.1:4001', cwd: empty })).toEqual({
      name: 'tcp-127.0.0.1-4001',
      target: { kind: 'tcp', url: 'tcp://127.0.0.1:4001', host: '127.0.0.1', port: 4001, baud: 115200 },
    });
    expect((await resolvePortOption({ port: 'virtual', cwd: empty, baud: '1000000' })).target).toEqual({ kind: 'virtual', virtual: { quirks: [] }, baud: 1_000_000, placement: 'in-process' });
  });

  it('gives the lab virtual board its profile and quirks, and tcp boards their url', async () => {
    expect((await resolvePortOption({ port: 'virt', cwd: dir })).target).toEqual({ kind: 'virtual', virtual: { profile: 'nrf52840-like', quirks: ['accept-rollback'] }, baud: 1_000_000, placement: 'in-process' });
    expect((await resolvePortOption({ port: 'remote', cwd: dir })).target).toMatchObject({ kind: 'tcp', url: 'tcp://10.0.0.7:4001' });
  });

  it('explains absent ports, unknown boards, missing labs and malformed values', async () => {
    await expect(resolvePortOption({ port: '/dev/ttyNOPE9', cwd: dir })).rejects.toThrow(/port \/dev\/ttyNOPE9: no such port \/dev\/ttyNOPE9\. 'suitrig ports' lists/);
    await expect(resolvePortOption({ port: 'nrf-2', cwd: dir })).rejects.toThrow(/no board 'nrf-2' in .*rig.yaml \(did you mean 'nrf-1'\?\); boards: nrf-1, ftdi, remote, virt, alias-of-ftdi/);
    await expect(resolvePortOption({ port: 'nrf-1', cwd: tempDir() })).rejects.toThrow(/there is no lab file to look it up in/);
    await expect(resolvePortOption({ port: 'nrf-1', cwd: dir, lab: 'missing.yaml' })).rejects.toThrow(/lab file .*missing.yaml: no such file/);
    await expect(resolvePortOption({ port: 'tcp://h:0', cwd: dir })).rejects.toThrow(UsageError);
    await expect(resolvePortOption({ port: 'ftp://h:21', cwd: dir })).rejects.toThrow(/unsupported port url scheme/);
    await expect(resolvePortOption({ port: 'nrf-1', cwd: dir, baud: 'fast' })).rejects.toThrow(/--baud: expected a baud rate/);
    // the USB board is not plugged in
    await expect(resolvePortOption({ port: 'nrf-1', cwd: dir, lister: async () => [] })).rejects.toThrow(/board 'nrf-1' \(.*rig.yaml:3\): no serial port matches serial 000683123456 \(no serial ports are present\)/);
    expect(() => parseBaud('50')).toThrow(/outside 300\.\.12000000/);
  });

  it('reports a broken lab file as a LabError (exit 2), only when a name needs it', async () => {
    const bad = tempDir();
    writeFile(bad, 'rig.yaml', 'boards:\n  a: {port: /dev/x, baud: slow}\n');
    await expect(resolvePortOption({ port: 'a', cwd: bad })).rejects.toBeInstanceOf(LabError);
    await expect(resolvePortOption({ port: 'a', cwd: bad })).rejects.toBeInstanceOf(EnvironmentError);
    // a tcp url does not need the lab, so a broken ./rig.yaml does not get in the way
    await expect(resolvePortOption({ port: 'tcp://h:1', cwd: bad })).resolves.toMatchObject({ name: 'tcp-h-1' });
  });

  it('relocates a USB board after it re-enumerates under another name', async () => {
    const r = await resolvePortOption({ port: 'nrf-1', cwd: dir, lister });
    const moved = ports.map((p) => (p.path.endsWith('ttyACM0') ? { ...p, path: join(devDir, 'ttyACM7') } : p));
    const again = await relocateTarget(r.target, async () => moved);
    expect(again).toMatchObject({ kind: 'serial', path: join(devDir, 'ttyACM7'), url: join(devDir, 'ttyACM7'), baud: 1_000_000 });
    const tcp = (await resolvePortOption({ port: 'tcp://h:1', cwd: dir })).target;
    expect(await relocateTarget(tcp, async () => [])).toBe(tcp);
  });
});

describe('selectBoards: --board... --tag... --boards N', () => {
  const ctx = () => ({ cwd: dir, lab: labFor(dir)!, lister });

  it('selects named boards, then lab boards with all the given tags, without duplicates', async () => {
    const sel = await selectBoards({ boards: ['virt'], tags: ['suit'] }, ctx());
    expect(sel.map((b) => b.name)).toEqual(['virt', 'nrf-1']);
    const both = await selectBoards({ boards: [], tags: ['nrf52840', 'suit'] }, ctx());
    expect(both.map((b) => b.name)).toEqual(['nrf-1']);
  });

  it('--board virtual --boards N gives N virtual boards, each in its own process', async () => {
    const sel = await selectBoards({ boards: ['virtual'], tags: [], count: 3 }, { cwd: dir, baud: 115200 });
    expect(sel.map((b) => b.name)).toEqual(['virtual-1', 'virtual-2', 'virtual-3']);
    expect(sel.every((b) => b.target.kind === 'virtual' && b.target.placement === 'process' && b.target.baud === 115200)).toBe(true);
    const one = await selectBoards({ boards: ['virtual'], tags: [] }, { cwd: dir });
    expect(one).toEqual([{ name: 'virtual', target: { kind: 'virtual', virtual: { quirks: [] }, baud: 115200, placement: 'in-process' } }]);
  });

  it('refuses empty selections, unknown tags, --boards without virtual, and one port twice', async () => {
    await expect(selectBoards({ boards: [], tags: [] }, ctx())).rejects.toThrow(/no boards selected/);
    await expect(selectBoards({ boards: [], tags: ['esp32'] }, ctx())).rejects.toThrow(/no board in .* has tag esp32; tags in use: dup, mcuboot, nrf52840, stm32, suit, virtual/);
    await expect(selectBoards({ boards: ['nrf-1'], tags: [], count: 2 }, ctx())).rejects.toThrow(/use it with --board virtual/);
    await expect(selectBoards({ boards: ['ftdi', 'alias-of-ftdi'], tags: [] }, ctx())).rejects.toThrow(/boards ftdi and alias-of-ftdi are the same port/);
    await expect(selectBoards({ boards: ['virtual', 'virtual'], tags: [] }, ctx())).rejects.toThrow(/board virtual is selected twice/);
    await expect(selectBoards({ boards: [], tags: ['suit'] }, { cwd: tempDir() })).rejects.toThrow(/--tag selects boards of the lab file, and there is none/);
    await expect(selectBoards({ boards: ['virtual'], tags: [], count: 0 }, { cwd: dir })).rejects.toThrow(/--boards: expected 1\.\.64/);
  });

  it('resolves words the same way as --port', async () => {
    const r = await resolveBoardWord('ftdi', ctx());
    expect(r.target).toMatchObject({ kind: 'serial', path: join(devDir, 'ttyUSB0'), baud: 9600 });
  });
});

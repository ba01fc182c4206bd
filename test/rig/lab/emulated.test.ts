/**
 * Lab boards the rig runs in an emulator (rig.yaml `port: qemu` with a `qemu:` block, `port:
 * native-sim` with a `native-sim:` block): what a good entry becomes, and every mistake reported
 * with its line, column and field, like the rest of the lab file.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseLab } from '../../../rig/lab/load.js';
import { labIssues, tempDir, writeFile } from '../helpers/lab-files.js';
import { runCli } from '../../helpers/cli.js';

let dir: string;
beforeAll(() => {
  dir = tempDir();
  writeFile(dir, 'fw/mcuboot.hex', ':00000001FF\n');
  writeFile(dir, 'fw/app.signed.bin', new Uint8Array(16));
  writeFile(dir, 'fw/zephyr.exe', new Uint8Array(16));
});

const issuesOf = (text: string) => labIssues(text, dir);

describe('lab file: emulated boards', () => {
  it('reads a QEMU board and a native_sim board, paths relative to the lab file', () => {
    const lab = parseLab(
      [
        'boards:',
        '  an385:',
        '    port: qemu',
        '    qemu:',
        '      machine: mps2-an385',
        '      cpu: cortex-m3',
        '      images:',
        '        - fw/mcuboot.hex',
        '        - { file: fw/app.signed.bin, addr: 0x20050000 }',
        '      args: [-serial, "null"]',
        '  sim:',
        '    port: native-sim',
        '    native-sim:',
        '      program: fw/zephyr.exe',
        '      runner: qemu-i386-static',
        '      state: sim-state',
        '  sim2:',
        '    port: native-sim',
        '    native-sim: { program: fw/zephyr.exe, runner: [qemu-i386, -cpu, pentium], args: [-seed=7] }',
        '',
      ].join('\n'),
      join(dir, 'rig.yaml'),
    );
    const [an385, sim, sim2] = lab.boards;
    expect(an385!.port).toEqual({
      kind: 'emulator',
      emulator: {
        kind: 'qemu',
        program: 'qemu-system-arm',
        machine: 'mps2-an385',
        cpu: 'cortex-m3',
        images: [{ file: join(dir, 'fw/mcuboot.hex') }, { file: join(dir, 'fw/app.signed.bin'), addr: 0x20050000 }],
        args: ['-serial', 'null'],
      },
    });
    expect(an385!.reset).toEqual({ method: 'smp' });
    expect(sim!.port).toEqual({ kind: 'emulator', emulator: { kind: 'native-sim', program: join(dir, 'fw/zephyr.exe'), runner: ['qemu-i386-static'], args: [], state: join(dir, 'sim-state') } });
    expect(sim2!.port).toEqual({ kind: 'emulator', emulator: { kind: 'native-sim', program: join(dir, 'fw/zephyr.exe'), runner: ['qemu-i386', '-cpu', 'pentium'], args: ['-seed=7'] } });
  });

  it('reports every mistake with its line, column and field', () => {
    const text = [
      'boards:', //                                   1
      '  a:', //                                      2
      '    port: qemu', //                            3  no qemu: block
      '  b:', //                                      4
      '    port: qemu', //                            5
      '    qemu:', //                                 6  no machine
      '      images: [fw/nowhere.hex]', //            7  missing image
      '      machin: mps2-an385', //                  8  unknown field
      '  c:', //                                      9
      '    port: native-sim', //                      10
      '    native-sim:', //                           11
      '      program: fw/missing.exe', //             12 missing executable
      '      runner: []', //                          13 empty runner
      '  d:', //                                      14
      '    port: /dev/ttyACM0', //                    15
      '    qemu: { machine: x, images: [fw/mcuboot.hex] }', // 16 qemu: on a serial board
      '  e:', //                                      17
      '    port: qemu', //                            18
      '    qemu:', //                                 19
      '      machine: mps2-an385', //                 20
      '      images: [{ file: fw/app.signed.bin, addr: -1 }]', // 21 bad address
      '  f:', //                                      22
      '    port: native-sim', //                      23
      '    native-sim: { program: fw/zephyr.exe }', // 24
      '    reset: dtr', //                            25 no modem line on an emulator
      '    power: { on: "true", off: "true" }', //   26 the rig powers emulators itself
    ].join('\n');
    const issues = issuesOf(text);
    const at = (line: number) => issues.filter((i) => i.line === line).map((i) => `${i.col} ${i.path}: ${i.message}`);
    expect(at(3)).toEqual(["11 boards.a.port: port: qemu needs a qemu: block with machine: and images: (rig/lab/README.md)"]);
    // A block's own problems are reported where its mapping starts.
    expect(at(7)).toEqual([
      '7 boards.b.qemu: qemu: needs machine: (e.g. mps2-an385)',
      expect.stringMatching(/^16 boards\.b\.qemu\.images\[0\]: QEMU image 'fw\/nowhere\.hex' does not exist \(looked for .*fw\/nowhere\.hex\)$/),
    ]);
    expect(at(8)[0]).toMatch(/^7 boards\.b\.qemu\.machin: unknown field 'machin' \(did you mean 'machine'\?\)/);
    expect(at(12)[0]).toMatch(/^16 boards\.c\.native-sim\.program: native_sim executable 'fw\/missing\.exe' does not exist/);
    expect(at(13)).toEqual(['15 boards.c.native-sim.runner: runner: is empty: leave it out to run the executable directly']);
    expect(at(16)).toEqual(['11 boards.d.qemu: qemu: applies only to boards with port: qemu']);
    expect(at(21)[0]).toMatch(/^49 boards\.e\.qemu\.images\[0\]\.addr: expected a load address such as 0x20050000/);
    expect(at(25)).toEqual(['12 boards.f.reset: reset method dtr is for boards on a real port; the rig resets a native_sim board over SMP (reset: smp)']);
    expect(at(26)).toEqual(['12 boards.f.power: power: is for real boards; the rig power-cycles a native_sim board by restarting native_sim itself']);
  });

  it('a dry run names an emulated board\'s UART as what it is, not a baud rate', async () => {
    writeFile(dir, 'rig.yaml', ['boards:', '  an385:', '    port: qemu', '    qemu:', '      machine: mps2-an385', '      images: [fw/mcuboot.hex]', ''].join('\n'));
    const r = await runCli(['run', 'rfc9019', '--board', 'an385', '--dry-run'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^an385: qemu, emulated UART, not paced; reset: SMP reset command \(OS group\)$/m);
  });
});

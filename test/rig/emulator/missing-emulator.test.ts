/**
 * A lab board whose emulator is not installed: every command that opens it stops with exit 2 and
 * names the program and the Debian package that brings it, before anything is started. Needs no
 * firmware and no emulator (that is the point), so it runs everywhere.
 */
import { describe, expect, it } from 'vitest';
import { diagnoseStart, installHint } from '../../../rig/emulator/programs.js';
import { runCli } from '../../helpers/cli.js';
import { tempDir, writeFile } from '../helpers/lab-files.js';

function lab(): string {
  const dir = tempDir();
  writeFile(dir, 'fw/zephyr.elf', new Uint8Array(16));
  writeFile(dir, 'fw/zephyr.exe', new Uint8Array(16));
  writeFile(
    dir,
    'rig.yaml',
    [
      'boards:',
      '  q:',
      '    port: qemu',
      '    qemu: { program: qemu-system-nonesuch, machine: mps2-an385, images: [fw/zephyr.elf] }',
      '  s:',
      '    port: native-sim',
      '    native-sim: { program: fw/zephyr.exe, runner: /nonexistent/qemu-i386-static }',
      '',
    ].join('\n'),
  );
  return dir;
}

describe('emulated boards whose emulator is missing', () => {
  it('status --port names the missing program (exit 2)', async () => {
    const r = await runCli(['status', '--port', 's'], { cwd: lab() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/board s: \/nonexistent\/qemu-i386-static is not installed or not executable \(Debian\/Ubuntu: apt-get install qemu-user-static/);
  });

  it('names the Debian package of each emulator the rig knows', () => {
    expect(installHint('qemu-system-arm')).toBe('Debian/Ubuntu: apt-get install qemu-system-arm');
    expect(installHint('/usr/bin/qemu-i386-static')).toMatch(/^Debian\/Ubuntu: apt-get install qemu-user-static \(and for 32-bit native_sim builds: dpkg --add-architecture i386 && apt-get update && apt-get install libc6:i386 libgcc-s1:i386\)$/);
  });

  it("tells a 32-bit native_sim build's missing i386 C library, or a kernel that will not run it, from how it failed", () => {
    expect(diagnoseStart("qemu-i386-static: Could not open '/lib/ld-linux.so.2': No such file or directory", undefined)).toMatch(/the 32-bit C library is missing .*apt-get install libc6:i386 libgcc-s1:i386/);
    expect(diagnoseStart('', Object.assign(new Error('spawn ./zephyr.exe ENOEXEC'), { code: 'ENOEXEC' }))).toMatch(/give it a runner, e\.g\. runner: qemu-i386-static/);
    expect(diagnoseStart('some other failure', undefined)).toBeUndefined();
  });

  it('run refuses before it starts, naming each board and what to install (exit 2)', async () => {
    const r = await runCli(['run', 'rfc9019', '--board', 'q', '--board', 's'], { cwd: lab() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('board q: qemu-system-nonesuch is not installed or not executable (install it or give its full path)');
    expect(r.stderr).toMatch(/board s: \/nonexistent\/qemu-i386-static is not installed or not executable \(Debian\/Ubuntu: apt-get install qemu-user-static/);
  });
});

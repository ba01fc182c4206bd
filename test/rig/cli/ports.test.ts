import { describe, expect, it } from 'vitest';
import { dispatch } from '../../../rig/cli/dispatch.js';
import { createPortsCommand } from '../../../rig/cli/commands/ports.js';
import type { CliIo } from '../../../rig/cli/command.js';
import { runCli } from '../../helpers/cli.js';
import { standardBench } from '../helpers/fake-sysfs.js';
import { tempDir } from '../helpers/lab-files.js';

async function run(argv: string[], cmd = createPortsCommand()) {
  const out = { stdout: '', stderr: '' };
  const io: CliIo = { stdout: { write: (s: string) => (out.stdout += s) }, stderr: { write: (s: string) => (out.stderr += s) }, env: {}, cwd: '/' };
  const code = await dispatch(argv, [cmd], io);
  return { code, ...out };
}

describe('suitrig ports', () => {
  const bench = standardBench(tempDir());
  const noUdev = createPortsCommand({ sysRoot: bench.sys, devRoot: bench.dev, serialportList: () => Promise.reject(new Error('spawn udevadm ENOENT')) });

  it('prints an aligned table of ports with USB identity, and says where it came from', async () => {
    const r = await run(['ports'], noUdev);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^PATH\s+VID:PID\s+SERIAL\s+DESCRIPTION\s+BY-ID$/);
    const acm0 = lines.find((l) => l.includes('ttyACM0'))!;
    expect(acm0).toMatch(/1366:1015\s+000683123456\s+SEGGER J-Link \(if 0, usb 1-2, cdc_acm\)\s+usb-SEGGER_J-Link_000683123456-if00 \(udev-style/);
    // columns line up: every row's VID:PID column starts where the header's does
    const col = lines[0]!.indexOf('VID:PID');
    for (const l of lines.slice(1, -1)) expect(l.slice(col - 2, col)).toBe('  ');
    expect(lines.at(-1)).toBe('7 ports (source: sysfs); ptys are never listed');
    expect(r.stderr).toMatch(/note: serialport's list failed \(spawn udevadm ENOENT\)/);
  });

  it('--json prints one document with the source and every field', async () => {
    const r = await run(['ports', '--json'], noUdev);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.source).toBe('sysfs');
    expect(doc.ports.find((p: { path: string }) => p.path.endsWith('ttyUSB0'))).toMatchObject({ vendorId: '0403', productId: '6001', serialNumber: 'A50285BI', interface: 0, location: '1-3' });
    expect(r.stderr).toBe('');
  });

  it('is registered, has --help, and runs against this machine', async () => {
    const help = await runCli(['ports', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: suitrig ports [--json]');
    const r = await runCli(['ports', '--json']);
    expect(r.code).toBe(0);
    expect(Array.isArray(JSON.parse(r.stdout).ports)).toBe(true);
  });

  it('says so when there are no ports', async () => {
    const empty = createPortsCommand({ sysRoot: tempDir(), devRoot: tempDir(), serialportList: async () => [] });
    const r = await run(['ports'], empty);
    expect(r.stdout).toMatch(/no serial ports found \(source: serialport\)/);
  });
});

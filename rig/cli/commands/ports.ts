/**
 * `suitrig ports`: the serial ports present, with the USB identity a lab file can pin a board
 * to (serial number, VID:PID, by-id name, USB port path, interface). From `serialport`'s list
 * where udev is present, from sysfs and /dev/serial where it is not (rig/ports/list.ts).
 */
import { EXIT_OK, optFlag, printJson, type Command } from '../command.js';
import { listPorts, type ListOptions } from '../../ports/list.js';
import type { SerialPortInfo } from '../../ports/types.js';
import { renderTable, terminalSafe } from '../../report/text-table.js';

function description(p: SerialPortInfo): string {
  const words = [p.manufacturer, p.product].filter((w): w is string => w !== undefined);
  const where = [p.interface !== undefined ? `if ${p.interface}` : undefined, p.location !== undefined ? `usb ${p.location}` : undefined, p.driver].filter(Boolean);
  return [words.join(' '), where.length > 0 ? `(${where.join(', ')})` : ''].filter((s) => s !== '').join(' ') || '-';
}

function byIdCell(p: SerialPortInfo): string {
  if (p.byId.length > 0) return p.byId.join(' ');
  return p.udevId !== undefined ? `${p.udevId} (udev-style; no /dev/serial/by-id here)` : '-';
}

/** The command over a given port source; tests pass recorded list output and a fake sysfs. */
export function createPortsCommand(listOptions: ListOptions = {}): Command {
  return {
    path: ['ports'],
    summary: 'list serial ports with their USB identity (for rig.yaml usb:)',
    usage: '[--json]',
    details: [
      "Ports come from serialport's list where udev is present, else from /sys/class/tty and",
      '/dev/serial. Ptys (socat) are never listed: pass their path to --port. Use the serial',
      'number, VID:PID, by-id name or USB port path in a lab file so a board is found again',
      'when it re-enumerates as another /dev/ttyACMx.',
    ].join('\n'),
    options: { json: { type: 'boolean', description: 'print the ports as JSON' } },
    positionals: { min: 0, max: 0 },
    async run(args, io) {
      const listing = await listPorts(listOptions);
      if (optFlag(args, 'json')) {
        printJson(io, { source: listing.source, ...(listing.note ? { note: listing.note } : {}), ports: listing.ports });
        return EXIT_OK;
      }
      if (listing.note) io.stderr.write(`note: ${listing.note}\n`);
      if (listing.ports.length === 0) {
        io.stdout.write(`no serial ports found (source: ${listing.source}); ptys are never listed, pass their path to --port\n`);
        return EXIT_OK;
      }
      const rows = [['PATH', 'VID:PID', 'SERIAL', 'DESCRIPTION', 'BY-ID']];
      for (const p of listing.ports) {
        rows.push([p.path, p.vendorId ? `${p.vendorId}:${p.productId ?? '????'}` : '-', p.serialNumber ?? '-', description(p), byIdCell(p)].map(terminalSafe));
      }
      io.stdout.write(renderTable(rows) + '\n');
      io.stdout.write(`${listing.ports.length} port${listing.ports.length === 1 ? '' : 's'} (source: ${listing.source}); ptys are never listed\n`);
      return EXIT_OK;
    },
  };
}

export const portsCommand = createPortsCommand();

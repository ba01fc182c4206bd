/**
 * `suitrig board app --behaviour healthy|never-confirms|crashes|hangs --version X.Y.Z --size N
 * --out <app.bin>`: an application binary for the virtual board, whose header tells the board how
 * the application behaves once booted (rig/virtual/app/app-image.ts). Sign it with
 * `suitrig image create` for an MCUboot board, or name it as a SUIT payload.
 */
import { resolve } from 'node:path';
import { EXIT_OK, UsageError, requireString, type Command } from '../command.js';
import { AppImageError, BEHAVIOURS, buildAppImage, parseAppVersion, type Behaviour } from '../../virtual/app/app-image.js';
import { writeOutputFile } from '../files.js';

const SIZE_RE = /^(0x[0-9a-f]+|\d+)\s*(k|kib|m|mib)?$/i;

/** `49152`, `0xc000`, `48K`, `48KiB`, `1M`. */
function parseSize(text: string): number {
  const m = SIZE_RE.exec(text.trim());
  if (!m) throw new UsageError(`--size: expected bytes (e.g. 49152, 0xc000, 48K), got '${text}'`);
  const unit = (m[2] ?? '').toLowerCase();
  return Number(m[1]) * (unit.startsWith('k') ? 1024 : unit.startsWith('m') ? 1024 * 1024 : 1);
}

export const boardAppCommand: Command = {
  path: ['board', 'app'],
  summary: 'make an application image for the virtual board (healthy, never-confirms, crashes, hangs)',
  usage: '--behaviour healthy|never-confirms|crashes|hangs --version X.Y.Z --size N --out <app.bin>',
  details: [
    'What the virtual board does after booting the image:',
    '  healthy         confirms itself (image_ok), so a test update stays',
    '  never-confirms  runs without confirming: the next reset reverts a test update',
    '  crashes         faults at boot: the board resets and the bootloader reverts a test update',
    '  hangs           stops feeding the watchdog: the watchdog resets the board, as above',
    'The file starts with a 32-byte header naming behaviour, version and size; the rest is',
    'deterministic filler. A binary without this header (a real application) counts as healthy.',
    'Sizes take bytes, 0x hex, or K/KiB/M/MiB.',
  ].join('\n'),
  options: {
    behaviour: { type: 'string', value: '<behaviour>', description: BEHAVIOURS.join(', ') },
    version: { type: 'string', value: 'X.Y.Z', description: 'application version' },
    size: { type: 'string', value: '<bytes>', description: 'size of the file in bytes (at least 32)' },
    out: { type: 'string', value: '<app.bin>', description: 'output file' },
  },
  positionals: { min: 0, max: 0 },
  async run(args, io) {
    const behaviour = requireString(args, 'behaviour');
    if (!(BEHAVIOURS as readonly string[]).includes(behaviour)) throw new UsageError(`--behaviour ${behaviour}: expected one of ${BEHAVIOURS.join(', ')}`);
    const size = parseSize(requireString(args, 'size'));
    const out = resolve(io.cwd, requireString(args, 'out'));
    let bytes: Uint8Array;
    try {
      bytes = buildAppImage({ behaviour: behaviour as Behaviour, version: parseAppVersion(requireString(args, 'version')), size });
    } catch (e) {
      if (e instanceof AppImageError) throw new UsageError(e.message);
      throw e;
    }
    writeOutputFile(out, bytes);
    io.stdout.write(`wrote ${out}: ${behaviour} application ${requireString(args, 'version')}, ${size} bytes\n`);
    return EXIT_OK;
  },
};

/**
 * The /dev/serial/by-id and /dev/serial/by-path symlinks (made by udev's 60-serial.rules),
 * grouped by the tty they point at. Absent without udev; then the maps are empty.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

export interface SerialLinks {
  byId: Map<string, string[]>;
  byPath: Map<string, string[]>;
}

function readLinkDir(dir: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return out;
  }
  for (const name of names) {
    let target: string;
    try {
      target = readlinkSync(join(dir, name));
    } catch {
      continue; // not a symlink
    }
    const tty = basename(resolve(dirname(join(dir, name)), target));
    out.set(tty, [...(out.get(tty) ?? []), name]);
  }
  return out;
}

/** Links under `<devRoot>/serial`, keyed by tty name (`ttyACM0`). */
export function readSerialLinks(devRoot = '/dev'): SerialLinks {
  return { byId: readLinkDir(join(devRoot, 'serial', 'by-id')), byPath: readLinkDir(join(devRoot, 'serial', 'by-path')) };
}

/**
 * A virtual board's state directory that cannot hold its state (issue 11 finding 9): a file
 * given as --state, a directory where a state file should be, a truncated or foreign boot record,
 * a place that cannot be written. Each is a clear error naming the path (exit 2), never an
 * internal error with a stack trace, and nothing there is changed.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileBootRecordStore } from '../../rig/virtual/device.js';
import { FlashStateError, PersistentFlash, flashGeometry } from '../../rig/virtual/flash/index.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../mcuboot/helpers.js';

const g = flashGeometry([{ count: 16, size: 4096 }], 4, 0xff);

describe('state directory errors', () => {
  it('--state that is a file: exit 2 naming it, the file untouched', async () => {
    const dir = tempDir('state-file');
    const file = join(dir, 'not-a-dir');
    writeFileSync(file, 'keep me');
    const r = await runCli(['board', 'virtual', '--state', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`suitrig board virtual: state directory ${file} is not a directory\n`);
    expect(readFileSync(file, 'utf8')).toBe('keep me');
  });

  it('a snapshot replaced by a directory, and a place that cannot be written: FlashStateError naming why', () => {
    const dir = tempDir('state-snapdir');
    mkdirSync(join(dir, 'flash.snap'));
    expect(() => PersistentFlash.open(dir, g)).toThrow(new FlashStateError(`state directory ${dir}: cannot keep the board's flash there: a state file there is a directory (EISDIR)`));
    expect(() => PersistentFlash.open('/proc/self', g)).toThrow(FlashStateError);
  });

  it('a truncated or foreign boot record: FlashStateError saying how to recover', () => {
    const dir = tempDir('state-boot');
    const path = join(dir, 'boot.json');
    writeFileSync(path, '{"count": 1, "re');
    expect(() => fileBootRecordStore(path).load()).toThrow(/unreadable boot record .*; remove it to start the board with a fresh boot record/);
    writeFileSync(path, '[1, 2]');
    expect(() => fileBootRecordStore(path).load()).toThrow(/not a boot record \(expected count, reason, slot and outcome\)/);
  });
});

/**
 * Board state named in a lab file stays under the lab file's folder (issue 11 finding 4): a lab
 * file may come with a checkout one did not write, and `./rig.yaml` is read by default, so its
 * `state:` must not make a read-only `status` write into /etc. Only the user (SUITRIG_STATE_ROOTS)
 * can allow another place; links out of the folder are followed and refused.
 */
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LabError, loadLab } from '../../../rig/lab/load.js';
import { tempDir, writeFile } from '../helpers/lab-files.js';

const lab = (dir: string, state: string, kind: 'virtual' | 'native-sim' = 'virtual'): string =>
  writeFile(
    dir,
    'rig.yaml',
    kind === 'virtual'
      ? ['boards:', '  v:', '    port: virtual', `    virtual: { state: ${JSON.stringify(state)} }`, ''].join('\n')
      : ['boards:', '  s:', '    port: native-sim', '    native-sim:', '      program: /bin/true', `      state: ${JSON.stringify(state)}`, ''].join('\n'),
  );

const saved = process.env['SUITRIG_STATE_ROOTS'];
afterEach(() => {
  if (saved === undefined) delete process.env['SUITRIG_STATE_ROOTS'];
  else process.env['SUITRIG_STATE_ROOTS'] = saved;
});

describe('lab state directories', () => {
  it('/etc and ../elsewhere are refused, naming the field and the folder; a folder inside is fine', () => {
    const dir = tempDir();
    expect(() => loadLab(lab(dir, '/etc'))).toThrow(LabError);
    expect(() => loadLab(lab(dir, '/etc'))).toThrow(/boards\.v\.virtual\.state: a state directory '\/etc' \(\/etc\) lies outside the lab file's folder .*; to allow another place, list it in SUITRIG_STATE_ROOTS/);
    expect(() => loadLab(lab(dir, '../elsewhere', 'native-sim'))).toThrow(/native-sim\.state: a state directory '\.\.\/elsewhere'/);
    const board = loadLab(lab(dir, 'state/v1')).boards[0]!;
    expect(board.port).toMatchObject({ kind: 'virtual', virtual: { state: join(dir, 'state/v1') } });
  });

  it('a link inside the folder that leads out of it is followed and refused', () => {
    const dir = tempDir();
    const outside = tempDir();
    symlinkSync(outside, join(dir, 'sneaky'));
    expect(() => loadLab(lab(dir, 'sneaky/state'))).toThrow(/lies outside the lab file's folder/);
  });

  it('SUITRIG_STATE_ROOTS, set by the user, allows another place', () => {
    const dir = tempDir();
    const shared = tempDir();
    mkdirSync(join(shared, 'boards'));
    process.env['SUITRIG_STATE_ROOTS'] = `/nonexistent:${shared}`;
    expect(loadLab(lab(dir, join(shared, 'boards/v'))).boards[0]!.port).toMatchObject({ virtual: { state: join(shared, 'boards/v') } });
  });
});

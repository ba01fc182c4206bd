/** Application images for the virtual board: header format, behaviours, and `suitrig board app`. */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_HEADER_SIZE, BEHAVIOURS, buildAppImage, parseAppHeader, parseAppVersion } from '../../rig/virtual/app/app-image.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../mcuboot/helpers.js';
import { createImage, parseVersion } from '../../host/mcuboot/index.js';
import { board, key, running, signedApp } from './board-fixture.js';

describe('application image header', () => {
  it('round-trips behaviour, version and size; the header is at fixed offsets', () => {
    for (const behaviour of BEHAVIOURS) {
      const img = buildAppImage({ behaviour, version: parseAppVersion('2.7.300'), size: 4096 });
      expect(img.length).toBe(4096);
      expect(Buffer.from(img.subarray(0, 8)).toString('latin1')).toBe('SRAPPv1\0');
      expect(img[8]).toBe(BEHAVIOURS.indexOf(behaviour));
      expect([img[9], img[10], Buffer.from(img).readUInt16LE(12), Buffer.from(img).readUInt32LE(16)]).toEqual([2, 7, 300, 4096]);
      expect(parseAppHeader(img)).toEqual({ behaviour, version: { major: 2, minor: 7, revision: 300 }, size: 4096 });
    }
  });

  it('fills deterministically, differently per version; a payload without the header is not an app header', () => {
    const a = buildAppImage({ behaviour: 'healthy', version: parseAppVersion('1.0.0'), size: 1000 });
    const b = buildAppImage({ behaviour: 'healthy', version: parseAppVersion('1.0.0'), size: 1000 });
    const c = buildAppImage({ behaviour: 'healthy', version: parseAppVersion('1.0.1'), size: 1000 });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Buffer.from(a.subarray(APP_HEADER_SIZE)).equals(Buffer.from(c.subarray(APP_HEADER_SIZE)))).toBe(false);
    expect(parseAppHeader(new Uint8Array(64).fill(0x20))).toBeUndefined();
    const tampered = a.slice();
    tampered[8] = 2;
    expect(parseAppHeader(tampered)).toBeUndefined();
    expect(() => parseAppVersion('1.2')).toThrow(/not X\.Y\.Z/);
    expect(() => buildAppImage({ behaviour: 'healthy', version: parseAppVersion('1.0.0'), size: 8 })).toThrow(/at least 32/);
  });

  it('an image without the header (a real application binary) boots as healthy and confirms itself', () => {
    const b = board();
    b.factory(signedApp('healthy', '1.0.0', 1));
    b.device.powerOn();
    const realBinary = new Uint8Array(20_000).fill(0xe7);
    b.stage(createImage(realBinary, { key, version: parseVersion('3.0.0'), securityCounter: 3 }));
    expect(running(b.device.reset())).toBe('3.0.0+0');
    expect(running(b.device.reset())).toBe('3.0.0+0');
  });
});

describe('suitrig board app', () => {
  const dir = tempDir('board-app');
  it('writes the application image', async () => {
    const r = await runCli(['board', 'app', '--behaviour', 'crashes', '--version', '1.1.1', '--size', '48K', '--out', 'app.bin'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/wrote .*app\.bin: crashes application 1\.1\.1, 49152 bytes/);
    const img = new Uint8Array(readFileSync(join(dir, 'app.bin')));
    expect(img.length).toBe(49152);
    expect(parseAppHeader(img)).toMatchObject({ behaviour: 'crashes', version: { major: 1, minor: 1, revision: 1 } });
  });

  it('refuses bad arguments with exit 2 and writes nothing', async () => {
    for (const [argv, msg] of [
      [['--behaviour', 'explodes', '--version', '1.0.0', '--size', '100'], /expected one of healthy, never-confirms, crashes, hangs/],
      [['--behaviour', 'healthy', '--version', '1.0', '--size', '100'], /not X\.Y\.Z/],
      [['--behaviour', 'healthy', '--version', '1.0.0', '--size', 'big'], /--size: expected bytes/],
      [['--behaviour', 'healthy', '--version', '1.0.0', '--size', '16'], /at least 32 bytes/],
    ] as [string[], RegExp][]) {
      const r = await runCli(['board', 'app', ...argv, '--out', 'bad.bin'], { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(existsSync(join(dir, 'bad.bin'))).toBe(false);
    }
  });
});

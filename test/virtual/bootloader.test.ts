/**
 * The virtual MCUboot-style bootloader against MCUboot's documented behaviour (notes/mcuboot.md
 * §3-§5) and its simulator's named tests (§6): trailer layout, swap-type table, test / confirm /
 * permanent / revert, rejected images, hardware rollback protection, recovery, quirks.
 */
import { describe, expect, it } from 'vitest';
import { SwapType } from '../../host/mcuboot/trailer.js';
import { CounterId, Flag, Magic, requestedSwapType, setPending, type SwapState } from '../../rig/virtual/bootloader/index.js';
import { PersistentFlash, SimFlash, programArea } from '../../rig/virtual/flash/index.js';
import { padImage } from '../../host/mcuboot/index.js';
import { getProfile, profileVariant } from '../../rig/virtual/profiles.js';
import { fileBootRecordStore } from '../../rig/virtual/device.js';
import { join } from 'node:path';
import { tempDir } from '../mcuboot/helpers.js';
import { board, otherKey, running, signedApp } from './board-fixture.js';

const v1 = signedApp('healthy', '1.0.0', 1);
const v2 = signedApp('healthy', '1.1.0', 2);

describe('trailer on flash (notes/mcuboot.md §3)', () => {
  it('writes magic, image_ok and swap_info at the documented offsets from the slot end', () => {
    const b = board();
    b.stage(v2, true);
    const a = b.device.areas.secondary;
    const end = a.size;
    expect(Buffer.from(a.read(end - 16, 16)).toString('hex')).toBe('77c295f360d2ef7f3552500f2cb67980');
    expect(a.read(end - 24, 4)).toEqual(Uint8Array.of(0x01, 0xff, 0xff, 0xff));
    expect(a.read(end - 32, 4)).toEqual(Uint8Array.of(0xff, 0xff, 0xff, 0xff));
    expect(a.read(end - 40, 1)[0]).toBe(SwapType.PERM);
  });

  it('decides the swap type as boot_swap_type_multi', () => {
    const st = (magic: number, imageOk: number, copyDone: number = Flag.UNSET): SwapState => ({ magic, imageOk, copyDone, swapType: 1, imageNum: 0 }) as SwapState;
    const unset = st(Magic.UNSET, Flag.UNSET);
    expect(requestedSwapType(unset, st(Magic.GOOD, Flag.UNSET))).toBe(SwapType.TEST);
    expect(requestedSwapType(unset, st(Magic.GOOD, Flag.SET))).toBe(SwapType.PERM);
    expect(requestedSwapType(st(Magic.GOOD, Flag.UNSET, Flag.SET), unset)).toBe(SwapType.REVERT);
    expect(requestedSwapType(st(Magic.GOOD, Flag.SET, Flag.SET), unset)).toBe(SwapType.NONE);
    expect(requestedSwapType(st(Magic.GOOD, Flag.UNSET, Flag.SET), st(Magic.BAD, Flag.UNSET))).toBe(SwapType.REVERT);
    expect(requestedSwapType(unset, st(Magic.BAD, Flag.UNSET))).toBe(SwapType.NONE);
  });

  it('erases a secondary slot whose trailer magic is corrupt when an update is requested (boot_set_next)', () => {
    const b = board();
    b.stage(v2);
    const a = b.device.areas.secondary;
    const flash = b.device.flash;
    // corrupt the magic: erase the trailer sector and write garbage where the magic goes
    a.erase(a.sectors[a.sectors.length - 1]!.offset, a.sectors[a.sectors.length - 1]!.size);
    a.write(a.size - 16, new Uint8Array(16).fill(0x42));
    expect(() => setPending(b.device.bootloader.secondary, false)).toThrow(/corrupt; slot erased/);
    expect(flash.isErased(a.offset, a.size)).toBe(true);
  });
});

describe('test, confirm, permanent, revert (notes/mcuboot.md §4)', () => {
  it('boots a factory image and raises the security counter to its SEC_CNT', () => {
    const b = board();
    b.factory(v1);
    expect(running(b.device.powerOn())).toBe('1.0.0+0');
    expect(b.device.bootRecord).toMatchObject({ count: 1, reason: 'power-on', outcome: 'booted', version: '1.0.0+0' });
    expect(b.device.counters.get(CounterId.mcubootImage0)).toBe(1n);
  });

  it('a healthy test image confirms itself and stays; the counter advances on the boot after', () => {
    const b = board();
    b.factory(v1);
    b.device.powerOn();
    b.stage(v2);
    expect(running(b.device.reset())).toBe('1.1.0+0');
    expect(b.device.bootRecord.outcome).toBe('test');
    expect(b.device.counters.get(CounterId.mcubootImage0)).toBe(1n);
    expect(running(b.device.reset())).toBe('1.1.0+0');
    expect(b.device.bootRecord.outcome).toBe('booted');
    expect(b.device.counters.get(CounterId.mcubootImage0)).toBe(2n);
  });

  it('a test image that never confirms is reverted on the next reset, and the counter never reaches its value', () => {
    const b = board();
    b.factory(v1);
    b.device.powerOn();
    b.stage(signedApp('never-confirms', '1.1.0', 2));
    expect(running(b.device.reset())).toBe('1.1.0+0 (unconfirmed)');
    expect(running(b.device.reset())).toBe('1.0.0+0');
    expect(b.device.bootRecord.outcome).toBe('revert');
    expect(running(b.device.reset())).toBe('1.0.0+0');
    expect(b.device.counters.get(CounterId.mcubootImage0)).toBe(1n);
    // the new image is in the secondary with its trailer erased: no further attempt
    expect(b.device.bootloader.secondary.readState().magic).toBe(Magic.UNSET);
  });

  it('a crashing test image is reverted by itself; a hanging one by the watchdog', () => {
    for (const behaviour of ['crashes', 'hangs'] as const) {
      const b = board();
      b.factory(v1);
      b.device.powerOn();
      b.stage(signedApp(behaviour, '1.1.0', 2));
      expect(running(b.device.reset())).toBe('1.0.0+0');
      expect(b.device.bootRecord).toMatchObject({ outcome: 'revert', reason: behaviour === 'crashes' ? 'crash' : 'watchdog' });
      expect(b.console.some((l) => l.includes(behaviour === 'crashes' ? 'fatal error' : 'watchdog'))).toBe(true);
    }
  });

  it('a permanent update stays even though the image never confirms, and raises the counter at once', () => {
    const b = board();
    b.factory(v1);
    b.device.powerOn();
    b.stage(signedApp('never-confirms', '1.1.0', 2), true);
    expect(running(b.device.reset())).toBe('1.1.0+0');
    expect(b.device.bootRecord.outcome).toBe('perm');
    expect(b.device.counters.get(CounterId.mcubootImage0)).toBe(2n);
    expect(running(b.device.reset())).toBe('1.1.0+0');
  });

  it('an imgtool --pad image flashed into the secondary is a test request; --pad --confirm a permanent one', () => {
    for (const confirm of [false, true]) {
      const b = board();
      b.factory(v1);
      b.device.powerOn();
      const a = b.device.areas.secondary;
      programArea(a, 0, padImage(signedApp('never-confirms', '1.1.0', 2), { slotSize: a.size, confirm, align: a.align }));
      expect(running(b.device.reset())).toBe(confirm ? '1.1.0+0' : '1.1.0+0 (unconfirmed)');
      expect(b.device.bootRecord.outcome).toBe(confirm ? 'perm' : 'test');
    }
  });

  it('a confirmed update stays across process restarts (flash and boot record in a state directory)', () => {
    const dir = tempDir('board-restart');
    const profile = getProfile('nrf52840-like');
    const p1 = PersistentFlash.open(dir, profile.geometry);
    const b = board({ flash: p1.flash, records: fileBootRecordStore(join(dir, 'boot.json')) });
    b.factory(v1);
    b.device.powerOn();
    b.stage(v2);
    expect(running(b.device.reset())).toBe('1.1.0+0');
    p1.close();
    const p2 = PersistentFlash.open(dir, profile.geometry);
    const again = board({ flash: p2.flash, records: fileBootRecordStore(join(dir, 'boot.json')) });
    expect(again.device.bootRecord).toMatchObject({ count: 2, outcome: 'test' });
    expect(running(again.device.powerOn())).toBe('1.1.0+0');
    expect(again.device.bootRecord).toMatchObject({ count: 3, outcome: 'booted', reason: 'power-on' });
    p2.close();
  });

  it('works the same on a part with erased value 0x00 and 8-byte writes', () => {
    const b = board({ profile: profileVariant(getProfile('nrf52840-like'), { writeAlign: 8, erasedValue: 0x00 }) });
    b.factory(v1);
    expect(running(b.device.powerOn())).toBe('1.0.0+0');
    b.stage(signedApp('never-confirms', '1.1.0', 2));
    expect(running(b.device.reset())).toBe('1.1.0+0 (unconfirmed)');
    expect(running(b.device.reset())).toBe('1.0.0+0');
  });
});

describe('rejected updates leave the running image untouched (sim bad_secondary_slot, signfail_upgrade)', () => {
  const cases: [string, Uint8Array][] = [
    ['untrusted signer', signedApp('healthy', '1.1.0', 2, { signer: otherKey })],
    ['corrupted payload', (() => {
      const x = signedApp('healthy', '1.1.0', 2);
      x[0x300]! ^= 0x55;
      return x;
    })()],
    ['rollback (security counter 0 below the stored 1)', signedApp('healthy', '0.9.0', 0)],
  ];
  for (const [name, image] of cases) {
    it(name, () => {
      const b = board();
      b.factory(v1);
      b.device.powerOn();
      const before = b.device.areas.primary.read(0, v1.length);
      b.stage(image);
      expect(running(b.device.reset())).toBe('1.0.0+0');
      expect(b.device.bootRecord.outcome).toBe('fail');
      expect(Buffer.from(b.device.areas.primary.read(0, v1.length)).equals(Buffer.from(before))).toBe(true);
      expect(b.device.flash.isErased(b.device.areas.secondary.offset, b.device.areas.secondary.size)).toBe(true);
      expect(b.device.bootloader.primary.readState().imageOk).toBe(Flag.SET);
      expect(b.console.some((l) => l.startsWith('E: Image in the secondary slot is not valid!'))).toBe(true);
    });
  }
});

describe('recovery when no slot is valid', () => {
  it('an erased board stays in recovery; an image written to the primary (serial recovery) boots after reset', () => {
    const b = board();
    expect(b.device.powerOn()).toMatchObject({ kind: 'recovery', reason: 'no-image' });
    expect(b.device.bootRecord.outcome).toBe('recovery');
    b.factory(v1);
    expect(running(b.device.reset())).toBe('1.0.0+0');
  });

  it('a corrupted primary image with nothing pending means recovery, not a jump into it', () => {
    const b = board();
    b.factory(v1);
    b.device.powerOn();
    const a = b.device.areas.primary;
    const bytes = a.read(0, a.sectors[1]!.offset);
    bytes[0x400]! ^= 1;
    a.erase(0, a.sectors[1]!.offset);
    a.write(0, bytes);
    expect(b.device.reset()).toMatchObject({ kind: 'recovery', reason: 'hash-mismatch' });
  });

  it('a boot hook that refuses the image (the SUIT secure-boot seam) keeps the board in recovery', () => {
    const b = board({ hooks: [{ name: 'suit-invoke', check: () => ({ ok: false, reason: 'suit-validate', message: 'condition image match failed' }) }] });
    b.factory(v1);
    expect(b.device.powerOn()).toMatchObject({ kind: 'recovery', reason: 'suit-validate', message: 'suit-invoke: condition image match failed' });
  });
});

describe('quirks: deliberately broken boards', () => {
  it('never-revert keeps an unconfirmed test image; a crashing one then boot-loops', () => {
    const b = board({ quirks: ['never-revert'] });
    b.factory(v1);
    b.device.powerOn();
    b.stage(signedApp('never-confirms', '1.1.0', 2));
    b.device.reset();
    expect(running(b.device.reset())).toBe('1.1.0+0 (unconfirmed)');
    const c = board({ quirks: ['never-revert'] });
    c.factory(v1);
    c.device.powerOn();
    c.stage(signedApp('crashes', '1.1.0', 2));
    expect(c.device.reset().kind).toBe('boot-loop');
  });

  it('accept-rollback installs an image below the stored security counter', () => {
    const b = board({ quirks: ['accept-rollback'] });
    b.factory(v1);
    b.device.powerOn();
    b.stage(signedApp('healthy', '0.9.0', 0));
    expect(running(b.device.reset())).toBe('0.9.0+0');
  });

  it('skip-signature installs an image signed by an untrusted key (but not a corrupted one)', () => {
    const b = board({ quirks: ['skip-signature'] });
    b.factory(v1);
    b.device.powerOn();
    b.stage(signedApp('healthy', '1.1.0', 2, { signer: otherKey }));
    expect(running(b.device.reset())).toBe('1.1.0+0');
  });
});

describe('flash rules hold throughout', () => {
  it('a full update never erases partially or writes an unerased location (the simulated flash would throw)', () => {
    const flash = new SimFlash(getProfile('nrf52840-like').geometry);
    const b = board({ flash });
    b.factory(v1);
    b.device.powerOn();
    b.stage(signedApp('crashes', '1.1.0', 2));
    const before = flash.opCount;
    expect(running(b.device.reset())).toBe('1.0.0+0');
    expect(flash.opCount - before).toBeGreaterThan(100);
  });
});

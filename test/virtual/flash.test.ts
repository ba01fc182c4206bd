/** The flash model's rules (MCUboot sim/simflash), counted operations, power cuts and timing. */
import { describe, expect, it } from 'vitest';
import { FlashArea, FlashError, PowerCutError, SimFlash, flashGeometry, geometryFingerprint, sectorSpan, settle } from '../../rig/virtual/flash/index.js';

const uniform = flashGeometry([{ count: 16, size: 4096 }], 4, 0xff);
const mixed = flashGeometry(
  [
    { count: 4, size: 16384 },
    { count: 1, size: 65536 },
    { count: 3, size: 131072 },
  ],
  8,
  0x00,
);

function rule(fn: () => void): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof FlashError) return e.rule;
    throw e;
  }
  return 'ok';
}

describe('flash geometry', () => {
  it('lays out mixed sectors and checks erase ranges are sector-exact', () => {
    expect(mixed.size).toBe(4 * 16384 + 65536 + 3 * 131072);
    expect(mixed.sectors[4]).toEqual({ offset: 0x10000, size: 0x10000 });
    expect(sectorSpan(mixed, 0x10000, 0x30000)).toEqual({ first: 4, last: 5 });
    expect(sectorSpan(mixed, 0x2000, 0x4000)).toMatch(/does not start on a sector boundary/);
    expect(sectorSpan(mixed, 0x0, 0x5000)).toMatch(/does not end on a sector boundary/);
    expect(geometryFingerprint(mixed)).toBe('4x16384+1x65536+3x131072/align8/erased0x00');
    expect(() => flashGeometry([{ count: 1, size: 4096 }], 3, 0xff)).toThrow(/write alignment/);
  });
});

describe('SimFlash rules', () => {
  it('refuses misaligned writes, rewrites of written units and partial-sector erases', () => {
    const f = new SimFlash(uniform);
    expect(rule(() => f.write(2, new Uint8Array(4)))).toBe('alignment');
    expect(rule(() => f.write(0, new Uint8Array(6)))).toBe('alignment');
    expect(rule(() => f.write(0, new Uint8Array([1, 2, 3, 4])))).toBe('ok');
    expect(rule(() => f.write(0, new Uint8Array([1, 2, 3, 4])))).toBe('unerased');
    // A unit written with the erased value is still written (simflash's write_safe bitmap).
    expect(rule(() => f.write(4, new Uint8Array([0xff, 0xff, 0xff, 0xff])))).toBe('ok');
    expect(rule(() => f.write(4, new Uint8Array([0, 0, 0, 0])))).toBe('unerased');
    expect(rule(() => f.erase(0, 2048))).toBe('sector-exact');
    expect(rule(() => f.erase(0, 4096))).toBe('ok');
    expect(rule(() => f.write(0, new Uint8Array([9, 9, 9, 9])))).toBe('ok');
    expect(rule(() => f.read(65530, 10))).toBe('range');
    expect(rule(() => f.write(65536, new Uint8Array(4)))).toBe('range');
    expect(f.opCount).toBe(4);
  });

  it('erases to 0x00 on parts whose erased value is 0x00', () => {
    const f = new SimFlash(mixed);
    expect(f.isErased(0, mixed.size)).toBe(true);
    expect(f.read(0, 4)).toEqual(new Uint8Array(4));
    f.write(0x10000, new Uint8Array(8).fill(0xab));
    expect(f.isErased(0x10000, 8)).toBe(false);
    f.erase(0x10000, 0x10000);
    expect(f.read(0x10000, 8)).toEqual(new Uint8Array(8));
  });

  it('cuts power just before the armed operation, which is not applied, and stays off until powerOn', () => {
    const f = new SimFlash(uniform);
    f.write(0, new Uint8Array([1, 1, 1, 1]));
    f.armPowerCut({ afterOps: 1 });
    f.write(4, new Uint8Array([2, 2, 2, 2]));
    let cut: unknown;
    try {
      f.erase(0, 4096);
    } catch (e) {
      cut = e;
    }
    expect(cut).toBeInstanceOf(PowerCutError);
    expect((cut as PowerCutError).opIndex).toBe(2);
    expect(f.read(0, 8)).toEqual(new Uint8Array([1, 1, 1, 1, 2, 2, 2, 2]));
    expect(f.powered).toBe(false);
    expect(rule(() => f.write(8, new Uint8Array(4)))).toBe('unpowered');
    f.powerOn();
    f.erase(0, 4096);
    expect(f.opCount).toBe(3);
    expect(f.isErased(0, 4096)).toBe(true);
  });

  it('tears the cut operation when asked: a prefix applied, the boundary unit half-programmed, reproducibly', () => {
    const run = (seed: number): SimFlash => {
      const f = new SimFlash(uniform);
      f.armPowerCut({ afterOps: 0, torn: true, seed });
      expect(() => f.write(0, new Uint8Array(64).fill(0x00))).toThrow(PowerCutError);
      return f;
    };
    const a = run(7);
    const b = run(7);
    expect(a.read(0, 64)).toEqual(b.read(0, 64));
    const bytes = a.read(0, 64);
    const firstNotZero = bytes.findIndex((x) => x !== 0);
    expect(firstNotZero).toBeGreaterThanOrEqual(0);
    // After the torn unit nothing was written.
    const tornUnit = Math.floor(firstNotZero / 4);
    expect(bytes.subarray((tornUnit + 1) * 4).every((x) => x === 0xff)).toBe(true);
    // The torn unit counts as written: it needs an erase first.
    a.powerOn();
    expect(rule(() => a.write(tornUnit * 4, new Uint8Array(4)))).toBe('unerased');
    // A torn erase leaves a sector that is neither erased nor writable.
    const f = new SimFlash(uniform);
    f.write(0, new Uint8Array(4096).fill(0x00));
    f.write(4096, new Uint8Array(4096).fill(0x00));
    f.armPowerCut({ afterOps: 0, torn: true, seed: 3 });
    expect(() => f.erase(0, 8192)).toThrow(PowerCutError);
    f.powerOn();
    const erasedSectors = [0, 4096].filter((o) => f.isErased(o, 4096)).length;
    expect(erasedSectors).toBeLessThan(2);
  });

  it('clones are independent and keep the write-once state', () => {
    const f = new SimFlash(uniform);
    f.write(0, new Uint8Array([5, 5, 5, 5]));
    const c = f.clone();
    c.erase(0, 4096);
    expect(f.read(0, 4)).toEqual(new Uint8Array([5, 5, 5, 5]));
    expect(rule(() => f.clone().write(0, new Uint8Array(4)))).toBe('unerased');
  });

  it('accumulates simulated busy time per erased sector and written unit', () => {
    const f = new SimFlash(uniform, { timing: { eraseMsBySectorSize: { 4096: 85 }, writeUs: 41, writeUnit: 4 } });
    f.erase(0, 8192);
    f.write(0, new Uint8Array(1024));
    expect(f.simulatedUs).toBe(2 * 85_000 + 256 * 41);
    expect(f.drainBusyUs()).toBe(2 * 85_000 + 256 * 41);
    expect(f.drainBusyUs()).toBe(0);
    expect(() => new SimFlash(mixed, { timing: { eraseMsBySectorSize: { 16384: 250 }, writeUs: 16, writeUnit: 4 } })).toThrow(/no erase time for 65536-byte sectors/);
  });

  it('areas address relative to their start and stay inside it', () => {
    const f = new SimFlash(mixed);
    const a = new FlashArea(f, 'slot', 0x10000, 0x30000);
    expect(a.sectors).toEqual([
      { offset: 0, size: 0x10000 },
      { offset: 0x10000, size: 0x20000 },
    ]);
    a.write(8, new Uint8Array(8).fill(1));
    expect(f.read(0x10008, 8)).toEqual(new Uint8Array(8).fill(1));
    expect(rule(() => a.read(0x2fff8, 16))).toBe('range');
    expect(() => new FlashArea(f, 'bad', 0x1000, 0x4000)).toThrow(/sector boundaries/);
  });

  it('turns simulated busy time into real delay with settle(), scaled (0 = unpaced)', async () => {
    const f = new SimFlash(uniform, { timing: { eraseMsBySectorSize: { 4096: 85 }, writeUs: 41, writeUnit: 4 } });
    f.erase(0, 4096);
    const order: string[] = [];
    setTimeout(() => order.push('timer'), 0);
    await settle(f, 0);
    order.push('settled');
    expect(order[0]).toBe('settled');
    f.erase(0, 4096);
    const t0 = performance.now();
    await settle(f, 0.5);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(40);
    expect(f.drainBusyUs()).toBe(0);
  });
});

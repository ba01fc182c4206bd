/**
 * Power-cut sweeps at the edges of the swap algorithms: swap-using-scratch on mixed sectors
 * (stm32f4-like), swap-using-scratch when the image reaches the sector holding the primary
 * trailer (the status then lives in the scratch area: MCUboot's `use_scratch`), a trailer that
 * spans two sectors, and swap-using-move with the largest image it accepts.
 */
import { describe, expect, it } from 'vitest';
import { trailerLayout } from '../../host/mcuboot/trailer.js';
import { flashGeometry } from '../../rig/virtual/flash/index.js';
import { getProfile, type BoardProfile, type PartitionName } from '../../rig/virtual/profiles.js';
import { mcubootUpdateScenario } from '../../rig/sweeps/mcuboot-scenarios.js';
import { board, key, running, signedApp } from './board-fixture.js';
import { expectCutPointsRecover } from '../helpers/sweep.js';

const K = 1024;

/** 64 KiB in 1 KiB sectors: the 1584-byte trailer spans two sectors; 24-sector slots, 4-sector scratch. */
function tiny(swapMode: 'move' | 'scratch'): BoardProfile {
  const parts: [PartitionName, number, number][] = [
    ['bootloader', 0, 4 * K],
    ['primary', 4 * K, 24 * K],
    ['secondary', 28 * K, 24 * K],
    ['scratch', 52 * K, 4 * K],
    ['suit-cache', 56 * K, 4 * K],
    ['trust', 60 * K, 2 * K],
    ['counters', 62 * K, 2 * K],
  ];
  return {
    ...getProfile('nrf52840-like'),
    name: `tiny-${swapMode}`,
    geometry: flashGeometry([{ count: 64, size: K }], 4, 0xff),
    timing: { eraseMsBySectorSize: {}, writeUs: 0, writeUnit: 4 },
    swapMode,
    partitions: parts.filter(([n]) => swapMode === 'scratch' || n !== 'scratch').map(([name, offset, size]) => ({ name, offset, size })),
  };
}

const trailer = trailerLayout({ slotSize: 24 * K, writeSize: 4 }).trailerSize;
/** Application bytes for an image of `total` bytes (header 0x200, SEC_CNT 12, TLVs 152). */
const appFor = (total: number): number => total - 0x200 - 12 - 152;

describe('swap-using-scratch and swap-using-move at their edges, every cut point', () => {
  it('scratch: an image reaching into the trailer sectors (status kept in the scratch area)', () => {
    expect(trailer).toBe(1584);
    for (const kind of ['test', 'revert'] as const) {
      expectCutPointsRecover(mcubootUpdateScenario({ kind, key, profile: tiny('scratch'), appSize: appFor(24 * K - trailer - 8) }), { minOps: 100 });
    }
  });

  it('scratch: the near-full image really keeps its first step status in the scratch trailer', () => {
    const b = board({ profile: tiny('scratch') });
    b.factory(signedApp('healthy', '1.0.0', 1, { size: 10_000 }));
    b.device.powerOn();
    b.stage(signedApp('healthy', '1.1.0', 2, { size: appFor(24 * K - trailer - 8) }));
    const scratch = b.device.areas.scratch!;
    const statusOff = scratch.offset + trailerLayout({ slotSize: scratch.size, writeSize: 4, maxSectors: 1 }).statusOff;
    const writes: number[] = [];
    b.device.flash.addObserver({ effect: (e) => void (e.kind === 'put' && e.offset >= statusOff && e.offset < statusOff + 12 && writes.push(e.offset - statusOff)) });
    expect(running(b.device.reset())).toBe('1.1.0+0');
    expect(writes).toEqual([0, 4]);
  });

  it('scratch: one byte more than slot minus trailer is refused, the old image keeps running', () => {
    const b = board({ profile: tiny('scratch') });
    b.factory(signedApp('healthy', '1.0.0', 1, { size: 10_000 }));
    b.device.powerOn();
    b.stage(signedApp('healthy', '1.1.0', 2, { size: appFor(24 * K - trailer + 4) }));
    expect(running(b.device.reset())).toBe('1.0.0+0');
    expect(b.console.some((l) => l.startsWith('W: Not enough free space'))).toBe(true);
  });

  it('move: the largest image (slot less one sector less the trailer sectors)', () => {
    expectCutPointsRecover(mcubootUpdateScenario({ kind: 'perm', key, profile: tiny('move'), appSize: appFor(21 * K - 8) }));
    const b = board({ profile: tiny('move') });
    b.factory(signedApp('healthy', '1.0.0', 1, { size: 10_000 }));
    b.device.powerOn();
    b.stage(signedApp('healthy', '1.1.0', 2, { size: appFor(21 * K + 4) }));
    expect(running(b.device.reset())).toBe('1.0.0+0');
    expect(b.console.some((l) => l.startsWith('W: Not enough free space'))).toBe(true);
  });

  it('scratch on mixed 16/64/128 KiB sectors (stm32f4-like; sampled: every 20th cut point)', () => {
    for (const kind of ['test', 'revert'] as const) {
      expectCutPointsRecover(mcubootUpdateScenario({ kind, key, profile: getProfile('stm32f4-like') }), { step: 20, minOps: 700 });
    }
  });

  it('scratch with 8-byte writes on 4 KiB sectors (k64f-like), 9-sector images, every cut point', () => {
    expect(expectCutPointsRecover(mcubootUpdateScenario({ kind: 'test', key, profile: getProfile('k64f-like') }), { minOps: 100 }).scenario).toMatch(/9-sector images/);
  });
});

/** Board profiles: partitions inside the part, on sector boundaries, not overlapping; each profile boots and updates. */
import { describe, expect, it } from 'vitest';
import { trailerLayout } from '../../host/mcuboot/trailer.js';
import { FlashArea, SimFlash, sectorStartingAt } from '../../rig/virtual/flash/index.js';
import { PROFILES, getProfile, openAreas, partition } from '../../rig/virtual/profiles.js';
import { board, running, signedApp } from './board-fixture.js';

describe('board profiles', () => {
  for (const p of Object.values(PROFILES)) {
    it(`${p.name}: a consistent slot layout`, () => {
      const parts = [...p.partitions].sort((a, b) => a.offset - b.offset);
      for (const [i, part] of parts.entries()) {
        expect(sectorStartingAt(p.geometry, part.offset), `${part.name} start`).toBeGreaterThanOrEqual(0);
        expect(part.offset + part.size === p.geometry.size || sectorStartingAt(p.geometry, part.offset + part.size) >= 0, `${part.name} end`).toBe(true);
        if (i > 0) expect(part.offset, `${part.name} overlaps ${parts[i - 1]!.name}`).toBeGreaterThanOrEqual(parts[i - 1]!.offset + parts[i - 1]!.size);
      }
      for (const name of ['bootloader', 'primary', 'secondary', 'suit-cache', 'trust', 'counters'] as const) expect(partition(p, name), name).toBeDefined();
      expect(partition(p, 'scratch') !== undefined).toBe(p.swapMode === 'scratch');
      expect(partition(p, 'primary')!.size).toBe(partition(p, 'secondary')!.size);
      const areas = openAreas(p, new SimFlash(p.geometry));
      expect(areas.counters.sectors.length).toBeGreaterThanOrEqual(2);
      expect(trailerLayout({ slotSize: areas.primary.size, writeSize: p.geometry.writeAlign }).trailerSize).toBeLessThan(areas.primary.sectors.at(-1)!.size);
      expect(Object.keys(p.timing.eraseMsBySectorSize).map(Number).sort()).toEqual([...new Set(p.geometry.sectors.map((s) => s.size))].sort());
    });

    it(`${p.name}: boots, takes a test update and reverts a crashing one`, () => {
      const b = board({ profile: p });
      b.factory(signedApp('healthy', '1.0.0', 1, { size: 50_000 }));
      expect(running(b.device.powerOn())).toBe('1.0.0+0');
      b.stage(signedApp('healthy', '1.1.0', 2, { size: 60_000 }));
      expect(running(b.device.reset())).toBe('1.1.0+0');
      b.stage(signedApp('crashes', '1.2.0', 3, { size: 70_000 }));
      expect(running(b.device.reset())).toBe('1.1.0+0');
      expect(b.device.bootRecord.outcome).toBe('revert');
      expect(b.console.some((l) => l.includes(p.swapMode === 'move' ? 'swap using move' : 'swap using scratch'))).toBe(true);
    });
  }

  it('names the known profiles when asked for an unknown one', () => {
    expect(() => getProfile('esp32')).toThrow(/unknown board profile 'esp32'; known: nrf52840-like, stm32f4-like, k64f-like/);
  });

  it('nrf52840-like has the documented part: 1 MiB, 4 KiB sectors, 85 ms erase, 41 us per word', () => {
    const p = getProfile('nrf52840-like');
    expect([p.geometry.size, p.geometry.sectors.length, p.geometry.writeAlign]).toEqual([1 << 20, 256, 4]);
    const f = new SimFlash(p.geometry, { timing: p.timing });
    const a = new FlashArea(f, 'x', 0, 4096);
    a.erase(0, 4096);
    a.write(0, new Uint8Array(4096));
    expect(f.simulatedUs).toBe(85_000 + 1024 * 41);
    expect(getProfile('stm32f4-like').geometry.sectors.map((s) => s.size / 1024)).toEqual([16, 16, 16, 16, 64, 128, 128, 128, 128, 128, 128, 128]);
  });
});

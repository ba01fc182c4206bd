/**
 * What a lab board's Dut (rig/dut/smp-dut.ts) marks after an image upload: a RAM-load board
 * (bootloader info mode 6, image state write rc 8, as the QEMU peer) is not asked to mark — the
 * newer image boots at the reset and the Dut says why nothing was marked; a swap board is
 * marked for a test boot as before. Fake boards over TCP (test/smp/helpers/fake-boards.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { generateSigningKey, type PrivateKey } from '../../../host/keys/index.js';
import { createImage } from '../../../host/mcuboot/create.js';
import { IMAGE_F, parseVersion } from '../../../host/mcuboot/format.js';
import type { TcpListener } from '../../../host/transport/tcp.js';
import { LabBackend } from '../../../rig/dut/lab-backend.js';
import { SmpDut } from '../../../rig/dut/smp-dut.js';
import type { DutEvent } from '../../../rig/dut/types.js';
import { fakeBoard } from '../../smp/helpers/fake-boards.js';
import { benchLabEntry } from '../helpers/paired-board.js';

const key = generateSigningKey('es256') as PrivateKey;
const image = (version: string): Uint8Array => createImage(new Uint8Array(6_000).fill(version.length), { key, version: parseVersion(version), flags: IMAGE_F.RAM_LOAD, loadAddr: 0x20240000 });
const running = image('1.0.0');

const listeners: TcpListener[] = [];
const duts: SmpDut[] = [];
afterEach(async () => {
  for (const d of duts.splice(0)) await d.close();
  await Promise.all(listeners.splice(0).map((l) => l.close()));
});

async function dutFor(url: string): Promise<{ dut: SmpDut; events: DutEvent[] }> {
  const port = Number(new URL(url).port);
  const lab = benchLabEntry({ port: { kind: 'tcp', url, host: '127.0.0.1', port } });
  const backend = await LabBackend.open({ name: 'bench', target: { kind: 'tcp', url, host: '127.0.0.1', port, baud: 115200 }, board: lab });
  const dut = await SmpDut.open('bench', backend);
  duts.push(dut);
  const events: DutEvent[] = [];
  dut.subscribe((e) => events.push(e));
  return { dut, events };
}

describe('Dut image flash: marks only where they decide what boots', () => {
  it('a RAM-load board is not asked to mark; the newer image boots at the reset', async () => {
    const b = await fakeBoard(running, listeners, { mode: 6, canMark: false, bootsHighest: true });
    const { dut, events } = await dutFor(b.url);
    await dut.flashImage(image('1.1.0'), { mode: 'test' });
    expect(b.marks).toBe(0);
    expect(events).toContainEqual({
      kind: 'smp',
      summary: 'mark not possible: MCUboot RAM load (mode 6, as the board reports) boots the valid image with the highest version, nothing is tested or confirmed; 1.1.0 is newer than 1.0.0 in slot 0: it boots at the reset if it is valid',
    });
    await dut.reset();
    const st = await dut.readStatus();
    expect(st.slots.find((s) => s.active)).toMatchObject({ version: '1.1.0' });
  });

  it('a swap board is marked for a test boot, with no extra note', async () => {
    const b = await fakeBoard(running, listeners, { mode: 3, canMark: true, bootsHighest: false });
    const { dut, events } = await dutFor(b.url);
    await dut.flashImage(image('1.1.0'), { mode: 'test' });
    expect(b.marks).toBe(1);
    expect(events.some((e) => e.kind === 'smp' && e.summary.startsWith('mark '))).toBe(false);
  });
});

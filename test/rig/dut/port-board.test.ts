/**
 * A real board as the lab file describes it (rig/dut/port-board.ts), played by the virtual
 * board on the other end of a paired serial link opened by port url like a device path: the
 * DTR reset line pulsed with the lab's timings resets the board; power commands and reset
 * commands run with their deadlines, and one that fails names the command and what it said;
 * the lab's trust anchors, roles and identity become what the host predicts with.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateSigningKey, trustAnchorFor, type PrivateKey } from '../../../host/keys/index.js';
import { LabControlError, runExternalCommand } from '../../../rig/dut/external-command.js';
import { PortBoard } from '../../../rig/dut/port-board.js';
import { labProvision } from '../../../rig/dut/provision.js';
import { SmpDut } from '../../../rig/dut/smp-dut.js';
import { capabilitiesOf } from '../../../rig/dut/types.js';
import type { ResolvedBoard } from '../../../rig/lab/resolve.js';
import type { LabBoard } from '../../../rig/lab/types.js';
import { buildAppImage, parseAppVersion } from '../../../rig/virtual/app/app-image.js';
import type { BoardTrust } from '../../../rig/virtual/suit/trust.js';
import { createImage, parseVersion } from '../../../host/mcuboot/index.js';
import { benchLabEntry, openPairedBoard, type PairedBoard } from '../helpers/paired-board.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The paired-link board, closed after the test. */
async function boardOnPairedLink(o: { trust?: BoardTrust } = {}): Promise<PairedBoard> {
  const b = await openPairedBoard(o);
  cleanups.push(() => b.close());
  return b;
}

function resolved(url: string, lab: LabBoard): ResolvedBoard {
  return { name: lab.name, target: { kind: 'serial', url, path: url, baud: 1_000_000 }, board: lab };
}

describe('lab boards', () => {
  it("resets with the lab's DTR pulse: the board reboots, and the Dut waits until it answers", async () => {
    const { link, board } = await boardOnPairedLink();
    const dut = await SmpDut.open('bench', await PortBoard.open(resolved(link.pathA, benchLabEntry({ reset: { method: 'dtr', pulseMs: 20, waitMs: 30, invert: false } }))));
    cleanups.push(() => dut.close());
    expect(dut.hardReset).toBe('dtr');
    expect(capabilitiesOf(dut).resetLine).toBe(true);
    const before = board.firmware.bootRecord.count;
    await dut.reset();
    expect(board.firmware.bootRecord).toMatchObject({ count: before + 1, reason: 'pin-reset' });
  });

  it('runs power and reset commands with their deadlines; a failing one names itself and what it said', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'suitrig-lab-'));
    const { link } = await boardOnPairedLink();
    const lab = benchLabEntry({
      power: { off: { argv: ['touch', join(dir, 'off')] }, on: { shell: `touch ${join(dir, 'on')}` }, settleMs: 10, timeoutMs: 5_000 },
      reset: { method: 'command', command: { shell: 'echo relay stuck >&2; exit 3' }, timeoutMs: 5_000, waitMs: 0 },
    });
    const dut = await SmpDut.open('bench', await PortBoard.open(resolved(link.pathA, lab)));
    cleanups.push(() => dut.close());
    expect(dut.power).toBeDefined();
    expect(capabilitiesOf(dut).power).toBe(true);
    await dut.power!.cut();
    expect(existsSync(join(dir, 'off'))).toBe(true);
    await dut.power!.restore();
    expect(existsSync(join(dir, 'on'))).toBe(true);
    await expect(dut.reset()).rejects.toThrow(/reset command: `echo relay stuck >&2; exit 3` failed \(exit status 3\); it said: relay stuck/);
    await expect(runExternalCommand({ argv: ['sleep', '5'] }, { timeoutMs: 50, what: 'power on command' })).rejects.toThrow(new LabControlError('power on command: `sleep 5` did not finish within 50 ms and was killed'));
    // Relative paths in a lab's commands mean the lab file's folder, like every other path in rig.yaml.
    await runExternalCommand({ shell: 'touch relative-marker', cwd: dir }, { timeoutMs: 5_000, what: 'reset command' });
    expect(existsSync(join(dir, 'relative-marker'))).toBe(true);
  });

  it("restores the lab's known-good MCUboot image through the image group when the board runs something else, and only then", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'suitrig-kg-'));
    const key = generateSigningKey('es256') as PrivateKey;
    const trust = { anchors: [trustAnchorFor(key, 'author', 'author key')], require: [] };
    const { link, board } = await boardOnPairedLink({ trust });
    const image = (version: string, counter: number) => createImage(buildAppImage({ behaviour: 'healthy', version: parseAppVersion(version), size: 8 * 1024 }), { key, version: parseVersion(version), securityCounter: counter });
    const knownGood = join(dir, 'known-good.bin');
    writeFileSync(knownGood, image('1.0.0', 1));
    const dut = await SmpDut.open('bench', await PortBoard.open(resolved(link.pathA, benchLabEntry({ knownGood }))));
    cleanups.push(() => dut.close());
    // The board starts empty (serial recovery): the known-good image goes to its primary slot.
    let r = await dut.restoreKnownGood();
    expect(r.detail).toMatch(/^flashed the known-good image .*known-good\.bin \(8\.\d KiB\) and reset$/);
    expect(board.state).toMatchObject({ kind: 'running', appVersion: '1.0.0' });
    r = await dut.restoreKnownGood();
    expect(r.detail).toMatch(/^the board is still in its known-good state/);
    // Same security counter: a bootloader with rollback protection would refuse an older one back.
    await dut.image!.flash(image('1.1.0', 1), { mode: 'confirm' });
    await dut.reset();
    expect(board.state).toMatchObject({ kind: 'running', appVersion: '1.1.0' });
    r = await dut.restoreKnownGood();
    expect(r).toMatchObject({ restored: true });
    expect(board.state).toMatchObject({ kind: 'running', appVersion: '1.0.0' });
  });

  it("gives the host the lab's trust anchors, roles and identity to predict with", () => {
    const key = generateSigningKey('es256') as PrivateKey;
    const p = labProvision(benchLabEntry({ trust: [trustAnchorFor(key, 'author', 'author.pub.pem')], require: ['author'], identity: { vendorId: 'fa6b4a53-d5ad-5fdf-be9d-e663e4d41ffe' } }))!;
    expect(p.require).toEqual(['author']);
    expect(Buffer.from(p.identity!.vendorIds![0]!).toString('hex')).toBe('fa6b4a53d5ad5fdfbe9de663e4d41ffe');
    expect(labProvision(benchLabEntry({}))).toBeUndefined();
  });
});

/**
 * Boards without the SUIT group (stock Zephyr + MCUboot: rc 8 on groups 66 and 67), modelled
 * by an SMP server with only the OS and image groups over the virtual board: the host verifies
 * each manifest with the board's trust anchors and delivers the payload — an MCUboot image —
 * through the image group, every such decision marked as the host's; the cases that need the
 * board's own SUIT decision are reported not applicable, with the reason.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freshVirtualTarget } from '../../../rig/lab/resolve.js';
import { hostPredictor } from '../../../rig/runner/predictor.js';
import { runSuite } from '../../../rig/runner/runner.js';
import type { Suite } from '../../../rig/suites/api.js';
import { createRfc9019Suite } from '../../../rig/suites/rfc9019/index.js';
import { stockProvider } from '../helpers/stock-board.js';

describe('rfc9019 on a board without the SUIT group', () => {
  it('the host decides and delivers MCUboot images through the image group; board-decision cases are not applicable', async () => {
    const logDir = mkdtempSync(join(tmpdir(), 'suitrig-stock-'));
    const r = await runSuite({
      suite: createRfc9019Suite({ appSize: 24 * 1024, powerCutSamples: 1 }) as Suite,
      boards: [{ name: 'stock', target: freshVirtualTarget(4_000_000, 'in-process') }],
      provider: stockProvider(4_000_000),
      seed: 5,
      logDir,
      predictor: hostPredictor,
    });
    const b = r.boards[0]!;
    expect(b.description).toMatch(/groups: image, no SUIT group: the host verifies manifests/);
    const by = new Map(b.cases.map((c) => [c.id, c]));
    const passed = b.cases.filter((c) => c.outcome === 'passed').map((c) => c.id);
    expect(passed).toEqual(['trusted-author-accepted', 'integrated-payload-accepted', 'never-confirms-reverted', 'crash-reverted', 'confirmed-survives-reboots']);
    for (const id of passed) expect(by.get(id)!.actual).toMatchObject({ decision: { kind: 'accept' }, source: 'host' });
    const na = b.cases.filter((c) => c.outcome === 'not-applicable');
    expect(na.length).toBe(b.cases.length - passed.length);
    for (const c of na) expect(c.message).toMatch(/^not applicable: needs the board's own SUIT decision; the board has no SUIT group \(the host verifies manifests for it\)/);
    expect(by.get('power-cut-recovers')!.message).toMatch(/needs armed faults, which only virtual boards offer/);
    const { readFileSync } = await import('node:fs');
    const log = readFileSync(b.logPath, 'utf8');
    expect(log).toMatch(/MCUboot image [\d.]+ KiB uploaded through the image group and marked for a test boot \(the host verified the manifest; the board has no SUIT group and did not verify it itself\)/);
  });

  it('a manifest the host refuses never reaches the board, and the refusal says the host decided', async () => {
    const { SmpDut } = await import('../../../rig/dut/smp-dut.js');
    const { openStockBoard } = await import('../helpers/stock-board.js');
    const { prepareFixtures, provisionOf } = await import('../../../rig/suites/rfc9019/fixtures.js');
    const { seededRng } = await import('../../../rig/runner/seed.js');
    const workDir = mkdtempSync(join(tmpdir(), 'suitrig-stock-'));
    const f = await prepareFixtures({ seed: 9, rng: seededRng(9), workDir, signal: new AbortController().signal, log: () => undefined }, { appSize: 8 * 1024 });
    const { capabilitiesOf } = await import('../../../rig/dut/types.js');
    const { protocols, board } = await openStockBoard('stock', { workDir, baud: 4_000_000, provision: provisionOf(f) });
    const dut = await SmpDut.open('stock', protocols);
    expect(dut.update?.decides).toBe('host');
    const info = { name: 'stock', target: freshVirtualTarget(4_000_000, 'in-process'), capabilities: capabilitiesOf(dut), provision: dut.provision! };
    const bad = f.update(info, 1n, { app: 'next', vendor: 'other' });
    const before = board.firmware.flash.opCount;
    const r = await dut.update!.deliverEnvelope(bad.envelope);
    expect(r).toMatchObject({ source: 'host', missing: [], decision: { kind: 'reject', reason: 'condition-failed', detail: 'vendor-identifier' } });
    expect((r.decision as { message: string }).message).toMatch(/the board has no SUIT group and did not verify it itself/);
    expect(board.firmware.flash.opCount).toBe(before);
    await dut.close();
  });
});

/**
 * What the dashboard shows beyond the state machine, recorded by the service's real parts (issue
 * 14), on PGlite and on the PostgreSQL server: an update campaign records each transfer to the
 * board (envelope and payload, bytes and time) in the board's history and the board's console
 * lines in board_console; a QA run's report names the step where a failed case failed and
 * carries its payload transfers (upload throughput). No browser needed.
 */
import { afterEach, expect, it } from 'vitest';
import { campaignView } from '../../rig/service/campaigns/store.js';
import { consoleTail } from '../../rig/service/store/console.js';
import { runReports, runView } from '../../rig/service/runs/store.js';
import { APP_URI, app, envelope, es256Key } from '../board/fixtures.js';
import { describeOnDatabases } from '../helpers/databases.js';
import { startWorkWithAgent, storeRelease, virtualLab, waitFor, type WorkHarness } from '../helpers/service.js';

describeOnDatabases('dashboard data: transfers, console lines, failing steps', (flavour) => {
  let h: WorkHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('a campaign records each transfer on the board history and the console lines the board printed', async () => {
    h = await startWorkWithAgent(flavour, virtualLab([{ name: 'b1' }]));
    const payload = app('1.1.0', 'healthy', 8 * 1024);
    const rel = await storeRelease(h.db, envelope({ sequence: 2, payload, key: es256Key }), new Map([[APP_URI, payload]]), 2);
    const id = await h.work.campaigns.create({ release: rel, boards: ['b1'] }, null);
    const c = await waitFor(() => campaignView(h!.db, id), (x) => x.state !== 'running', 30_000, 'the campaign');
    expect(c.boards[0]!.state, c.boards[0]!.reason ?? '').toBe('confirmed');
    const uploads = await h.db.query<{ detail: Record<string, unknown> }>("SELECT detail FROM board_history WHERE board = 'b1' AND kind = 'upload' ORDER BY id");
    expect(uploads.map((u) => [u.detail.campaign, u.detail.what, u.detail.uri ?? null, u.detail.bytes])).toEqual([
      [id, 'envelope', null, expect.any(Number)],
      [id, 'payload', APP_URI, payload.length],
    ]);
    for (const u of uploads) expect(u.detail.ms).toBeGreaterThan(0);
    // The envelope went before the board decided, the payload after the board asked for it, both before it was installed.
    const order = await h.db.query<{ kind: string; state: string | null }>("SELECT kind, detail->>'state' AS state FROM board_history WHERE board = 'b1' AND kind IN ('campaign', 'upload') ORDER BY id");
    expect(order.map((o) => o.state ?? o.kind)).toEqual(['pending', 'delivering', 'upload', 'upload', 'installed', 'rebooting', 'booted', 'confirmed']);
    // What the board printed while it was reset into the new image: the relay sends it within a second.
    const printed = await waitFor(() => consoleTail(h!.db, 'b1', 100), (t) => t.lines.some((l) => l.text.includes('app 1.1.0 (healthy) started')), 5_000, 'the console lines');
    expect(printed.lines.some((l) => /Starting bootloader/.test(l.text))).toBe(true);
  });

  // The run's own wait is 60 s; the test's limit must lie beyond it, or a loaded machine fails the
  // test before the wait can say what it waited for.
  it("a QA run's report names the failing step of a failed case and carries its payload transfers", { timeout: 120_000 }, async () => {
    // accept-rollback: the board takes a replayed older manifest, which the case expects refused.
    h = await startWorkWithAgent(flavour, virtualLab([{ name: 'b1' }, { name: 'b2', quirks: ['accept-rollback'] }]));
    const id = await h.work.runs.create({ suite: 'rfc9019', boards: ['b1', 'b2'], cases: ['rollback-replay-rejected'], seed: 7 }, null);
    await waitFor(() => runView(h!.db, id), (r) => r.finishedAt !== null, 60_000, 'the run');
    const { report } = await runReports(h.db, id);
    const caseOf = (board: string) => report!.boards.find((b) => b.name === board)!.cases[0]!;
    const failed = caseOf('b2');
    expect(failed.outcome).toBe('failed');
    expect(failed.failedStep).toBe('replay the old manifest');
    expect(failed.steps.every((s) => s.outcome === 'passed')).toBe(true);
    expect(failed.message).toMatch(/^expected reject \(rollback\), board accepted/);
    const passed = caseOf('b1');
    expect(passed.outcome).toBe('passed');
    expect(passed.failedStep).toBeUndefined();
    for (const c of [failed, passed]) {
      // The newer update's payload (the replayed manifest is refused before any payload, or taken without one).
      expect(c.transfers).toEqual([{ uri: APP_URI, bytes: expect.any(Number), ms: expect.any(Number), atMs: expect.any(Number) }]);
      expect(c.transfers![0]!.atMs).toBeLessThanOrEqual(c.durationMs);
      expect(c.transfers![0]!.bytes).toBeGreaterThan(0);
    }
  });
});

/**
 * Update campaigns end to end without HTTP (issue 12 "Must show"), on PGlite and on the
 * PostgreSQL server: the work service on a scratch database, the in-process agent serving
 * virtual boards of a lab file at 1,000,000 baud, releases built with the author tooling.
 * - 4 boards in 2 rollout groups end all confirmed, the second group starting only after the first;
 * - a release for another vendor is refused, the campaign pauses at the error threshold, and the
 *   second group is untouched (nothing sent, no job);
 * - a test image that never confirms itself is reported reverted, with what the board runs after
 *   the reset, never confirmed.
 */
import { afterEach, expect, it } from 'vitest';
import { campaignView, type CampaignView } from '../../rig/service/campaigns/store.js';
import type { Lab } from '../../rig/lab/types.js';
import { APP_URI, app, envelope, es256Key, otherVendor } from '../board/fixtures.js';
import { describeOnDatabases } from '../helpers/databases.js';
import { startWorkWithAgent, storeRelease, virtualLab, waitFor, type WorkHarness } from '../helpers/service.js';

const SIZE = 8 * 1024;

describeOnDatabases('update campaigns', (flavour) => {
  let h: WorkHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function serve(lab: Lab): Promise<WorkHarness> {
    h = await startWorkWithAgent(flavour, lab);
    return h;
  }

  async function release(version: string, sequence: number, o: { behaviour?: 'healthy' | 'never-confirms'; vendor?: Uint8Array } = {}): Promise<string> {
    const payload = app(version, o.behaviour ?? 'healthy', SIZE);
    const env = envelope({ sequence, payload, key: es256Key, ...(o.vendor ? { vendor: o.vendor } : {}) });
    return storeRelease(h!.db, env, new Map([[APP_URI, payload]]), sequence);
  }

  const settled = (c: CampaignView): boolean => c.state !== 'running';

  it('4 boards in 2 rollout groups: all confirmed, group 2 starts after group 1 has confirmed', async () => {
    const { work, db } = await serve(virtualLab(['b1', 'b2', 'b3', 'b4'].map((name) => ({ name, tags: ['bench'] }))));
    const rel = await release('1.1.0', 2);
    const id = await work.campaigns.create({ release: rel, tag: 'bench', groups: [2, 2], deadline_s: 60 }, null);
    const c = await waitFor(() => campaignView(db, id), settled, 60_000, `campaign ${id} to settle`);
    expect(c.state, c.reason ?? '').toBe('done');
    expect(c.boards.map((b) => [b.board, b.group, b.state, b.attempts])).toEqual([
      ['b1', 0, 'confirmed', 1],
      ['b2', 0, 'confirmed', 1],
      ['b3', 1, 'confirmed', 1],
      ['b4', 1, 'confirmed', 1],
    ]);
    const lastOfGroup1 = Math.max(...c.boards.filter((b) => b.group === 0).map((b) => Date.parse(b.finishedAt!)));
    for (const b of c.boards.filter((x) => x.group === 1)) expect(Date.parse(b.startedAt!)).toBeGreaterThanOrEqual(lastOfGroup1);
    for (const b of c.boards) expect(b.detail.after).toMatchObject({ suit_sequence: 2, app_version: expect.stringMatching(/^1\.1\.0\b/) });
    // Every board walked every state, each recorded in its history in order.
    const walk = await db.query<{ board: string; states: string[] }>(
      "SELECT board, array_agg(detail->>'state' ORDER BY id) AS states FROM board_history WHERE kind = 'campaign' GROUP BY board ORDER BY board",
    );
    for (const w of walk) expect(w.states).toEqual(['pending', 'delivering', 'installed', 'rebooting', 'booted', 'confirmed']);
    // The inventory holds what each board runs now; the boards are free again.
    const boards = await db.query<{ name: string; state: string; status: { suit_sequence: number } }>('SELECT name, state, status FROM boards ORDER BY name');
    expect(boards.map((b) => [b.name, b.state, b.status.suit_sequence])).toEqual([
      ['b1', 'idle', 2],
      ['b2', 'idle', 2],
      ['b3', 'idle', 2],
      ['b4', 'idle', 2],
    ]);
    expect(await db.query('SELECT * FROM board_claims')).toEqual([]);
  });

  it('a release for another vendor: refused, the campaign pauses at the error threshold, group 2 untouched', async () => {
    const { work, db } = await serve(virtualLab(['b1', 'b2', 'b3', 'b4'].map((name) => ({ name }))));
    const rel = await release('1.1.0', 2, { vendor: otherVendor });
    const id = await work.campaigns.create({ release: rel, boards: ['b1', 'b2', 'b3', 'b4'], groups: [2, 2], error_threshold: 0.5 }, null);
    const c = await waitFor(() => campaignView(db, id), (x) => x.state !== 'running' && x.boards.filter((b) => b.group === 0).every((b) => b.state !== 'delivering' && b.state !== 'pending'), 60_000, 'the campaign to pause');
    expect(c.state).toBe('paused');
    expect(c.reason).toMatch(/^group 1: [12] of 2 boards ended in error, the error threshold \(50%\): b[12] refused: .*condition-failed \(vendor-identifier/);
    expect(c.boards.filter((b) => b.group === 0).map((b) => [b.board, b.state])).toEqual([
      ['b1', 'refused'],
      ['b2', 'refused'],
    ]);
    expect(c.boards.find((b) => b.board === 'b1')!.reason).toMatch(/refused.*vendor-identifier/);
    // Group 2: nothing was sent, no job was ever queued, nothing in its history past pending.
    expect(c.boards.filter((b) => b.group === 1).map((b) => [b.board, b.state, b.attempts, b.jobId])).toEqual([
      ['b3', 'pending', 0, null],
      ['b4', 'pending', 0, null],
    ]);
    const later = await db.query("SELECT * FROM board_history WHERE board IN ('b3', 'b4') AND kind = 'campaign' AND detail->>'state' <> 'pending'");
    expect(later).toEqual([]);
    // Still paused a while later: nothing moves on by itself.
    await new Promise((r) => setTimeout(r, 800));
    expect((await campaignView(db, id)).boards.filter((b) => b.group === 1).map((b) => b.state)).toEqual(['pending', 'pending']);
  });

  it('a test image that never confirms itself is reported reverted, with what the board runs after the reset', async () => {
    const { work, db } = await serve(virtualLab([{ name: 'b1' }]));
    const base = await work.campaigns.create({ release: await release('1.0.0', 1), boards: ['b1'] }, null);
    expect((await waitFor(() => campaignView(db, base), settled, 30_000, 'the base campaign')).boards[0]!.state).toBe('confirmed');
    const id = await work.campaigns.create({ release: await release('1.1.0', 2, { behaviour: 'never-confirms' }), boards: ['b1'], confirm_s: 1 }, null);
    const c = await waitFor(() => campaignView(db, id), settled, 30_000, 'the campaign to end');
    const b = c.boards[0]!;
    expect(b.state).toBe('reverted');
    expect(b.reason).toMatch(/^the new image booted but never confirmed itself within 1 s; after a reset the board runs sequence 1 \(app 1\.0\.0\) again \(boot \d+: revert, reset reason soft-reset\)$/);
    expect(b.detail.after).toMatchObject({ suit_sequence: 1, app_version: expect.stringMatching(/^1\.0\.0\b/) });
    const walk = await db.query<{ state: string }>("SELECT detail->>'state' AS state FROM board_history WHERE board = 'b1' AND kind = 'campaign' AND (detail->>'campaign')::int = $1 ORDER BY id", [id]);
    expect(walk.map((w) => w.state)).toEqual(['pending', 'delivering', 'installed', 'rebooting', 'booted', 'rebooting', 'reverted']);
    expect(c.state).toBe('done');
    expect(c.reason).toBe('1 reverted');
  });
});

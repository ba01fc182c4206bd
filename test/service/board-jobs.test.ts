/**
 * Jobs on boards (rig/service/jobs/), on PGlite and on the PostgreSQL server, without boards
 * attached: workers are played by the test. Issue 12: "a job that its worker dropped (process
 * killed) comes back after its lease and is retried or failed by rule, never lost and never run
 * twice at once on one board".
 */
import { afterEach, expect, it } from 'vitest';
import { INTERNAL, registerBoards, setBoardState } from '../../rig/service/store/boards.js';
import type { TakenJob } from '../../rig/service/jobs/board-jobs.js';
import { campaignView } from '../../rig/service/campaigns/store.js';
import { APP_URI, app, envelope, es256Key } from '../board/fixtures.js';
import { describeOnDatabases } from '../helpers/databases.js';
import { startWork, storeRelease, waitFor, type WorkHarness } from '../helpers/service.js';

describeOnDatabases('jobs on boards', (flavour) => {
  let h: WorkHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function setup(boards: string[]): Promise<WorkHarness> {
    // A short lease, and no sweep of its own: the test runs the sweep when it means to.
    h = await startWork(flavour, { leaseMs: 400, sweepMs: 3_600_000, deadlineGraceS: 0 });
    await h.db.query("INSERT INTO agents (name, instance) VALUES ('lab', 'first')");
    await registerBoards(h.db, 'lab', 'host', boards.map((name) => ({ name, kind: 'virtual' })), INTERNAL, true);
    for (const b of boards) await h.work.jobs.ensureQueue(b);
    return h;
  }

  async function campaign(boards: string[]): Promise<number> {
    const payload = app('1.1.0', 'healthy', 1024);
    const rel = await storeRelease(h!.db, envelope({ sequence: 2, payload, key: es256Key }), new Map([[APP_URI, payload]]), 2);
    return h!.work.campaigns.create({ release: rel, boards }, null);
  }

  it('a dropped job comes back after its lease, to another worker, resuming where the board was; the lost worker is refused', async () => {
    const { work, db } = await setup(['j1']);
    const id = await campaign(['j1']);
    const first = (await work.jobs.take('lab', 'first', 'j1'))!;
    expect(first.context).toMatchObject({ state: 'pending', attempt: 1 });
    expect(await work.campaigns.report(first.claim, id, { to: 'delivering' })).toBe(true);
    expect(await work.campaigns.report(first.claim, id, { to: 'installed', reason: 'accepted' })).toBe(true);
    // While its claim holds, nobody else gets the board.
    expect(await work.jobs.take('lab', 'second', 'j1')).toBeUndefined();
    expect((await db.query<{ state: string }>("SELECT state FROM boards WHERE name = 'j1'"))[0]!.state).toBe('busy');
    // The worker dies: no renewal. After the lease the sweep fails the job back to the queue.
    await new Promise((r) => setTimeout(r, 500));
    await work.sweep();
    expect(await work.jobs.jobState(first.claim.queue, first.claim.jobId)).toBe('retry');
    const second = (await work.jobs.take('lab', 'second', 'j1'))!;
    expect(second.claim.jobId).toBe(first.claim.jobId);
    expect(second.job.retryCount).toBe(1);
    expect(second.context).toMatchObject({ state: 'installed', attempt: 2 });
    // The first worker, back from the dead, can change nothing.
    expect(await work.campaigns.report(first.claim, id, { to: 'rebooting' })).toBe(false);
    expect(await work.campaigns.finish(first.claim, id, { to: 'failed', reason: 'stale' })).toBe(false);
    expect(await work.jobs.renew(first.claim)).toBe(false);
    expect(await work.campaigns.finish(second.claim, id, { to: 'confirmed', reason: 'runs it' })).toBe(true);
    const c = await campaignView(db, id);
    expect(c.state).toBe('done');
    expect(c.boards[0]).toMatchObject({ state: 'confirmed', attempts: 2 });
    expect(await work.jobs.jobState(second.claim.queue, second.claim.jobId)).toBe('completed');
    const history = await db.query<{ kind: string; detail: { event?: string; state?: string } }>("SELECT kind, detail FROM board_history WHERE board = 'j1' AND kind IN ('campaign', 'job') ORDER BY id");
    expect(history.map((l) => l.detail.state ?? l.detail.event)).toEqual(['pending', 'delivering', 'installed', 'dropped', 'confirmed']);
  });

  it('a job dropped more often than its rule allows is failed, with the reason, and the campaign goes on by its thresholds', async () => {
    const { work, db } = await setup(['j1']);
    const id = await campaign(['j1']);
    for (let attempt = 1; attempt <= 3; attempt++) {
      const t = await waitFor(() => work.jobs.take('lab', `w${attempt}`, 'j1'), (x) => x !== undefined, 10_000, `try ${attempt}`);
      expect(t!.job.retryCount).toBe(attempt - 1);
      await new Promise((r) => setTimeout(r, 500));
      await work.sweep();
    }
    // Retries used up: pg-boss dead-letters the job, and the board is failed with the reason.
    const c = await waitFor(() => campaignView(db, id), (x) => x.state !== 'running', 15_000, 'the campaign to settle');
    expect(c.boards[0]).toMatchObject({ state: 'failed', attempts: 3, reason: expect.stringMatching(/^its job was given up after 3 attempts: its worker \(agent lab\) stopped renewing its claim: presumed lost$/) });
    expect(c).toMatchObject({ state: 'done', reason: '1 failed' });
    expect(await work.jobs.take('lab', 'w4', 'j1')).toBeUndefined();
  });

  it('a board whose job no agent takes within the deadline (its agent gone) is timed-out, naming why', async () => {
    const { work, db } = await setup(['j1', 'j2']);
    await db.transaction((tx) => setBoardState(tx, 'j2', 'offline', 'agent lab sent no heartbeat'));
    const payload = app('1.1.0', 'healthy', 1024);
    const rel = await storeRelease(db, envelope({ sequence: 2, payload, key: es256Key }), new Map([[APP_URI, payload]]), 2);
    const id = await work.campaigns.create({ release: rel, boards: ['j1', 'j2'], deadline_s: 1, success_threshold: 0 }, null);
    const first = (await work.jobs.take('lab', 'w', 'j1'))!;
    expect(await work.jobs.take('lab', 'w', 'j2')).toBeUndefined();
    // j1's worker renews its claim meanwhile, as a live worker does.
    for (let i = 0; i < 6; i++) {
      await new Promise((r) => setTimeout(r, 200));
      expect(await work.jobs.renew(first.claim)).toBe(true);
    }
    await work.sweep();
    const c = await campaignView(db, id);
    expect(c.boards.map((b) => [b.board, b.state, b.reason])).toEqual([
      ['j1', 'pending', null],
      ['j2', 'timed-out', 'no agent took its job within the deadline: the board is offline'],
    ]);
    // j1's worker is still on it: not timed out, even past the deadline.
    expect(await work.campaigns.finish(first.claim, id, { to: 'confirmed', reason: 'runs it' })).toBe(true);
    expect(await campaignView(db, id)).toMatchObject({ state: 'done', reason: '1 confirmed, 1 timed-out' });
  });

  it('an agent taking a job while the operator cancels the campaign: both go through, never a deadlock', async () => {
    const { work, db } = await setup(['j1']);
    for (let i = 0; i < 15; i++) {
      const payload = app(`1.1.${i}`, 'healthy', 1024);
      const rel = await storeRelease(db, envelope({ sequence: 2 + i, payload, key: es256Key }), new Map([[APP_URI, payload]]), 2 + i);
      const id = await work.campaigns.create({ release: rel, boards: ['j1'] }, null);
      const [taken, cancelled] = await Promise.all([work.jobs.take('lab', `w${i}`, 'j1'), work.campaigns.cancel(id)]);
      expect(cancelled.state).toBe('cancelled');
      const b = (await campaignView(db, id)).boards[0]!;
      // Either the agent took it first (the board walks on) or the cancel came first (nothing starts).
      if (taken) expect(await work.campaigns.finish(taken.claim, id, { to: 'confirmed', reason: 'runs it' })).toBe(true);
      else expect(b.state).toBe('cancelled');
    }
  });

  it('never two jobs at once on one board: racing takers get one job, the next waits until it is finished', async () => {
    const { work } = await setup(['j1']);
    const run1 = await work.runs.create({ suite: 'rfc9019', boards: ['j1'], seed: 1 }, null);
    const run2 = await work.runs.create({ suite: 'rfc9019', boards: ['j1'], seed: 2 }, null);
    const raced = await Promise.all(['a', 'b', 'c', 'd'].map((w) => work.jobs.take('lab', w, 'j1')));
    const got = raced.filter((t): t is TakenJob => t !== undefined);
    expect(got).toHaveLength(1);
    expect(got[0]!.job.data).toMatchObject({ kind: 'run', run: run1 });
    expect(await work.jobs.take('lab', 'e', 'j1')).toBeUndefined();
    expect(await work.runs.boardResult(got[0]!.claim, run1, { error: 'the test finished it' })).toBe(true);
    const next = (await work.jobs.take('lab', 'e', 'j1'))!;
    expect(next.job.data).toMatchObject({ kind: 'run', run: run2 });
  });
});

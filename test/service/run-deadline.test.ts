/**
 * Every job has a deadline (issue 13): a QA run's board whose job no agent works on — the board
 * offline, or its agent gone — fails after the service's run wait with the reason, its queued job
 * cancelled, and the run ends; a board whose job an agent holds (renewing its claim) is left to
 * it. On PGlite and on the PostgreSQL server.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, expect, it } from 'vitest';
import { INTERNAL, registerBoards, reportBoard } from '../../rig/service/store/boards.js';
import { describeOnDatabases } from '../helpers/databases.js';
import { startWork, waitFor, type WorkHarness } from '../helpers/service.js';

describeOnDatabases('run deadlines', (flavour) => {
  let h: WorkHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("fails a board's part no agent works on within the run wait, and leaves a worked one alone", async () => {
    h = await startWork(flavour, { runWaitS: 2 });
    const db = h.db;
    await registerBoards(db, 'lab', 'host', [{ name: 'q1', kind: 'virtual' }, { name: 'q2', kind: 'virtual' }], INTERNAL, true);
    await reportBoard(db, 'q1', { kind: 'status', state: 'offline' }, INTERNAL);
    const lonely = await h.work.runs.create({ suite: 'rfc9019', boards: ['q1'], cases: ['trusted-author-accepted'] }, null);
    const worked = await h.work.runs.create({ suite: 'rfc9019', boards: ['q2'], cases: ['trusted-author-accepted'] }, null);
    const taken = (await h.work.jobs.take('lab', randomUUID(), 'q2'))!;
    expect(taken.job.data).toMatchObject({ kind: 'run', run: worked });

    const parts = (run: number) => db.query<{ state: string; reason: string | null; job_id: string }>('SELECT state, reason, job_id FROM run_boards WHERE run = $1', [run]);
    const state = async (run: number) => (await db.query<{ state: string }>('SELECT state FROM runs WHERE id = $1', [run]))[0]!.state;
    // The worker of q2 renews its claim meanwhile, as an agent does.
    const renew = setInterval(() => void h?.work.jobs.renew(taken.claim), 500);
    try {
      await waitFor(() => state(lonely), (s) => s === 'failed', 15_000, 'the unworked run to fail');
      const [part] = await parts(lonely);
      expect(part!.reason).toBe('no agent worked on it for 2 s (the board is offline)');
      expect(await h.work.jobs.jobState('board.q1', part!.job_id)).toBe('cancelled');
      const history = await db.query<{ detail: { state: string } }>("SELECT detail FROM board_history WHERE board = 'q1' AND kind = 'run' ORDER BY id");
      expect(history.map((x) => x.detail.state).at(-1)).toBe('failed');
      // Well past the wait, q2's part is still its worker's.
      await new Promise((r) => setTimeout(r, 3_000));
      expect((await parts(worked))[0]!.state).toBe('running');
      expect(await state(worked)).toBe('running');
    } finally {
      clearInterval(renew);
    }
  }, 60_000);
});

/**
 * The service killed mid-campaign (issue 12 "Must show": "the service killed (SIGKILL)
 * mid-campaign and started again finishes the campaign with no board updated twice and no state
 * lost"), on PGlite and on the PostgreSQL server: a real `suitrig serve --lab` child (built CLI)
 * serving 4 virtual boards that run as their own processes over tcp (as boards on a lab's
 * ser2net would: they live on when the service dies), a release uploaded and a campaign started
 * over HTTP, the service SIGKILLed while a board is being updated, then started again on the same
 * database. The campaign finishes: every board confirmed, each accepted the release exactly once
 * and went through exactly one reset (its boot count, read from the board itself), every board's
 * walk in its history, and the interrupted boards resumed by a retry of their job.
 */
import { afterEach, expect, it } from 'vitest';
import { describeOnDatabases, scratchDatabase, type ScratchDatabase } from '../helpers/databases.js';
import { LabProcesses, ServiceCalls, bootCount } from '../helpers/lab-service.js';
import { waitFor } from '../helpers/service.js';
import { tempDir } from '../rig/helpers/lab-files.js';

const BOARDS = ['t1', 't2', 't3', 't4'];
const ACTIVE = ['delivering', 'installed', 'rebooting', 'booted'];

describeOnDatabases('the service killed mid-campaign', (flavour) => {
  let procs: LabProcesses | undefined;
  let scratch: ScratchDatabase | undefined;
  afterEach(async () => {
    await procs?.stopAll();
    await scratch?.drop();
    procs = undefined;
    scratch = undefined;
  });

  it('finishes the campaign when started again: every board confirmed once, with one reset, nothing lost', async () => {
    scratch = await scratchDatabase(flavour);
    const lab = (procs = new LabProcesses(tempDir('suitrig-restart-'), scratch.spec));
    const boards = await lab.tcpBoards(BOARDS);
    const bootsBefore = await Promise.all(boards.map((b) => bootCount(b.where)));
    const auth = lab.token('operator');
    const serveArgs = ['--lab', 'rig.yaml', '--trust', 'author=keys/author.pub.pem'];

    let serve = await lab.serve('serve', serveArgs);
    let api = new ServiceCalls(serve.url, auth);
    const release = await api.release('1.1.0', 2);
    const id = await api.startCampaign({ release, tag: 'rack', groups: [2, 2], deadline_s: 120 });

    // Killed while a board is being updated.
    const before = await waitFor(() => api.campaign(id), (c) => c.boards.some((b) => ACTIVE.includes(b.state)), 30_000, 'a board to be updated');
    await lab.kill('serve');
    // Taken by the agent when last seen (a board taken since is only known to the database).
    const taken = before.boards.filter((b) => b.attempts > 0).map((b) => b.board);
    expect(before.boards.some((b) => ACTIVE.includes(b.state))).toBe(true);

    serve = await lab.serve('serve', serveArgs);
    api = api.at(serve.url);
    const done = await waitFor(() => api.campaign(id), (c) => c.state !== 'running', 90_000, 'the campaign to finish after the restart');
    expect(done.state, serve.stderr()).toBe('done');
    expect(done.boards.map((b) => [b.board, b.state])).toEqual(BOARDS.map((b) => [b, 'confirmed']));
    // The boards that were being updated got their job again (a retry of the dropped job); the others once.
    for (const b of done.boards) {
      if (taken.includes(b.board)) expect(b.attempts, b.board).toBe(2);
      else expect([1, 2], b.board).toContain(b.attempts);
    }

    // Each board: accepted the release once, went through exactly one reset.
    const bootsAfter = await Promise.all(boards.map((b) => bootCount(b.where)));
    expect(bootsAfter).toEqual(bootsBefore.map((n) => n + 1));
    for (const b of BOARDS) {
      const walk = await api.walk(b, id);
      expect(walk[0], b).toBe('pending');
      expect(walk.at(-1), b).toBe('confirmed');
      expect(walk.filter((s) => s === 'installed').length, `${b}: ${walk.join(' ')}`).toBeLessThanOrEqual(1);
      expect(walk.indexOf('delivering'), b).toBeGreaterThan(0);
    }
    expect(await lab.kill('serve', 'SIGTERM')).toBe(0);
  }, 240_000);
});

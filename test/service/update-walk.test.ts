/**
 * One board's walk through a campaign update (rig/service/agent/update-job.ts) resumed where a
 * dropped job left it — the cases a service killed at the wrong moment leaves behind: whatever
 * the board got to, the retried job asks it first and never delivers or resets more than the
 * update needs (one delivery accepted, one reset into the new image), and the verdict is what
 * the board shows. A virtual board of a lab file, through the agent's board driver.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openBoardDriver, type BoardDriver } from '../../rig/service/agent/board-driver.js';
import { walkUpdate, type UpdateJobInput, type UpdateReporter, type Verdict } from '../../rig/service/agent/update-job.js';
import type { BoardMoveReport } from '../../rig/service/agent/link.js';
import type { CampaignBoardState } from '../../rig/service/campaigns/states.js';
import { APP_URI, app, envelope, es256Key } from '../board/fixtures.js';
import { virtualLab } from '../helpers/service.js';

const v1 = app('1.0.0', 'healthy', 8192);
const v2 = app('1.1.0', 'healthy', 8192);
const release = (payload: Uint8Array, sequence: number) => ({ envelope: envelope({ sequence, payload, key: es256Key }), payloads: new Map([[APP_URI, payload]]) });

describe('a campaign update resumed after its job was dropped', () => {
  let driver: BoardDriver | undefined;
  afterEach(async () => {
    await driver?.close();
    driver = undefined;
  });

  async function boardOn1(): Promise<BoardDriver> {
    driver = await openBoardDriver(virtualLab([{ name: 'w1' }]).boards[0]!);
    const s = await driver.connect();
    await s.deliver(release(v1, 1).envelope, release(v1, 1).payloads, {});
    await s.resetAndRead();
    await s.close();
    return driver;
  }

  async function boots(d: BoardDriver): Promise<number> {
    const s = await d.connect();
    try {
      return (await s.readState()).boot!.count;
    } finally {
      await s.close();
    }
  }

  /** A reporter that notes each state reported, the ones passed on the way (`via`) first; `held` says whether the claim holds. */
  function recorder(moves: string[], held: (step: BoardMoveReport) => boolean = () => true): UpdateReporter {
    return { move: async (step) => (moves.push(...(step.via ?? []).map((v) => v.to), step.to), held(step)) };
  }

  /** The states the walk went through, the ones reported with its verdict included. */
  async function walk(d: BoardDriver, state: CampaignBoardState): Promise<{ verdict: Verdict; moves: string[] }> {
    const moves: string[] = [];
    const input: UpdateJobInput = { release: release(v2, 2), state, deadlineAt: new Date(Date.now() + 30_000), deadlineS: 30, confirmS: 2, attempt: 2 };
    const verdict = await walkUpdate(d, input, recorder(moves), new AbortController().signal);
    moves.push(...(verdict.via ?? []).map((v) => v.to));
    return { verdict, moves };
  }

  /** The first attempt got the board to accept and install the release, then its job was dropped. */
  async function installedThenDropped(d: BoardDriver): Promise<void> {
    const s = await d.connect();
    const out = await s.deliver(release(v2, 2).envelope, release(v2, 2).payloads, {});
    expect(out.result).toBe('installed');
    await s.close();
  }

  it('dropped before anything was sent (delivering): delivers, resets once, confirmed', async () => {
    const d = await boardOn1();
    const n = await boots(d);
    const { verdict, moves } = await walk(d, 'delivering');
    expect(verdict).toMatchObject({ to: 'confirmed', reason: expect.stringMatching(/runs sequence 2 \(app 1\.1\.0\), confirmed/) });
    expect(moves).toEqual(['delivering', 'installed', 'rebooting', 'booted']);
    expect(await boots(d)).toBe(n + 1);
  });

  it('dropped after the board accepted, before that was recorded (delivering): not delivered again, reset once', async () => {
    const d = await boardOn1();
    await installedThenDropped(d);
    const n = await boots(d);
    const { verdict, moves } = await walk(d, 'delivering');
    expect(verdict.to).toBe('confirmed');
    expect(moves).toEqual(['rebooting', 'booted']);
    expect(await boots(d)).toBe(n + 1);
  });

  it('dropped at installed or rebooting before the reset: reset once, confirmed', async () => {
    for (const state of ['installed', 'rebooting'] as const) {
      const d = await boardOn1();
      await installedThenDropped(d);
      const n = await boots(d);
      const { verdict, moves } = await walk(d, state);
      expect(verdict.to, state).toBe('confirmed');
      expect(moves, state).toEqual(['rebooting', 'booted']);
      expect(await boots(d), state).toBe(n + 1);
      await d.close();
      driver = undefined;
    }
  });

  it('dropped after the reset (rebooting, booted): the board runs the release, nothing sent, no reset', async () => {
    for (const state of ['rebooting', 'booted'] as const) {
      const d = await boardOn1();
      await installedThenDropped(d);
      const s = await d.connect();
      await s.resetAndRead();
      await s.close();
      const n = await boots(d);
      const { verdict, moves } = await walk(d, state);
      expect(verdict, state).toMatchObject({ to: 'confirmed', reason: 'the board runs the release, confirmed (found by attempt 2)' });
      expect(moves, state).toEqual([]);
      expect(await boots(d), state).toBe(n);
      await d.close();
      driver = undefined;
    }
  });

  it('a first attempt on a board that already runs the release: confirmed, nothing sent', async () => {
    const d = await boardOn1();
    const input: UpdateJobInput = { release: release(v1, 1), state: 'pending', deadlineAt: new Date(Date.now() + 30_000), deadlineS: 30, confirmS: 2, attempt: 1 };
    const moves: string[] = [];
    const verdict = await walkUpdate(d, input, recorder(moves), new AbortController().signal);
    expect(verdict).toMatchObject({ to: 'confirmed', reason: 'the board already ran this release, confirmed; nothing was sent' });
    expect(moves).toEqual([]);
  });

  it('a deadline that passes mid-update: timed-out, naming the state the board was in', async () => {
    const d = await boardOn1();
    const input: UpdateJobInput = { release: release(v2, 2), state: 'pending', deadlineAt: new Date(Date.now() + 1), deadlineS: 1, confirmS: 2, attempt: 1 };
    const verdict = await walkUpdate(d, input, { move: async () => true }, new AbortController().signal);
    expect(verdict).toMatchObject({ to: 'timed-out', reason: expect.stringMatching(/^no verdict within the deadline \(1 s from the first delivery\); the board was (pending|delivering)/) });
  });

  it('a claim lost mid-walk stops the walk at once, reporting nothing more', async () => {
    const d = await boardOn1();
    const moves: string[] = [];
    const input: UpdateJobInput = { release: release(v2, 2), state: 'pending', deadlineAt: new Date(Date.now() + 30_000), deadlineS: 30, confirmS: 2, attempt: 1 };
    const lostAtInstalled = recorder(moves, (step) => step.to !== 'installed' && !step.via?.some((v) => v.to === 'installed'));
    await expect(walkUpdate(d, input, lostAtInstalled, new AbortController().signal)).rejects.toThrow(/claim on the board was lost while it was delivering/);
    // The report of installed (with rebooting, before the reset) was the last: no reset, nothing more.
    expect(moves).toEqual(['delivering', 'installed', 'rebooting']);
  });
});

/**
 * Two `suitrig serve` processes on one PostgreSQL server, either one killed (issue 13: "several
 * `suitrig serve` instances on one PostgreSQL server serve the same API and dashboard, share the
 * job queue and the event stream, and any one of them can be killed without losing a campaign or
 * a run"). Instance A runs with `--lab`: its in-process agent serves 4 virtual boards, each its
 * own process over tcp (they live on when a service dies); instance B serves the API alone.
 * Campaigns are started through B. There is no leader: every instance is an engine — a campaign
 * moves in the transaction of whatever moved it (an agent's verdict, a sweep, an operator's call)
 * on whichever instance that arrived, serialised by the campaign's row lock.
 *
 * 1. A campaign started through B is worked by A's agent: every board confirmed, and B's event
 *    stream shows every move A made, with the same ids A's stream replays.
 * 2. B, which owns nothing, SIGKILLed mid-campaign: A finishes it; B started again replays to its
 *    clients, from their Last-Event-ID, what they missed.
 * 3. A, whose agent and transactions move the campaign, SIGKILLed mid-update: B keeps the API and
 *    the stream, its sweep reaps the dead agent's claim (the job back to the queue, with the
 *    reason), and the campaign finishes once the boards are served again (A started again).
 *
 * Each time: every board took the release once and went through exactly one reset (its boot
 * count, read from the board), every move is in its history, and nothing is lost. Server only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES_URL, scratchDatabase, type ScratchDatabase } from '../helpers/databases.js';
import { LabProcesses, ServiceCalls, bootCount, type CampaignJson, type Served } from '../helpers/lab-service.js';
import type { BoardProcess } from '../helpers/board-process.js';
import { waitFor } from '../helpers/service.js';
import { subscribe, type EventClient, type Received } from '../helpers/sse.js';
import { tempDir } from '../rig/helpers/lab-files.js';

const BOARDS = ['m1', 'm2', 'm3', 'm4'];
const ACTIVE = ['delivering', 'installed', 'rebooting', 'booted'];
const A_ARGS = ['--lab', 'rig.yaml', '--trust', 'author=keys/author.pub.pem'];
const B_ARGS = ['--trust', 'author=keys/author.pub.pem'];

describe.skipIf(!POSTGRES_URL)(POSTGRES_URL ? 'two serve instances on one PostgreSQL server, either one killed' : 'two serve instances on one PostgreSQL server, either one killed (skipped: SUITRIG_TEST_POSTGRES not set)', () => {
  let scratch: ScratchDatabase;
  let lab: LabProcesses;
  let boards: BoardProcess[];
  let a: Served;
  let b: Served;
  let auth: { authorization: string };
  const streams: EventClient[] = [];

  beforeAll(async () => {
    scratch = await scratchDatabase('postgres');
    lab = new LabProcesses(tempDir('suitrig-instances-'), scratch.spec);
    boards = await lab.tcpBoards(BOARDS);
    auth = lab.token('operator');
    [a, b] = await Promise.all([lab.serve('A', A_ARGS), lab.serve('B', B_ARGS)]);
  }, 120_000);

  afterAll(async () => {
    for (const s of streams) s.close();
    await lab?.stopAll();
    await scratch?.drop();
  });

  const boots = (): Promise<number[]> => Promise.all(boards.map((x) => bootCount(x.where)));

  /** A stream of B's (or another instance's) events from `after` on. */
  async function stream(url: string, after?: number): Promise<EventClient> {
    const s = await subscribe(url, { ...auth, ...(after !== undefined ? { 'last-event-id': String(after) } : {}) });
    streams.push(s);
    return s;
  }

  /** The campaign's events in a stream, as [id, board, state]. */
  const moves = (events: readonly Received[], id: number): [number, string, string][] =>
    events.filter((e) => e.event === 'campaign-board' && e.data.data.campaign === id).map((e) => [e.id, String(e.data.data.board), String(e.data.data.state)]);

  /** Every event of the database after `after` up to the campaign's end, replayed by `url`'s stream. */
  async function replayed(url: string, after: number, count: number): Promise<Received[]> {
    const r = await stream(url, after);
    const got = await r.next(count, 30_000);
    r.close();
    return got.slice(0, count);
  }

  /** What holds after every campaign: all confirmed, one update and one reset per board, every move in history and on the stream. */
  async function checkDone(api: ServiceCalls, id: number, bootsBefore: number[], seen: readonly Received[]): Promise<CampaignJson> {
    const done = await waitFor(() => api.campaign(id), (c) => c.state !== 'running', 120_000, `campaign ${id} to finish`);
    expect(done.state, `${done.reason}\nA: ${a.stderr().slice(-3000)}`).toBe('done');
    expect(done.boards.map((x) => [x.board, x.state])).toEqual(BOARDS.map((x) => [x, 'confirmed']));
    expect(await boots()).toEqual(bootsBefore.map((n) => n + 1));
    const streamed = moves(seen, id);
    for (const board of BOARDS) {
      const walk = await api.walk(board, id);
      expect(walk[0], board).toBe('pending');
      expect(walk.at(-1), board).toBe('confirmed');
      expect(walk.filter((s) => s === 'installed').length, `${board}: ${walk.join(' ')}`).toBeLessThanOrEqual(1);
      // Every move after 'pending' (recorded with the campaign) is in the history and on the stream, in order.
      expect(streamed.filter(([, x]) => x === board).map(([, , s]) => s), board).toEqual(walk.slice(1));
    }
    return done;
  }

  it("a campaign started through B is worked by A's agent; B's stream shows A's every move, with the ids A's stream replays", async () => {
    const api = new ServiceCalls(b.url, auth);
    const bootsBefore = await boots();
    const onB = await stream(b.url);
    const release = await api.release('1.1.0', 2);
    const id = await api.startCampaign({ release, tag: 'rack', groups: [2, 2], deadline_s: 120 });
    await checkDone(api, id, bootsBefore, await waitForMoves(() => onB.events, id));
    // A's stream, replaying from before B's first event, gives the same events with the same ids
    // (the boards go on printing: compare what B had so far).
    const seenOnB = onB.events.slice();
    const onA = await replayed(a.url, seenOnB[0]!.id - 1, seenOnB.length);
    expect(onA.map((e) => [e.id, e.event, e.data.subject])).toEqual(seenOnB.map((e) => [e.id, e.event, e.data.subject]));
    // Ids grow with every event (commit order), on either instance.
    expect(seenOnB.map((e) => e.id)).toEqual(seenOnB.map((e) => e.id).sort((x, y) => x - y));
  }, 120_000);

  it('B, serving only the API, SIGKILLed mid-campaign: A finishes it; B started again replays what its client missed', async () => {
    const viaA = new ServiceCalls(a.url, auth);
    const bootsBefore = await boots();
    const onB = await stream(b.url);
    const id = await new ServiceCalls(b.url, auth).startCampaign({ release: await viaA.release('1.2.0', 3), tag: 'rack', groups: [2, 2], deadline_s: 120 });
    await waitFor(() => viaA.campaign(id), (c) => c.boards.some((x) => ACTIVE.includes(x.state)), 30_000, 'a board to be updated');
    await lab.kill('B');
    const first = onB.events[0]!.id;
    const lastSeen = onB.events.at(-1)!.id;
    const onA = await stream(a.url, first - 1);
    const done = await checkDone(viaA, id, bootsBefore, await waitForMoves(() => onA.events, id));
    expect(done.boards.map((x) => x.attempts)).toEqual([1, 1, 1, 1]);
    // The client of the dead B reconnects to B started again with the last id it got: the rest, replayed.
    b = await lab.serve('B', B_ARGS);
    const rest = await stream(b.url, lastSeen);
    const all = await waitForMoves(() => [...onB.events, ...rest.events], id);
    expect(rest.events[0]!.id).toBeGreaterThan(lastSeen);
    expect(moves(all, id)).toEqual(moves(onA.events, id));
  }, 180_000);

  it("A, whose agent moves the campaign, SIGKILLed mid-update: B keeps the API and the stream, reaps the dead agent's claim, and the campaign finishes once the boards are served again", async () => {
    const viaB = new ServiceCalls(b.url, auth);
    const bootsBefore = await boots();
    const onB = await stream(b.url);
    const id = await viaB.startCampaign({ release: await viaB.release('1.3.0', 4), tag: 'rack', groups: [2, 2], deadline_s: 180 });
    await waitFor(() => viaB.campaign(id), (c) => c.boards.some((x) => ACTIVE.includes(x.state)), 30_000, 'a board to be updated');
    await lab.kill('A');
    // What the dead agent held: boards it had taken (a try counted) without a verdict.
    const atDeath = await viaB.campaign(id);
    const interrupted = atDeath.boards.filter((x) => x.attempts > 0 && (x.state === 'pending' || ACTIVE.includes(x.state))).map((x) => x.board);
    expect(interrupted.length).toBeGreaterThan(0);
    // B alone: the API answers, and after the claim's lease (15 s) B's sweep fails the job back to the queue.
    const dropped = await waitFor(
      () => viaB.json<{ history: { kind: string; detail: { event?: string; why?: string } }[] }>(`/boards/${interrupted[0]}/history?limit=50`),
      (h) => h.history.some((l) => l.kind === 'job' && l.detail.event === 'dropped'),
      40_000,
      `B's sweep to reap the claim on ${interrupted[0]}`,
    );
    expect(dropped.history.find((l) => l.detail.event === 'dropped')!.detail.why).toMatch(/stopped renewing its claim: presumed lost$/);
    expect((await viaB.campaign(id)).state).toBe('running');
    a = await lab.serve('A', A_ARGS);
    const done = await checkDone(viaB, id, bootsBefore, await waitForMoves(() => onB.events, id));
    for (const x of done.boards) expect(x.attempts, x.board).toBe(interrupted.includes(x.board) ? 2 : 1);
  }, 180_000);
});

/** Waits until the events `seen` (of one stream or several) show campaign `id` confirmed on every board; those events. */
async function waitForMoves(seen: () => Received[], id: number): Promise<Received[]> {
  return waitFor(
    async () => seen(),
    (events) => events.filter((e) => e.event === 'campaign-board' && e.data.data.campaign === id && e.data.data.state === 'confirmed').length === BOARDS.length,
    120_000,
    `campaign ${id}'s boards confirmed on the stream`,
  );
}

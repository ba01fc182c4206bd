/**
 * Power cut during an update (RFC 9019 §3: a device must recover from a failed update; MCUboot's
 * power-loss method, notes/mcuboot.md): the board is armed to lose power just before its k-th
 * flash operation from now, for a seeded sample of k over every flash operation an update makes
 * (the transfer into the candidate slot, the install, the swap at the next boot), and each time
 * it must come back running a verified image — the old one, or the new one once the update had
 * committed — never the recovery mode. A clean update afterwards must still go through.
 *
 * The number of flash operations of an update is measured on a board model of the same profile
 * in this process, unpaced (rig/virtual), from the same known-good state: boards of one profile
 * run the same firmware, so the count holds for the board under test.
 */
import { join } from 'node:path';
import { runUpdate } from '../../../host/operator/update.js';
import { DutUnresponsiveError, required } from '../../dut/errors.js';
import type { DutStatus } from '../../dut/types.js';
import { buildGoldenState, type GoldenState } from '../../dut/virtual/known-good.js';
import { copyState } from '../../dut/virtual/state-dir.js';
import { virtualProfileName } from '../../lab/load.js';
import { VirtualBoard } from '../../virtual/board/board.js';
import { defineCase, type CaseContext, type Step, type SuiteCase } from '../api.js';
import { CaseFailure, check, deliverUpdate, readStatus, reset } from '../steps.js';
import { manifestDigest, runsDelivered } from './checks.js';
import { provisionOf, type BuiltUpdate, type Rfc9019Fixtures } from './fixtures.js';

interface Attempt {
  op: number;
  struck: boolean;
  phase: string;
  runs: 'old' | 'new';
}

interface State {
  delivered: BuiltUpdate[];
  ops: number;
  points: number[];
  attempts: Attempt[];
}

type Ctx = CaseContext<Rfc9019Fixtures, State>;

/** Far enough that the armed cut never strikes: how an armed cut that did not strike is taken back. */
const NEVER = 0x7fff_ffff;

const golden = new WeakMap<Rfc9019Fixtures, Map<string, Promise<GoldenState>>>();
const measured = new WeakMap<Rfc9019Fixtures, Map<string, Promise<number>>>();

function memo<T>(map: WeakMap<Rfc9019Fixtures, Map<string, Promise<T>>>, f: Rfc9019Fixtures, key: string, make: () => Promise<T>): Promise<T> {
  let m = map.get(f);
  if (!m) map.set(f, (m = new Map()));
  let p = m.get(key);
  if (!p) m.set(key, (p = make()));
  return p;
}

/** Flash operations of one update, from the envelope through the boot of the new image. */
export function updateFlashOps(f: Rfc9019Fixtures, profile: string, u: BuiltUpdate): Promise<number> {
  return memo(measured, f, `${profile}/${u.envelope.length}`, async () => {
    const g = await memo(golden, f, profile, () => buildGoldenState(join(f.workDir, `power-cut-${profile}`, 'known-good'), profile, provisionOf(f)));
    const dir = join(f.workDir, `power-cut-${profile}`, 'measure');
    copyState(g.dir, dir);
    const board = await VirtualBoard.open({ profile, stateDir: dir, flashScale: 0 });
    try {
      const link = await board.connect({ pace: false });
      const before = board.firmware.flash.opCount;
      const out = await runUpdate(link.client, u.envelope, { payloads: new Map(Object.entries(u.payloads)) });
      await link.close();
      if (out.result !== 'updated') throw new Error(`measuring the update on a ${profile} model: ${out.result}: ${out.message}`);
      return board.firmware.flash.opCount - before;
    } finally {
      await board.close();
    }
  });
}

/** `n` distinct cut points out of [0, ops), seeded, in increasing order. */
export function samplePoints(ctx: { rng: { below(n: number): number } }, ops: number, n: number): number[] {
  const picked = new Set<number>();
  while (picked.size < Math.min(n, ops)) picked.add(ctx.rng.below(ops));
  return [...picked].sort((a, b) => a - b);
}

function activeOf(s: DutStatus) {
  return s.slots.find((x) => x.active);
}

/** One update with power cut before flash operation `state.points[i]`. */
function attempt(i: number, total: number): Step<Rfc9019Fixtures, State> {
  return {
    name: `power cut ${i + 1} of ${total}`,
    effects: ['arm-fault', 'deliver-envelope', 'supply-payload', 'reset', 'read-status'],
    async run(ctx: Ctx) {
      const op = ctx.state.points[i]!;
      const o = { signal: ctx.signal };
      const faults = required(ctx.dut.faults, ctx.dut.name, 'faults');
      const update = required(ctx.dut.update, ctx.dut.name, 'update');
      const before = await ctx.dut.readStatus(o);
      ctx.observe.status(before);
      const u = ctx.fixtures.build(ctx as CaseContext<Rfc9019Fixtures, unknown>, { app: 'next' });
      await faults.arm({ powerCutBeforeOp: op, seed: ctx.seed }, o);
      let phase = 'the envelope';
      let resets = 0;
      let error: string | undefined;
      try {
        let r = await update.deliverEnvelope(u.envelope, o);
        phase = 'the payload';
        if (r.missing.length > 0 && r.decision.kind === 'accept') r = await update.supplyPayloads(new Map(Object.entries(u.payloads)), o);
        if (r.decision.kind === 'reject') throw new Error(`the board refused the update: ${r.decision.reason} (${r.decision.detail ?? ''})`);
        phase = 'the reset (swap and boot)';
        resets = 1;
        await ctx.dut.reset(o);
      } catch (e) {
        if (ctx.signal.aborted) throw e;
        error = e instanceof DutUnresponsiveError ? 'the board went silent' : (e as Error).message;
      }
      await ctx.dut.waitForBoard({ timeoutMs: 30_000, ...o });
      const after = await ctx.dut.readStatus(o);
      ctx.observe.status(after);
      const struck = after.boot?.reason === 'power-cut' || (after.boot?.count ?? 0) !== (before.boot?.count ?? 0) + resets;
      if (!struck) await faults.arm({ powerCutBeforeOp: NEVER, seed: ctx.seed }, o);
      const where = struck ? `struck during ${phase}` : 'did not strike';
      const a = activeOf(after);
      if (after.mode !== 'application' || !a) throw new CaseFailure(`power cut before flash operation ${op} (${where}): the board came back in ${after.mode} mode, running no image (bricked); expected the old or the new image`);
      const old = a.hash === activeOf(before)?.hash && after.suit?.digest === before.suit?.digest;
      const isNew = !old && after.suit?.digest === manifestDigest(u.envelope);
      if (!old && !isNew) throw new CaseFailure(`power cut before flash operation ${op} (${where}): the board runs image ${a.version ?? '?'} (${a.hash?.slice(0, 16)}) with manifest ${after.suit?.digest?.slice(0, 16) ?? 'none'}, neither the old image nor the update`);
      if (isNew) {
        const problem = runsDelivered(after, u, ctx.board.capabilities);
        if (problem) throw new CaseFailure(`power cut before flash operation ${op} (${where}): the update is running but ${problem}`);
      }
      ctx.state.attempts.push({ op, struck, phase, runs: isNew ? 'new' : 'old' });
      ctx.log(`power cut before flash operation ${op} of ${ctx.state.ops}: ${where}${error ? ` (${error})` : ''}; the board boots the ${isNew ? 'new' : 'old'} image`);
    },
  };
}

export function powerCutCase(samples: number): SuiteCase<Rfc9019Fixtures> {
  const steps: Step<Rfc9019Fixtures, State>[] = [readStatus('status before')];
  for (let i = 0; i < samples; i++) steps.push(attempt(i, samples));
  steps.push(
    check('every cut recovered to a verified image', (ctx) => {
      const s = ctx.state;
      const struck = s.attempts.filter((a) => a.struck).length;
      ctx.log(`power cut at ${s.attempts.length} of ${s.ops} flash operations (seed ${ctx.seed}: ${s.points.join(', ')}): ${s.attempts.length}/${s.attempts.length} boot a verified image (${struck} cuts struck; ${s.attempts.filter((a) => a.runs === 'new').length} ended on the new image)`);
      return undefined;
    }),
    deliverUpdate('deliver the update once more, without a cut', (ctx) => {
      const u = ctx.fixtures.build(ctx as CaseContext<Rfc9019Fixtures, unknown>, { app: 'next' });
      ctx.state.delivered.push(u);
      return u;
    }),
    reset('reset'),
    readStatus('status after reset'),
    check('the board runs the update, confirmed', (ctx) => runsDelivered(ctx.observed.statuses.at(-1), ctx.state.delivered.at(-1)!, ctx.board.capabilities)),
  );
  return defineCase<Rfc9019Fixtures, State>({
    id: 'power-cut-recovers',
    title: `power cut at ${samples} seeded points of an update (transfer, install, swap): each time a verified image boots`,
    tags: ['recovery', 'power'],
    needs: ['suit', 'rig', 'faults'],
    stepTimeoutMs: 120_000,
    async setup(ctx) {
      const t = ctx.board.target;
      const profile = virtualProfileName(t.kind === 'virtual' ? t.virtual.profile : undefined)!;
      const probe = ctx.fixtures.build(ctx as CaseContext<Rfc9019Fixtures, unknown>, { app: 'next' });
      const ops = await updateFlashOps(ctx.fixtures, profile, probe);
      return { delivered: [], ops, points: samplePoints(ctx, ops, samples), attempts: [] };
    },
    steps,
    expect: { decision: 'accept', boot: 'updated' },
  }) as SuiteCase<Rfc9019Fixtures>;
}

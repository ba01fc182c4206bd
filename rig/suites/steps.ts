/**
 * The steps suites are made of: each acts on the board through the Dut, records what it saw
 * (decision, missing payloads, status, boot outcome) for the runner to judge, and declares its
 * effects for `--dry-run`. RFC 9019 §3 update flow: deliver the manifest, supply the payloads it
 * names, reset so the bootloader verifies and boots, read the outcome.
 */
import { MissingPayloadError } from '../../host/operator/update.js';
import { required } from '../dut/errors.js';
import { powerCycle as cyclePower } from '../dut/protocols.js';
import type { Decision, DutStatus, FaultSpec, FlashMode } from '../dut/types.js';
import type { CaseContext, Step } from './api.js';

/** Thrown by a step when the board did something other than the case expects: the case fails (not errors). */
export class CaseFailure extends Error {
  override name = 'CaseFailure';
}

/**
 * Thrown by setup or a step that finds, before acting on the board, that the board cannot run
 * the case (e.g. the host does not know its device id): the case is reported not applicable
 * with this message, like a missing need.
 */
export class NotApplicable extends Error {
  override name = 'NotApplicable';
}

type Producer<F, S, T> = (ctx: CaseContext<F, S>) => T | Promise<T>;

interface StepOptions {
  timeoutMs?: number;
}

function opts(o: StepOptions | undefined): { timeoutMs?: number } {
  return o?.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {};
}

function describeDecision(d: Decision): string {
  return d.kind === 'accept' ? 'accepted' : `rejected (${d.reason}${d.detail ? `: ${d.detail}` : ''}${d.message ? ` - ${d.message}` : ''})`;
}

/** An update as a case delivers it: the envelope, and the payloads by URI exactly as the manifest names them. */
export interface UpdateBundle {
  envelope: Uint8Array;
  payloads: Record<string, Uint8Array>;
}

function isBundle(x: Uint8Array | UpdateBundle): x is UpdateBundle {
  return !(x instanceof Uint8Array);
}

/** The host verifier's prediction for an update on this board, recorded for the verdict (nothing when the host cannot predict). */
async function predict<F, S>(ctx: CaseContext<F, S>, u: UpdateBundle): Promise<void> {
  if (!ctx.predictor) return;
  const storedSequence = ctx.observed.statuses.at(-1)?.trust?.sequence;
  const p = await ctx.predictor.predict(
    { envelope: u.envelope, payloads: new Map(Object.entries(u.payloads)), board: ctx.board, ...(storedSequence !== undefined ? { storedSequence } : {}) },
    ctx.signal,
  );
  if (!p) return;
  ctx.observe.predicted(p);
  ctx.log(`host predicts: ${describeDecision(p)}${storedSequence !== undefined ? ` (stored sequence ${storedSequence})` : ''}`);
}

async function envelopeTo<F, S>(ctx: CaseContext<F, S>, bytes: Uint8Array): Promise<void> {
  const r = await required(ctx.dut.update, ctx.dut.name, 'update').deliverEnvelope(bytes, { signal: ctx.signal });
  ctx.observe.decision(r.decision, r.source);
  ctx.observe.missing(r.missing);
  ctx.log(
    `envelope ${bytes.length} B: ${r.source === 'host' ? 'the host (the board has no SUIT group) ' : 'board '}${describeDecision(r.decision)}` +
      (r.missing.length > 0 ? `; needs ${r.missing.join(', ')}` : ''),
  );
}

/**
 * Supplies the payloads the board asks for, by URI exactly as the manifest names it, until it
 * needs none or rejects. `interruptAfter`: the first transfer loses its link once the board
 * holds that many bytes, and the next one resumes.
 */
async function payloadsTo<F, S>(ctx: CaseContext<F, S>, have: Record<string, Uint8Array>, interruptAfter?: number): Promise<void> {
  if (ctx.observed.missing.length === 0 || ctx.observed.decision?.decision.kind === 'reject') return;
  const payloads = new Map(Object.entries(have));
  let interrupt = interruptAfter;
  for (let round = 0; ctx.observed.missing.length > 0; round++) {
    if (round > 1) throw new CaseFailure(`the board still asks for ${ctx.observed.missing.join(', ')} after receiving it`);
    let r;
    try {
      r = await required(ctx.dut.update, ctx.dut.name, 'update').supplyPayloads(payloads, { signal: ctx.signal, ...(interrupt !== undefined ? { stopAfterBytes: interrupt } : {}) });
    } catch (e) {
      if (e instanceof MissingPayloadError) throw new CaseFailure(`${e.message.replace(/; pass it with --payload.*$/, '')}: the case does not provide it`);
      throw e;
    }
    interrupt = undefined;
    for (const t of r.transfers) {
      ctx.observe.transfer(t);
      ctx.log(`payload ${t.uri} ${t.bytes} B ${t.interrupted ? 'sent when the link dropped' : `in ${(t.ms / 1000).toFixed(2)} s${t.resumedFrom ? `, resumed from ${t.resumedFrom}` : ''}`}`);
    }
    ctx.observe.decision(r.decision, r.source);
    ctx.observe.missing(r.missing);
    ctx.log(`payloads: ${describeDecision(r.decision)}${r.missing.length ? `; still needs ${r.missing.join(', ')}` : ''}`);
    if (r.decision.kind === 'reject') break;
  }
}

/**
 * Uploads an envelope. Given a whole update (envelope and payloads), the host's verifier first
 * predicts the decision, so the runner can flag a board that decides otherwise.
 */
export function deliverEnvelope<F, S>(name: string, envelope: Producer<F, S, Uint8Array | UpdateBundle>, o?: StepOptions): Step<F, S> {
  return {
    name,
    ...opts(o),
    effects: ['deliver-envelope'],
    async run(ctx) {
      const x = await envelope(ctx);
      if (isBundle(x)) await predict(ctx, x);
      await envelopeTo(ctx, isBundle(x) ? x.envelope : x);
    },
  };
}

/**
 * Supplies every payload the board asks for, by URI exactly as the manifest names it, until it
 * needs none or rejects. A URI the case does not provide fails the case with both lists.
 */
export function supplyPayloads<F, S>(name: string, payloads: Producer<F, S, Record<string, Uint8Array>>, o?: StepOptions): Step<F, S> {
  return {
    name,
    ...opts(o),
    effects: ['supply-payload'],
    async run(ctx) {
      await payloadsTo(ctx, await payloads(ctx));
    },
  };
}

/**
 * The operator's update (RFC 9019 §3): the host predicts the decision, then the envelope goes
 * to the board and every payload it asks for after it. `interruptAfterBytes`: the link drops
 * once the board holds that many bytes of the first payload, and the transfer resumes.
 */
export function deliverUpdate<F, S>(name: string, update: Producer<F, S, UpdateBundle>, o?: StepOptions & { interruptAfterBytes?: Producer<F, S, number> }): Step<F, S> {
  return {
    name,
    ...opts(o),
    effects: ['deliver-envelope', 'supply-payload'],
    async run(ctx) {
      const u = await update(ctx);
      await predict(ctx, u);
      await envelopeTo(ctx, u.envelope);
      await payloadsTo(ctx, u.payloads, o?.interruptAfterBytes ? await o.interruptAfterBytes(ctx) : undefined);
    },
  };
}

export function reset<F, S>(name = 'reset', o?: StepOptions & { bootloader?: boolean }): Step<F, S> {
  return {
    name,
    ...opts(o),
    effects: ['reset'],
    async run(ctx) {
      await ctx.dut.reset({ signal: ctx.signal, ...(o?.bootloader ? { bootloader: true } : {}) });
    },
  };
}

/** Cuts power, waits `offMs`, restores it (needs: power). */
export function powerCycle<F, S>(name = 'power cycle', o?: StepOptions & { offMs?: number }): Step<F, S> {
  return {
    name,
    ...opts(o),
    effects: ['power-cut', 'power-restore'],
    async run(ctx) {
      await cyclePower(required(ctx.dut.power, ctx.dut.name, 'power'), o?.offMs ?? 500, { signal: ctx.signal });
    },
  };
}

/** Reads the board's status and records it, with the boot outcome its boot record gives. */
async function observeStatus<F, S>(ctx: CaseContext<F, S>): Promise<DutStatus> {
  const status = await ctx.dut.readStatus({ signal: ctx.signal });
  ctx.observe.status(status);
  if (status.boot) ctx.observe.boot(status.boot.outcome);
  return status;
}

/** Reads the board's status; its boot record gives the boot outcome the case is judged on. */
export function readStatus<F, S>(name = 'read status', o?: StepOptions): Step<F, S> {
  return {
    name,
    ...opts(o),
    effects: ['read-status'],
    async run(ctx) {
      const status = await observeStatus(ctx);
      const active = status.slots.find((s) => s.active);
      ctx.log(`status: ${status.mode}${active ? `, running ${active.version ?? '?'} from slot ${active.slot}` : ''}${status.boot ? `, boot ${status.boot.outcome}` : ''}`);
    },
  };
}

/** Reads the board's last SUIT report (needs: rig); a decision in it counts like a delivery's. */
export function readReport<F, S>(name = 'read SUIT report', o?: StepOptions): Step<F, S> {
  return {
    name,
    ...opts(o),
    effects: ['read-report'],
    async run(ctx) {
      if (!ctx.dut.report) throw new CaseFailure('the board has no last SUIT report to give');
      const r = await ctx.dut.report.readLast({ signal: ctx.signal });
      if (r.decision) ctx.observe.decision(r.decision, 'board');
      if (r.boot) ctx.observe.boot(r.boot.outcome);
      ctx.log(`report ${r.report.length} B${r.decision ? `: ${describeDecision(r.decision)}` : ''}`);
    },
  };
}

/** Arms faults on a virtual board (needs: faults); seed them from ctx.seed or ctx.rng. */
export function armFault<F, S>(name: string, fault: Producer<F, S, FaultSpec>, o?: StepOptions): Step<F, S> {
  return {
    name,
    ...opts(o),
    effects: ['arm-fault'],
    async run(ctx) {
      const f = await fault(ctx);
      await required(ctx.dut.faults, ctx.dut.name, 'faults').arm(f, { signal: ctx.signal });
      ctx.log(`armed fault ${JSON.stringify(f)}`);
    },
  };
}

/** Uploads an MCUboot image through the image group and marks it for test or confirm. */
export function flashImage<F, S>(name: string, image: Producer<F, S, Uint8Array>, mode: FlashMode, o?: StepOptions): Step<F, S> {
  return {
    name,
    ...opts(o),
    effects: ['flash-image'],
    async run(ctx) {
      const bytes = await image(ctx);
      await required(ctx.dut.image, ctx.dut.name, 'image').flash(bytes, { mode, signal: ctx.signal });
      ctx.log(`flashed ${bytes.length} B image (${mode})`);
    },
  };
}

/**
 * Checks that the running image is the one an earlier status read showed — the first of the
 * case (default), or the latest (`since: 'last'`) — RFC 9019 §3: a refused update leaves the
 * device as it was. Reads the status itself.
 */
export function imageUntouched<F, S>(name = 'running image untouched', o?: StepOptions & { since?: 'first' | 'last' }): Step<F, S> {
  return {
    name,
    ...opts(o),
    effects: ['read-status'],
    async run(ctx) {
      const before = o?.since === 'last' ? ctx.observed.statuses.at(-1) : ctx.observed.statuses[0];
      if (!before) throw new CaseFailure(`'${name}' needs an earlier status read to compare with`);
      const now = await observeStatus(ctx);
      const a = before.slots.find((s) => s.active);
      const b = now.slots.find((s) => s.active);
      const show = (s: typeof a) => (s ? `${s.version ?? '?'} (slot ${s.slot}, hash ${s.hash?.slice(0, 16) ?? '?'})` : 'no active image');
      if (a?.hash !== b?.hash || a?.slot !== b?.slot) throw new CaseFailure(`the running image changed: was ${show(a)}, now ${show(b)}`);
      if (before.suit?.digest !== now.suit?.digest) throw new CaseFailure(`the installed SUIT manifest changed: was ${before.suit?.digest?.slice(0, 16) ?? 'none'}, now ${now.suit?.digest?.slice(0, 16) ?? 'none'}`);
    },
  };
}

/** A check on what the case has seen so far; return a message to fail the case, nothing to pass. */
export function check<F, S>(name: string, fn: (ctx: CaseContext<F, S>) => string | undefined | Promise<string | undefined>): Step<F, S> {
  return {
    name,
    effects: [],
    async run(ctx) {
      const problem = await fn(ctx);
      if (problem !== undefined) throw new CaseFailure(problem);
    },
  };
}

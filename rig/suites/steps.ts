/**
 * The steps suites are made of: each acts on the board through the Dut, records what it saw
 * (decision, missing payloads, status, boot outcome) for the runner to judge, and declares its
 * effects for `--dry-run`. RFC 9019 §3 update flow: deliver the manifest, supply the payloads it
 * names, reset so the bootloader verifies and boots, read the outcome.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { FaultSpec, FlashMode } from '../dut/types.js';
import type { CaseContext, Step } from './api.js';

/** Thrown by a step when the board did something other than the case expects: the case fails (not errors). */
export class CaseFailure extends Error {
  override name = 'CaseFailure';
}

type Producer<F, S, T> = (ctx: CaseContext<F, S>) => T | Promise<T>;

interface StepOptions {
  timeoutMs?: number;
}

function opts(o: StepOptions | undefined): { timeoutMs?: number } {
  return o?.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {};
}

function describeDecision(d: { kind: string; reason?: string; detail?: string }): string {
  return d.kind === 'accept' ? 'accepted' : `rejected (${d.reason}${d.detail ? `: ${d.detail}` : ''})`;
}

/**
 * Uploads an envelope. With a predictor in the run, the host's verifier first predicts the
 * decision so the runner can flag a board that decides otherwise.
 */
export function deliverEnvelope<F, S>(name: string, envelope: Producer<F, S, Uint8Array>, o?: StepOptions): Step<F, S> {
  return {
    name,
    ...opts(o),
    effects: ['deliver-envelope'],
    async run(ctx) {
      const bytes = await envelope(ctx);
      if (ctx.predictor) {
        const p = await ctx.predictor.predict(bytes, ctx.board, ctx.signal);
        ctx.observe.predicted(p);
        ctx.log(`host predicts: ${describeDecision(p)}`);
      }
      const r = await ctx.dut.deliverEnvelope(bytes, { signal: ctx.signal });
      ctx.observe.decision(r.decision, r.source);
      ctx.observe.missing(r.missing);
      ctx.log(
        `envelope ${bytes.length} B: ${r.source === 'host' ? 'host (board has no SUIT group) ' : 'board '}${describeDecision(r.decision)}` +
          (r.missing.length > 0 ? `; needs ${r.missing.join(', ')}` : ''),
      );
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
      const have = await payloads(ctx);
      const supplied = new Set<string>();
      while (ctx.observed.missing.length > 0) {
        const uri = ctx.observed.missing[0]!;
        const bytes = have[uri];
        if (bytes === undefined) {
          throw new CaseFailure(`the board asks for payload '${uri}', which the case does not provide (it provides: ${Object.keys(have).join(', ') || 'none'})`);
        }
        if (supplied.has(uri)) throw new CaseFailure(`the board asks again for payload '${uri}' after receiving all ${bytes.length} bytes of it`);
        supplied.add(uri);
        const r = await ctx.dut.supplyPayload(uri, bytes, { signal: ctx.signal });
        ctx.observe.decision(r.decision, r.source);
        ctx.observe.missing(r.missing);
        ctx.log(`payload ${uri} ${bytes.length} B: ${describeDecision(r.decision)}`);
        if (r.decision.kind === 'reject') break;
      }
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
      await ctx.dut.powerCut({ signal: ctx.signal });
      await sleep(o?.offMs ?? 500, undefined, { signal: ctx.signal });
      await ctx.dut.powerRestore({ signal: ctx.signal });
    },
  };
}

/** Reads the board's status; its boot record gives the boot outcome the case is judged on. */
export function readStatus<F, S>(name = 'read status', o?: StepOptions): Step<F, S> {
  return {
    name,
    ...opts(o),
    effects: ['read-status'],
    async run(ctx) {
      const status = await ctx.dut.readStatus({ signal: ctx.signal });
      ctx.observe.status(status);
      if (status.boot) ctx.observe.boot(status.boot.outcome);
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
      const r = await ctx.dut.readLastReport({ signal: ctx.signal });
      if (!r) throw new CaseFailure('the board has no last SUIT report to give');
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
      await ctx.dut.armFault(f, { signal: ctx.signal });
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
      await ctx.dut.flashImage(bytes, { mode, signal: ctx.signal });
      ctx.log(`flashed ${bytes.length} B image (${mode})`);
    },
  };
}

/**
 * Checks that the running image is the one the first status read showed (RFC 9019 §3: a
 * refused update leaves the device as it was). Reads the status itself.
 */
export function imageUntouched<F, S>(name = 'running image untouched', o?: StepOptions): Step<F, S> {
  return {
    name,
    ...opts(o),
    effects: ['read-status'],
    async run(ctx) {
      const before = ctx.observed.statuses[0];
      if (!before) throw new CaseFailure(`'${name}' needs an earlier status read to compare with`);
      const now = await ctx.dut.readStatus({ signal: ctx.signal });
      ctx.observe.status(now);
      if (now.boot) ctx.observe.boot(now.boot.outcome);
      const a = before.slots.find((s) => s.active);
      const b = now.slots.find((s) => s.active);
      const show = (s: typeof a) => (s ? `${s.version ?? '?'} (slot ${s.slot}, hash ${s.hash?.slice(0, 16) ?? '?'})` : 'no active image');
      if (a?.hash !== b?.hash || a?.slot !== b?.slot) throw new CaseFailure(`the running image changed: was ${show(a)}, now ${show(b)}`);
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

/**
 * The job queue's share of a board's update in a campaign (issue 13: the queue's overhead per
 * board update), timed where the in-process agent meets the service: its link (agent/link.ts),
 * timed per board. In a campaign whose rollout groups are one board each, board k's job is
 * enqueued by the transaction that records board k-1's verdict, so
 * - enqueue to job: from that transaction's commit to the agent holding board k's job (the
 *   notification, the worker waking, the take: fetch, claim, the campaign's say);
 * - verdict to transition: from the agent sending a verdict to the service having committed it
 *   with all it implies (the board's state, its group checked, the next job enqueued);
 * - the update itself (job received to verdict sent) is the reference, measured in the same run.
 */
import { InProcessLink } from '../service/agent/in-process-link.js';
import type { AgentJob, JobClaim, VerdictReport } from '../service/agent/link.js';

interface BoardMarks {
  received?: number;
  verdictSent?: number;
  committed?: number;
}

export class TimedLink extends InProcessLink {
  /** Per board, the times (performance.now()) of its last job. */
  readonly marks = new Map<string, BoardMarks>();

  override async nextJob(agent: string, instance: string, board: string, waitMs: number, signal: AbortSignal): Promise<AgentJob | undefined> {
    const job = await super.nextJob(agent, instance, board, waitMs, signal);
    if (job) this.marks.set(board, { received: performance.now() });
    return job;
  }

  override async updateVerdict(claim: JobClaim, campaign: number, m: VerdictReport): Promise<boolean> {
    const marks = this.marks.get(claim.board) ?? {};
    marks.verdictSent = performance.now();
    try {
      return await super.updateVerdict(claim, campaign, m);
    } finally {
      marks.committed = performance.now();
    }
  }
}

export interface QueueTimes {
  enqueueToJobMs: number;
  verdictToTransitionMs: number;
  updateMs: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/** Medians over the boards of a campaign worked one board after the other, in `order`. */
export function queueTimes(marks: ReadonlyMap<string, BoardMarks>, order: readonly string[]): QueueTimes {
  const m = order.map((b) => {
    const x = marks.get(b);
    if (x?.received === undefined || x.verdictSent === undefined || x.committed === undefined) throw new Error(`bench: board ${b} has no complete timing`);
    return x as Required<BoardMarks>;
  });
  return {
    enqueueToJobMs: median(m.slice(1).map((x, i) => x.received - m[i]!.committed)),
    verdictToTransitionMs: median(m.map((x) => x.committed - x.verdictSent)),
    updateMs: median(m.map((x) => x.verdictSent - x.received)),
  };
}

/**
 * The agent link of the agent inside `suitrig serve --lab` (link.ts): each call goes straight to
 * the service's end of an agent's calls (agent-calls.ts) in this process — the same functions a
 * remote agent's requests end in (api/routes/agents.ts), called as the service itself.
 */
import type { WorkService } from '../work.js';
import { hostname } from 'node:os';
import { INTERNAL, type BoardSpec, type BoardStatus } from '../store/boards.js';
import { StoreRefusal } from '../store/errors.js';
import type { UploadFigure, UploadProgressFigure } from '../store/uploads.js';
import type { AgentTerms, ProcessJob } from './agent-calls.js';
import type { AgentJob, AgentLink, BoardMoveReport, Heartbeat, JobClaim, VerdictReport } from './link.js';
import type { Release } from './update-job.js';
import type { BoardResult } from '../../runner/result.js';

export class InProcessLink implements AgentLink {
  /** The liveness lock of the agent registered through this link. */
  private lock: (() => Promise<void>) | undefined;
  /** The process registered through this link: its jobs are named with it. */
  private me: { agent: string; instance: string } | undefined;

  constructor(private readonly work: WorkService) {}

  async register(agent: string, instance: string, boards: readonly BoardSpec[]): Promise<AgentTerms> {
    // One live process per agent name: the lock dies with the process that holds it (killed or
    // not), so a restarted service takes its agent's name over at once, and a second service
    // with the same agent name on the same database is refused while the first lives.
    const release = await this.work.db.holdLock(`suitrig-agent:${agent}`);
    if (!release) throw new StoreRefusal('conflict', `agent '${agent}' is served by another live process on this database`);
    try {
      const terms = await this.work.agents.register(INTERNAL, { agent, instance, host: hostname(), boards });
      this.lock = release;
      this.me = { agent, instance };
      return terms;
    } catch (e) {
      await release();
      throw e;
    }
  }

  async leave(agent: string, instance: string): Promise<void> {
    await this.work.agents.leave(agent, instance);
    await this.lock?.();
    this.lock = undefined;
  }

  heartbeat(agent: string, instance: string): Promise<Heartbeat> {
    return this.work.agents.heartbeat(agent, instance);
  }

  async nextJob(agent: string, instance: string, board: string, waitMs: number, signal: AbortSignal): Promise<AgentJob | undefined> {
    const taken = await this.work.agents.nextJob(agent, instance, board, waitMs, signal);
    return taken && { claim: { board: taken.claim.board, jobId: taken.claim.jobId }, data: taken.job.data, retryCount: taken.job.retryCount, context: taken.context };
  }

  renew(claim: JobClaim): Promise<boolean> {
    return this.work.agents.renew(this.job(claim));
  }

  release(id: string): Promise<Release> {
    return this.work.agents.release(id);
  }

  updateProgress(claim: JobClaim, campaign: number, m: BoardMoveReport): Promise<boolean> {
    return this.work.agents.updateProgress(this.job(claim), campaign, m);
  }

  updateVerdict(claim: JobClaim, campaign: number, m: VerdictReport): Promise<boolean> {
    return this.work.agents.updateVerdict(this.job(claim), campaign, m);
  }

  runResult(claim: JobClaim, run: number, r: { result: BoardResult } | { error: string }): Promise<boolean> {
    return this.work.agents.runResult(this.job(claim), run, r);
  }

  async handBack(claim: JobClaim, why: string): Promise<void> {
    await this.work.agents.handBack(this.job(claim), why);
  }

  boardStatus(board: string, status: BoardStatus): Promise<void> {
    return this.work.agents.boardStatus(INTERNAL, board, status);
  }

  consoleLines(board: string, lines: readonly string[], dropped: number): Promise<void> {
    return this.work.agents.consoleLines(INTERNAL, board, lines, dropped);
  }

  upload(board: string, u: UploadFigure | UploadProgressFigure): Promise<void> {
    return this.work.agents.upload(INTERNAL, board, u);
  }

  private job(claim: JobClaim): ProcessJob {
    if (!this.me) throw new Error(`job ${claim.jobId} on board ${claim.board}: no agent registered through this link`);
    return { ...this.me, ...claim };
  }
}

/**
 * The agent link of the agent inside `suitrig serve --lab` (link.ts): each call goes straight to
 * the service's work on boards (rig/service/work.ts) in this process — the same calls a remote
 * agent's requests end in. Releases are read from the firmware server's content-addressed store.
 */
import type { WorkService } from '../work.js';
import type { Claim } from '../jobs/claims.js';
import { hostname } from 'node:os';
import { bindAgentInstance, heartbeat, leaveAgent } from '../store/agents.js';
import { INTERNAL, registerBoards, reportBoard, type BoardSpec, type BoardStatus } from '../store/boards.js';
import { StoreRefusal } from '../store/errors.js';
import { getRelease, releaseEnvelope, releasePayload } from '../store/releases.js';
import { recordConsole } from '../store/console.js';
import { recordUpload, recordUploadProgress, type UploadFigure, type UploadProgressFigure } from '../store/uploads.js';
import type { AgentJob, AgentLink, BoardMoveReport, JobClaim } from './link.js';
import type { Release } from './update-job.js';
import type { BoardResult } from '../../runner/result.js';

export class InProcessLink implements AgentLink {
  /** The full claims behind the opaque ones handed to the agent. */
  private readonly claims = new Map<string, Claim>();
  /** The liveness locks of the agents registered through this link. */
  private readonly locks = new Map<string, () => Promise<void>>();

  constructor(private readonly work: WorkService) {}

  async register(agent: string, instance: string, boards: readonly BoardSpec[]): Promise<void> {
    // One live process per agent name: the lock dies with the process that holds it (killed or
    // not), so a restarted service takes its agent's name over at once, and a second service
    // with the same agent name on the same database is refused while the first lives.
    const release = await this.work.db.holdLock(`suitrig-agent:${agent}`);
    if (!release) throw new StoreRefusal('conflict', `agent '${agent}' is served by another live process on this database`);
    this.locks.set(agent, release);
    await this.work.db.transaction((tx) => bindAgentInstance(tx, agent, instance, this.work.agentTtlS, true));
    await registerBoards(this.work.db, agent, hostname(), boards, INTERNAL, true);
    for (const b of boards) await this.work.jobs.ensureQueue(b.name);
    await this.work.jobs.takeOver(agent, instance);
  }

  async leave(agent: string, instance: string): Promise<void> {
    await leaveAgent(this.work.db, agent, instance);
    await this.locks.get(agent)?.();
    this.locks.delete(agent);
  }

  heartbeat(agent: string, instance: string): Promise<boolean> {
    return heartbeat(this.work.db, agent, instance);
  }

  async nextJob(agent: string, instance: string, board: string, waitMs: number, signal: AbortSignal): Promise<AgentJob | undefined> {
    const taken = await this.work.jobs.takeOrWait(agent, instance, board, waitMs, signal);
    if (!taken) return undefined;
    this.claims.set(taken.claim.jobId, taken.claim);
    return { claim: { board: taken.claim.board, jobId: taken.claim.jobId }, data: taken.job.data, retryCount: taken.job.retryCount, context: taken.context };
  }

  renew(claim: JobClaim): Promise<boolean> {
    return this.work.jobs.renew(this.full(claim));
  }

  async release(id: string): Promise<Release> {
    const db = this.work.db;
    const { payloads } = await getRelease(db, id);
    return { envelope: await releaseEnvelope(db, id), payloads: new Map(await Promise.all(payloads.map(async (p) => [p.uri, await releasePayload(db, id, p.uri)] as const))) };
  }

  updateProgress(claim: JobClaim, campaign: number, m: BoardMoveReport): Promise<boolean> {
    return this.work.campaigns.report(this.full(claim), campaign, m);
  }

  async updateVerdict(claim: JobClaim, campaign: number, m: BoardMoveReport): Promise<boolean> {
    try {
      return await this.work.campaigns.finish(this.full(claim), campaign, m);
    } finally {
      this.claims.delete(claim.jobId);
    }
  }

  async runResult(claim: JobClaim, run: number, r: { result: BoardResult } | { error: string }): Promise<boolean> {
    const full = this.full(claim);
    try {
      return await this.work.runs.boardResult(full, run, r);
    } finally {
      this.claims.delete(claim.jobId);
    }
  }

  async handBack(claim: JobClaim, why: string): Promise<void> {
    try {
      await this.work.jobs.handBack(this.full(claim), why);
    } finally {
      this.claims.delete(claim.jobId);
    }
  }

  async boardStatus(board: string, status: BoardStatus): Promise<void> {
    await reportBoard(this.work.db, board, { kind: 'status', status }, INTERNAL);
  }

  consoleLines(board: string, lines: readonly string[], dropped: number): Promise<void> {
    return recordConsole(this.work.db, board, lines, dropped);
  }

  upload(board: string, u: UploadFigure | UploadProgressFigure): Promise<void> {
    return 'total' in u ? recordUploadProgress(this.work.db, board, u) : recordUpload(this.work.db, board, u);
  }

  private full(claim: JobClaim): Claim {
    const c = this.claims.get(claim.jobId);
    if (!c) throw new Error(`job ${claim.jobId} on board ${claim.board} is not one this link handed out`);
    return c;
  }
}

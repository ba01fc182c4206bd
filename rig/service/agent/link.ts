/**
 * What an agent needs from the lab service (DESIGN.md "Lab service": an agent registers its
 * boards, takes jobs for them, streams progress and results back, heartbeats), as one interface:
 * inside `suitrig serve --lab` it is a direct call into the service (in-process-link.ts); for
 * `suitrig agent --tracker URL` on another host it is the same calls over HTTP. The agent
 * (agent.ts) knows nothing else of the service.
 *
 * A job is handed out with the claim of its board; every report names the claim, and a report
 * whose claim was lost (the service presumed the worker dead and handed the job on) is refused:
 * the worker stops.
 */
import type { BoardSpec, BoardStatus } from '../store/boards.js';
import type { BoardResult } from '../../runner/result.js';
import type { CampaignBoardState } from '../campaigns/states.js';
import type { BoardJobData } from '../jobs/job-data.js';
import type { Release } from './update-job.js';
import type { UploadFigure, UploadProgressFigure } from '../store/uploads.js';
import type { AgentTerms } from './agent-calls.js';

/** The claim of a board for one job, opaque to the agent. */
export interface JobClaim {
  readonly board: string;
  readonly jobId: string;
}

export interface AgentJob {
  claim: JobClaim;
  data: BoardJobData;
  /** 0 on the first try, n on the n-th retry of a dropped job. */
  retryCount: number;
  /** What the service tells the worker (update jobs: UpdateJobContext). */
  context: Record<string, unknown>;
}

/** A state a campaign board reached on its way, with why and what the board showed. */
export interface BoardStep {
  to: CampaignBoardState;
  reason?: string;
  detail?: Record<string, unknown>;
}

export interface BoardMoveReport extends BoardStep {
  /**
   * States passed on the way to `to`, oldest first, with nothing asked of the board between them
   * (installed, then rebooting; booted, then confirmed): recorded with it in one transaction, so
   * the walk pays one round trip to the service where it would pay two.
   */
  via?: readonly BoardStep[];
}

export interface VerdictReport extends BoardMoveReport {
  /** What the board runs after the update (as a status report), recorded with the verdict. */
  status?: BoardStatus;
}

export interface Heartbeat {
  held: boolean;
  offline: readonly string[];
}

export interface AgentLink {
  /**
   * Registers the agent (this process of it) and all its boards, taking the agent's name over
   * from an earlier process; refused when another agent serves one of the boards (or, in
   * process, when another live service serves this agent). Answers the pace the service wants.
   */
  register(agent: string, instance: string, boards: readonly BoardSpec[]): Promise<AgentTerms>;
  /** The agent stops serving (its boards go offline). */
  leave(agent: string, instance: string): Promise<void>;
  /**
   * `held` false when another process of this agent has taken the name over: this one must stop.
   * `offline`: the agent's boards the service has offline (it went silent for the service's TTL,
   * e.g. the network failed): the agent registers again to bring back the ones it serves.
   */
  heartbeat(agent: string, instance: string): Promise<Heartbeat>;
  /** The next job for `board`, waiting up to `waitMs` for one; undefined when none came. */
  nextJob(agent: string, instance: string, board: string, waitMs: number, signal: AbortSignal): Promise<AgentJob | undefined>;
  /** Keeps the claim alive while the job runs; false when it was lost. */
  renew(claim: JobClaim): Promise<boolean>;
  /** A release's envelope and payloads (the firmware server). */
  release(id: string): Promise<Release>;
  /** A campaign board's state on the way; false when the claim was lost. */
  updateProgress(claim: JobClaim, campaign: number, m: BoardMoveReport): Promise<boolean>;
  /** A campaign board's verdict; completes the job. */
  updateVerdict(claim: JobClaim, campaign: number, m: VerdictReport): Promise<boolean>;
  /** A board's part of a run (or why it could not run); completes the job. */
  runResult(claim: JobClaim, run: number, r: { result: BoardResult } | { error: string }): Promise<boolean>;
  /** Gives a job back unfinished (the agent is stopping): it is retried by its rule. */
  handBack(claim: JobClaim, why: string): Promise<void>;
  /** What a board reports of itself, for the inventory. */
  boardStatus(board: string, status: BoardStatus): Promise<void>;
  /** A batch of what a board printed on its console, oldest first; `dropped` lines were lost before it. */
  consoleLines(board: string, lines: readonly string[], dropped: number): Promise<void>;
  /** A transfer to a board during an update: finished (`total` absent) or on its way. */
  upload(board: string, u: UploadFigure | UploadProgressFigure): Promise<void>;
}

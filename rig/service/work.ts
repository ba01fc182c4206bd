/**
 * The part of the lab service that works on boards (DESIGN.md "Lab service"): the job queue
 * (pg-boss, a queue per board), update campaigns, QA runs, and the agents that do the work
 * (their calls: agent/agent-calls.ts) —
 * started with the service on its Database, stopped with it. The HTTP routes (campaigns, runs,
 * agents) and the in-process agent of `serve --lab` reach it through this one object.
 *
 * A sweep runs every `sweepMs`: claims whose lease ran out are failed back to their queues
 * (retried or failed by their rule), boards past their campaign deadline that no job works on
 * are timed-out, reservations whose holder stopped renewing them end (and waiters who stopped
 * their heartbeat leave the queue), run parts queued on a board someone reserved (or a waiter is
 * owed) are skipped with the reason, campaign boards whose job waits for such a board say so, run boards no agent has worked on for the run wait fail, and boards whose agent
 * stopped heartbeating go offline.
 */
import type { Database } from './db/database.js';
import { CampaignEngine } from './campaigns/engine.js';
import { BoardJobs, type BoardJobsOptions } from './jobs/board-jobs.js';
import { RunService } from './runs/service.js';
import { markSilentBoardsOffline } from './store/agents.js';
import { expireReservations } from './store/reservations.js';
import { expireTickets } from './store/reservation-queue.js';
import type { Suite } from '../suites/api.js';
import { builtinSuites } from '../suites/index.js';
import { InProcessLink } from './agent/in-process-link.js';
import { AgentCalls } from './agent/agent-calls.js';

export interface WorkOptions extends BoardJobsOptions {
  /** How often the sweep runs (default 2 s, or a quarter of a shorter agent TTL). */
  sweepMs?: number;
  /** Seconds without a heartbeat after which an agent's boards go offline (default 30). */
  agentTtlS?: number;
  /** Seconds a run board's part may wait with no agent working on it before it fails (default 3600). */
  runWaitS?: number;
  /** Seconds past a board's deadline before the sweep times it out (default 10). */
  deadlineGraceS?: number;
  /** Suites `POST /runs` may name (default: the built-in ones). */
  suites?: readonly Suite[];
  /** Where the sweep's failures are told (default: process warnings). */
  warn?: (message: string) => void;
}

export class WorkService {
  readonly campaigns: CampaignEngine;
  readonly runs: RunService;
  /** The service's end of the agents' calls, in process and over HTTP. */
  readonly agents: AgentCalls;
  readonly agentTtlS: number;
  private readonly runWaitS: number;
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private readonly warn: (message: string) => void;

  private constructor(
    readonly db: Database,
    readonly jobs: BoardJobs,
    campaigns: CampaignEngine,
    runs: RunService,
    o: WorkOptions,
  ) {
    this.campaigns = campaigns;
    this.runs = runs;
    this.agentTtlS = o.agentTtlS ?? 30;
    this.runWaitS = o.runWaitS ?? 3600;
    this.agents = new AgentCalls(this);
    this.warn = o.warn ?? ((m) => process.emitWarning(m));
  }

  /** Starts the queue (its schema created or migrated) and the sweep. The database is migrated already. */
  static async start(db: Database, o: WorkOptions = {}): Promise<WorkService> {
    const campaigns = new CampaignEngine(db, o.deadlineGraceS);
    const runs = new RunService(db, o.suites ?? builtinSuites);
    const jobs = await BoardJobs.start(db, { update: campaigns.jobKind, run: runs.jobKind }, o);
    campaigns.useJobs(jobs);
    runs.useJobs(jobs);
    const w = new WorkService(db, jobs, campaigns, runs, o);
    // A quarter of a short TTL, so that a silent agent's boards go offline soon after it.
    w.timer = setInterval(() => void w.sweep(), o.sweepMs ?? Math.min(2_000, w.agentTtlS * 250));
    return w;
  }

  /** The agent link of an agent in this process (`serve --lab`). */
  link(): InProcessLink {
    return new InProcessLink(this);
  }

  /** One sweep now (also what the timer runs); sweeps never overlap. */
  sweep(): Promise<void> {
    this.sweeping ??= (async () => {
      try {
        await this.jobs.reapExpired();
        await expireReservations(this.db);
        await expireTickets(this.db);
        await this.runs.skipReserved();
        await this.campaigns.noteWaits();
        await this.campaigns.sweepDeadlines();
        await this.runs.sweepDeadlines(this.runWaitS);
        await markSilentBoardsOffline(this.db, this.agentTtlS);
      } catch (e) {
        this.warn(`service sweep: ${(e as Error).message}`);
      } finally {
        this.sweeping = undefined;
      }
    })();
    return this.sweeping;
  }

  async stop(): Promise<void> {
    this.agents.stop();
    clearInterval(this.timer);
    await this.sweeping;
    await this.jobs.stop();
  }
}

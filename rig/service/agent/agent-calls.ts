/**
 * The service's end of an agent's calls (link.ts; DESIGN.md "Lab service": an agent registers its
 * boards, takes jobs for them, streams progress and results back, heartbeats): what each call
 * does, written once — the agent inside `serve --lab` reaches it directly (in-process-link.ts), a
 * `suitrig agent` on another host through the agent routes (api/routes/agents.ts).
 *
 * - register: the agent, its boards and its process (instance) in one transaction, the token
 *   checked first; a board another live agent serves is refused, naming that agent. A process
 *   registering a name takes it over (a restarted agent comes back at once; the one it replaced
 *   learns it from its next heartbeat and stops), and the claims of the name's earlier processes
 *   are failed back to their queues.
 * - a job is named by its board, its job id and the process that took it: a report of a process
 *   whose claim was lost (reaped after its lease, or taken over) finds no claim, changes nothing,
 *   and is answered false.
 * - next job: taken at once when there is one, else after waiting (bounded) to be woken; a caller
 *   that went away meanwhile (its signal) gets nothing, and a job taken just as it went is handed
 *   straight back.
 */
import type { WorkService } from '../work.js';
import type { Claim } from '../jobs/claims.js';
import type { TakenJob } from '../jobs/board-jobs.js';
import { bindAgentInstance, heartbeat, leaveAgent } from '../store/agents.js';
import { assertSpeaksFor, registerBoardsIn, reportBoard, type BoardSpec, type BoardStatus, type Caller } from '../store/boards.js';
import { StoreRefusal } from '../store/errors.js';
import { getRelease, releaseEnvelope, releasePayload } from '../store/releases.js';
import { recordConsole } from '../store/console.js';
import { recordUpload, recordUploadProgress, type UploadFigure, type UploadProgressFigure } from '../store/uploads.js';
import type { BoardMoveReport, Heartbeat, VerdictReport } from './link.js';
import type { Release } from './update-job.js';
import type { BoardResult } from '../../runner/result.js';

/** What the service asks of an agent's pace: heartbeat and renew often enough for its TTL and leases. */
export interface AgentTerms {
  /** How often to heartbeat and renew a job's claim. */
  heartbeatMs: number;
  /** Seconds without a heartbeat after which the agent's boards go offline. */
  ttlS: number;
  /** How long a claim lasts without renewal. */
  leaseMs: number;
}

/** A job of a process: its board, its id, and the process (agent name, instance) that took it. */
export interface ProcessJob {
  agent: string;
  instance: string;
  board: string;
  jobId: string;
}

export interface Registration {
  agent: string;
  instance: string;
  host: string;
  boards: readonly BoardSpec[];
}

export class AgentCalls {
  /** Aborted when the service stops: waits for a job end at once. */
  private readonly stopping = new AbortController();

  constructor(private readonly work: WorkService) {}

  /** A third of the shorter of TTL and lease: two beats may be lost before anything is. */
  terms(): AgentTerms {
    const ttlS = this.work.agentTtlS;
    const leaseMs = this.work.jobs.leaseMs;
    return { heartbeatMs: Math.max(100, Math.floor(Math.min(ttlS * 1000, leaseMs) / 3)), ttlS, leaseMs };
  }

  async register(by: Caller, r: Registration): Promise<AgentTerms> {
    await this.work.db.transaction(async (tx) => {
      // The token is checked (registerAgent) before the name is bound to this process.
      await registerBoardsIn(tx, r.agent, r.host, r.boards, by, true);
      await bindAgentInstance(tx, r.agent, r.instance, this.work.agentTtlS, true);
    });
    for (const b of r.boards) await this.work.jobs.ensureQueue(b.name);
    await this.work.jobs.takeOver(r.agent, r.instance);
    return this.terms();
  }

  leave(agent: string, instance: string): Promise<void> {
    return leaveAgent(this.work.db, agent, instance);
  }

  async heartbeat(agent: string, instance: string): Promise<Heartbeat> {
    if (!(await heartbeat(this.work.db, agent, instance))) return { held: false, offline: [] };
    const offline = await this.work.db.query<{ name: string }>("SELECT name FROM boards WHERE agent = $1 AND state = 'offline' ORDER BY name LIMIT 256", [agent]);
    return { held: true, offline: offline.map((b) => b.name) };
  }

  /** The next job for `board`, waiting up to `waitMs` to be woken when there is none; undefined when none came. */
  async nextJob(agent: string, instance: string, board: string, waitMs: number, signal: AbortSignal): Promise<TakenJob | undefined> {
    const [r] = await this.work.db.query<{ live: boolean; served_by: string | null }>(
      'SELECT EXISTS (SELECT 1 FROM agents WHERE name = $1 AND instance = $2) AS live, (SELECT agent FROM boards WHERE name = $3) AS served_by',
      [agent, instance, board],
    );
    if (!r!.live) throw new StoreRefusal('conflict', `this process of agent ${agent} is not its live one (another process took the name over, or it left): register again`);
    if (r!.served_by !== agent) throw new StoreRefusal(r!.served_by === null ? 'not-found' : 'conflict', r!.served_by === null ? `no board ${board}` : `board ${board} is served by agent ${r!.served_by}, not ${agent}`);
    const gone = AbortSignal.any([signal, this.stopping.signal]);
    // Woken by the notification of the transaction that enqueues, from any service instance.
    const taken = gone.aborted ? undefined : await this.work.jobs.takeOrWait(agent, instance, board, waitMs, gone);
    if (taken && gone.aborted) {
      await this.work.jobs.handBack(taken.claim, `agent ${agent} went away as it was given the job`);
      return undefined;
    }
    return taken;
  }

  /** The claim behind a process's job, or undefined when the process no longer holds it. */
  async claim(j: ProcessJob): Promise<Claim | undefined> {
    const [row] = await this.work.db.query<{ queue: string; kind: string }>(
      'SELECT queue, kind FROM board_claims WHERE board = $1 AND job_id = $2 AND agent = $3 AND instance = $4',
      [j.board, j.jobId, j.agent, j.instance],
    );
    return row ? { board: j.board, jobId: j.jobId, queue: row.queue, kind: row.kind, agent: j.agent, instance: j.instance } : undefined;
  }

  async renew(j: ProcessJob): Promise<boolean> {
    const c = await this.claim(j);
    return c !== undefined && (await this.work.jobs.renew(c));
  }

  async updateProgress(j: ProcessJob, campaign: number, m: BoardMoveReport): Promise<boolean> {
    const c = await this.claim(j);
    return c !== undefined && (await this.work.campaigns.report(c, campaign, m));
  }

  async updateVerdict(j: ProcessJob, campaign: number, m: VerdictReport): Promise<boolean> {
    const c = await this.claim(j);
    return c !== undefined && (await this.work.campaigns.finish(c, campaign, m));
  }

  async runResult(j: ProcessJob, run: number, r: { result: BoardResult } | { error: string }): Promise<boolean> {
    const c = await this.claim(j);
    return c !== undefined && (await this.work.runs.boardResult(c, run, r));
  }

  /** Gives the job back unfinished: retried by its rule. False when the claim was lost already. */
  async handBack(j: ProcessJob, why: string): Promise<boolean> {
    const c = await this.claim(j);
    if (c) await this.work.jobs.handBack(c, why);
    return c !== undefined;
  }

  async release(id: string): Promise<Release> {
    const db = this.work.db;
    const { payloads } = await getRelease(db, id);
    return { envelope: await releaseEnvelope(db, id), payloads: new Map(await Promise.all(payloads.map(async (p) => [p.uri, await releasePayload(db, id, p.uri)] as const))) };
  }

  async boardStatus(by: Caller, board: string, status: BoardStatus): Promise<void> {
    await reportBoard(this.work.db, board, { kind: 'status', status }, by);
  }

  async consoleLines(by: Caller, board: string, lines: readonly string[], dropped: number): Promise<void> {
    await assertSpeaksFor(this.work.db, { board }, by);
    await recordConsole(this.work.db, board, lines, dropped);
  }

  async upload(by: Caller, board: string, u: UploadFigure | UploadProgressFigure): Promise<void> {
    await assertSpeaksFor(this.work.db, { board }, by);
    await ('total' in u ? recordUploadProgress(this.work.db, board, u) : recordUpload(this.work.db, board, u));
  }

  /** The service is stopping: agents waiting for a job are answered now. */
  stop(): void {
    this.stopping.abort();
  }
}

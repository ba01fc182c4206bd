/**
 * A lab agent (DESIGN.md "Lab service": `suitrig agent`, and the one inside `suitrig serve
 * --lab`): serves the boards of a lab file. It registers them with the service, reports what each
 * runs, heartbeats, and works each board's jobs one at a time — campaign updates (update-job.ts)
 * and QA runs — through its board driver (board-driver.ts), reporting every state change through
 * its link (link.ts), while it renews the job's claim. A claim it loses (the service handed the
 * job on, presuming it dead) stops the job at once. Stopping finishes what it holds within a
 * grace period, then hands the rest back to the queue. It heartbeats at the pace the service asks
 * for; a heartbeat that names some of its boards offline (the service heard nothing from it for
 * its TTL: the network failed, or the agent stalled) makes it register again, which brings them
 * back. A heartbeat answered not held means another process took the agent's name over: it stops.
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { Lab } from '../../lab/types.js';
import type { Suite } from '../../suites/api.js';
import { builtinSuites } from '../../suites/index.js';
import type { UpdateJobContext } from '../campaigns/engine.js';
import type { RunJobData, UpdateJobData } from '../jobs/job-data.js';
import { openBoardDriver, type BoardDriver, type DriverOptions } from './board-driver.js';
import { boardStatus } from '../client/board-status.js';
import type { BoardStatus } from '../store/boards.js';
import type { AgentJob, AgentLink } from './link.js';
import type { AgentTerms } from './agent-calls.js';
import { ClaimLostError, readStatus, walkUpdate, type Release } from './update-job.js';
import { ConsoleRelay } from './console-relay.js';

export interface AgentOptions extends DriverOptions {
  /** The agent's name (one live process per name). */
  name: string;
  lab: Lab;
  link: AgentLink;
  /** How often it heartbeats and renews a job's claim (default: the pace the service asks for at registration). */
  heartbeatMs?: number;
  /** How long one wait for a job lasts before it asks again (default 2 s; a job enqueued through any service instance wakes it at once). */
  pollMs?: number;
  /** Where run logs go (default: suitrig-runs under the temp dir). */
  logRoot?: string;
  suites?: readonly Suite[];
  log?: (line: string) => void;
}

/** After a failed request for a job, the wait before the next. */
const ASK_AGAIN_MS = 2_000;

/** Releases are content-addressed: one read per release serves every board. */
const RELEASE_CACHE = 8;

export class Agent {
  readonly instance = randomUUID();
  private readonly stopping = new AbortController();
  /** Aborted when the grace period of a stop is over: jobs still running are handed back. */
  private readonly handBack = new AbortController();
  private readonly loops: Promise<void>[] = [];
  private readonly releases = new Map<string, Promise<Release>>();
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private readonly log: (line: string) => void;
  private readonly console: ConsoleRelay;
  private terms: AgentTerms | undefined;
  private stopped: Promise<void> | undefined;
  private beating = false;
  private failing = false;
  private endWith!: (why: string) => void;
  /** Resolves, with why, once the agent has stopped (asked to, or its name was taken over). */
  readonly ended = new Promise<string>((done) => (this.endWith = done));

  private constructor(
    private readonly o: AgentOptions,
    private readonly drivers: BoardDriver[],
  ) {
    this.log = o.log ?? (() => undefined);
    // Every board's loop and job listens to these: one listener per board, not a leak.
    setMaxListeners(0, this.stopping.signal, this.handBack.signal);
    this.console = new ConsoleRelay((board, lines, dropped) => o.link.consoleLines(board, lines, dropped), { log: this.log });
    for (const d of drivers) this.console.attach(d);
  }

  /** Opens the lab's boards, registers them, reports their status and starts working. */
  static async start(o: AgentOptions): Promise<Agent> {
    const drivers: BoardDriver[] = [];
    let agent: Agent | undefined;
    try {
      for (const b of o.lab.boards) drivers.push(await openBoardDriver(b, o));
      const a = (agent = new Agent(o, drivers));
      await a.register();
      // Beating from the start: reading the boards' status may take longer than the TTL.
      a.heartbeatTimer = setInterval(() => void a.beat(), a.beatMs);
      for (const d of drivers) await a.reportStatus(d);
      for (const d of drivers) a.loops.push(a.work(d));
      return a;
    } catch (e) {
      clearInterval(agent?.heartbeatTimer);
      await agent?.console.stop();
      for (const d of drivers) await d.close().catch(() => undefined);
      throw e;
    }
  }

  get boards(): readonly string[] {
    return this.drivers.map((d) => d.name);
  }

  /** `agent NAME: serving b1 (virtual), b2 (tcp)`: what a started agent serves, for its log. */
  get summary(): string {
    return `agent ${this.o.name}: serving ${this.drivers.map((d) => `${d.name} (${d.kind})`).join(', ') || 'no boards'}`;
  }

  /**
   * Stops taking jobs; jobs running finish within `graceMs`, the rest are handed back; then it
   * leaves (its boards go offline). A second call waits for the first.
   */
  stop(graceMs = 0, why = 'stopped'): Promise<void> {
    this.stopped ??= (async () => {
      this.stopping.abort(new Error('the agent is stopping'));
      clearInterval(this.heartbeatTimer);
      const grace = setTimeout(() => this.handBack.abort(new Error('the agent is stopping')), graceMs);
      await Promise.all(this.loops);
      clearTimeout(grace);
      await this.console.stop();
      await this.o.link.leave(this.o.name, this.instance).catch((e: Error) => this.log(`agent ${this.o.name}: leaving failed: ${e.message}`));
      for (const d of this.drivers) await d.close().catch(() => undefined);
      this.endWith(why);
    })();
    return this.stopped;
  }

  private get beatMs(): number {
    return this.o.heartbeatMs ?? this.terms?.heartbeatMs ?? 5_000;
  }

  private async register(): Promise<void> {
    this.terms = await this.o.link.register(this.o.name, this.instance, this.drivers.map((d) => ({ name: d.name, kind: d.kind, tags: [...d.tags] })));
  }

  private async beat(): Promise<void> {
    // A heartbeat the link is still retrying is not doubled by the next tick.
    if (this.beating) return;
    this.beating = true;
    try {
      const h = await this.o.link.heartbeat(this.o.name, this.instance);
      if (!h.held) {
        this.log(`agent ${this.o.name}: another process took this agent's name over; stopping`);
        void this.stop(0, "another process took this agent's name over");
        return;
      }
      if (this.failing) this.log(`agent ${this.o.name}: heartbeat answered again`);
      this.failing = false;
      const lapsed = h.offline.filter((b) => this.boards.includes(b));
      if (lapsed.length > 0 && !this.stopping.signal.aborted) {
        this.log(`agent ${this.o.name}: the service has ${lapsed.join(', ')} offline (it heard no heartbeat for its TTL); registering again`);
        await this.register();
      }
    } catch (e) {
      // Said once per outage, not once per beat.
      if (!this.failing) this.log(`agent ${this.o.name}: heartbeat failed: ${(e as Error).message}`);
      this.failing = true;
    } finally {
      this.beating = false;
    }
  }

  private async reportStatus(d: BoardDriver): Promise<void> {
    try {
      await this.o.link.boardStatus(d.name, boardStatus(await readStatus(d, AbortSignal.timeout(30_000))));
    } catch (e) {
      this.log(`board ${d.name}: status not read: ${(e as Error).message}`);
    }
  }

  /** One board's loop: its jobs, one at a time, until the agent stops. */
  private async work(d: BoardDriver): Promise<void> {
    while (!this.stopping.signal.aborted) {
      let job: AgentJob | undefined;
      try {
        job = await this.o.link.nextJob(this.o.name, this.instance, d.name, this.o.pollMs ?? 2_000, this.stopping.signal);
      } catch (e) {
        this.log(`board ${d.name}: asking for a job failed: ${(e as Error).message}`);
        // Asked again soon (not after a whole long poll), and not waited for by a stop.
        await sleep(ASK_AGAIN_MS, undefined, { signal: this.stopping.signal }).catch(() => undefined);
        continue;
      }
      if (job) await this.run(d, job);
    }
  }

  private async run(d: BoardDriver, job: AgentJob): Promise<void> {
    const lost = new AbortController();
    const signal = AbortSignal.any([lost.signal, this.handBack.signal]);
    const renew = setInterval(() => {
      this.o.link.renew(job.claim).then(
        (held) => {
          if (!held) lost.abort(new ClaimLostError(`the claim on ${d.name} was lost`));
        },
        (e: Error) => this.log(`board ${d.name}: renewing the claim failed: ${e.message}`),
      );
    }, this.beatMs);
    try {
      if (job.data.kind === 'update') await this.update(d, job, job.data, signal);
      else await this.runSuite(d, job, job.data, signal);
    } catch (e) {
      if (this.handBack.signal.aborted && !lost.signal.aborted) {
        await this.o.link.handBack(job.claim, `agent ${this.o.name} stopped while the job ran`).catch(() => undefined);
        this.log(`board ${d.name}: job ${job.claim.jobId} handed back`);
      } else {
        this.log(`board ${d.name}: job ${job.claim.jobId} stopped: ${(e as Error).message}`);
      }
    } finally {
      clearInterval(renew);
    }
    // A run leaves the board in its known-good state; an update reported its status with its verdict.
    if (job.data.kind === 'run') await this.reportStatus(d);
  }

  private release(id: string): Promise<Release> {
    let r = this.releases.get(id);
    if (!r) {
      r = this.o.link.release(id);
      r.catch(() => this.releases.delete(id));
      this.releases.set(id, r);
      if (this.releases.size > RELEASE_CACHE) this.releases.delete(this.releases.keys().next().value!);
    }
    return r;
  }

  private async update(d: BoardDriver, job: AgentJob, data: UpdateJobData, signal: AbortSignal): Promise<void> {
    const ctx = job.context as unknown as UpdateJobContext;
    const release = await this.release(data.release);
    // Transfer figures are best effort and not waited for while the bytes flow; the next state
    // waits for those on their way, so the board's history tells its walk in order.
    const figures = new Set<Promise<void>>();
    const verdict = await walkUpdate(
      d,
      { release, state: ctx.state, deadlineAt: new Date(ctx.deadlineAt), deadlineS: data.deadlineS, confirmS: data.confirmS, attempt: ctx.attempt },
      {
        move: async (step) => {
          await Promise.all(figures);
          return this.o.link.updateProgress(job.claim, data.campaign, step);
        },
        upload: (u) => {
          const sent = this.o.link.upload(d.name, { campaign: data.campaign, ...u }).catch((e: Error) => this.log(`board ${d.name}: upload figure not recorded: ${e.message}`));
          figures.add(sent);
          void sent.finally(() => figures.delete(sent));
        },
      },
      signal,
    );
    await Promise.all(figures);
    // The inventory shows what the board runs before the verdict is known to anyone: read with
    // the verdict, the status goes with it; otherwise it is read and reported first.
    const after = verdict.detail.after as BoardStatus | undefined;
    if (!after) await this.reportStatus(d);
    await this.o.link.updateVerdict(job.claim, data.campaign, after ? { ...verdict, status: after } : verdict);
    this.log(`board ${d.name}: campaign ${data.campaign}: ${verdict.to} (${verdict.reason})`);
  }

  private async runSuite(d: BoardDriver, job: AgentJob, data: RunJobData, signal: AbortSignal): Promise<void> {
    const suite = (this.o.suites ?? builtinSuites).find((s) => s.name === data.suite);
    let outcome: Parameters<AgentLink['runResult']>[2];
    if (!suite) outcome = { error: `agent ${this.o.name} has no suite '${data.suite}'` };
    else {
      try {
        const logDir = join(this.o.logRoot ?? join(tmpdir(), 'suitrig-runs'), `run-${data.run}-${d.name}`);
        outcome = { result: await d.runSuite({ suite, seed: data.seed, cases: data.cases, logDir, signal }) };
      } catch (e) {
        if (signal.aborted) throw e;
        outcome = { error: (e as Error).message };
      }
    }
    await this.o.link.runResult(job.claim, data.run, outcome);
  }
}

/**
 * The agent link over HTTP (link.ts; DESIGN.md "Lab service": `suitrig agent --tracker URL` on
 * another host): each call is one request to the agent routes (rig/service/api/routes/agents.ts),
 * with the agent's token as `Authorization: Bearer` (tracker.ts never puts it in a message).
 *
 * - Every call has a bounded wait; a request for the next job waits at most the service's long
 *   poll plus a margin, and is cut at once when the agent stops.
 * - Calls that may safely be sent twice are retried with backoff when no answer came (the network
 *   failed, the wait ran out) or the service was briefly unavailable (502, 503, 504): register and
 *   leave (a process registers its own name again), heartbeat, release downloads, and every report
 *   on a job — these are guarded by the job's claim, so a report that landed the first time finds
 *   no claim the second time and changes nothing. Taking a job, console lines, upload figures and
 *   board status are not: a lost one is asked again or dropped by their callers.
 * - A refusal (401, 403, 404, 409, ...) is not retried: it is a TrackerError naming the call, the
 *   status and the service's own message. Texts are cut to the routes' bounds before they are
 *   sent (a long failure message loses its tail, the report is not refused).
 * - Releases are content-addressed: the envelope must hash to the release id and each payload to
 *   its digest, each read within the firmware server's own bounds.
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BoardResult } from '../../runner/result.js';
import { ENVELOPE_LIMIT, NEXT_JOB_WAIT_MAX_MS, PAYLOADS_MAX, PAYLOAD_LIMIT } from '../api/limits.js';
import { fitBoardResult } from '../api/board-result-schema.js';
import { TrackerError, type TrackerClient } from '../client/tracker.js';
import type { BoardSpec, BoardStatus } from '../store/boards.js';
import { cleanLine } from '../store/console.js';
import type { UploadFigure, UploadProgressFigure } from '../store/uploads.js';
import type { AgentTerms } from './agent-calls.js';
import type { AgentJob, AgentLink, BoardMoveReport, BoardStep, Heartbeat, JobClaim, VerdictReport } from './link.js';
import type { Release } from './update-job.js';
import type { BoardJobData } from '../jobs/job-data.js';

/** The wait for the answer of a small call. */
const CALL_TIMEOUT_MS = 10_000;
/** The wait for a release file or a run's result (megabytes over a lab network). */
const TRANSFER_TIMEOUT_MS = 120_000;
/** Beyond the long poll itself, before a request for the next job counts as unanswered. */
const POLL_MARGIN_MS = 15_000;
/** Waits before the retries of a call that got no answer. */
const BACKOFF_MS = [500, 1_000, 2_000, 4_000];
/** A campaign board's reason as the routes take it (longer ones are cut, not refused). */
const TEXT_MAX = 2_000;
/** Why a board could not run a suite, as the route takes it. */
const ERROR_MAX = 4_000;
/** Console lines per request: 100 cleaned lines stay far below the service's JSON body limit. */
const CONSOLE_CHUNK = 100;

/** A step with its reason cut to the routes' bound. */
function fitStep(s: BoardStep): BoardStep {
  return s.reason !== undefined ? { ...s, reason: s.reason.slice(0, TEXT_MAX) } : s;
}

function fitMove(m: BoardMoveReport): BoardMoveReport {
  return { ...fitStep(m), ...(m.via ? { via: m.via.map(fitStep) } : {}) };
}

const sha256hex = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** No answer, or the service briefly unavailable: worth another try. */
function transient(e: unknown): boolean {
  return e instanceof TrackerError && (e.status === undefined || e.status === 502 || e.status === 503 || e.status === 504);
}

interface JobJson {
  board: string;
  job_id: string;
  retry_count: number;
  data: BoardJobData;
  context: Record<string, unknown>;
}

export class HttpLink implements AgentLink {
  /** The process registered through this link: its requests are named with it. */
  private me: { agent: string; instance: string } | undefined;

  constructor(
    private readonly client: TrackerClient,
    private readonly o: { host?: string; backoffMs?: readonly number[] } = {},
  ) {}

  get base(): string {
    return this.client.base;
  }

  async register(agent: string, instance: string, boards: readonly BoardSpec[]): Promise<AgentTerms> {
    const host = this.o.host ?? hostname().replace(/[^A-Za-z0-9._:-]/g, '-').slice(0, 253);
    const r = await this.retrying(() =>
      this.client.call<{ heartbeat_ms: number; ttl_s: number; lease_ms: number }>('PUT', `/agents/${agent}/processes/${instance}`, { host, boards }, { timeoutMs: CALL_TIMEOUT_MS }),
    );
    this.me = { agent, instance };
    return { heartbeatMs: r.heartbeat_ms, ttlS: r.ttl_s, leaseMs: r.lease_ms };
  }

  async leave(agent: string, instance: string): Promise<void> {
    await this.retrying(() => this.client.call('DELETE', `/agents/${agent}/processes/${instance}`, undefined, { timeoutMs: CALL_TIMEOUT_MS }));
  }

  heartbeat(agent: string, instance: string): Promise<Heartbeat> {
    return this.retrying(() => this.client.call<Heartbeat>('POST', `/agents/${agent}/processes/${instance}/heartbeat`, undefined, { timeoutMs: CALL_TIMEOUT_MS }));
  }

  async nextJob(agent: string, instance: string, board: string, waitMs: number, signal: AbortSignal): Promise<AgentJob | undefined> {
    const wait = Math.min(Math.max(0, Math.round(waitMs)), NEXT_JOB_WAIT_MAX_MS);
    let r: { job: JobJson | null };
    try {
      r = await this.client.call('POST', `/agents/${agent}/processes/${instance}/boards/${board}/next-job`, { wait_ms: wait }, { timeoutMs: wait + POLL_MARGIN_MS, signal });
    } catch (e) {
      // The agent is stopping: no job, and nothing to say about it.
      if (signal.aborted) return undefined;
      throw e;
    }
    const j = r.job;
    return j ? { claim: { board: j.board, jobId: j.job_id }, data: j.data, retryCount: j.retry_count, context: j.context } : undefined;
  }

  renew(claim: JobClaim): Promise<boolean> {
    return this.onJob(claim, 'renew', {});
  }

  async release(id: string): Promise<Release> {
    if (!/^[0-9a-f]{64}$/.test(id)) throw new Error(`'${id}' is not a release id`);
    const info = await this.retrying(() => this.client.call<{ payloads: { uri: string; size: number; digest: string }[] }>('GET', `/releases/${id}`, undefined, { timeoutMs: CALL_TIMEOUT_MS }));
    if (info.payloads.length > PAYLOADS_MAX) throw new Error(`release ${id}: ${info.payloads.length} payloads, more than the ${PAYLOADS_MAX} a release has`);
    const envelope = await this.retrying(() => this.client.bytes(`/releases/${id}/envelope`, ENVELOPE_LIMIT, { timeoutMs: TRANSFER_TIMEOUT_MS }));
    if (sha256hex(envelope) !== id) throw new Error(`release ${id}: the envelope served does not hash to the release id`);
    const payloads = new Map<string, Uint8Array>();
    for (const p of info.payloads) {
      if (p.size > PAYLOAD_LIMIT) throw new Error(`release ${id}: payload ${p.uri} is ${p.size} bytes, more than the ${PAYLOAD_LIMIT} a payload has`);
      const bytes = await this.retrying(() => this.client.bytes(`/releases/${id}/payloads/${encodeURIComponent(p.uri)}`, p.size, { timeoutMs: TRANSFER_TIMEOUT_MS }));
      if (bytes.length !== p.size || sha256hex(bytes) !== p.digest) throw new Error(`release ${id}: payload ${p.uri} served does not match its digest`);
      payloads.set(p.uri, bytes);
    }
    return { envelope, payloads };
  }

  updateProgress(claim: JobClaim, campaign: number, m: BoardMoveReport): Promise<boolean> {
    return this.onJob(claim, 'progress', { campaign, ...fitMove(m) });
  }

  updateVerdict(claim: JobClaim, campaign: number, m: VerdictReport): Promise<boolean> {
    return this.onJob(claim, 'verdict', { campaign, ...fitMove(m), reason: (m.reason ?? '').slice(0, TEXT_MAX), ...(m.status ? { status: m.status } : {}) });
  }

  runResult(claim: JobClaim, run: number, r: { result: BoardResult } | { error: string }): Promise<boolean> {
    const body = 'result' in r ? { run, result: fitBoardResult(r.result) } : { run, error: r.error.slice(0, ERROR_MAX) };
    return this.onJob(claim, 'result', body, TRANSFER_TIMEOUT_MS);
  }

  async handBack(claim: JobClaim, why: string): Promise<void> {
    await this.onJob(claim, 'hand-back', { why: why.slice(0, 500) });
  }

  async boardStatus(board: string, status: BoardStatus): Promise<void> {
    await this.client.call('POST', `/boards/${board}/reports`, { kind: 'status', status }, { timeoutMs: CALL_TIMEOUT_MS });
  }

  async consoleLines(board: string, lines: readonly string[], dropped: number): Promise<void> {
    // Cleaned and cut here as the service would store them, so that a batch is bounded in bytes.
    const clean = lines.map(cleanLine);
    for (let i = 0; i === 0 || i < clean.length; i += CONSOLE_CHUNK) {
      await this.client.call('POST', `/boards/${board}/console`, { lines: clean.slice(i, i + CONSOLE_CHUNK), dropped: i === 0 ? dropped : 0 }, { timeoutMs: CALL_TIMEOUT_MS });
    }
  }

  async upload(board: string, u: UploadFigure | UploadProgressFigure): Promise<void> {
    await this.client.call('POST', `/boards/${board}/uploads`, u, { timeoutMs: CALL_TIMEOUT_MS });
  }

  private async onJob(claim: JobClaim, what: string, body: object, timeoutMs = CALL_TIMEOUT_MS): Promise<boolean> {
    if (!this.me) throw new Error(`job ${claim.jobId} on board ${claim.board}: no agent registered through this link`);
    const path = `/agents/${this.me.agent}/processes/${this.me.instance}/boards/${claim.board}/jobs/${claim.jobId}/${what}`;
    return (await this.retrying(() => this.client.call<{ held: boolean }>('POST', path, body, { timeoutMs }))).held;
  }

  /** `call`, tried again after each wait of the backoff while it got no answer. */
  private async retrying<T>(call: () => Promise<T>): Promise<T> {
    const backoff = this.o.backoffMs ?? BACKOFF_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (e) {
        if (attempt >= backoff.length || !transient(e)) throw e;
        await sleep(backoff[attempt]);
      }
    }
  }
}

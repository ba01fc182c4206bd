/**
 * The lab service's update campaign (issue 12 "Must show": campaign throughput, API latency under
 * 50 concurrent readers while a campaign runs, and service memory, on PGlite and on PostgreSQL).
 *
 * 16 virtual boards at 1,000,000 baud (instant flash), each starting from the same state — a
 * first application (1.0.0) installed and confirmed — take the same update (a 32 KiB 1.1.0
 * image, ES256): served by the agent inside the service (`serve --lab`), all in one rollout group
 * of a campaign started with POST /campaigns; and, as the reference in the same run, 16 other
 * boards from the same state updated one by one with `suitrig update --port <name> --lab` (the
 * command's code in this process, so no process start is counted against it). Figures: boards
 * updated per minute each way and their ratio. Then 50 API readers (GET /campaigns and GET
 * /boards, back to back, in a process of their own: bench/http-readers.ts) against the idle
 * service and while a second campaign runs: latency p50/p95, the ratio, and the campaign's rate
 * under them. The job queue's overhead per board update (queue-timing.ts): a third campaign with
 * one board per rollout group, each job enqueued by the previous board's verdict: enqueue to the
 * agent holding the job, and verdict to the campaign's transition committed, against the update
 * itself in the same run. Memory: the RSS of this process running the service with its boards
 * (idle and peak), and of `suitrig serve` alone on the same database, after the readers. On PostgreSQL when
 * SUITRIG_BENCH_POSTGRES (or SUITRIG_TEST_POSTGRES) names a server where a scratch database may
 * be created. `--quick`: 4 boards, 8 KiB, 10 readers.
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadLab } from '../../lab/load.js';
import { Agent } from '../../service/agent/agent.js';
import { TimedLink, queueTimes } from '../queue-timing.js';
import { startCli } from '../cli-child.js';
import { buildApp, type ServiceApp } from '../../service/api/app.js';
import { createToken } from '../../service/auth/tokens.js';
import { openDatabase, redactUrl, type Database } from '../../service/db/database.js';
import { migrate } from '../../service/db/migrations.js';
import { SERVICE_MODULES } from '../../service/modules.js';
import { WorkService } from '../../service/work.js';
import { attachWork } from '../../service/work-registry.js';
import { benchPostgres, benchRelease, boardNames, labFile, prepareFleet, round2 as round, scratchServerDb, storeBenchRelease, timeCampaign, updateOneByOne, type BenchRelease, type Fleet } from '../fleet.js';
import type { BenchContext, BenchSection } from '../section.js';

const BAUD = 1_000_000;

/** `n` boards named `<prefix>1..n` in a lab file of their own. */
function boardSet(s: Fleet, prefix: string, n: number): { lab: string; names: string[] } {
  const names = boardNames(prefix, n);
  return { names, lab: labFile(s, prefix, names, BAUD) };
}

/** The reference: `suitrig update` on each of `n` boards, one after the other; the total in ms. */
async function oneByOne(s: Fleet, rel: BenchRelease, n: number): Promise<number> {
  const { lab, names } = boardSet(s, 'cli', n);
  return (await updateOneByOne(s, rel, lab, names)).reduce((a, b) => a + b, 0);
}

interface Service {
  db: Database;
  app: ServiceApp;
  work: WorkService;
  agent: Agent;
  link: TimedLink;
  url: string;
  token: string;
  auth: { authorization: string };
  close(): Promise<void>;
}

async function startService(spec: string, names: string[], lab: string): Promise<Service> {
  const db = await openDatabase(spec);
  await migrate(db);
  const app = await buildApp({ db, plugins: SERVICE_MODULES.flatMap((m) => m.routes ?? []) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const work = await WorkService.start(db);
  attachWork(app.ctx, work);
  const link = new TimedLink(work);
  const agent = await Agent.start({ name: 'bench', lab: loadLab(lab), link });
  if (agent.boards.length !== names.length) throw new Error('bench: the agent does not serve every board');
  const token = await createToken(db, 'operator', 'bench');
  return {
    db,
    app,
    work,
    agent,
    link,
    url: `http://127.0.0.1:${(app.server.address() as { port: number }).port}`,
    token: token.token,
    auth: { authorization: `Bearer ${token.token}` },
    async close() {
      await agent.stop();
      await work.stop();
      await app.close();
      await db.close();
    },
  };
}

/** Starts a campaign of `rel` on every bench board (in one group, or as `request` says); resolves with its wall time once done. */
async function campaign(svc: Service, rel: BenchRelease, n: number, request: Record<string, unknown> = { tag: 'bench' }): Promise<number> {
  return timeCampaign(svc.url, svc.auth, svc.db, await storeBenchRelease(svc.db, rel), n, request);
}

/** `count` API readers in a process of their own (../http-readers.ts) until `until` resolves; every request's latency in ms, sorted. */
async function readers(url: string, token: string, count: number, until: Promise<unknown>): Promise<number[]> {
  const script = join(dirname(fileURLToPath(import.meta.url)), '..', 'http-readers.js');
  const child = spawn(process.execPath, [script, url, String(count)], { env: { ...process.env, SUITRIG_TOKEN: token }, stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
  const exited = new Promise((r) => child.once('close', r));
  try {
    await until;
  } finally {
    child.stdin.end();
    await exited;
  }
  const r = JSON.parse(out) as { times: number[]; failures: number };
  if (r.failures > 0) throw new Error(`bench: ${r.failures} API reads failed`);
  return r.times;
}

/** VmRSS of process `pid` (Linux), or undefined where /proc does not tell. */
function rssOf(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** `suitrig serve --db <spec>` on its own (no boards), after 2 s of `count` readers: its RSS. */
async function serveRss(spec: string, token: string, count: number): Promise<number | undefined> {
  const serve = await startCli(['serve', '--db', spec, '--listen', 'http://127.0.0.1:0'], /^listening on (\S+)$/);
  try {
    await readers(serve.ready[1]!, token, count, new Promise((r) => setTimeout(r, 2_000)));
    return rssOf(serve.child.pid!);
  } finally {
    await serve.stop();
  }
}

const pctl = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

async function onDatabase(ctx: BenchContext, s: Fleet, label: string, spec: string, n: number, readerCount: number, oneByOneMs: number): Promise<Record<string, number>> {
  const { lab, names } = boardSet(s, `${label}-`, n);
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  const svc = await startService(spec, names, lab);
  let closed = false;
  try {
    const rssIdle = process.memoryUsage().rss;
    const ms = await campaign(svc, benchRelease(s.key, '1.1.0', 2n, s.size), n);
    const idle = await readers(svc.url, svc.token, readerCount, new Promise((r) => setTimeout(r, 2_000)));
    const busyCampaign = campaign(svc, benchRelease(s.key, '1.2.0', 3n, s.size), n);
    const busy = await readers(svc.url, svc.token, readerCount, busyCampaign);
    const busyMs = await busyCampaign;
    // One board at a time: each job is enqueued by the previous board's verdict.
    svc.link.marks.clear();
    await campaign(svc, benchRelease(s.key, '1.3.0', 4n, s.size), n, { boards: names, groups: names.map(() => 1) });
    const q = queueTimes(svc.link.marks, names);
    const perMin = (t: number): number => round((n * 60_000) / t);
    const f: Record<string, number> = {
      [`campaign_${label}_boards_per_min`]: perMin(ms),
      [`campaign_${label}_vs_one_by_one_ratio`]: round(oneByOneMs / ms),
      [`campaign_${label}_with_readers_boards_per_min`]: perMin(busyMs),
      [`campaign_${label}_api_idle_p50_ms`]: round(pctl(idle, 0.5)),
      [`campaign_${label}_api_idle_p95_ms`]: round(pctl(idle, 0.95)),
      [`campaign_${label}_api_busy_p50_ms`]: round(pctl(busy, 0.5)),
      [`campaign_${label}_api_busy_p95_ms`]: round(pctl(busy, 0.95)),
      [`campaign_${label}_api_busy_vs_idle_p95_ratio`]: round(pctl(busy, 0.95) / Math.max(0.01, pctl(idle, 0.95))),
      [`campaign_${label}_api_busy_requests`]: busy.length,
      [`campaign_${label}_queue_enqueue_to_job_ms`]: round(q.enqueueToJobMs),
      [`campaign_${label}_queue_verdict_to_transition_ms`]: round(q.verdictToTransitionMs),
      [`campaign_${label}_queue_board_update_ms`]: round(q.updateMs),
      [`campaign_${label}_queue_overhead_vs_update_ratio`]: Math.round(((q.enqueueToJobMs + q.verdictToTransitionMs) / q.updateMs) * 1000) / 1000,
      [`campaign_${label}_with_boards_rss_idle_bytes`]: rssIdle,
      [`campaign_${label}_with_boards_rss_peak_bytes`]: Math.max(peak, process.memoryUsage().rss),
    };
    ctx.log(
      `  ${label}: campaign of ${n} boards ${(ms / 1000).toFixed(1)} s = ${f[`campaign_${label}_boards_per_min`]} boards/min ` +
        `(${f[`campaign_${label}_vs_one_by_one_ratio`]}x the one-by-one rate); with ${readerCount} readers ${f[`campaign_${label}_with_readers_boards_per_min`]} boards/min`,
    );
    ctx.log(
      `  ${label}: API p50/p95 idle ${f[`campaign_${label}_api_idle_p50_ms`]}/${f[`campaign_${label}_api_idle_p95_ms`]} ms, during the campaign ` +
        `${f[`campaign_${label}_api_busy_p50_ms`]}/${f[`campaign_${label}_api_busy_p95_ms`]} ms (${busy.length} requests); RSS of the service with its ${n} boards idle ${(rssIdle / 2 ** 20).toFixed(0)} MiB, peak ${(f[`campaign_${label}_with_boards_rss_peak_bytes`]! / 2 ** 20).toFixed(0)} MiB`,
    );
    ctx.log(
      `  ${label}: the queue per board (one board per group, medians): enqueue to job ${f[`campaign_${label}_queue_enqueue_to_job_ms`]} ms, ` +
        `verdict to transition ${f[`campaign_${label}_queue_verdict_to_transition_ms`]} ms; the update itself ${f[`campaign_${label}_queue_board_update_ms`]} ms (overhead ${f[`campaign_${label}_queue_overhead_vs_update_ratio`]}x)`,
    );
    await svc.close();
    closed = true;
    const serve = await serveRss(spec, svc.token, readerCount);
    if (serve !== undefined) {
      f[`campaign_${label}_serve_rss_bytes`] = serve;
      ctx.log(`  ${label}: suitrig serve alone (no boards) after ${readerCount} readers for 2 s: RSS ${(serve / 2 ** 20).toFixed(0)} MiB`);
    }
    return f;
  } finally {
    clearInterval(sampler);
    if (!closed) await svc.close();
  }
}

export const campaignSection: BenchSection = {
  name: 'campaign',
  async run(ctx: BenchContext): Promise<Record<string, number>> {
    const n = ctx.quick ? 4 : 16;
    const readerCount = ctx.quick ? 10 : 50;
    const s = await prepareFleet('campaign', (ctx.quick ? 8 : 32) * 1024);
    try {
      ctx.log(`${n} virtual boards at ${BAUD} baud, ${s.size / 1024} KiB update (ES256), instant flash; ${readerCount} API readers`);
      const oneByOneMs = await oneByOne(s, benchRelease(s.key, '1.1.0', 2n, s.size), n);
      const figures: Record<string, number> = { campaign_boards: n, campaign_one_by_one_boards_per_min: round((n * 60_000) / oneByOneMs) };
      ctx.log(`  suitrig update one by one: ${(oneByOneMs / 1000).toFixed(1)} s = ${figures.campaign_one_by_one_boards_per_min} boards/min`);
      Object.assign(figures, await onDatabase(ctx, s, 'pglite', join(s.root, 'pglite'), n, readerCount, oneByOneMs));
      const server = benchPostgres();
      if (server) {
        const scratch = await scratchServerDb(server);
        try {
          ctx.log(`  PostgreSQL: ${redactUrl(scratch.spec)}`);
          Object.assign(figures, await onDatabase(ctx, s, 'postgres', scratch.spec, n, readerCount, oneByOneMs));
        } finally {
          await scratch.drop();
        }
      } else ctx.log('  PostgreSQL: skipped (set SUITRIG_BENCH_POSTGRES to a server URL that may create databases)');
      return figures;
    } finally {
      rmSync(s.root, { recursive: true, force: true });
    }
  },
};

/**
 * A lab spread over several hosts (issue 13 "Must show": a campaign over 24 virtual boards at
 * 115200 baud spread over 3 agents, against one board's `suitrig update` alone in the same run;
 * target at most 1.3x, since the serial line, not the service, should set the pace).
 *
 * The service runs in this process (HTTP API and job queue on PGlite, then on PostgreSQL when
 * SUITRIG_BENCH_POSTGRES or SUITRIG_TEST_POSTGRES names a server); each "host" is a `suitrig
 * agent` process of its own talking to it over HTTP with an agent token, serving 8 in-process
 * virtual boards paced at 115200 baud. Every board starts from the same state (1.0.0 confirmed)
 * and takes the same 32 KiB update, all in one rollout group. The reference is the same update
 * by `suitrig update --port <name> --lab` on one board of the same kind, alone (the median of
 * 3 boards, one after the other, before the campaigns). Three campaigns run one after the other
 * (1.1.0, 1.2.0, 1.3.0); figures are their medians: the campaign's wall time, its ratio to the
 * reference, and the slowest board's update inside the campaign (its job's start to its verdict,
 * from the campaign's rows) against the same reference. `--quick`: one campaign over 2 agents
 * of 2 boards, 8 KiB, PGlite only.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createToken } from '../../service/auth/tokens.js';
import { buildApp } from '../../service/api/app.js';
import { openDatabase, redactUrl } from '../../service/db/database.js';
import { migrate } from '../../service/db/migrations.js';
import { SERVICE_MODULES } from '../../service/modules.js';
import { WorkService } from '../../service/work.js';
import { attachWork } from '../../service/work-registry.js';
import { startCli, type CliChild } from '../cli-child.js';
import { benchPostgres, benchRelease, boardNames, labFile, prepareFleet, round2, scratchServerDb, storeBenchRelease, timeCampaign, updateOneByOne, type Fleet } from '../fleet.js';
import type { BenchContext, BenchSection } from '../section.js';

const BAUD = 115_200;
const TARGET_RATIO = 1.3;

interface Shape {
  hosts: number;
  perHost: number;
  /** Campaigns run one after the other; the figures are their median. */
  rounds: number;
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The campaign over every board of `shape.hosts` agents on a fresh service on `spec`; its figures. */
async function onDatabase(ctx: BenchContext, f: Fleet, label: string, spec: string, shape: Shape, referenceMs: number): Promise<Record<string, number>> {
  const db = await openDatabase(spec);
  const agents: CliChild[] = [];
  let app: Awaited<ReturnType<typeof buildApp>> | undefined;
  let work: WorkService | undefined;
  try {
    await migrate(db);
    app = await buildApp({ db, plugins: SERVICE_MODULES.flatMap((m) => m.routes ?? []) });
    await app.listen({ host: '127.0.0.1', port: 0 });
    work = await WorkService.start(db);
    attachWork(app.ctx, work);
    const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    const operator = { authorization: `Bearer ${(await createToken(db, 'operator', 'bench')).token}` };
    // The token goes to the agents in their environment, not on a command line others can read.
    const env = { ...process.env, SUITRIG_TOKEN: (await createToken(db, 'agent', 'bench agents')).token };
    const n = shape.hosts * shape.perHost;
    const t0 = performance.now();
    const started = await Promise.allSettled(
      Array.from({ length: shape.hosts }, (_, i) => {
        const host = `${label}-host${i + 1}`;
        const lab = labFile(f, host, boardNames(`${label}-h${i + 1}b`, shape.perHost), BAUD);
        return startCli(['agent', '--tracker', url, '--lab', lab, '--name', host, '--grace', '5s'], new RegExp(`^agent ${host}: serving `), env);
      }),
    );
    for (const s of started) if (s.status === 'fulfilled') agents.push(s.value);
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    ctx.log(`  ${label}: ${shape.hosts} agents serving ${n} boards after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    // Several campaigns one after the other (each release the next), and their median: one
    // campaign on a shared 2-core machine is one sample of its noise.
    const runs: { ms: number; slowestMs: number }[] = [];
    for (let k = 1; k <= shape.rounds; k++) {
      const id = await storeBenchRelease(db, benchRelease(f.key, `1.${k}.0`, BigInt(k + 1), f.size));
      const ms = await timeCampaign(url, operator, db, id, n, { tag: 'bench' });
      // Each board's own update inside the campaign: its job's start to its verdict.
      const [slowest] = await db.query<{ ms: number }>(
        'SELECT max(EXTRACT(EPOCH FROM (finished_at - started_at)) * 1000)::float8 AS ms FROM campaign_boards WHERE campaign = (SELECT max(id) FROM campaigns)',
      );
      runs.push({ ms, slowestMs: slowest!.ms });
    }
    const ms = median(runs.map((r) => r.ms));
    const slowestMs = median(runs.map((r) => r.slowestMs));
    const ratio = round2(ms / referenceMs);
    const fig: Record<string, number> = {
      [`agents_${label}_campaign_ms`]: round2(ms),
      [`agents_${label}_campaign_vs_one_update_ratio`]: ratio,
      [`agents_${label}_boards_per_min`]: round2((n * 60_000) / ms),
      [`agents_${label}_slowest_board_vs_one_update_ratio`]: round2(slowestMs / referenceMs),
    };
    ctx.log(
      `  ${label}: campaign over ${n} boards on ${shape.hosts} agents ${(ms / 1000).toFixed(1)} s = ${ratio}x one board's update alone ` +
        `(target <= ${TARGET_RATIO}x: ${ratio <= TARGET_RATIO ? 'met' : 'NOT met'}; median of ${runs.length}: ${runs.map((r) => round2(r.ms / referenceMs)).join(', ')}); ` +
        `the slowest board's own update ${(slowestMs / 1000).toFixed(1)} s (${fig[`agents_${label}_slowest_board_vs_one_update_ratio`]}x)`,
    );
    return fig;
  } finally {
    await Promise.all(agents.map((a) => a.stop()));
    await work?.stop();
    await app?.close();
    await db.close();
  }
}

export const agentsSection: BenchSection = {
  name: 'agents',
  async run(ctx: BenchContext): Promise<Record<string, number>> {
    const shape: Shape = ctx.quick ? { hosts: 2, perHost: 2, rounds: 1 } : { hosts: 3, perHost: 8, rounds: 3 };
    const f = await prepareFleet('agents', (ctx.quick ? 8 : 32) * 1024);
    try {
      ctx.log(`${shape.hosts} suitrig agent processes x ${shape.perHost} virtual boards at ${BAUD} baud, ${f.size / 1024} KiB update (ES256)`);
      const refNames = boardNames('ref', 3);
      const times = await updateOneByOne(f, benchRelease(f.key, '1.1.0', 2n, f.size), labFile(f, 'ref', refNames, BAUD), refNames);
      const referenceMs = median(times);
      ctx.log(`  suitrig update on one board alone: ${(referenceMs / 1000).toFixed(2)} s (median of ${times.length})`);
      const figures: Record<string, number> = { agents_boards: shape.hosts * shape.perHost, agents_one_update_ms: round2(referenceMs) };
      Object.assign(figures, await onDatabase(ctx, f, 'pglite', join(f.root, 'pglite'), shape, referenceMs));
      const server = ctx.quick ? undefined : benchPostgres();
      if (server) {
        const scratch = await scratchServerDb(server);
        try {
          ctx.log(`  PostgreSQL: ${redactUrl(scratch.spec)}`);
          Object.assign(figures, await onDatabase(ctx, f, 'postgres', scratch.spec, shape, referenceMs));
        } finally {
          await scratch.drop();
        }
      } else ctx.log(`  PostgreSQL: skipped (${ctx.quick ? '--quick runs PGlite only' : 'set SUITRIG_BENCH_POSTGRES to a server URL that may create databases'})`);
      return figures;
    } finally {
      rmSync(f.root, { recursive: true, force: true });
    }
  },
};

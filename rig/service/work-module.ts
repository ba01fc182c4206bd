/**
 * The board work as a part of `suitrig serve` (modules.ts): the campaign, run and agent routes, and,
 * started with the service, the job queue with its sweep (work.ts) and — with `--lab` — the
 * agent serving that lab file's boards in this process (DESIGN.md "Lab service": the
 * single-machine case needs one command). The in-process agent is named after the host, so
 * several services sharing a PostgreSQL server each serve their own host's boards.
 */
import { hostname } from 'node:os';
import { Agent } from './agent/agent.js';
import { campaignRoutes } from './api/routes/campaigns.js';
import { runRoutes } from './api/routes/runs.js';
import { agentRoutes } from './api/routes/agents.js';
import type { ServiceModule } from './context.js';
import { loadLab } from '../lab/load.js';
import { WorkService } from './work.js';
import { attachWork, detachWork } from './work-registry.js';

/** How long a stopping service lets its agent's jobs finish before handing them back. */
const STOP_GRACE_MS = 10_000;

/** The in-process agent's name: the host name as a board name may spell it. */
function localAgentName(): string {
  const h = hostname().replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 64);
  return h || 'local';
}

export const WORK_MODULE: ServiceModule = {
  name: 'work',
  routes: [campaignRoutes, runRoutes, agentRoutes],
  async start(ctx, o) {
    const log = (line: string): void => ctx.log.info(line);
    const work = await WorkService.start(ctx.db, {
      warn: (m) => ctx.log.warn(m),
      ...(o.agentTtlS !== undefined ? { agentTtlS: o.agentTtlS } : {}),
      ...(o.leaseMs !== undefined ? { leaseMs: o.leaseMs } : {}),
    });
    let agent: Agent | undefined;
    try {
      if (o.lab) {
        agent = await Agent.start({ name: localAgentName(), lab: loadLab(o.lab), link: work.link(), log });
        log(agent.summary);
      }
    } catch (e) {
      await work.stop();
      throw e;
    }
    attachWork(ctx, work);
    return {
      async stop() {
        detachWork(ctx);
        await agent?.stop(STOP_GRACE_MS);
        await work.stop();
      },
    };
  },
};

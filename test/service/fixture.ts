/**
 * A lab service app for a test, on a fresh database of the given flavour (PGlite or the test
 * server), migrated, with one token per role, and on request its work on boards and the
 * in-process agent; `close()` removes everything. For the CLI's `--tracker` tests: that service
 * listening, with a virtual board on TCP beside it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trustAnchorFor } from '../../host/keys/index.js';
import type { TcpListener } from '../../host/transport/tcp.js';
import type { ServiceApp } from '../../rig/service/api/app.js';
import { buildApp } from '../../rig/service/api/app.js';
import { ROLES, type Role } from '../../rig/service/auth/roles.js';
import { createToken } from '../../rig/service/auth/tokens.js';
import type { Lab } from '../../rig/lab/types.js';
import type { Agent } from '../../rig/service/agent/agent.js';
import type { ReleaseTrust, RoutePlugin } from '../../rig/service/context.js';
import { openDatabase, type Database } from '../../rig/service/db/database.js';
import { migrate } from '../../rig/service/db/migrations.js';
import { SERVICE_MODULES } from '../../rig/service/modules.js';
import { WorkService, type WorkOptions } from '../../rig/service/work.js';
import { attachWork } from '../../rig/service/work-registry.js';
import { VirtualBoard } from '../../rig/virtual/board/board.js';
import { scratchDatabase, type DatabaseFlavour } from '../helpers/databases.js';
import { testAgent } from '../helpers/service.js';
import { authorKey } from './releases-fixture.js';

export interface TestService {
  app: ServiceApp;
  db: Database;
  /** What `--db` takes for this database (a second connection opens it). */
  spec: string;
  /** A live token of each role. */
  tokens: Record<Role, string>;
  /** `{ authorization: 'Bearer ...' }` for a role. */
  as(role: Role): { authorization: string };
  /** The service's work on boards, when started with `work` or `agent`; `close()` stops it. */
  work?: WorkService;
  /** The in-process agent, when started with `agent`; `close()` stops it first. */
  agent?: Agent;
  close(): Promise<void>;
}

export const ALL_ROUTES: readonly RoutePlugin[] = SERVICE_MODULES.flatMap((m) => m.routes ?? []);

/**
 * `work`: also start the service's work on boards (job queue, campaigns, runs: rig/service/work.ts)
 * as `serve` does, so its routes answer instead of 503 (tests that drive every route); with
 * options (leases, sweep, agent TTL) for the tests that work boards through it. `agent`: the work
 * and the in-process agent serving this lab's boards (testAgent in test/helpers/service.ts).
 */
export async function testService(
  flavour: DatabaseFlavour,
  o: { plugins?: readonly RoutePlugin[]; releaseTrust?: ReleaseTrust; work?: boolean | WorkOptions; agent?: Lab } = {},
): Promise<TestService> {
  const scratch = await scratchDatabase(flavour);
  const db = await openDatabase(scratch.spec);
  let work: WorkService | undefined;
  let agent: Agent | undefined;
  try {
    await migrate(db);
    const tokens = {} as Record<Role, string>;
    for (const r of ROLES) tokens[r] = (await createToken(db, r, `test ${r}`)).token;
    const app = await buildApp({ db, plugins: o.plugins ?? ALL_ROUTES, ...(o.releaseTrust ? { releaseTrust: o.releaseTrust } : {}) });
    if (o.work || o.agent) {
      work = await WorkService.start(db, typeof o.work === 'object' ? o.work : {});
      attachWork(app.ctx, work);
    }
    if (o.agent) agent = await testAgent(work!, o.agent);
    return {
      app,
      db,
      spec: scratch.spec,
      tokens,
      as: (role) => ({ authorization: `Bearer ${tokens[role]}` }),
      ...(work ? { work } : {}),
      ...(agent ? { agent } : {}),
      async close() {
        await agent?.stop();
        await work?.stop();
        await app.close();
        await db.close();
        await scratch.drop();
      },
    };
  } catch (e) {
    await agent?.stop();
    await work?.stop();
    await db.close();
    await scratch.drop();
    throw e;
  }
}

/** What the CLI's `--tracker` tests run against; `close()` removes everything. */
export interface ServiceWithBoard {
  s: TestService;
  /** The service listening on 127.0.0.1, as `--tracker` takes it. */
  url: string;
  /** A virtual board trusting the test author key (releases-fixture.ts), on TCP, as `--port` takes it. */
  port: string;
  /** A scratch folder for the test's files. */
  dir: string;
  close(): Promise<void>;
}

export async function serviceWithBoard(flavour: DatabaseFlavour, dirPrefix: string): Promise<ServiceWithBoard> {
  const dir = mkdtempSync(join(tmpdir(), dirPrefix));
  const s = await testService(flavour).catch((e: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  });
  let board: VirtualBoard | undefined;
  let listener: TcpListener | undefined;
  const close = async () => {
    await listener?.close();
    await board?.close();
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const url = await s.app.listen({ host: '127.0.0.1', port: 0 });
    board = await VirtualBoard.open({ trust: { anchors: [trustAnchorFor(authorKey, 'author', 'test author key')], require: [] } });
    listener = await board.listenTcp();
    return { s, url, port: listener.url, dir, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** A port nothing listens on (one just given up), for a service that cannot be reached. */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

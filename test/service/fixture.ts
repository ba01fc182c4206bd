/**
 * A lab service app for a test, on a fresh database of the given flavour (PGlite or the test
 * server), migrated, with one token per role; `close()` removes everything.
 */
import type { ServiceApp } from '../../rig/service/api/app.js';
import { buildApp } from '../../rig/service/api/app.js';
import { ROLES, type Role } from '../../rig/service/auth/roles.js';
import { createToken } from '../../rig/service/auth/tokens.js';
import type { ReleaseTrust, RoutePlugin } from '../../rig/service/context.js';
import { openDatabase, type Database } from '../../rig/service/db/database.js';
import { migrate } from '../../rig/service/db/migrations.js';
import { SERVICE_MODULES } from '../../rig/service/modules.js';
import { scratchDatabase, type DatabaseFlavour } from '../helpers/databases.js';

export interface TestService {
  app: ServiceApp;
  db: Database;
  /** What `--db` takes for this database (a second connection opens it). */
  spec: string;
  /** A live token of each role. */
  tokens: Record<Role, string>;
  /** `{ authorization: 'Bearer ...' }` for a role. */
  as(role: Role): { authorization: string };
  close(): Promise<void>;
}

export const ALL_ROUTES: readonly RoutePlugin[] = SERVICE_MODULES.flatMap((m) => m.routes ?? []);

export async function testService(flavour: DatabaseFlavour, o: { plugins?: readonly RoutePlugin[]; releaseTrust?: ReleaseTrust } = {}): Promise<TestService> {
  const scratch = await scratchDatabase(flavour);
  const db = await openDatabase(scratch.spec);
  try {
    await migrate(db);
    const tokens = {} as Record<Role, string>;
    for (const r of ROLES) tokens[r] = (await createToken(db, r, `test ${r}`)).token;
    const app = await buildApp({ db, plugins: o.plugins ?? ALL_ROUTES, ...(o.releaseTrust ? { releaseTrust: o.releaseTrust } : {}) });
    return {
      app,
      db,
      spec: scratch.spec,
      tokens,
      as: (role) => ({ authorization: `Bearer ${tokens[role]}` }),
      async close() {
        await app.close();
        await db.close();
        await scratch.drop();
      },
    };
  } catch (e) {
    await db.close();
    await scratch.drop();
    throw e;
  }
}

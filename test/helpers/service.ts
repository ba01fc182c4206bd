/**
 * The lab service's board work for tests, without HTTP: a scratch database (PGlite or the
 * PostgreSQL server) migrated, the work service started on it with short leases and a fast
 * sweep, releases stored as the firmware server stores them (content-addressed blobs), and lab
 * files of virtual boards provisioned with the test ES256 key (test/board/fixtures.ts).
 */
import { join } from 'node:path';
import { publicKeyPem, verificationKeyOf, type PublicKey } from '../../host/keys/index.js';
import { Agent } from '../../rig/service/agent/agent.js';
import { openDatabase, type Database } from '../../rig/service/db/database.js';
import { migrate } from '../../rig/service/db/migrations.js';
import { WorkService, type WorkOptions } from '../../rig/service/work.js';
import { storeRelease as storeVerifiedRelease } from '../../rig/service/store/releases.js';
import { loadLab } from '../../rig/lab/load.js';
import type { Lab } from '../../rig/lab/types.js';
import { es256Key } from '../board/fixtures.js';
import { tempDir, writeFile } from '../rig/helpers/lab-files.js';
import { scratchDatabase, type DatabaseFlavour, type ScratchDatabase } from './databases.js';

export interface WorkHarness {
  db: Database;
  work: WorkService;
  scratch: ScratchDatabase;
  close(): Promise<void>;
}

export async function startWork(flavour: DatabaseFlavour, o: WorkOptions = {}): Promise<WorkHarness> {
  const scratch = await scratchDatabase(flavour);
  const db = await openDatabase(scratch.spec);
  await migrate(db);
  const work = await WorkService.start(db, { leaseMs: 3_000, sweepMs: 250, maintenanceIntervalSeconds: 5, ...o });
  return {
    db,
    work,
    scratch,
    async close() {
      await work.stop();
      await db.close();
      await scratch.drop();
    },
  };
}

/** The in-process agent serving `lab`'s boards for `work`, with a heartbeat and a poll every 500 ms. */
export function testAgent(work: WorkService, lab: Lab): Promise<Agent> {
  return Agent.start({ name: 'test-agent', lab, link: work.link(), heartbeatMs: 500, pollMs: 500 });
}

/** The harness with testAgent serving `lab`'s boards; `close()` stops the agent first. */
export async function startWorkWithAgent(flavour: DatabaseFlavour, lab: Lab, o: WorkOptions = {}): Promise<WorkHarness & { agent: Agent }> {
  const h = await startWork(flavour, o);
  let agent: Agent;
  try {
    agent = await testAgent(h.work, lab);
  } catch (e) {
    await h.close();
    throw e;
  }
  return {
    ...h,
    agent,
    async close() {
      await agent.stop();
      await h.close();
    },
  };
}

/** Stores a release as the firmware server does (after its verification); its id (hex SHA-256 of the envelope). */
export async function storeRelease(db: Database, envelope: Uint8Array, payloads: ReadonlyMap<string, Uint8Array>, sequence: number): Promise<string> {
  return (await storeVerifiedRelease(db, { envelope, payloads, sequence: BigInt(sequence), signers: ['author'], summary: {}, createdBy: null })).id;
}

export interface VirtualLabBoard {
  name: string;
  tags?: string[];
  /** Keep its flash here (relative to the lab's folder). */
  state?: string;
  quirks?: string[];
}

/** A lab file of virtual boards trusting the test ES256 key, at `baud`; loaded. */
export function virtualLab(boards: readonly VirtualLabBoard[], o: { baud?: number; dir?: string } = {}): Lab {
  const dir = o.dir ?? tempDir('suitrig-lab-');
  writeFile(dir, 'keys/author.pub.pem', publicKeyPem(verificationKeyOf(es256Key) as PublicKey));
  const lines = ['version: 1', 'defaults:', `  baud: ${o.baud ?? 1_000_000}`, '  trust: [author=keys/author.pub.pem]', 'boards:'];
  for (const b of boards) {
    lines.push(`  ${b.name}:`, `    tags: [${(b.tags ?? []).join(', ')}]`, '    port: virtual');
    const v = [...(b.state ? [`state: ${b.state}`] : []), ...(b.quirks?.length ? [`quirks: [${b.quirks.join(', ')}]`] : [])];
    if (v.length) lines.push(`    virtual: {${v.join(', ')}}`);
  }
  return loadLab(writeFile(dir, 'rig.yaml', lines.join('\n') + '\n'));
}

/** Polls `read` until `done` holds (every 100 ms, at most `ms`); the last value read. */
export async function waitFor<T>(read: () => Promise<T>, done: (v: T) => boolean, ms: number, what: string): Promise<T> {
  const until = Date.now() + ms;
  let v = await read();
  while (!done(v)) {
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}; last: ${JSON.stringify(v, null, 1).slice(0, 3000)}`);
    await new Promise((r) => setTimeout(r, 100));
    v = await read();
  }
  return v;
}

export { join };

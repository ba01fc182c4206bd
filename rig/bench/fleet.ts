/**
 * What the lab-service benchmarks (sections/campaign.ts, sections/agents.ts) share: virtual
 * boards that all start from one state — a first application (1.0.0) installed and confirmed,
 * the bench key trusted — in lab files at a given baud, the releases they take, the reference
 * update by `suitrig update --port <name> --lab` (the command's code in this process, so no
 * process start is counted against it), and a scratch database on a PostgreSQL server.
 */
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { generateSigningKey, publicKeyPem, trustAnchorFor, verificationKeyOf, type PrivateKey, type PublicKey } from '../../host/keys/index.js';
import { runUpdate } from '../../host/operator/update.js';
import { parseUuid } from '../../host/util/uuid.js';
import { commands } from '../cli/commands/index.js';
import { dispatch } from '../cli/dispatch.js';
import type { Database } from '../service/db/database.js';
import { storeRelease } from '../service/store/releases.js';
import { APP_URI, appUpdateEnvelope } from '../suites/app-update.js';
import { buildAppImage, parseAppVersion } from '../virtual/app/app-image.js';
import { VirtualBoard } from '../virtual/board/board.js';
import { DEFAULT_PROFILE, getProfile } from '../virtual/profiles.js';

export interface Fleet {
  root: string;
  key: PrivateKey;
  /** The state every board starts from: 1.0.0 installed, confirmed, trust provisioned. */
  golden: string;
  /** The application image's size in bytes. */
  size: number;
}

export interface BenchRelease {
  envelope: Uint8Array;
  payload: Uint8Array;
  sequence: bigint;
}

/** A healthy application `version` at `sequence`, signed with `key`, for the default profile. */
export function benchRelease(key: PrivateKey, version: string, sequence: bigint, size: number): BenchRelease {
  const p = getProfile(DEFAULT_PROFILE);
  const payload = buildAppImage({ behaviour: 'healthy', version: parseAppVersion(version), size });
  return { payload, sequence, envelope: appUpdateEnvelope({ sequence, payload, vendor: parseUuid(p.identity.vendorId)!, class: parseUuid(p.identity.classId)! }, key) };
}

/** A scratch folder with a fresh key and the golden state, its application `size` bytes. */
export async function prepareFleet(prefix: string, size: number): Promise<Fleet> {
  const root = mkdtempSync(join(tmpdir(), `suitrig-bench-${prefix}-`));
  const key = generateSigningKey('es256') as PrivateKey;
  writeFileSync(join(root, 'author.pub.pem'), publicKeyPem(verificationKeyOf(key) as PublicKey));
  const golden = join(root, 'golden');
  const board = await VirtualBoard.open({ stateDir: golden, trust: { anchors: [trustAnchorFor(key, 'author', 'bench key')], require: [] } });
  try {
    const link = await board.connect({ pace: false });
    const first = benchRelease(key, '1.0.0', 1n, size);
    const out = await runUpdate(link.client, first.envelope, { payloads: new Map([[APP_URI, first.payload]]) });
    await link.close();
    if (out.result !== 'updated') throw new Error(`bench setup: the first update ended ${out.result}: ${out.message}`);
  } finally {
    await board.close();
  }
  return { root, key, golden, size };
}

/** Board names `<prefix>1..n`. */
export const boardNames = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);

/** A lab file `<file>.rig.yaml` of in-process virtual boards `names` (tag `bench`, at `baud`), each with its own copy of the golden state; its path. */
export function labFile(f: Fleet, file: string, names: readonly string[], baud: number): string {
  const lines = ['version: 1', 'defaults:', `  baud: ${baud}`, '  trust: [author=author.pub.pem]', 'boards:'];
  for (const name of names) {
    cpSync(f.golden, join(f.root, 'state', name), { recursive: true });
    lines.push(`  ${name}:`, '    tags: [bench]', '    port: virtual', `    virtual: {state: state/${name}}`);
  }
  const lab = join(f.root, `${file}.rig.yaml`);
  writeFileSync(lab, lines.join('\n') + '\n');
  return lab;
}

/** The reference: `suitrig update --port <name> --lab <lab> <rel>` on each of `names`, one after the other; the time of each in ms. */
export async function updateOneByOne(f: Fleet, rel: BenchRelease, lab: string, names: readonly string[]): Promise<number[]> {
  const env = join(f.root, `update-${rel.sequence}.suit`);
  const pay = join(f.root, `update-${rel.sequence}.bin`);
  writeFileSync(env, rel.envelope);
  writeFileSync(pay, rel.payload);
  let err = '';
  const io = { stdout: { write: () => true, isTTY: false }, stderr: { write: (t: string) => ((err = (err + t).slice(-2000)), true), isTTY: false }, env: process.env, cwd: f.root };
  const times: number[] = [];
  for (const name of names) {
    const t0 = performance.now();
    const code = await dispatch(['update', '--port', name, '--lab', lab, env, '--payload', `${APP_URI}=${pay}`], commands, io);
    if (code !== 0) throw new Error(`suitrig update --port ${name} exited ${code}: ${err}`);
    times.push(performance.now() - t0);
  }
  return times;
}

/** Stores `rel` in the service's database as the bench key's release; its id. */
export async function storeBenchRelease(db: Database, rel: BenchRelease): Promise<string> {
  const { id } = await storeRelease(db, { envelope: rel.envelope, payloads: new Map([[APP_URI, rel.payload]]), sequence: rel.sequence, signers: ['author'], summary: {}, createdBy: null });
  return id;
}

/** POSTs a campaign of release `id` (`request` says on which boards) and waits until it is done with `n` boards confirmed; its wall time in ms. */
export async function timeCampaign(url: string, auth: { authorization: string }, db: Database, id: string, n: number, request: Record<string, unknown>): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`${url}/api/v1/campaigns`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ release: id, deadline_s: 600, ...request }) });
  if (res.status !== 201) throw new Error(`bench: POST /campaigns answered ${res.status}: ${await res.text()}`);
  const c = (await res.json()) as { id: number };
  for (;;) {
    const [row] = await db.query<{ state: string; reason: string | null; confirmed: number }>(
      "SELECT c.state, c.reason, (SELECT count(*)::int FROM campaign_boards b WHERE b.campaign = c.id AND b.state = 'confirmed') AS confirmed FROM campaigns c WHERE c.id = $1",
      [c.id],
    );
    if (row!.state !== 'running') {
      if (row!.state !== 'done' || row!.confirmed !== n) throw new Error(`bench: campaign ${c.id} ended ${row!.state} with ${row!.confirmed} of ${n} confirmed: ${row!.reason}`);
      return performance.now() - t0;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A scratch database on the server `url` for one run; its URL and how to drop it. */
export async function scratchServerDb(url: string): Promise<{ spec: string; drop(): Promise<void> }> {
  const name = `suitrig_bench_${randomBytes(6).toString('hex')}`;
  const admin = async (sql: string): Promise<void> => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const u = new URL(url);
  u.pathname = `/${name}`;
  return { spec: u.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** The PostgreSQL server the benchmarks may create scratch databases on, if one is named. */
export const benchPostgres = (): string | undefined => process.env.SUITRIG_BENCH_POSTGRES ?? process.env.SUITRIG_TEST_POSTGRES;

export const round2 = (x: number): number => Math.round(x * 100) / 100;

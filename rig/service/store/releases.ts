/**
 * The firmware server's storage (RFC 9019 §3; DESIGN.md "Lab service", releases): verified
 * releases, their envelope and payloads kept as content-addressed blobs (the key is the SHA-256
 * of the bytes, so a payload shared by releases is stored once). A release is written whole in
 * one transaction, with its event, or not at all. Its id is the hex SHA-256 of its envelope:
 * uploading the same release again stores nothing new.
 */
import { createHash } from 'node:crypto';
import type { Database, Sql } from '../db/database.js';
import { jsonSafeInt } from '../../../host/util/json.js';
import { StoreRefusal } from './errors.js';
import { recordEvent } from './events.js';

export interface NewRelease {
  envelope: Uint8Array;
  payloads: ReadonlyMap<string, Uint8Array>;
  sequence: bigint;
  signers: string[];
  /** The manifest as `suitrig inspect --json` shows it. */
  summary: Record<string, unknown>;
  createdBy: number | null;
}

export interface ReleasePayload {
  uri: string;
  size: number;
  digest: string;
}

export interface ReleaseRecord {
  id: string;
  sequence: number | string;
  size: number;
  signers: string[];
  payloads: ReleasePayload[];
  created_at: Date;
}

export const sha256 = (b: Uint8Array): Buffer => createHash('sha256').update(b).digest();

async function putBlob(tx: Sql, bytes: Uint8Array): Promise<Buffer> {
  const digest = sha256(bytes);
  await tx.query('INSERT INTO blobs (digest, size, bytes) VALUES ($1, $2, $3) ON CONFLICT (digest) DO NOTHING', [digest, bytes.length, bytes]);
  return digest;
}

/** Stores a verified release; `created` is false when it was stored before. */
export async function storeRelease(db: Database, r: NewRelease): Promise<{ id: string; created: boolean }> {
  const id = sha256(r.envelope).toString('hex');
  return db.transaction(async (tx) => {
    if ((await tx.query('SELECT 1 FROM releases WHERE id = $1', [id])).length > 0) return { id, created: false };
    const envelope = await putBlob(tx, r.envelope);
    const inserted = await tx.query(
      `INSERT INTO releases (id, envelope, sequence, summary, created_by) VALUES ($1, $2, $3::numeric, $4, $5)
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      [id, envelope, r.sequence.toString(), { signers: r.signers, manifest: r.summary }, r.createdBy],
    );
    if (inserted.length === 0) return { id, created: false }; // the same upload, committed meanwhile
    for (const [uri, bytes] of r.payloads) {
      await tx.query('INSERT INTO release_payloads (release, uri, digest) VALUES ($1, $2, $3)', [id, uri, await putBlob(tx, bytes)]);
    }
    await recordEvent(tx, 'release', id, { sequence: jsonSafeInt(r.sequence), payloads: [...r.payloads.keys()] });
    return { id, created: true };
  });
}

interface ReleaseRow {
  id: string;
  sequence: string;
  size: number;
  signers: string[];
  payloads: { uri: string; size: number; digest: string }[] | null;
  created_at: Date;
}

/** The releases query; `manifest` adds the inspect report (one release's page, not a listing). */
const releaseSelect = (manifest: boolean): string => `
  SELECT r.id, r.sequence::text AS sequence, eb.size, r.summary->'signers' AS signers, r.created_at,${manifest ? " r.summary->'manifest' AS manifest," : ''}
    (SELECT json_agg(json_build_object('uri', p.uri, 'size', pb.size, 'digest', encode(p.digest, 'hex')) ORDER BY p.uri)
       FROM release_payloads p JOIN blobs pb ON pb.digest = p.digest WHERE p.release = r.id) AS payloads
  FROM releases r JOIN blobs eb ON eb.digest = r.envelope`;

const record = (r: ReleaseRow): ReleaseRecord => ({
  id: r.id,
  sequence: jsonSafeInt(BigInt(r.sequence)),
  size: r.size,
  signers: r.signers,
  payloads: r.payloads ?? [],
  created_at: r.created_at,
});

/** A page of releases, newest first; `next` is the `before` of the following page. */
export async function listReleases(db: Sql, o: { before?: string; limit: number }): Promise<{ releases: ReleaseRecord[]; next: string | null }> {
  const rows = await db.query<ReleaseRow>(
    `${releaseSelect(false)}
     WHERE $1::text IS NULL OR (r.created_at, r.id) < (SELECT created_at, id FROM releases WHERE id = $1)
     ORDER BY r.created_at DESC, r.id DESC LIMIT $2`,
    [o.before ?? null, o.limit + 1],
  );
  const more = rows.length > o.limit;
  const page = (more ? rows.slice(0, o.limit) : rows).map(record);
  return { releases: page, next: more ? page.at(-1)!.id : null };
}

export async function getRelease(db: Sql, id: string): Promise<ReleaseRecord & { manifest: Record<string, unknown> }> {
  const [row] = await db.query<ReleaseRow & { manifest: Record<string, unknown> }>(`${releaseSelect(true)} WHERE r.id = $1`, [id]);
  if (!row) throw new StoreRefusal('not-found', `no release ${id}`);
  return { ...record(row), manifest: row.manifest };
}

/** The envelope's bytes. */
export async function releaseEnvelope(db: Sql, id: string): Promise<Uint8Array> {
  const [row] = await db.query<{ bytes: Uint8Array }>('SELECT b.bytes FROM releases r JOIN blobs b ON b.digest = r.envelope WHERE r.id = $1', [id]);
  if (!row) throw new StoreRefusal('not-found', `no release ${id}`);
  return row.bytes;
}

/** The bytes of the payload the release's manifest fetches from `uri`. */
export async function releasePayload(db: Sql, id: string, uri: string): Promise<Uint8Array> {
  const [row] = await db.query<{ bytes: Uint8Array }>(
    'SELECT b.bytes FROM release_payloads p JOIN blobs b ON b.digest = p.digest WHERE p.release = $1 AND p.uri = $2',
    [id, uri],
  );
  if (!row) throw new StoreRefusal('not-found', `release ${id} has no payload ${uri}`);
  return row.bytes;
}

/**
 * Bearer tokens of the lab service (DESIGN.md "Lab service", Access): 32 random bytes shown once
 * as `suitrig_<base64url>`, stored only as their SHA-256. A presented token is found by the hash
 * of what was presented, so no comparison ever runs over the secret itself, and the stored hash
 * is compared again in constant time (a lookup by index is not a comparison we control).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Sql } from '../db/database.js';
import type { Role } from './roles.js';

const PREFIX = 'suitrig_';
const SECRET_BYTES = 32;
/** `suitrig_` and 43 base64url characters (32 bytes, unpadded). */
const TOKEN_FORMAT = /^suitrig_[A-Za-z0-9_-]{43}$/;
/** Token names are labels for people: printable, short. */
export const TOKEN_NAME = /^[\x21-\x7e][\x20-\x7e]{0,63}$/;

export interface TokenInfo {
  id: number;
  name: string;
  role: Role;
  createdAt: Date;
  revokedAt: Date | null;
}

export interface NewToken extends TokenInfo {
  /** The secret: shown once, never stored. */
  token: string;
}

function hashOf(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** Whether `s` has the shape of a token (checked before any database work). */
export function looksLikeToken(s: string): boolean {
  return TOKEN_FORMAT.test(s);
}

interface TokenRow {
  id: number;
  name: string;
  role: Role;
  hash: Uint8Array;
  created_at: Date;
  revoked_at: Date | null;
}

const info = (r: TokenRow): TokenInfo => ({ id: r.id, name: r.name, role: r.role, createdAt: r.created_at, revokedAt: r.revoked_at });

export async function createToken(db: Sql, role: Role, name?: string): Promise<NewToken> {
  const token = PREFIX + randomBytes(SECRET_BYTES).toString('base64url');
  const [row] = await db.query<TokenRow>(
    'INSERT INTO tokens (name, role, hash) VALUES ($1, $2, $3) RETURNING id, name, role, hash, created_at, revoked_at',
    [name ?? `${role} token`, role, hashOf(token)],
  );
  return { ...info(row!), token };
}

/** The live (not revoked) token `presented` is, or undefined. */
export async function verifyToken(db: Sql, presented: string): Promise<TokenInfo | undefined> {
  if (!looksLikeToken(presented)) return undefined;
  const hash = hashOf(presented);
  const [row] = await db.query<TokenRow>(
    'SELECT id, name, role, hash, created_at, revoked_at FROM tokens WHERE hash = $1 AND revoked_at IS NULL',
    [hash],
  );
  if (!row || row.hash.length !== hash.length || !timingSafeEqual(Buffer.from(row.hash), hash)) return undefined;
  return info(row);
}

/** Whether token `id` is still live (a long-lived request, an event stream, checks it again). */
export async function tokenLive(db: Sql, id: number): Promise<boolean> {
  return (await db.query('SELECT 1 FROM tokens WHERE id = $1 AND revoked_at IS NULL', [id])).length === 1;
}

export async function listTokens(db: Sql): Promise<TokenInfo[]> {
  return (await db.query<TokenRow>('SELECT id, name, role, hash, created_at, revoked_at FROM tokens ORDER BY id')).map(info);
}

/** Revokes token `id`; false when there is no such live token. */
export async function revokeToken(db: Sql, id: number): Promise<boolean> {
  const rows = await db.query('UPDATE tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id', [id]);
  return rows.length === 1;
}

/**
 * New signing keys as `suitrig keygen` writes them (DESIGN.md "Command line"):
 * es256/ed25519 -> `<prefix>.pem` (PKCS#8, mode 0600) + `<prefix>.pub.pem` (SPKI);
 * hmac256 -> `<prefix>.key` (32 random bytes, mode 0600). With `cose`, also the COSE_Key form:
 * `<prefix>.pub.cose` (public) or `<prefix>.cose` (symmetric, mode 0600).
 * Existing files are never replaced unless `force` is set, and every file is written atomically.
 */
import { existsSync } from 'node:fs';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { writeFileAtomic } from '../util/atomic-write.js';
import { coseKey, privateKeyPem, publicKeyPem } from './export.js';
import { keyId, publicKeyFromObject, verificationKeyOf } from './load.js';
import type { KeyFamily, PrivateKey, SigningKey } from './types.js';

export const KEYGEN_ALGORITHMS = ['es256', 'ed25519', 'hmac256'] as const;
export type KeygenAlgorithm = (typeof KEYGEN_ALGORITHMS)[number];

export interface KeyFile {
  path: string;
  /** What the file holds. */
  content: 'private-pem' | 'public-pem' | 'secret' | 'public-cose-key' | 'secret-cose-key';
  mode: number;
}

export interface GeneratedKey {
  algorithm: KeygenAlgorithm;
  family: KeyFamily;
  keyId: Uint8Array;
  files: KeyFile[];
}

export class KeygenError extends Error {
  override name = 'KeygenError';
}

/** A fresh key of the given algorithm, in memory. */
export function generateSigningKey(alg: KeygenAlgorithm): SigningKey {
  if (alg === 'hmac256') return { family: 'hmac', secret: new Uint8Array(randomBytes(32)) };
  const { privateKey, publicKey } = alg === 'es256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
  const pub = publicKeyFromObject(publicKey, 'generated key');
  return { family: pub.family, key: privateKey, publicKey: pub } satisfies PrivateKey;
}

/** Generates a key and writes its files next to `prefix`. */
export function generateKeyFiles(alg: KeygenAlgorithm, prefix: string, opts: { cose?: boolean; force?: boolean } = {}): GeneratedKey {
  if (!KEYGEN_ALGORITHMS.includes(alg)) throw new KeygenError(`--alg ${String(alg)}: expected one of ${KEYGEN_ALGORITHMS.join(', ')}`);
  const key = generateSigningKey(alg);
  const plan: (KeyFile & { data: Uint8Array | string })[] = [];
  if (key.family === 'hmac') {
    plan.push({ path: `${prefix}.key`, content: 'secret', mode: 0o600, data: key.secret });
    if (opts.cose) plan.push({ path: `${prefix}.cose`, content: 'secret-cose-key', mode: 0o600, data: coseKey(key) });
  } else {
    plan.push({ path: `${prefix}.pem`, content: 'private-pem', mode: 0o600, data: privateKeyPem(key) });
    plan.push({ path: `${prefix}.pub.pem`, content: 'public-pem', mode: 0o644, data: publicKeyPem(key.publicKey) });
    if (opts.cose) plan.push({ path: `${prefix}.pub.cose`, content: 'public-cose-key', mode: 0o644, data: coseKey(key.publicKey) });
  }
  if (!opts.force) {
    const present = plan.filter((f) => existsSync(f.path)).map((f) => f.path);
    if (present.length > 0) throw new KeygenError(`${present.join(', ')} already exist${present.length === 1 ? 's' : ''}; not overwriting a key (use --force to replace)`);
  }
  for (const f of plan) writeFileAtomic(f.path, f.data, { mode: f.mode, exclusive: !opts.force });
  return {
    algorithm: alg,
    family: key.family,
    keyId: keyId(verificationKeyOf(key)),
    files: plan.map(({ path, content, mode }) => ({ path, content, mode })),
  };
}

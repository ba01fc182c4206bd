/**
 * New signing keys as `suitrig keygen` writes them (DESIGN.md "Command line"):
 * es256/ed25519 -> `<prefix>.pem` (PKCS#8, mode 0600) + `<prefix>.pub.pem` (SPKI);
 * hmac256 -> `<prefix>.key` (32 random bytes, mode 0600); hss-lms -> `<prefix>.hss` (the stateful
 * private key, mode 0600; hss-file.ts) + `<prefix>.pub.cose` (COSE_Key kty 5, RFC 9708: HSS-LMS
 * has no PEM form here). With `cose`, also the COSE_Key form: `<prefix>.pub.cose` (public) or
 * `<prefix>.cose` (symmetric, mode 0600).
 * Existing files are never replaced unless `force` is set, and every file is written atomically.
 */
import { existsSync } from 'node:fs';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { writeFileAtomic } from '../util/atomic-write.js';
import { coseKey, privateKeyPem, publicKeyPem } from './export.js';
import { keyId, publicKeyFromObject, verificationKeyOf } from './load.js';
import { newHssKeyText } from './hss-file.js';
import { checkHssLevels, HssKeyError } from './hss.js';
import { parseLevelSpec, type LevelSpec } from './lms-types.js';
import type { HssPublicKey, KeyFamily, PrivateKey, SymmetricKey, VerificationKey } from './types.js';

export const KEYGEN_ALGORITHMS = ['es256', 'ed25519', 'hmac256', 'hss-lms'] as const;
export type KeygenAlgorithm = (typeof KEYGEN_ALGORITHMS)[number];

/**
 * Default HSS-LMS levels: a height-10 top tree signing height-5 trees, SHA-256/256 with w = 4 —
 * 32 768 signatures, about a second to generate, a 5 KB signature (L = 2 keeps each new bottom
 * tree cheap to compute while the top tree bounds the total).
 */
export const DEFAULT_HSS_LEVELS = 'm32-h10-w4,m32-h5-w4';

export interface KeyFile {
  path: string;
  /** What the file holds. */
  content: 'private-pem' | 'public-pem' | 'secret' | 'public-cose-key' | 'secret-cose-key' | 'hss-private-state';
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

/** `m32-h10-w4,m32-h5-w4`: HSS levels, top first. */
export function parseHssLevels(text: string): LevelSpec[] {
  const specs = text.split(',').map((p) => {
    const spec = parseLevelSpec(p);
    if (!spec) throw new KeygenError(`HSS level '${p.trim()}': expected m24|m32-h5|h10|h15-w1|w2|w4|w8, e.g. m32-h10-w4`);
    return spec;
  });
  try {
    checkHssLevels(specs);
  } catch (e) {
    if (e instanceof HssKeyError) throw new KeygenError(e.message);
    throw e;
  }
  return specs;
}

/** A fresh key of the given algorithm, in memory (HSS-LMS keys live in files: generateKeyFiles). */
export function generateSigningKey(alg: Exclude<KeygenAlgorithm, 'hss-lms'>): PrivateKey | SymmetricKey {
  if (alg === 'hmac256') return { family: 'hmac', secret: new Uint8Array(randomBytes(32)) };
  const { privateKey, publicKey } = alg === 'es256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
  const pub = publicKeyFromObject(publicKey, 'generated key');
  return { family: pub.family, key: privateKey, publicKey: pub } satisfies PrivateKey;
}

/** Generates a key and writes its files next to `prefix`. `hssLevels` (hss-lms only): see parseHssLevels. */
export function generateKeyFiles(alg: KeygenAlgorithm, prefix: string, opts: { cose?: boolean; force?: boolean; hssLevels?: string } = {}): GeneratedKey {
  if (!KEYGEN_ALGORITHMS.includes(alg)) throw new KeygenError(`--alg ${String(alg)}: expected one of ${KEYGEN_ALGORITHMS.join(', ')}`);
  if (opts.hssLevels !== undefined && alg !== 'hss-lms') throw new KeygenError('HSS levels apply to --alg hss-lms only');
  const plan: (KeyFile & { data: Uint8Array | string })[] = [];
  if (alg === 'hss-lms') {
    const levels = parseHssLevels(opts.hssLevels ?? DEFAULT_HSS_LEVELS);
    // Generating computes whole trees (seconds for a tall one): refuse existing files first.
    refuseExisting([`${prefix}.hss`, `${prefix}.pub.cose`], opts);
    const { text, publicKey } = newHssKeyText(levels);
    const pub: HssPublicKey = { family: 'hss-lms', raw: publicKey };
    plan.push({ path: `${prefix}.hss`, content: 'hss-private-state', mode: 0o600, data: text });
    plan.push({ path: `${prefix}.pub.cose`, content: 'public-cose-key', mode: 0o644, data: coseKey(pub) });
    return writePlan(alg, 'hss-lms', pub, plan, opts);
  }
  const key = generateSigningKey(alg);
  if (key.family === 'hmac') {
    plan.push({ path: `${prefix}.key`, content: 'secret', mode: 0o600, data: key.secret });
    if (opts.cose) plan.push({ path: `${prefix}.cose`, content: 'secret-cose-key', mode: 0o600, data: coseKey(key) });
  } else {
    plan.push({ path: `${prefix}.pem`, content: 'private-pem', mode: 0o600, data: privateKeyPem(key) });
    plan.push({ path: `${prefix}.pub.pem`, content: 'public-pem', mode: 0o644, data: publicKeyPem(key.publicKey) });
    if (opts.cose) plan.push({ path: `${prefix}.pub.cose`, content: 'public-cose-key', mode: 0o644, data: coseKey(key.publicKey) });
  }
  return writePlan(alg, key.family, verificationKeyOf(key), plan, opts);
}

function refuseExisting(paths: string[], opts: { force?: boolean }): void {
  if (opts.force) return;
  const present = paths.filter((p) => existsSync(p));
  if (present.length > 0) throw new KeygenError(`${present.join(', ')} already exist${present.length === 1 ? 's' : ''}; not overwriting a key (use --force to replace)`);
}

function writePlan(
  alg: KeygenAlgorithm,
  family: KeyFamily,
  key: VerificationKey,
  plan: (KeyFile & { data: Uint8Array | string })[],
  opts: { force?: boolean },
): GeneratedKey {
  refuseExisting(plan.map((f) => f.path), opts);
  for (const f of plan) writeFileAtomic(f.path, f.data, { mode: f.mode, exclusive: !opts.force, durable: f.content === 'hss-private-state' });
  return { algorithm: alg, family, keyId: keyId(key), files: plan.map(({ path, content, mode }) => ({ path, content, mode })) };
}

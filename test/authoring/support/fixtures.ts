/**
 * A scratch workspace for authoring tests: seeded pseudo-random images, keys of every kind
 * (made with node:crypto, not with suitrig's own keygen), and description files per template.
 */
import { createHash, createHmac, generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as cborg from 'cborg';
import { hex, readDeterministic, Tagged } from './cbor.js';
import { runCli, type CliResult } from '../../helpers/cli.js';

/** Deterministic bytes from a seed (SHA-256 in counter mode), so failures replay. */
export function seededBytes(seed: string, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0, off = 0; off < n; i++, off += 32) {
    out.set(createHash('sha256').update(`${seed}/${i}`).digest().subarray(0, Math.min(32, n - off)), off);
  }
  return out;
}

export interface TestKey {
  alg: 'es256' | 'ed25519' | 'hmac256';
  /** Signing key file. */
  file: string;
  /** Verification key file (SPKI PEM, or the same raw file for HMAC). */
  pub: string;
  publicKey?: KeyObject;
  secret?: Uint8Array;
}

/** The vendor and class lines most descriptions of these tests check (UUIDs made from names). */
export const EXAMPLE_IDENTITY = 'vendor: example.com\nclass: board-a\n';

export interface Workspace {
  dir: string;
  key(alg: TestKey['alg'], label: string): TestKey;
  write(file: string, data: string | Uint8Array): string;
  /** `suitrig manifest create <spec> --key <keyFile> --out <out> ...extra`, run in the workspace. */
  manifestCreate(spec: string, keyFile: string, out: string, extra?: string[]): Promise<CliResult>;
}

export function makeWorkspace(name: string): Workspace {
  const dir = mkdtempSync(join(tmpdir(), `suitrig-${name}-`));
  const write = (file: string, data: string | Uint8Array) => {
    const p = join(dir, file);
    writeFileSync(p, data);
    return p;
  };
  const key = (alg: TestKey['alg'], label: string): TestKey => {
    if (alg === 'hmac256') {
      const secret = seededBytes(`hmac/${label}`, 32);
      const file = write(`${label}.key`, secret);
      return { alg, file, pub: file, secret };
    }
    const { privateKey, publicKey } = alg === 'es256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
    const file = write(`${label}.pem`, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
    const pub = write(`${label}.pub.pem`, publicKey.export({ type: 'spki', format: 'pem' }) as string);
    return { alg, file, pub, publicKey };
  };
  const manifestCreate = (spec: string, keyFile: string, out: string, extra: string[] = []) =>
    runCli(['manifest', 'create', spec, '--key', keyFile, '--out', out, ...extra], { cwd: dir });
  return { dir, key, write, manifestCreate };
}

/**
 * Verifies one authentication block over `digestBstr` with node:crypto, rebuilding the
 * Sig_structure / MAC_structure with cborg (RFC 9052 §4.4, §6.3). Returns the algorithm id.
 */
export function verifyBlock(block: Uint8Array, digestBstr: Uint8Array, key: TestKey): { ok: boolean; alg: number; kid?: string } {
  const msg = readDeterministic(block) as Tagged;
  const [prot, unprot, payload, value] = msg.value as [Uint8Array, Map<number, unknown>, null, Uint8Array];
  if (payload !== null) throw new Error('payload not detached');
  const alg = (readDeterministic(prot) as Map<number, number>).get(1)!;
  const kid = unprot.get(4) instanceof Uint8Array ? hex(unprot.get(4) as Uint8Array) : undefined;
  const empty = new Uint8Array(0);
  if (msg.tag === 17) {
    const tbs = cborg.encode(['MAC0', prot, empty, digestBstr]);
    const tag = createHmac('sha256', key.secret ?? new Uint8Array(0)).update(tbs).digest();
    return { ok: key.alg === 'hmac256' && alg === 5 && hex(tag) === hex(value), alg, ...(kid ? { kid } : {}) };
  }
  if (msg.tag !== 18 || !key.publicKey) return { ok: false, alg };
  const tbs = cborg.encode(['Signature1', prot, empty, digestBstr]);
  const ok =
    key.alg === 'es256'
      ? (alg === -7 || alg === -9) && verify('sha256', tbs, { key: key.publicKey, dsaEncoding: 'ieee-p1363' }, value)
      : (alg === -8 || alg === -19) && verify(null, tbs, key.publicKey, value);
  return { ok, alg, ...(kid ? { kid } : {}) };
}

export function sha256Hex(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

export { Tagged };

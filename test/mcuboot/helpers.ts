/** Test keys for MCUboot image tests: fresh P-256 and Ed25519 pairs written as PEM files. */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSigningKey, loadVerificationKey, type PrivateKey, type PublicKey } from '../../host/keys/index.js';

export interface TestKey {
  priv: PrivateKey;
  pub: PublicKey;
  privPath: string;
  pubPath: string;
}

export function makeKey(dir: string, name: string, alg: 'p256' | 'ed25519'): TestKey {
  const { publicKey, privateKey } = alg === 'p256' ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' }) : generateKeyPairSync('ed25519');
  const privPath = join(dir, `${name}.pem`);
  const pubPath = join(dir, `${name}.pub.pem`);
  writeFileSync(privPath, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(pubPath, publicKey.export({ type: 'spki', format: 'pem' }));
  const priv = loadSigningKey(privPath);
  const pub = loadVerificationKey(pubPath);
  if (!('key' in priv) || !('spki' in pub)) throw new Error('unexpected key family');
  return { priv, pub, privPath, pubPath };
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `suitrig-${prefix}-`));
}

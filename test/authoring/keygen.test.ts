/** `suitrig keygen`: key files (PEM, raw HMAC, COSE_Key) with mode 0600 for secrets, read back with node:crypto and cborg; never replacing a key without --force. */
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keyId, loadSigningKey, loadVerificationKey } from '../../host/keys/index.js';
import { runCli } from '../helpers/cli.js';
import { readDeterministic } from './support/cbor.js';

const dir = mkdtempSync(join(tmpdir(), 'suitrig-keygen-'));
const mode = (p: string) => statSync(p).mode & 0o777;

describe('suitrig keygen', () => {
  it('writes a PKCS#8 private key (0600) and an SPKI public key for es256 and ed25519 that node:crypto uses as a pair', async () => {
    for (const alg of ['es256', 'ed25519']) {
      const prefix = join(dir, alg);
      const r = await runCli(['keygen', '--alg', alg, '--out', prefix, '--cose']);
      expect(r.code, r.stderr).toBe(0);
      expect(mode(`${prefix}.pem`)).toBe(0o600);
      const priv = createPrivateKey(readFileSync(`${prefix}.pem`));
      const pub = createPublicKey(readFileSync(`${prefix}.pub.pem`));
      expect(readFileSync(`${prefix}.pem`, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
      expect(readFileSync(`${prefix}.pub.pem`, 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----/);
      const msg = Buffer.from('suit');
      const hash = alg === 'es256' ? 'sha256' : null;
      expect(verify(hash, msg, pub, sign(hash, msg, priv))).toBe(true);
      // The COSE_Key names the same public key, read independently with cborg.
      const cose = readDeterministic(readFileSync(`${prefix}.pub.cose`)) as Map<number, unknown>;
      const jwk = pub.export({ format: 'jwk' });
      expect(Buffer.from(cose.get(-2) as Uint8Array).toString('base64url')).toBe(jwk.x);
      if (alg === 'es256') {
        expect([cose.get(1), cose.get(-1)]).toEqual([2, 1]);
        expect(Buffer.from(cose.get(-3) as Uint8Array).toString('base64url')).toBe(jwk.y);
      } else {
        expect([cose.get(1), cose.get(-1)]).toEqual([1, 6]);
      }
      const loaded = loadVerificationKey(`${prefix}.pub.cose`);
      expect(Buffer.from(keyId(loaded)).toString('hex')).toBe(Buffer.from(cose.get(2) as Uint8Array).toString('hex'));
      expect(r.stdout).toContain(`key id ${Buffer.from(keyId(loaded)).toString('hex')}`);
      expect(loadSigningKey(`${prefix}.pem`).family).toBe(alg === 'es256' ? 'p256' : 'ed25519');
    }
  });

  it('writes a raw 32-byte HMAC key with mode 0600, and its COSE_Key with --cose', async () => {
    const prefix = join(dir, 'mac');
    const r = await runCli(['keygen', '--alg', 'hmac256', '--out', prefix, '--cose', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { keyId: string; files: { path: string; mode: string }[] };
    expect(out.files.map((f) => [f.path, f.mode])).toEqual([[`${prefix}.key`, '0600'], [`${prefix}.cose`, '0600']]);
    const secret = readFileSync(`${prefix}.key`);
    expect(secret).toHaveLength(32);
    expect(mode(`${prefix}.key`)).toBe(0o600);
    expect(mode(`${prefix}.cose`)).toBe(0o600);
    const cose = readDeterministic(readFileSync(`${prefix}.cose`)) as Map<number, unknown>;
    expect(cose.get(1)).toBe(4);
    expect(Buffer.from(cose.get(-1) as Uint8Array)).toEqual(secret);
    expect(loadSigningKey(`${prefix}.cose`)).toEqual({ family: 'hmac', secret: new Uint8Array(secret) });
  });

  it('never replaces an existing key unless --force, and rejects unknown algorithms (exit 2)', async () => {
    const prefix = join(dir, 'keep');
    writeFileSync(`${prefix}.pem`, 'precious');
    const before = readdirSync(dir).length;
    const r = await runCli(['keygen', '--alg', 'es256', '--out', prefix]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/keep\.pem already exists; not overwriting/);
    expect(readFileSync(`${prefix}.pem`, 'utf8')).toBe('precious');
    expect(readdirSync(dir).length).toBe(before);
    const forced = await runCli(['keygen', '--alg', 'es256', '--out', prefix, '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(`${prefix}.pem`, 'utf8')).toMatch(/PRIVATE KEY/);
    const bad = await runCli(['keygen', '--alg', 'rsa', '--out', join(dir, 'x')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--alg rsa: expected one of es256, ed25519, hmac256/);
    const missing = await runCli(['keygen', '--alg', 'es256']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--out is required/);
  });
});

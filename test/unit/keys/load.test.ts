/** host/keys loading: PEM, COSE_Key (binary and hex) and raw HMAC keys, errors naming the file, and the --trust / --require arguments. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KeyError, keyId, loadSigningKey, loadVerificationKey, parseRequireArg, parseTrustArg } from '../../../host/keys/index.js';
import { readSharedJson, sharedPath } from '../../helpers/shared.js';

interface RfcExamples {
  examples: { name: string; public_key_pem?: string; public_key_cose_key_hex?: string; mac_key_hex?: string }[];
}

const dir = mkdtempSync(join(tmpdir(), 'suitrig-keys-'));

describe('key loading', () => {
  it('reads the IETF example key as PKCS#8 private, SPKI public and COSE_Key, all the same point', () => {
    const ex = readSharedJson<RfcExamples>('vectors', 'rfc-examples.json').examples[0]!;
    const priv = loadSigningKey(sharedPath('vectors', 'ietf-manifest-spec', 'private_key.pem'));
    expect(priv.family).toBe('p256');
    writeFileSync(join(dir, 'pub.pem'), ex.public_key_pem!);
    writeFileSync(join(dir, 'pub.cose.hex'), ex.public_key_cose_key_hex!);
    writeFileSync(join(dir, 'pub.cose'), Buffer.from(ex.public_key_cose_key_hex!, 'hex'));
    const pub = loadVerificationKey(join(dir, 'pub.pem'));
    const coseHex = loadVerificationKey(join(dir, 'pub.cose.hex'));
    const cose = loadVerificationKey(join(dir, 'pub.cose'));
    expect(pub.family).toBe('p256');
    if (priv.family === 'hmac' || pub.family === 'hmac' || cose.family === 'hmac' || coseHex.family === 'hmac') throw new Error('unexpected');
    expect(Buffer.from(pub.raw)).toEqual(Buffer.from(priv.publicKey.raw));
    expect(Buffer.from(cose.raw)).toEqual(Buffer.from(pub.raw));
    expect(Buffer.from(coseHex.raw)).toEqual(Buffer.from(pub.raw));
    expect(pub.raw.length).toBe(65);
    expect(Buffer.from(keyId(pub))).toEqual(Buffer.from(keyId(cose)));
  });

  it('reads Ed25519 PEM keys and raw HMAC keys', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(join(dir, 'ed.pub.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
    writeFileSync(join(dir, 'ed.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const pub = loadVerificationKey(join(dir, 'ed.pub.pem'));
    const priv = loadSigningKey(join(dir, 'ed.pem'));
    expect(pub.family).toBe('ed25519');
    if (pub.family === 'hmac' || priv.family === 'hmac') throw new Error('unexpected');
    expect(pub.raw.length).toBe(32);
    expect(Buffer.from(priv.publicKey.raw)).toEqual(Buffer.from(pub.raw));
    writeFileSync(join(dir, 'mac.key'), Buffer.alloc(32, 0x61));
    const mac = loadVerificationKey(join(dir, 'mac.key'));
    expect(mac).toEqual({ family: 'hmac', secret: new Uint8Array(32).fill(0x61) });
  });

  it('names the file and the problem for bad keys', () => {
    expect(() => loadVerificationKey(join(dir, 'absent.pem'))).toThrow(/absent\.pem: cannot read key file \(no such file\)/);
    writeFileSync(join(dir, 'short.key'), 'abc');
    expect(() => loadVerificationKey(join(dir, 'short.key'))).toThrow(KeyError);
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    writeFileSync(join(dir, 'p384.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
    expect(() => loadVerificationKey(join(dir, 'p384.pem'))).toThrow(/P-384.*only P-256/);
    writeFileSync(join(dir, 'pubonly.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
    expect(() => loadSigningKey(join(dir, 'pubonly.pem'))).toThrow(/signing needs a private key/);
  });

  it('takes a raw file as an HMAC key only at the 32 bytes keygen writes, and names the accepted formats otherwise', () => {
    const accepted = /expected a PEM key \(SPKI public, PKCS#8 or SEC1 private\), a COSE_Key \(binary or hex\), or a raw HMAC-256 key of exactly 32 bytes/;
    writeFileSync(join(dir, 'notes.txt'), 'this is not a key at all\n'); // 25 bytes of text
    expect(() => loadSigningKey(join(dir, 'notes.txt'))).toThrow(/notes\.txt: not a key file \(25 bytes, neither PEM nor COSE_Key\)/);
    expect(() => loadVerificationKey(join(dir, 'notes.txt'))).toThrow(accepted);
    for (const n of [16, 31, 33, 64, 4096]) {
      writeFileSync(join(dir, `raw${n}.key`), Buffer.alloc(n, 0x61));
      expect(() => loadSigningKey(join(dir, `raw${n}.key`)), `${n} bytes`).toThrow(accepted);
      expect(() => loadVerificationKey(join(dir, `raw${n}.key`)), `${n} bytes`).toThrow(accepted);
    }
    writeFileSync(join(dir, 'raw32.key'), Buffer.alloc(32, 0x61));
    expect(loadSigningKey(join(dir, 'raw32.key'))).toEqual({ family: 'hmac', secret: new Uint8Array(32).fill(0x61) });
  });

  it('parses --trust [role=]file and --require lists', () => {
    const a = parseTrustArg(`operator=${sharedPath('vectors', 'libcsuit', 'key', 'trust_anchor_secp256r1_pub.pem')}`);
    expect(a.role).toBe('operator');
    expect(a.key.family).toBe('p256');
    const b = parseTrustArg(sharedPath('vectors', 'libcsuit', 'key', 'trust_anchor_secp256r1_pub.pem'));
    expect(b.role).toBe('author');
    expect(parseRequireArg('author, operator,author')).toEqual(['author', 'operator']);
    expect(() => parseRequireArg('Author!')).toThrow(/not a role name/);
    expect(() => parseTrustArg('operator=')).toThrow(/^operator=: no key file given$/);
  });
});

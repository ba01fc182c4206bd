/** COSE authentication blocks (RFC 9052 §4.4, §6.3): Sig/MAC structures against the published SUIT signatures and MACs, and what createAuthenticationBlock signs, checked with node:crypto. */
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createAuthenticationBlock, resolveAlgorithm, sigStructure, macStructure, algorithmById } from '../../host/cose/index.js';
import { loadSigningKey, parseSigningKey } from '../../host/keys/index.js';
import { encodeCbor } from '../../host/suit/cbor/encode.js';
import { readSharedJson, sharedPath } from '../helpers/shared.js';
import { IETF_PUBLIC_KEY_PEM, ietfExampleHex, readDeterministic, Tagged, hex } from './support/cbor.js';

/** [auth-wrapper content, manifest bstr content] of a published envelope, read with cborg. */
function authOf(envelope: Uint8Array): { digestBstr: Uint8Array; blocks: Tagged[] } {
  const env = (readDeterministic(envelope) as Tagged).value as Map<number, Uint8Array>;
  const auth = readDeterministic(env.get(2)!) as Uint8Array[];
  return { digestBstr: auth[0]!, blocks: auth.slice(1).map((b) => readDeterministic(b) as Tagged) };
}

describe('COSE Sig_structure and MAC_structure against published SUIT vectors', () => {
  it('rebuilds the Sig_structure of IETF examples 0-5 so that node:crypto verifies the published ES256 signatures', () => {
    const pub = createPublicKey(IETF_PUBLIC_KEY_PEM);
    for (let n = 0; n <= 5; n++) {
      const blocks = ietfExampleHex(n);
      const { digestBstr, blocks: sigs } = authOf(blocks[blocks.length - 1]!);
      expect(sigs).toHaveLength(1);
      const [prot, , payload, signature] = sigs[0]!.value as [Uint8Array, Map<number, unknown>, null, Uint8Array];
      expect(sigs[0]!.tag).toBe(18);
      expect(payload).toBeNull();
      const tbs = sigStructure(prot, digestBstr);
      expect(verify('sha256', tbs, { key: pub, dsaEncoding: 'ieee-p1363' }, signature), `example ${n}`).toBe(true);
      // A changed payload must not verify: the check above can fail.
      const other = new Uint8Array(digestBstr);
      other[other.length - 1]! ^= 1;
      expect(verify('sha256', sigStructure(prot, other), { key: pub, dsaEncoding: 'ieee-p1363' }, signature)).toBe(false);
    }
  });

  it('reproduces the published HMAC 256/256 tags of the firmware-encryption COSE_Mac0 examples byte for byte', () => {
    interface Ex { name: string; envelope_hex: string; mac_key_hex?: string }
    const macs = readSharedJson<{ examples: Ex[] }>('vectors', 'rfc-examples.json').examples.filter((e) => e.mac_key_hex);
    expect(macs.length).toBeGreaterThanOrEqual(3);
    for (const ex of macs) {
      const { digestBstr, blocks } = authOf(new Uint8Array(Buffer.from(ex.envelope_hex, 'hex')));
      const [prot, , , tag] = blocks[0]!.value as [Uint8Array, unknown, null, Uint8Array];
      expect(blocks[0]!.tag).toBe(17);
      const key = parseSigningKey(Buffer.from(ex.mac_key_hex!, 'hex'), ex.name);
      const alg = resolveAlgorithm(key);
      expect(alg.id).toBe(5);
      const rebuilt = readDeterministic(createAuthenticationBlock({ key, algorithm: alg }, digestBstr)) as Tagged;
      const [rprot, , , rtag] = rebuilt.value as [Uint8Array, unknown, null, Uint8Array];
      expect(hex(rprot)).toBe(hex(prot));
      expect(hex(rtag), ex.name).toBe(hex(tag));
      expect(macStructure(prot, digestBstr)[0]).toBe(0x84);
    }
  });
});

describe('createAuthenticationBlock', () => {
  const payload = encodeCbor([-16, new Uint8Array(32).fill(7)]);

  it('makes ES256 and ESP256 COSE_Sign1 that node:crypto verifies, deterministically (RFC 6979)', () => {
    const key = loadSigningKey(sharedPath('vectors', 'ietf-manifest-spec', 'private_key.pem'));
    for (const option of ['es256', 'esp256']) {
      const algorithm = resolveAlgorithm(key, option);
      const a = createAuthenticationBlock({ key, algorithm, kid: Uint8Array.of(1, 2) }, payload);
      const b = createAuthenticationBlock({ key, algorithm, kid: Uint8Array.of(1, 2) }, payload);
      expect(hex(a)).toBe(hex(b));
      const msg = readDeterministic(a) as Tagged;
      expect(msg.tag).toBe(18);
      const [prot, unprot, nil, sig] = msg.value as [Uint8Array, Map<number, unknown>, null, Uint8Array];
      expect(readDeterministic(prot)).toEqual(new Map([[1, algorithm.id]]));
      expect(unprot.get(4)).toEqual(Uint8Array.of(1, 2));
      expect(nil).toBeNull();
      expect(sig).toHaveLength(64);
      const pub = createPublicKey(IETF_PUBLIC_KEY_PEM);
      expect(verify('sha256', sigStructure(prot, payload), { key: pub, dsaEncoding: 'ieee-p1363' }, sig)).toBe(true);
    }
  });

  it('makes EdDSA (-8) by default and Ed25519 (-19) on request for Ed25519 keys; node:crypto verifies both', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const key = parseSigningKey(Buffer.from(privateKey.export({ type: 'pkcs8', format: 'pem' }) as string), 'ed');
    for (const [option, id] of [[undefined, -8], ['ed25519', -19], ['eddsa', -8]] as const) {
      const algorithm = resolveAlgorithm(key, option);
      expect(algorithm.id).toBe(id);
      const [prot, unprot, , sig] = (readDeterministic(createAuthenticationBlock({ key, algorithm }, payload)) as Tagged).value as [Uint8Array, Map<number, unknown>, null, Uint8Array];
      expect(unprot.size).toBe(0);
      expect(verify(null, sigStructure(prot, payload), publicKey, sig)).toBe(true);
    }
  });

  it('refuses an --alg-id that does not fit the key, naming both', () => {
    const key = loadSigningKey(sharedPath('vectors', 'ietf-manifest-spec', 'private_key.pem'));
    expect(() => resolveAlgorithm(key, 'ed25519')).toThrow(/--alg-id ed25519 needs an Ed25519 key, but the key is an ECDSA P-256 key/);
    expect(() => resolveAlgorithm(key, 'hmac256')).toThrow(/symmetric/);
    expect(() => resolveAlgorithm(key, 'rs256')).toThrow(/unknown algorithm/);
    const mac = parseSigningKey(new Uint8Array(32).fill(1), 'mac');
    expect(() => resolveAlgorithm(mac, 'es256')).toThrow(/needs an ECDSA P-256 key, but the key is a symmetric/);
    expect(algorithmById(-9)?.name).toBe('ESP256');
  });
});

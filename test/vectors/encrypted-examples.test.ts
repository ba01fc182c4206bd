/**
 * The encrypted-payload examples of the vectors (draft-ietf-suit-firmware-encryption's five and
 * libcsuit's five) end as their sources document: valid, the decrypted payload "This is a real
 * firmware image." in the plaintext component, with the draft's keys — the A128KW KEK 16 x 'a'
 * (kid-1) and the P-256 device key d = 60FE6DD6... (kid-2). The detached ciphertext the fetch+copy
 * examples fetch is the draft's encrypted-payload-aes-kw-aes-gcm. libcsuit's four standalone
 * COSE_Encrypt files (encryption_info_*.cose) decrypt their encrypted_*.bin to raw_image.bin and
 * config.json. A changed byte of the fetched ciphertext is refused (the GCM tag).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MemoryPlatform, SuitProcessor, runWithPayloads } from '../../host/verifier/index.js';
import { readShared, readSharedJson, sharedPath } from '../helpers/shared.js';
import { DRAFT_DEVICE_KEY, DRAFT_KEK, IETF_KEY, MAC_KEY, SECOND_KEY } from './corpus.js';
import { writeManifest } from '../core/encryption-builder.js';

const PLAIN = 'This is a real firmware image.';
const hexFile = (...p: string[]) => new Uint8Array(Buffer.from(readShared(...p).toString('utf8').replace(/[^0-9a-fA-F]/g, ''), 'hex'));
const lib = (f: string) => new Uint8Array(readFileSync(sharedPath('vectors', 'libcsuit', f)));
const CIPHERTEXT = hexFile('vectors', 'ietf-firmware-encryption', 'encrypted-payload-aes-kw-aes-gcm.hex');
const URI = 'coaps://example.com/encrypted-firmware';
const rfc = readSharedJson<{ examples: { name: string; envelope_hex: string }[] }>('vectors', 'rfc-examples.json').examples;

function run(envelope: Uint8Array, payload: Uint8Array = CIPHERTEXT) {
  const platform = new MemoryPlatform();
  const r = runWithPayloads(new SuitProcessor(platform, { variant: 'checked' }), envelope, { trust: [IETF_KEY, SECOND_KEY, MAC_KEY], decrypt: [DRAFT_KEK, DRAFT_DEVICE_KEY], sequences: ['install'] }, new Map([[URI, payload]]));
  return { r, platform };
}

// [name, envelope, plaintext component, fetches the ciphertext]
const EXAMPLES: [string, Uint8Array, string, boolean][] = [
  ['IETF suit-manifest-aes-kw-content (write, COSE_Mac0)', hexFile('vectors', 'ietf-firmware-encryption', 'suit-manifest-aes-kw-content.hex.signed'), "['plaintext-firmware']", false],
  ['IETF suit-manifest-aes-kw (fetch + copy)', hexFile('vectors', 'ietf-firmware-encryption', 'suit-manifest-aes-kw.hex.signed'), "['plaintext-firmware']", true],
  ['IETF suit-manifest-aes-kw-slot (fetch + copy, slots)', hexFile('vectors', 'ietf-firmware-encryption', 'suit-manifest-aes-kw-slot.hex.signed'), "[h'00']", true],
  ['IETF suit-manifest-es-ecdh-content (write, ESP256)', hexFile('vectors', 'ietf-firmware-encryption', 'suit-manifest-es-ecdh-content.hex.signed'), "['decrypted-firmware']", false],
  ['libcsuit expAW (write)', lib('suit_manifest_expAW.suit'), "['plaintext-firmware']", false],
  ['libcsuit expAF (fetch + copy)', lib('suit_manifest_expAF.suit'), "['plaintext-firmware']", true],
  ['libcsuit expAFS (fetch + copy, slots)', lib('suit_manifest_expAFS.suit'), "[h'00']", true],
  ['libcsuit expEW (ECDH-ES write)', lib('suit_manifest_expEW.suit'), "['decrypted-firmware']", false],
];

describe('encrypted-payload examples: valid, decrypted to the documented payload', () => {
  it.each(EXAMPLES)('%s', (_name, envelope, component, fetches) => {
    const { r, platform } = run(envelope);
    expect(r, r.message).toMatchObject({ accepted: true, reason: 'ok' });
    expect(Buffer.from(platform.content(component)!).toString()).toBe(PLAIN);
    expect(r.records.some((x) => x.commandName === 'fetch')).toBe(fetches);
    if (fetches) {
      const bad = new Uint8Array(CIPHERTEXT);
      bad[10]! ^= 1;
      expect(run(envelope, bad).r).toMatchObject({ accepted: false, reason: 'operation-failed', detail: 'decryption-failed' });
    }
  });

  it('the rfc-examples.json copies of the IETF ones are the same bytes', () => {
    const ietf = EXAMPLES.slice(0, 4).map(([, e]) => Buffer.from(e).toString('hex'));
    for (const n of ['enc-aeskw-write', 'enc-aeskw-fetch-copy', 'enc-aeskw-slot', 'enc-esdh-write']) expect(ietf).toContain(rfc.find((e) => e.name === n)!.envelope_hex.toLowerCase());
  });

  // The dependency examples decrypt in the dependency, with the encryption-info and content the
  // dependent sets for it (trust-domains: parameters set by the dependent reach the dependency).
  it.each([
    ['IETF suit-manifest-es-ecdh-dependency', hexFile('vectors', 'ietf-firmware-encryption', 'suit-manifest-es-ecdh-dependency.hex.signed')],
    ['libcsuit expED', lib('suit_manifest_expED.suit')],
  ])('%s: decrypted in the dependency', (_name, envelope) => {
    const { r, platform } = run(envelope);
    expect(r, r.message).toMatchObject({ accepted: true, reason: 'ok' });
    expect(Buffer.from(platform.content("['decrypted-firmware']")!).toString()).toBe(PLAIN);
    // The write that decrypted is the dependency's ([0]).
    expect(r.records.filter((x) => x.commandName === 'write').map((x) => [x.manifest, x.outcome])).toEqual([[[0], 'passed']]);
    // Without the device's key the dependency's write is refused, and nothing is written.
    const none = runWithPayloads(new SuitProcessor(new MemoryPlatform(), { variant: 'checked' }), envelope, { trust: [IETF_KEY, SECOND_KEY], sequences: ['install'] }, new Map());
    expect(none).toMatchObject({ accepted: false, reason: 'operation-failed', detail: 'no-decryption-key', at: { manifest: [0], sectionName: 'install' } });
  });
});

describe("libcsuit's standalone COSE_Encrypt files", () => {
  it.each([
    ['encryption_info_aes.cose', 'encrypted_image_aes.bin', 'raw_image.bin'],
    ['encryption_info_esdh.cose', 'encrypted_image_esdh.bin', 'raw_image.bin'],
    ['encryption_info_config_aes.cose', 'encrypted_config_aes.bin', 'config.json'],
    ['encryption_info_config_esdh.cose', 'encrypted_config_esdh.bin', 'config.json'],
  ])('%s decrypts %s to %s', (info, ciphertext, plain) => {
    const expected = lib(plain);
    const e = { info: Buffer.from(lib(info)), ciphertext: Buffer.from(lib(ciphertext)), cek: new Uint8Array(0), secrets: [] };
    const { r, platform } = run(writeManifest(expected, e));
    expect(r, r.message).toMatchObject({ accepted: true });
    expect(Buffer.from(platform.content("[h'00']")!).equals(Buffer.from(expected))).toBe(true);
  });
});

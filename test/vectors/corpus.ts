/**
 * Every signed or MACed SUIT envelope in test/fixtures/vectors, with the key that authenticates
 * it: the IETF examples (manifest-37 Ex. 0-5 and their severed / unsigned variants,
 * trust-domains, firmware-encryption) and the libcsuit set. Duplicate copies of the same bytes
 * (the drafts' .hex files) are included: they are cheap and catch a fixture drifting.
 */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { parseVerificationKey, publicKeyFromObject, trustAnchorFor, type DecryptionKey, type TrustAnchor, type VerificationKey } from '../../host/keys/index.js';
import { readShared, readSharedJson, sharedPath } from '../helpers/shared.js';

export interface Vector {
  name: string;
  bytes: Uint8Array;
  /** Anchors that must authenticate it; empty for the spec's unsigned variants. */
  keys: TrustAnchor[];
  /** The spec's unsigned variants (no COSE block): never accepted. */
  unsigned?: boolean;
}

interface RfcExample {
  name: string;
  envelope_hex: string;
  public_key_pem?: string;
  mac_key_hex?: string;
  variants: { label: string; hex: string; verify: { auth_blocks: number } }[];
}

export function anchor(key: VerificationKey, source: string, role = 'author'): TrustAnchor {
  return trustAnchorFor(key, role, source);
}

const rfc = readSharedJson<{ examples: RfcExample[] }>('vectors', 'rfc-examples.json');
const ietfPem = rfc.examples[0]!.public_key_pem!;
const secondPem = rfc.examples.find((e) => e.name === 'enc-esdh-dependency')!.public_key_pem!;
const macHex = rfc.examples.find((e) => e.mac_key_hex)!.mac_key_hex!;

export const IETF_KEY = anchor(parseVerificationKey(Buffer.from(ietfPem), 'ietf'), 'ietf example key');
export const SECOND_KEY = anchor(parseVerificationKey(Buffer.from(secondPem), 'second'), 'firmware-encryption second key');
/** The decryption keys of draft-ietf-suit-firmware-encryption's examples (libcsuit uses the same):
 *  the A128KW KEK 16 x 'a' (kid-1) and the device's P-256 key d = 60FE6DD6... (kid-2). */
export const DRAFT_KEK: DecryptionKey = { kind: 'kek', secret: Buffer.alloc(16, 0x61), kid: Buffer.from('kid-1'), source: 'draft A128KW KEK' };
export const DRAFT_DEVICE_KEY: DecryptionKey = { kind: 'ecdh-p256', secret: Buffer.from('60FE6DD6D85D5740A5349B6F91267EEAC5BA81B8CB53EE249E4B4EB102C476B3', 'hex'), kid: Buffer.from('kid-2'), source: 'draft P-256 key' };
export const MAC_KEY = anchor({ family: 'hmac', secret: new Uint8Array(Buffer.from(macHex, 'hex')) }, 'hmac key 32 x "a"');

/** Keys that authenticate none of the vectors. */
export const WRONG_KEYS: TrustAnchor[] = [
  anchor(publicKeyFromObject(createPublicKey(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey), 'fresh p256'), 'fresh P-256'),
  anchor(publicKeyFromObject(createPublicKey(generateKeyPairSync('ed25519').privateKey), 'fresh ed25519'), 'fresh Ed25519'),
  anchor({ family: 'hmac', secret: new Uint8Array(32).fill(0x62) }, 'hmac key 32 x "b"'),
];

function keyFor(e: { public_key_pem?: string; mac_key_hex?: string }): TrustAnchor {
  if (e.mac_key_hex) return MAC_KEY;
  return e.public_key_pem === secondPem ? SECOND_KEY : IETF_KEY;
}

function hexFile(...parts: string[]): Uint8Array {
  return new Uint8Array(Buffer.from(readShared(...parts).toString('utf8').replace(/[^0-9a-fA-F]/g, ''), 'hex'));
}

const HMAC_LIBCSUIT = new Set(['suit_manifest_expAW.suit', 'suit_manifest_expAF.suit', 'suit_manifest_expAFS.suit']);

export function allVectors(): Vector[] {
  const out: Vector[] = [];
  for (const e of rfc.examples) {
    out.push({ name: `rfc/${e.name}`, bytes: new Uint8Array(Buffer.from(e.envelope_hex, 'hex')), keys: [keyFor(e)] });
    e.variants.forEach((v, i) => {
      const bytes = new Uint8Array(Buffer.from(v.hex, 'hex'));
      if (v.verify.auth_blocks === 0) out.push({ name: `rfc/${e.name}/unsigned-${i}`, bytes, keys: [], unsigned: true });
      else out.push({ name: `rfc/${e.name}/variant-${i}`, bytes, keys: [keyFor(e)] });
    });
  }
  for (const f of readdirSync(sharedPath('vectors', 'libcsuit')).filter((f) => f.endsWith('.suit')).sort()) {
    out.push({ name: `libcsuit/${f}`, bytes: new Uint8Array(readShared('vectors', 'libcsuit', f)), keys: [HMAC_LIBCSUIT.has(f) ? MAC_KEY : IETF_KEY] });
  }
  for (const f of readdirSync(sharedPath('vectors', 'ietf-firmware-encryption')).filter((f) => f.endsWith('.hex.signed')).sort()) {
    const bytes = hexFile('vectors', 'ietf-firmware-encryption', f);
    const key = f.includes('aes-kw') ? MAC_KEY : f.includes('dependency') ? SECOND_KEY : IETF_KEY;
    out.push({ name: `firmware-encryption/${f}`, bytes, keys: [key] });
  }
  for (const f of readdirSync(sharedPath('vectors', 'ietf-trust-domains')).filter((f) => f.endsWith('.hex')).sort()) {
    out.push({ name: `trust-domains/${f}`, bytes: hexFile('vectors', 'ietf-trust-domains', f), keys: [IETF_KEY] });
  }
  return out;
}

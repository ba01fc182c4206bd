/**
 * Fixtures for the virtual SUIT board tests: keys (HMAC-256 for the many fast runs, ES256 where
 * the real signature path matters), application payloads, signed update envelopes built with the
 * author tooling (download-install template), and boards with their identity and trust.
 */
import { createSigner } from '../../host/cose/signer.js';
import { generateSigningKey, trustAnchorFor, type PrivateKey, type SigningKey, type SymmetricKey, type TrustAnchor } from '../../host/keys/index.js';
import { sha256Digest } from '../../host/suit/digest.js';
import { buildEnvelope } from '../../host/suit/envelope/build.js';
import { parseUuid } from '../../host/util/uuid.js';
import { buildAppImage, parseAppVersion, type Behaviour } from '../../rig/virtual/app/app-image.js';
import { APP_URI, appUpdatePlan } from '../../rig/suites/app-update.js';
import { getProfile, type BoardProfile } from '../../rig/virtual/profiles.js';
import type { BoardIdentity, BoardTrust } from '../../rig/virtual/suit/trust.js';

export const hmacKey = generateSigningKey('hmac256') as SymmetricKey;
export const otherHmacKey = generateSigningKey('hmac256') as SymmetricKey;
export const es256Key = generateSigningKey('es256') as PrivateKey;

export function anchor(key: SigningKey, role = 'author'): TrustAnchor {
  return trustAnchorFor(key, role, `test ${key.family} ${role} key`);
}

export const profile: BoardProfile = getProfile('nrf52840-like');
const uuid = (s: string): Uint8Array => parseUuid(s)!;
export const identity: BoardIdentity = {
  vendorId: uuid(profile.identity.vendorId),
  classId: uuid(profile.identity.classId),
  deviceId: uuid('3b7d1c0e-2f4a-4e8b-9c6d-5a1b2c3d4e5f'),
};
export const otherVendor = uuid('fa6b4a53-d5ad-5fdf-be9d-e663e4d41ffe');

export function trust(...keys: SigningKey[]): BoardTrust {
  return { anchors: (keys.length ? keys : [hmacKey]).map((k) => anchor(k)), require: [] };
}

/** 8 sectors and a bit of a 4 KiB-sector part: the container spans 9 sectors. */
export const APP_SIZE = 8 * 4096 + 1000;

export function app(version: string, behaviour: Behaviour = 'healthy', size = APP_SIZE): Uint8Array {
  return buildAppImage({ behaviour, version: parseAppVersion(version), size });
}

export interface EnvelopeSpec {
  sequence: number | bigint;
  payload: Uint8Array;
  uri?: string;
  key?: SigningKey;
  vendor?: Uint8Array;
  class?: Uint8Array;
  device?: Uint8Array;
  /** The digest the manifest states (default: the payload's). */
  digestOf?: Uint8Array;
  integrated?: boolean;
  componentId?: Uint8Array[];
}

export { APP_URI };

export function envelope(s: EnvelopeSpec): Uint8Array {
  const plan = appUpdatePlan({
    sequence: BigInt(s.sequence),
    payload: s.payload,
    vendor: s.vendor ?? identity.vendorId,
    class: s.class ?? identity.classId,
    ...(s.device ? { device: s.device } : {}),
    ...(s.uri !== undefined ? { uri: s.uri } : {}),
    ...(s.integrated ? { integrated: s.integrated } : {}),
    ...(s.componentId ? { componentId: s.componentId } : {}),
  });
  // A manifest stating another image's digest and size (a wrong payload for it).
  if (s.digestOf) plan.components[0]!.image = { digest: sha256Digest(s.digestOf), size: s.digestOf.length, bytes: s.payload };
  return buildEnvelope(plan, { signers: [createSigner(s.key ?? hmacKey)] }).envelope;
}

/**
 * Programs a core with what the device trusts and knows before an envelope is checked: trust
 * anchors with their roles (RFC 9019 §7: author, device operator), the roles that must have
 * signed, the stored sequence number (rollback), the device identity, and the keys it decrypts
 * payloads with. Roles are numbered per call: bit i of the core's role mask = the i-th distinct
 * role name. The core's `verify` import is bound to `verify` (default verifyCose) with the key of
 * the anchor it names, `verify_key` to the same routine with a key a delegation chain vouched for
 * (a COSE_Key), and `decrypt_key` to the decryption keys (decryption.ts).
 */
import { publicKeyFromCoseKey, type TrustAnchor } from '../keys/index.js';
import type { VerifierCore } from './core.js';
import { verifyCose, type SignatureVerifier } from './crypto.js';
import type { DeviceIdentity } from './identity.js';
import type { DecryptionKey } from '../keys/encryption.js';
import { decryptionKeyMaterial } from './decryption.js';

export const MAX_ANCHORS = 16;
const FAMILY = { p256: 1, ed25519: 2, hmac: 3, 'hss-lms': 4 } as const;

export interface Policy {
  /** Keys the device trusts, each with a role. */
  trust: readonly TrustAnchor[];
  /** Roles that must all have a verified signature; default: any one trusted signature. */
  require?: readonly string[];
  /** The device's current sequence number: lower ones are refused (rollback). */
  storedSequence?: bigint;
  /** Identity for vendor / class / device conditions; kinds left out are reported, not enforced. */
  device?: DeviceIdentity;
  /**
   * What a suit-dependency-prefix means on this device (trust-domains §5.2.2): 'name' (default)
   * = it names where the dependency is stored, as the published examples assume; 'prepend' = it
   * also scopes the dependency, whose component identifiers get it prepended.
   */
  dependencyPrefixes?: 'name' | 'prepend';
  /** Keys for encrypted payloads (draft-ietf-suit-firmware-encryption); none: they cannot be decrypted. */
  decrypt?: readonly DecryptionKey[];
}

export function applyPolicy(core: VerifierCore, policy: Policy, verify: SignatureVerifier = verifyCose): void {
  const e = core.exports;
  if (policy.trust.length > MAX_ANCHORS) throw new RangeError(`at most ${MAX_ANCHORS} trust anchors, got ${policy.trust.length}`);
  const roles: string[] = [];
  const bit = (role: string): number => {
    let i = roles.indexOf(role);
    if (i < 0) {
      if (roles.length >= 31) throw new RangeError('at most 31 distinct roles');
      i = roles.push(role) - 1;
    }
    return 1 << i;
  };
  e.policy_reset();
  policy.trust.forEach((a, i) => {
    const kid = a.id.subarray(0, 20);
    core.io.set(kid);
    if (e.policy_anchor(i, bit(a.role), FAMILY[a.key.family], kid.length) !== 0) throw new Error(`core refused trust anchor ${a.source}`);
    if (a.key.family === 'hss-lms') {
      // The core verifies HSS-LMS itself: it holds the public key, not just its id.
      core.io.set(a.key.raw);
      if (e.policy_anchor_key(i, a.key.raw.length) !== 0) throw new Error(`core refused the HSS-LMS key of trust anchor ${a.source}`);
    }
  });
  let need = 0;
  for (const r of policy.require ?? []) need |= bit(r);
  e.policy_require(need >>> 0);
  if (policy.storedSequence !== undefined) {
    if (policy.storedSequence < 0n || policy.storedSequence >= 1n << 64n) throw new RangeError('storedSequence must be a uint64');
    e.policy_sequence(BigInt.asIntN(64, policy.storedSequence), 1);
  } else {
    e.policy_sequence(0n, 0);
  }
  const ids = policy.device ?? {};
  [ids.vendorIds, ids.classIds, ids.deviceIds].forEach((list, kind) => {
    const l = list ?? [];
    l.forEach((u, j) => {
      if (u.length !== 16) throw new RangeError('identity UUIDs are 16 bytes');
      core.io.set(u, 16 * j);
    });
    if (e.policy_identity(kind, l.length) !== 0) throw new RangeError('at most 4 identifiers per kind');
  });
  e.policy_options(policy.dependencyPrefixes === 'prepend' ? 1 : 0);
  core.host = {
    ...core.host,
    verify: (anchor, alg, tbs, sig) => {
      const a = policy.trust[anchor];
      return a !== undefined && verify(a.key, alg, tbs, sig);
    },
    verifyKey: (coseKey, alg, tbs, sig) => {
      let key;
      try {
        key = publicKeyFromCoseKey(coseKey, 'delegated key');
      } catch {
        return false;
      }
      return verify(key, alg, tbs, sig);
    },
    decryptKey: (alg, kid, epk, attempt) => decryptionKeyMaterial(policy.decrypt ?? [], alg, kid, epk, attempt),
  };
}

/**
 * What a board is provisioned with (RFC 9019 §3 trust anchors, §7 signer roles; the vendor,
 * class and device identifiers of draft-ietf-suit-manifest §8.4.8; its payload decryption keys)
 * as the host's verifier takes it: from the lab file's `trust:`, `require:`, `identity:` and
 * `decrypt-keys:`, and as the policy the host
 * predicts a board's decisions with, or decides in its stead for a board without the SUIT group.
 */
import type { Policy } from '../../host/verifier/index.js';
import { uuidBytes, type DeviceIdentity } from '../../host/verifier/identity.js';
import type { DeviceIdentity as LabIdentity, LabBoard } from '../lab/types.js';
import type { BoardProvision } from './types.js';

/** Lab identity (UUID text) as the verifier takes it. */
function verifierIdentity(id: LabIdentity | undefined): DeviceIdentity | undefined {
  if (!id) return undefined;
  return {
    ...(id.vendorId ? { vendorIds: [uuidBytes(id.vendorId)] } : {}),
    ...(id.classId ? { classIds: [uuidBytes(id.classId)] } : {}),
    ...(id.deviceId ? { deviceIds: [uuidBytes(id.deviceId)] } : {}),
  };
}

/** What the lab says a board trusts and is. */
export function labProvision(b: LabBoard | undefined): BoardProvision | undefined {
  if (!b || (b.trust.length === 0 && !b.identity)) return undefined;
  const identity = verifierIdentity(b.identity);
  return { trust: b.trust, require: b.require, ...(identity ? { identity } : {}), ...(b.decrypt ? { decrypt: b.decrypt } : {}) };
}

/** The verifier policy of a provisioned board whose rollback floor is `storedSequence` (when known). */
export function provisionPolicy(p: BoardProvision, storedSequence?: bigint): Policy {
  return {
    trust: p.trust,
    ...(p.require.length ? { require: p.require } : {}),
    ...(p.identity ? { device: p.identity } : {}),
    ...(storedSequence !== undefined ? { storedSequence } : {}),
    ...(p.decrypt?.length ? { decrypt: p.decrypt } : {}),
  };
}

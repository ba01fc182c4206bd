/**
 * The virtual board's device identity (draft-ietf-suit-manifest-37 §8.4.8.3; DESIGN.md
 * identity.json): what `--identity` gives, else vendor and class from the profile and a random
 * device id — kept in the state directory (`identity.json`), so a board keeps its device id
 * across restarts.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../../host/suit/atomic-write.js';
import { loadIdentity, uuidBytes, uuidText, type DeviceIdentity } from '../../../host/verifier/identity.js';
import type { BoardProfile } from '../profiles.js';
import type { BoardIdentity } from '../suit/trust.js';

export interface ResolvedIdentity {
  identity: BoardIdentity;
  /** Which parts came from the profile or were generated (for the start-up message). */
  defaulted: ('vendor-id' | 'class-id' | 'device-id')[];
}

export function resolveIdentity(profile: BoardProfile, given: DeviceIdentity | undefined, stateDir?: string): ResolvedIdentity {
  const file = stateDir && join(stateDir, 'identity.json');
  const stored = file && existsSync(file) ? loadIdentity(file) : undefined;
  const defaulted: ResolvedIdentity['defaulted'] = [];
  const pick = (list: Uint8Array[] | undefined, storedList: Uint8Array[] | undefined, fallback: () => Uint8Array, name: ResolvedIdentity['defaulted'][number]): Uint8Array => {
    if (list?.[0]) return list[0];
    if (storedList?.[0]) return storedList[0];
    defaulted.push(name);
    return fallback();
  };
  const identity: BoardIdentity = {
    vendorId: pick(given?.vendorIds, undefined, () => uuidBytes(profile.identity.vendorId), 'vendor-id'),
    classId: pick(given?.classIds, undefined, () => uuidBytes(profile.identity.classId), 'class-id'),
    deviceId: pick(given?.deviceIds, stored?.deviceIds, () => uuidBytes(randomUUID()), 'device-id'),
  };
  if (file && defaulted.includes('device-id')) writeFileAtomic(file, JSON.stringify({ 'device-id': uuidText(identity.deviceId) }) + '\n');
  return { identity, defaulted };
}

/**
 * The virtual board's device identity (draft-ietf-suit-manifest-37 §8.4.8.3; DESIGN.md
 * identity.json): what `--identity` gives, else what the state directory's `identity.json`
 * holds, else vendor and class from the profile and a random device id. With a state directory
 * the identity is kept there, so a board keeps it across restarts.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../../host/util/atomic-write.js';
import { formatUuid } from '../../../host/util/uuid.js';
import { loadIdentity, uuidBytes, type DeviceIdentity } from '../../../host/verifier/identity.js';
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
  const pick = (kind: 'vendorIds' | 'classIds' | 'deviceIds', name: ResolvedIdentity['defaulted'][number], fallback: () => Uint8Array): Uint8Array => {
    const v = given?.[kind]?.[0] ?? stored?.[kind]?.[0];
    if (v) return v;
    defaulted.push(name);
    return fallback();
  };
  const identity: BoardIdentity = {
    vendorId: pick('vendorIds', 'vendor-id', () => uuidBytes(profile.identity.vendorId)),
    classId: pick('classIds', 'class-id', () => uuidBytes(profile.identity.classId)),
    deviceId: pick('deviceIds', 'device-id', () => uuidBytes(randomUUID())),
  };
  const text = JSON.stringify({ 'vendor-id': formatUuid(identity.vendorId), 'class-id': formatUuid(identity.classId), 'device-id': formatUuid(identity.deviceId) }) + '\n';
  if (file && (!existsSync(file) || readFileSync(file, 'utf8') !== text)) writeFileAtomic(file, text);
  return { identity, defaulted };
}

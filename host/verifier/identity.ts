/**
 * The device identity that SUIT identifier conditions are checked against
 * (draft-ietf-suit-manifest-37 §8.4.8.3: vendor, class and device identifiers are RFC 9562 UUIDs)
 * and its identity.json form: {"vendor-id": "<uuid>", "class-id": "<uuid>", "device-id": "<uuid>"},
 * each optional; a value may also be an array of UUIDs (a device that matches several classes,
 * at most 4 per kind).
 */
import { FileReadError, readBoundedFile } from '../util/bounded-read.js';
import { parseUuid } from '../util/uuid.js';

export interface DeviceIdentity {
  vendorIds?: Uint8Array[];
  classIds?: Uint8Array[];
  deviceIds?: Uint8Array[];
}

export class IdentityError extends Error {
  override name = 'IdentityError';
}

const KEYS = { 'vendor-id': 'vendorIds', 'class-id': 'classIds', 'device-id': 'deviceIds' } as const;
export const MAX_IDS_PER_KIND = 4;

/** 16 bytes of a UUID written as text (with or without dashes). */
export function uuidBytes(text: string, what = 'UUID'): Uint8Array {
  const u = parseUuid(text, { dashes: 'optional' });
  if (!u) throw new IdentityError(`${what}: '${text}' is not a UUID (e.g. fa6b4a53-d5ad-5fdf-be9d-e663e4d41ffe)`);
  return u;
}

export function parseIdentity(value: unknown, source = 'identity'): DeviceIdentity {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new IdentityError(`${source}: expected a JSON object with "vendor-id", "class-id" and/or "device-id"`);
  }
  const out: DeviceIdentity = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const field = KEYS[k as keyof typeof KEYS];
    if (!field) throw new IdentityError(`${source}: unknown key "${k}" (expected vendor-id, class-id, device-id)`);
    const list = Array.isArray(v) ? v : [v];
    if (list.length === 0 || list.length > MAX_IDS_PER_KIND) throw new IdentityError(`${source}: "${k}" takes 1 to ${MAX_IDS_PER_KIND} UUIDs`);
    out[field] = list.map((x) => {
      if (typeof x !== 'string') throw new IdentityError(`${source}: "${k}" must be a UUID string`);
      return uuidBytes(x, `${source}: "${k}"`);
    });
  }
  return out;
}

export function loadIdentity(path: string): DeviceIdentity {
  let text: string;
  try {
    text = Buffer.from(readBoundedFile(path, 'identity')).toString('utf8');
  } catch (e) {
    if (e instanceof FileReadError) throw new IdentityError(`${path}: cannot read identity file (${e.reason})`);
    throw e;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new IdentityError(`${path}: not JSON (${(e as Error).message})`);
  }
  return parseIdentity(json, path);
}

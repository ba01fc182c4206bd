/**
 * Device identity as `identity.json` states it (DESIGN.md "Command line"):
 * `{"vendor-id": "<uuid>", "class-id": "<uuid>", "device-id": "<uuid>"}`, each optional. These are
 * the RFC 9124 §4.2 / draft-ietf-suit-manifest vendor, class and device identifiers the SUIT
 * conditions are checked against; UUIDs as RFC 9562 text, kept canonical (lower case). The
 * bytes for the verifier come from host/util/uuid.ts `parseUuid`.
 */
import { FileReadError, readBoundedFile } from '../../host/util/bounded-read.js';
import { formatUuid, parseUuid } from '../../host/util/uuid.js';
import type { DeviceIdentity } from './types.js';

export const IDENTITY_FIELDS = { 'vendor-id': 'vendorId', 'class-id': 'classId', 'device-id': 'deviceId' } as const;
export type IdentityField = keyof typeof IDENTITY_FIELDS;

/** Canonical (lower-case) form of a UUID string, or undefined when it is not one. */
export function canonicalUuid(s: string): string | undefined {
  const bytes = parseUuid(s);
  return bytes && formatUuid(bytes);
}

/**
 * Checks an identity object field by field. `report(field, message)` receives every problem
 * (field undefined for the object as a whole); the result holds the valid fields.
 */
export function parseIdentityObject(value: unknown, report: (field: string | undefined, message: string) => void): DeviceIdentity {
  const out: DeviceIdentity = {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    report(undefined, 'expected an object with vendor-id, class-id and/or device-id');
    return out;
  }
  for (const [k, v] of Object.entries(value)) {
    const field = IDENTITY_FIELDS[k as IdentityField];
    if (!field) {
      report(k, `unknown field '${k}'; expected vendor-id, class-id, device-id`);
      continue;
    }
    const uuid = typeof v === 'string' ? canonicalUuid(v) : undefined;
    if (!uuid) {
      report(k, `expected a UUID such as 'fa6b4a53-d5ad-5fdf-be9d-e663e4d41ffe', got ${JSON.stringify(v)}`);
      continue;
    }
    out[field] = uuid;
  }
  return out;
}

/** Reads identity.json; every problem is passed to `report` with the file named. */
export function readIdentityFile(path: string, report: (message: string) => void): DeviceIdentity | undefined {
  let text: string;
  try {
    text = Buffer.from(readBoundedFile(path, 'identity')).toString('utf8');
  } catch (e) {
    if (!(e instanceof FileReadError)) throw e;
    report(`${path}: cannot read identity file (${e.reason})`);
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    report(`${path}: not valid JSON (${(e as Error).message})`);
    return undefined;
  }
  let ok = true;
  const id = parseIdentityObject(json, (field, message) => {
    ok = false;
    report(`${path}${field ? ` '${field}'` : ''}: ${message}`);
  });
  return ok ? id : undefined;
}

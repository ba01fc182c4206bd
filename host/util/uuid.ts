/**
 * RFC 9562 UUIDs as SUIT uses them for vendor, class and device identifiers
 * (draft-ietf-suit-manifest-37 §8.4.8.2-8.4.8.3): vendor ID = UUID5(NAMESPACE_DNS, vendor
 * domain), class ID = UUID5(vendor ID, class-specific information). suit-tool and the IETF
 * examples follow this: uuid5(DNS, "arm.com") = fa6b4a53-..., uuid5(that, "suit") = 1492af14-....
 * One module for every layer: manifest descriptions (host/suit), device identities
 * (host/verifier/identity.ts), lab files and the virtual board.
 */
import { createHash } from 'node:crypto';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const UUID_DASHES_OPTIONAL_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** RFC 9562 §6.6 namespace for fully qualified domain names. */
export const NAMESPACE_DNS = parseUuid('6ba7b810-9dad-11d1-80b4-00c04fd430c8')!;

/**
 * 16 bytes of a textual UUID (8-4-4-4-12 hexadecimal digits), or undefined if `s` is not one.
 * `dashes: 'optional'` also takes the digits without some or all of the dashes.
 */
export function parseUuid(s: string, opts: { dashes?: 'required' | 'optional' } = {}): Uint8Array | undefined {
  if (!(opts.dashes === 'optional' ? UUID_DASHES_OPTIONAL_RE : UUID_RE).test(s)) return undefined;
  return new Uint8Array(Buffer.from(s.replace(/-/g, ''), 'hex'));
}

/** True for strings meant as a UUID (hex groups joined by dashes), so a typo is reported as a malformed UUID rather than taken as a name. */
export function looksLikeUuid(s: string): boolean {
  return /^[0-9a-f]{8}-/i.test(s) || /^[0-9a-f]+(-[0-9a-f]+){2,}$/i.test(s) || /^[0-9a-f]{32}$/i.test(s);
}

/** 16 bytes in the 8-4-4-4-12 form; anything else as plain hexadecimal (a malformed identifier shown as it is). */
export function formatUuid(b: Uint8Array): string {
  const h = Buffer.from(b).toString('hex');
  return b.length === 16 ? `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}` : h;
}

/** RFC 9562 §5.5: SHA-1 name-based UUID. */
export function uuid5(namespace: Uint8Array, name: string): Uint8Array {
  const h = createHash('sha1').update(namespace).update(name, 'utf8').digest();
  const u = new Uint8Array(h.subarray(0, 16));
  u[6] = (u[6]! & 0x0f) | 0x50;
  u[8] = (u[8]! & 0x3f) | 0x80;
  return u;
}

/**
 * Application images for the virtual board (DESIGN.md "Virtual board", application model): a
 * 32-byte header naming how the application behaves when booted, its version and size, then
 * deterministic filler, so one update can bring a crashing image and the revert a healthy one.
 * A payload without this header (a real application binary) counts as healthy.
 *
 * Header (little-endian): 0 magic "SRAPPv1\0" | 8 behaviour u8 | 9 major u8 | 10 minor u8 |
 * 11 reserved 0 | 12 revision u16 | 14 reserved 0 | 16 total size u32 | 20 filler seed u32 |
 * 24 CRC-32 of bytes 0..23 u32 | 28 reserved 0.
 */
import { crc32 } from 'node:zlib';
import { seededRng } from '../../../host/transport/rng.js';

export const APP_HEADER_SIZE = 32;
const APP_MAGIC = Buffer.from('SRAPPv1\0', 'latin1');

/** healthy: confirms itself after boot; never-confirms: runs without confirming; crashes: faults at boot; hangs: stops feeding the watchdog. */
export const BEHAVIOURS = ['healthy', 'never-confirms', 'crashes', 'hangs'] as const;
export type Behaviour = (typeof BEHAVIOURS)[number];

export interface AppVersion {
  major: number;
  minor: number;
  revision: number;
}

export interface AppHeader {
  behaviour: Behaviour;
  version: AppVersion;
  size: number;
}

export class AppImageError extends Error {
  override name = 'AppImageError';
}

export function parseAppVersion(text: string): AppVersion {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,5})$/.exec(text);
  const v = m && { major: Number(m[1]), minor: Number(m[2]), revision: Number(m[3]) };
  if (!v || v.major > 255 || v.minor > 255 || v.revision > 0xffff) throw new AppImageError(`version '${text}' is not X.Y.Z (major, minor <= 255, revision <= 65535)`);
  return v;
}

export function formatAppVersion(v: AppVersion): string {
  return `${v.major}.${v.minor}.${v.revision}`;
}

/** An application image of exactly `size` bytes. The filler is derived from the header, so different versions or behaviours give different bytes. */
export function buildAppImage(h: { behaviour: Behaviour; version: AppVersion; size: number }): Uint8Array {
  if (!BEHAVIOURS.includes(h.behaviour)) throw new AppImageError(`behaviour '${String(h.behaviour)}' is not one of ${BEHAVIOURS.join(', ')}`);
  if (!Number.isInteger(h.size) || h.size < APP_HEADER_SIZE || h.size > 0xffff_ffff) throw new AppImageError(`size must be an integer of at least ${APP_HEADER_SIZE} bytes, got ${h.size}`);
  const out = new Uint8Array(h.size);
  const b = Buffer.from(out.buffer, out.byteOffset, APP_HEADER_SIZE);
  APP_MAGIC.copy(b, 0);
  b.writeUInt8(BEHAVIOURS.indexOf(h.behaviour), 8);
  b.writeUInt8(h.version.major, 9);
  b.writeUInt8(h.version.minor, 10);
  b.writeUInt16LE(h.version.revision, 12);
  b.writeUInt32LE(h.size, 16);
  const seed = crc32(b.subarray(0, 20));
  b.writeUInt32LE(seed, 20);
  b.writeUInt32LE(crc32(b.subarray(0, 24)), 24);
  const rng = seededRng(seed);
  for (let i = APP_HEADER_SIZE; i < out.length; i++) out[i] = rng.below(256);
  return out;
}

/** The header of an application payload, or undefined for a payload without one (a real binary). */
export function parseAppHeader(payload: Uint8Array): AppHeader | undefined {
  if (payload.length < APP_HEADER_SIZE) return undefined;
  const b = Buffer.from(payload.buffer, payload.byteOffset, APP_HEADER_SIZE);
  if (!b.subarray(0, 8).equals(APP_MAGIC) || crc32(b.subarray(0, 24)) !== b.readUInt32LE(24)) return undefined;
  const code = b.readUInt8(8);
  if (code >= BEHAVIOURS.length) return undefined;
  return { behaviour: BEHAVIOURS[code]!, version: { major: b.readUInt8(9), minor: b.readUInt8(10), revision: b.readUInt16LE(12) }, size: b.readUInt32LE(16) };
}

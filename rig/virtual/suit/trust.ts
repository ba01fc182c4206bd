/**
 * What the board's SUIT processor trusts (RFC 9019 §3 trust anchors, §7 signer roles), the keys
 * it decrypts payloads with (draft-ietf-suit-firmware-encryption: its KEKs, its P-256 key) and the
 * identity it is (manifest-37 §8.4.8.3 vendor/class/device identifiers), and how the trust
 * anchors and keys are provisioned into the `trust` partition of the flash, as a factory or a trust
 * provisioning step would: one record `magic "SRTRUST1" | length u32 | CRC-32 u32 | CBOR`,
 * CBOR = {1: [[role, COSE_Key], ...], 2: [required roles], ? 3: [COSE_Key of a decryption key, ...]}.
 * The record is written after an erase; a record cut short by a power cut fails its CRC and the
 * board trusts nothing (it refuses every manifest and says so) until provisioned again.
 */
import { crc32 } from 'node:zlib';
import { coseKey, decryptionCoseKey, keyId, parseDecryptionKey, parseVerificationKey, type DecryptionKey, type TrustAnchor } from '../../../host/keys/index.js';
import { decodeCbor } from '../../../host/suit/cbor/decode.js';
import { encodeCbor } from '../../../host/suit/cbor/encode.js';
import type { DeviceIdentity } from '../../../host/verifier/identity.js';
import type { FlashArea } from '../flash/index.js';

export interface BoardTrust {
  anchors: readonly TrustAnchor[];
  /** Roles that must all have signed; empty: any one trusted signature. */
  require: readonly string[];
  /** Keys for encrypted payloads. */
  decrypt?: readonly DecryptionKey[];
}

export interface BoardIdentity {
  vendorId: Uint8Array;
  classId: Uint8Array;
  deviceId: Uint8Array;
}

/** The identity as the verifier's policy takes it. */
export function policyIdentity(id: BoardIdentity): DeviceIdentity {
  return { vendorIds: [id.vendorId], classIds: [id.classId], deviceIds: [id.deviceId] };
}

const MAGIC = Buffer.from('SRTRUST1', 'latin1');
const HEAD = 16;

export class TrustStoreError extends Error {
  override name = 'TrustStoreError';
}

function encodeTrust(t: BoardTrust): Uint8Array {
  return encodeCbor(
    new Map<number, unknown>([
      [1, t.anchors.map((a) => [a.role, coseKey(a.key)])],
      [2, [...t.require]],
      ...(t.decrypt?.length ? [[3, t.decrypt.map(decryptionCoseKey)] as [number, unknown]] : []),
    ]) as never,
  );
}

/** The same anchors and roles (key ids compared, not sources). */
export function sameTrust(a: BoardTrust, b: BoardTrust): boolean {
  return Buffer.from(encodeTrust(a)).equals(Buffer.from(encodeTrust(b)));
}

/** Erases the trust partition and writes `t` (key material never leaves it except to the verifier). */
export function provisionTrust(area: FlashArea, t: BoardTrust): void {
  const body = encodeTrust(t);
  const head = Buffer.alloc(HEAD);
  MAGIC.copy(head, 0);
  head.writeUInt32LE(body.length, 8);
  head.writeUInt32LE(crc32(body), 12);
  const record = Buffer.concat([head, body]);
  const a = area.align;
  if (record.length > area.size) throw new TrustStoreError(`trust anchors take ${record.length} bytes; the trust partition holds ${area.size}`);
  const buf = new Uint8Array(Math.ceil(record.length / a) * a).fill(area.erasedValue);
  buf.set(record);
  area.eraseAll();
  area.write(0, buf);
}

/** The provisioned trust, or undefined when the partition holds no valid record. */
export function readTrust(area: FlashArea): BoardTrust | undefined {
  const head = Buffer.from(area.read(0, HEAD));
  if (!head.subarray(0, 8).equals(MAGIC)) return undefined;
  const len = head.readUInt32LE(8);
  if (len > area.size - HEAD) return undefined;
  const body = area.read(HEAD, len);
  if (crc32(body) !== head.readUInt32LE(12)) return undefined;
  const v = decodeCbor(body, 'trust record');
  const list = v instanceof Map ? v.get(1) : undefined;
  const req = v instanceof Map ? v.get(2) : undefined;
  if (!Array.isArray(list) || !Array.isArray(req) || !req.every((r) => typeof r === 'string')) throw new TrustStoreError('trust partition: malformed record');
  const keys = v instanceof Map ? v.get(3) : undefined;
  if (keys !== undefined && (!Array.isArray(keys) || !keys.every((k) => k instanceof Uint8Array))) throw new TrustStoreError('trust partition: malformed decryption keys');
  const decrypt = ((keys ?? []) as Uint8Array[]).map((k, i) => parseDecryptionKey(k, `trust partition decryption key ${i}`));
  const anchors = list.map((entry, i): TrustAnchor => {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string' || !(entry[1] instanceof Uint8Array)) throw new TrustStoreError(`trust partition: anchor ${i} is malformed`);
    const key = parseVerificationKey(entry[1], `trust partition anchor ${i}`);
    const id = keyId(key);
    return { role: entry[0], key, id, source: `trust partition key ${Buffer.from(id).toString('hex')}` };
  });
  return { anchors, require: req as string[], ...(decrypt.length ? { decrypt } : {}) };
}

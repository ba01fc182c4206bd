/**
 * A public key from its COSE_Key encoding (RFC 9052 §7, RFC 9053 §7.1-7.2): EC2 P-256
 * {1: 2, -1: 1, -2: x, -3: y} or OKP Ed25519 {1: 1, -1: 6, -2: x}, as delegation CWTs confirm
 * them (the cnf claim, RFC 8747) and export.ts writes them.
 */
import { decodeCbor } from '../suit/cbor/decode.js';
import { KeyError, publicKeyFromRaw } from './load.js';
import type { PublicKey } from './types.js';

function bytesAt(m: Map<unknown, unknown>, label: number, len: number, source: string): Uint8Array {
  const v = m.get(label);
  if (!(v instanceof Uint8Array) || v.length !== len) throw new KeyError(`${source}: COSE_Key label ${label} is not ${len} bytes`);
  return v;
}

export function publicKeyFromCoseKey(bytes: Uint8Array, source = 'COSE_Key'): PublicKey {
  let m: unknown;
  try {
    m = decodeCbor(bytes, source);
  } catch (e) {
    throw new KeyError((e as Error).message);
  }
  if (!(m instanceof Map)) throw new KeyError(`${source}: a COSE_Key is a map`);
  const kty = m.get(1);
  const crv = m.get(-1);
  if (kty === 2 && crv === 1) {
    const raw = new Uint8Array(65);
    raw[0] = 4;
    raw.set(bytesAt(m, -2, 32, source), 1);
    raw.set(bytesAt(m, -3, 32, source), 33);
    return publicKeyFromRaw('p256', raw, source);
  }
  if (kty === 1 && crv === 6) return publicKeyFromRaw('ed25519', bytesAt(m, -2, 32, source), source);
  throw new KeyError(`${source}: COSE_Key kty ${String(kty)} crv ${String(crv)} is neither EC2 P-256 nor OKP Ed25519`);
}

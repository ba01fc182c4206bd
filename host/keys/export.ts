/**
 * Key export in the forms devices and tools take: PEM (SPKI public, PKCS#8 private) and
 * COSE_Key (RFC 9052 §7, RFC 9053 §7: EC2 P-256 {1:2, -1:1, -2:x, -3:y}, OKP Ed25519
 * {1:1, -1:6, -2:x}, Symmetric {1:4, -1:k}; RFC 9708: HSS-LMS {1:5, -1:pub}), each with the key
 * id (label 2) that suitrig puts into the COSE headers it writes.
 */
import { createPublicKey } from 'node:crypto';
import { encodeCbor, type CborValue } from '../suit/cbor/encode.js';
import { keyId } from './load.js';
import type { PrivateKey, PublicKey, VerificationKey } from './types.js';

const KTY = { okp: 1, ec2: 2, symmetric: 4, hssLms: 5 } as const;
const CRV = { p256: 1, ed25519: 6 } as const;

/** Encoded COSE_Key of a public or symmetric key, with `kid` = keyId(key) unless told otherwise. */
export function coseKey(key: VerificationKey, kid: Uint8Array | null = keyId(key)): Uint8Array {
  const m = new Map<CborValue, CborValue>();
  if (key.family === 'hmac') {
    m.set(1, KTY.symmetric).set(-1, key.secret);
  } else if (key.family === 'hss-lms') {
    m.set(1, KTY.hssLms).set(-1, key.raw);
  } else if (key.family === 'p256') {
    m.set(1, KTY.ec2).set(-1, CRV.p256).set(-2, key.raw.subarray(1, 33)).set(-3, key.raw.subarray(33, 65));
  } else {
    m.set(1, KTY.okp).set(-1, CRV.ed25519).set(-2, key.raw);
  }
  if (kid) m.set(2, kid);
  return encodeCbor(m);
}

export function publicKeyPem(key: PublicKey): string {
  return createPublicKey({ key: Buffer.from(key.spki), format: 'der', type: 'spki' }).export({ type: 'spki', format: 'pem' }) as string;
}

export function privateKeyPem(key: PrivateKey): string {
  return key.key.export({ type: 'pkcs8', format: 'pem' }) as string;
}

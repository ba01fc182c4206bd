/**
 * The COSE algorithms suitrig signs and MACs with (RFC 9053, IANA "COSE Algorithms";
 * draft-ietf-suit-mti profiles): ES256 -7 and ESP256 -9 (ECDSA P-256 + SHA-256), EdDSA -8 and
 * Ed25519 -19 (pure Ed25519), HMAC 256/256 5 (COSE_Mac0), HSS-LMS -46 (RFC 9708; stateful keys,
 * host/keys/hss.ts). `--alg-id` names them in lower case.
 */
import type { KeyFamily, SigningKey } from '../keys/types.js';

export interface CoseAlgorithm {
  /** COSE algorithm identifier. */
  id: number;
  /** IANA name. */
  name: string;
  /** The `--alg-id` spelling. */
  option: string;
  family: KeyFamily;
  /** COSE_Sign1 (signature) or COSE_Mac0 (MAC). */
  structure: 'sign1' | 'mac0';
}

export const COSE_ALGORITHMS: readonly CoseAlgorithm[] = [
  { id: -7, name: 'ES256', option: 'es256', family: 'p256', structure: 'sign1' },
  { id: -9, name: 'ESP256', option: 'esp256', family: 'p256', structure: 'sign1' },
  { id: -8, name: 'EdDSA', option: 'eddsa', family: 'ed25519', structure: 'sign1' },
  { id: -19, name: 'Ed25519', option: 'ed25519', family: 'ed25519', structure: 'sign1' },
  { id: 5, name: 'HMAC 256/256', option: 'hmac256', family: 'hmac', structure: 'mac0' },
  { id: -46, name: 'HSS-LMS', option: 'hss-lms', family: 'hss-lms', structure: 'sign1' },
];

/** Default per key family: the ids the IETF examples and most deployed SUIT processors use. */
const DEFAULT_FOR: Record<KeyFamily, number> = { p256: -7, ed25519: -8, hmac: 5, 'hss-lms': -46 };

const FAMILY_TEXT: Record<KeyFamily, string> = {
  p256: 'an ECDSA P-256 key',
  ed25519: 'an Ed25519 key',
  hmac: 'a symmetric (HMAC) key',
  'hss-lms': 'an HSS-LMS key',
};

export class AlgorithmError extends Error {
  override name = 'AlgorithmError';
}

export function algorithmById(id: number): CoseAlgorithm | undefined {
  return COSE_ALGORITHMS.find((a) => a.id === id);
}

/** Name for display: the IANA name, or `unknown` (callers show the number next to it). */
export function algorithmName(id: unknown): string {
  if (typeof id !== 'number') return 'unknown';
  return algorithmById(id)?.name ?? 'unknown';
}

/** The algorithm to use with `key`: `option` (an `--alg-id` value) if given, else the family default. */
export function resolveAlgorithm(key: SigningKey, option?: string): CoseAlgorithm {
  if (option === undefined) return algorithmById(DEFAULT_FOR[key.family])!;
  const alg = COSE_ALGORITHMS.find((a) => a.option === option.toLowerCase());
  if (!alg) throw new AlgorithmError(`--alg-id ${option}: unknown algorithm; expected one of ${COSE_ALGORITHMS.map((a) => a.option).join(', ')}`);
  if (alg.family !== key.family) {
    throw new AlgorithmError(`--alg-id ${option} needs ${FAMILY_TEXT[alg.family]}, but the key is ${FAMILY_TEXT[key.family]}`);
  }
  return alg;
}

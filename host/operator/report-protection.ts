/**
 * Protected SUIT_Reports (draft-ietf-suit-report §6 "SUIT_Report Container"): the report as the
 * sole, attached payload of a COSE_Sign1_Tagged (the board's signing key) or COSE_Mac0_Tagged (a
 * key the board shares with its operator), in the SUIT COSE profiles' algorithms (ES256 /
 * ESP256, EdDSA / Ed25519, HMAC 256/256). `protectReport` is the board's side (the virtual
 * board signs with it), `openProtectedReport` the operator's: it checks the structure, and the
 * signature or MAC when given the board's key, and says which it could check.
 */
import { createAttachedMessage, macStructure, sigStructure, type Signer } from '../cose/index.js';
import type { VerificationKey } from '../keys/index.js';
import { decodeCbor, Tag } from '../suit/cbor/decode.js';
import { algorithmName, verifyCose } from '../verifier/index.js';
import { ReportFormatError } from './suit-report.js';

/** The encoded COSE_Sign1_Tagged / COSE_Mac0_Tagged carrying `report` (SUIT_Report CBOR). */
export function protectReport(report: Uint8Array, signer: Signer): Uint8Array {
  return createAttachedMessage(signer, report);
}

export interface OpenedReport {
  structure: 'COSE_Sign1' | 'COSE_Mac0';
  alg: number;
  algName: string;
  /** The key id the board put in the unprotected header, if any (a hint, not checked). */
  kid?: Uint8Array;
  /** The SUIT_Report it carries. */
  report: Uint8Array;
  /** verified: by the key given; failed: the key given does not verify it; unchecked: no key given. */
  check: 'verified' | 'failed' | 'unchecked';
}

function fail(what: string): never {
  throw new ReportFormatError(`protected SUIT report: ${what}`);
}

/** Opens a protected report; throws ReportFormatError when it is not one. */
export function openProtectedReport(bytes: Uint8Array, key?: VerificationKey): OpenedReport {
  let v: unknown;
  try {
    v = decodeCbor(bytes, 'protected SUIT report');
  } catch (e) {
    fail(`not CBOR (${(e as Error).message})`);
  }
  if (!(v instanceof Tag) || (v.tag !== 18 && v.tag !== 17)) fail('not a COSE_Sign1_Tagged (18) or COSE_Mac0_Tagged (17)');
  const mac = v.tag === 17;
  const a = v.value as unknown;
  if (!Array.isArray(a) || a.length !== 4) fail('not a 4-element COSE array');
  const [prot, unprot, payload, sig] = a as unknown[];
  if (!(prot instanceof Uint8Array) || !(unprot instanceof Map) || !(sig instanceof Uint8Array)) fail('headers or signature of the wrong type');
  if (!(payload instanceof Uint8Array)) fail('the SUIT_Report must be the attached payload (a byte string), not detached');
  const hdr = prot.length === 0 ? new Map() : decodeCbor(prot, 'protected header');
  if (!(hdr instanceof Map)) fail('the protected header is not a map');
  if (hdr.has(2)) fail('critical header parameters (crit) are not understood');
  const alg = hdr.get(1);
  if (typeof alg !== 'number') fail('no algorithm in the protected header');
  const kid = unprot.get(4);
  let check: OpenedReport['check'] = 'unchecked';
  if (key) {
    const tbs = mac ? macStructure(prot, payload) : sigStructure(prot, payload);
    check = verifyCose(key, alg, tbs, sig) ? 'verified' : 'failed';
  }
  return {
    structure: mac ? 'COSE_Mac0' : 'COSE_Sign1',
    alg,
    algName: algorithmName(alg),
    ...(kid instanceof Uint8Array ? { kid } : {}),
    report: payload,
    check,
  };
}

/**
 * Names of the core's result codes (assembly/codes.ts; a test keeps the two in step):
 * SUIT_Report reasons of draft-ietf-suit-report §4.2 (IANA "SUIT_Report Reasons", 0..12) and
 * suitrig's detail codes, which say which check failed (reported as suit-report-result-code).
 */

/** draft-ietf-suit-report SUIT_Report_Reasons, indexed by code. */
export const REASON_NAMES = [
  'ok',
  'cbor-parse',
  'cose-unsupported',
  'alg-unsupported',
  'unauthorised',
  'command-unsupported',
  'component-unsupported',
  'component-unauthorised',
  'parameter-unsupported',
  'severing-unsupported',
  'condition-failed',
  'operation-failed',
  'invoke-pending',
] as const;

export type ReasonName = (typeof REASON_NAMES)[number];

export function reasonName(code: number): ReasonName {
  const n = REASON_NAMES[code];
  if (n === undefined) throw new RangeError(`unknown SUIT_Report reason code ${code}`);
  return n;
}

export function reasonCode(name: ReasonName): number {
  return REASON_NAMES.indexOf(name);
}

/** Detail code -> [name, what it means]. */
export const DETAILS: Readonly<Record<number, readonly [string, string]>> = {
  0: ['none', 'no error'],
  1: ['truncated', 'the CBOR ends before the item does'],
  2: ['trailing-bytes', 'bytes follow the item'],
  3: ['reserved-encoding', 'reserved CBOR additional information or simple value'],
  4: ['wrong-type', 'a CBOR item of the wrong type'],
  5: ['too-deep', 'CBOR nesting deeper than the core allows'],
  6: ['limit', 'a count or length above the core\'s fixed limits'],
  7: ['map-order', 'map keys not in deterministic order, or duplicated'],
  8: ['indefinite-length', 'an indefinite-length string where exact bytes are needed'],
  9: ['value-range', 'a value out of range (e.g. a UUID that is not 16 bytes)'],
  20: ['not-an-envelope', 'not a SUIT_Envelope (tag 107 or an untagged map)'],
  21: ['no-authentication', 'the envelope has no authentication wrapper'],
  22: ['no-manifest', 'the envelope has no manifest'],
  23: ['auth-after-manifest', 'the authentication wrapper comes after the manifest'],
  24: ['region-full', 'the non-payload members exceed the core\'s 64 KiB envelope region'],
  25: ['member-type', 'an envelope member that is not a byte string'],
  30: ['digest-algorithm', 'the SUIT_Digest algorithm is not SHA-256 (-16)'],
  31: ['digest-mismatch', 'the manifest does not match the SUIT_Digest of the authentication wrapper'],
  32: ['no-signature', 'the authentication wrapper holds no signature or MAC'],
  33: ['not-trusted', 'no signature or MAC verified with a trusted key'],
  34: ['required-role-missing', 'a role the policy requires has no verified signature'],
  35: ['cose-structure', 'an unsupported COSE structure'],
  36: ['cose-header', 'an unsupported COSE header (crit, missing or repeated alg, attached payload)'],
  37: ['signature-algorithm', 'no signature uses a supported algorithm'],
  38: ['severable-digest-mismatch', 'a severable member does not match its digest in the manifest'],
  39: ['unexpected-member', 'an envelope member that the manifest holds no digest for'],
  50: ['manifest-version', 'the manifest version is not 1'],
  51: ['missing-field', 'a required manifest field is missing'],
  52: ['unknown-member', 'an unknown manifest or common member'],
  53: ['rollback', 'the sequence number is lower than the stored one'],
  54: ['unknown-command', 'a command this processor does not implement'],
  55: ['unknown-parameter', 'a parameter this processor does not implement'],
  56: ['bad-argument', 'a command argument or parameter of the wrong form'],
  57: ['component-index', 'a component index outside the manifest\'s components'],
  58: ['needs-component-index', 'more than one component and a sequence not starting with set-component-index'],
  59: ['shared-sequence-command', 'a command not allowed in the shared sequence'],
  60: ['severed', 'the sequence to run was severed from the envelope'],
  70: ['vendor-identifier', 'condition vendor-identifier failed'],
  71: ['class-identifier', 'condition class-identifier failed'],
  72: ['device-identifier', 'condition device-identifier failed'],
  73: ['image-match', 'condition image-match failed (digest or size of the component)'],
  74: ['component-slot', 'condition component-slot failed'],
  75: ['check-content', 'condition check-content failed'],
  76: ['abort', 'condition abort'],
  77: ['use-before', 'condition use-before failed'],
  78: ['image-not-match', 'condition image-not-match failed'],
  79: ['minimum-battery', 'condition minimum-battery failed'],
  80: ['update-authorized', 'condition update-authorized failed'],
  81: ['version', 'condition version failed'],
  82: ['is-dependency', 'condition is-dependency failed'],
  83: ['try-each', 'every alternative of try-each failed'],
  84: ['parameter-missing', 'a directive needs a parameter that is not set'],
  85: ['soft-failure-outside', 'soft-failure set outside try-each or run-sequence'],
  86: ['component-unknown', 'the platform has no such component'],
  87: ['fetch-failed', 'the payload could not be fetched'],
  88: ['size-mismatch', 'the payload size differs from image-size'],
  89: ['write-failed', 'writing the component failed'],
  90: ['copy-failed', 'copy failed'],
  91: ['swap-failed', 'swap failed'],
  92: ['invoke-failed', 'invoke failed'],
  93: ['unlink-failed', 'unlink failed'],
  94: ['wait-failed', 'wait failed'],
  95: ['read-failed', 'reading the component failed'],
  96: ['dependency-integrity', 'the dependency does not authenticate or does not match its digest'],
  97: ['dependency-not-checked', 'process-dependency on a dependency whose digest nothing checked (no image-digest set)'],
  98: ['dependency-depth', 'dependencies nested deeper than three levels below the root'],
  99: ['encryption-info', 'suit-parameter-encryption-info is not a COSE_Encrypt with a detached payload and the fields this device reads'],
  100: ['call-order', 'a core export was called in the wrong state'],
  101: ['too-many-frames', 'try-each / run-sequence / dependencies nested too deep'],
  102: ['strict-order', 'with strict-order false: a component both target and source, or a run-sequence changing the component index'],
  103: ['delegation-malformed', 'the suit-delegation member is not a list of CWT chains'],
  110: ['decryption-failed', 'the decrypted payload does not authenticate (AES-GCM tag mismatch)'],
  111: ['no-decryption-key', 'none of the device\'s keys opens a recipient of the encryption info'],
  112: ['encryption-algorithm', 'an encryption or key-distribution algorithm the device does not implement'],
};

export function detailName(code: number): string {
  return DETAILS[code]?.[0] ?? `detail-${code}`;
}

export function detailText(code: number): string {
  return DETAILS[code]?.[1] ?? `detail code ${code}`;
}

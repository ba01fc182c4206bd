/**
 * Result codes of the core. Every failure is a (reason, detail) pair:
 *  - reason: the SUIT_Report reason of draft-ietf-suit-report §4.2 / IANA "SUIT_Report Reasons"
 *    (0 ok ... 12 invoke-pending), what interoperable tools compare;
 *  - detail: suitrig's own finer code (reported as suit-report-result-code), which names the
 *    exact check that failed. host/verifier/reasons.ts holds the names of both; keep in sync.
 */

// draft-ietf-suit-report, SUIT_Report_Reasons
export const R_OK: i32 = 0;
export const R_CBOR_PARSE: i32 = 1;
export const R_COSE_UNSUPPORTED: i32 = 2;
export const R_ALG_UNSUPPORTED: i32 = 3;
export const R_UNAUTHORISED: i32 = 4;
export const R_COMMAND_UNSUPPORTED: i32 = 5;
export const R_COMPONENT_UNSUPPORTED: i32 = 6;
export const R_COMPONENT_UNAUTHORISED: i32 = 7;
export const R_PARAMETER_UNSUPPORTED: i32 = 8;
export const R_SEVERING_UNSUPPORTED: i32 = 9;
export const R_CONDITION_FAILED: i32 = 10;
export const R_OPERATION_FAILED: i32 = 11;
export const R_INVOKE_PENDING: i32 = 12;

// Details. Each names one check; the reason it maps to is given where it is raised.
export const D_NONE: i32 = 0;
// CBOR (reason cbor-parse)
export const D_TRUNCATED: i32 = 1;
export const D_TRAILING: i32 = 2;
export const D_RESERVED: i32 = 3; // reserved additional information / bad simple value
export const D_TYPE: i32 = 4; // an item of the wrong major type
export const D_DEPTH: i32 = 5; // nesting deeper than MAX_DEPTH
export const D_LIMIT: i32 = 6; // a count or length above the core's fixed limits
export const D_ORDER: i32 = 7; // map keys not in deterministic order, or duplicated
export const D_INDEFINITE: i32 = 8; // indefinite length where a byte-exact encoding is needed
export const D_VALUE: i32 = 9; // value out of range (e.g. UUID not 16 bytes)
// Envelope
export const D_NOT_ENVELOPE: i32 = 20;
export const D_NO_AUTH: i32 = 21;
export const D_NO_MANIFEST: i32 = 22;
export const D_AUTH_AFTER_MANIFEST: i32 = 23;
export const D_REGION_FULL: i32 = 24;
export const D_MEMBER_TYPE: i32 = 25; // an envelope member that is not a bstr
// Authentication
export const D_DIGEST_ALG: i32 = 30;
export const D_DIGEST_MISMATCH: i32 = 31;
export const D_NO_SIGNATURE: i32 = 32;
export const D_NOT_TRUSTED: i32 = 33; // no signature verified with a trusted key
export const D_ROLE_MISSING: i32 = 34; // a required role did not sign
export const D_COSE_STRUCTURE: i32 = 35; // unsupported COSE structure (COSE_Mac, unknown tag)
export const D_COSE_HEADER: i32 = 36; // crit, duplicate or missing alg, attached payload
export const D_SIG_ALG: i32 = 37;
export const D_SEVERABLE_MISMATCH: i32 = 38;
export const D_UNEXPECTED_MEMBER: i32 = 39; // envelope member the manifest holds no digest for
// Manifest
export const D_VERSION: i32 = 50;
export const D_MISSING_FIELD: i32 = 51;
export const D_UNKNOWN_MEMBER: i32 = 52;
export const D_ROLLBACK: i32 = 53;
export const D_UNKNOWN_COMMAND: i32 = 54;
export const D_UNKNOWN_PARAMETER: i32 = 55;
export const D_BAD_ARGUMENT: i32 = 56;
export const D_INDEX_RANGE: i32 = 57;
export const D_NEEDS_INDEX: i32 = 58; // >1 component and a sequence not starting with set-component-index
export const D_SHARED_COMMAND: i32 = 59; // command not allowed in the shared sequence
export const D_SEVERED: i32 = 60; // a sequence to run was severed and is absent
// Processing
export const D_COND_VENDOR: i32 = 70;
export const D_COND_CLASS: i32 = 71;
export const D_COND_DEVICE: i32 = 72;
export const D_COND_IMAGE: i32 = 73;
export const D_COND_SLOT: i32 = 74;
export const D_COND_CONTENT: i32 = 75;
export const D_COND_ABORT: i32 = 76;
export const D_COND_USE_BEFORE: i32 = 77;
export const D_COND_NOT_MATCH: i32 = 78;
export const D_COND_BATTERY: i32 = 79;
export const D_COND_AUTHORIZED: i32 = 80;
export const D_COND_VERSION: i32 = 81;
export const D_COND_DEPENDENCY: i32 = 82; // is-dependency
export const D_TRY_EACH: i32 = 83; // every alternative failed
export const D_PARAM_MISSING: i32 = 84;
export const D_SOFT_FAILURE: i32 = 85; // soft-failure set outside try-each / run-sequence
export const D_COMPONENT: i32 = 86; // platform has no such component
export const D_FETCH: i32 = 87;
export const D_SIZE: i32 = 88;
export const D_WRITE: i32 = 89;
export const D_COPY: i32 = 90;
export const D_SWAP: i32 = 91;
export const D_INVOKE: i32 = 92;
export const D_UNLINK: i32 = 93;
export const D_WAIT: i32 = 94;
export const D_READ: i32 = 95;
export const D_DEP_INTEGRITY: i32 = 96;
export const D_DEP_NOT_CHECKED: i32 = 97;
export const D_DEP_DEPTH: i32 = 98;
export const D_ENC_INFO: i32 = 99; // suit-parameter-encryption-info is not a COSE_Encrypt this core reads
export const D_STATE: i32 = 100; // an export called in the wrong state
export const D_FRAMES: i32 = 101; // nesting of try-each / run-sequence too deep
export const D_STRICT_ORDER: i32 = 102; // what strict-order false forbids (§6.7)
export const D_DELEGATION: i32 = 103; // a suit-delegation member that is not [+ [+ CWT]]
// Payload decryption (draft-ietf-suit-firmware-encryption; decrypt.ts)
export const D_DECRYPT: i32 = 110; // the AES-GCM tag of the payload does not verify
export const D_NO_KEY: i32 = 111; // no recipient's key could be unwrapped with the device's keys
export const D_ENC_ALG: i32 = 112; // a content or key-distribution algorithm the core does not do

/** The SUIT_Report reason a detail is reported under. */
export function reasonOf(d: i32): i32 {
  if (d == D_NONE) return R_OK;
  if (d < 20 || d == D_NOT_ENVELOPE || d == D_REGION_FULL || d == D_MEMBER_TYPE || d == D_NO_MANIFEST) return R_CBOR_PARSE;
  switch (d) {
    case D_NO_AUTH: case D_DIGEST_MISMATCH: case D_NO_SIGNATURE: case D_NOT_TRUSTED: case D_ROLE_MISSING:
    case D_SEVERABLE_MISMATCH: case D_UNEXPECTED_MEMBER: case D_DEP_INTEGRITY:
      return R_UNAUTHORISED;
    case D_AUTH_AFTER_MANIFEST: return R_CBOR_PARSE;
    case D_DIGEST_ALG: case D_SIG_ALG: return R_ALG_UNSUPPORTED;
    case D_COSE_STRUCTURE: case D_COSE_HEADER: case D_DELEGATION: return R_COSE_UNSUPPORTED;
    case D_UNKNOWN_COMMAND: case D_SHARED_COMMAND: case D_DEP_DEPTH: return R_COMMAND_UNSUPPORTED;
    case D_UNKNOWN_PARAMETER: return R_PARAMETER_UNSUPPORTED;
    case D_ENC_INFO: return R_COSE_UNSUPPORTED;
    case D_ENC_ALG: return R_ALG_UNSUPPORTED;
    case D_INDEX_RANGE: case D_COMPONENT: return R_COMPONENT_UNSUPPORTED;
    case D_SEVERED: return R_SEVERING_UNSUPPORTED;
    case D_ROLLBACK: case D_TRY_EACH: return R_CONDITION_FAILED;
    case D_STRICT_ORDER: return R_OPERATION_FAILED;
    case D_VERSION: case D_MISSING_FIELD: case D_UNKNOWN_MEMBER: case D_BAD_ARGUMENT: case D_NEEDS_INDEX:
    case D_FRAMES:
      return R_CBOR_PARSE;
  }
  if (d >= D_COND_VENDOR && d <= D_COND_DEPENDENCY) return R_CONDITION_FAILED;
  return R_OPERATION_FAILED;
}

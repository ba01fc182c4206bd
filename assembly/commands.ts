/**
 * SUIT command and parameter codes with the argument each takes: draft-ietf-suit-manifest-37
 * §8.4.9-8.4.10 and IANA "SUIT Commands" / "SUIT Parameters", extended by trust-domains-11 §6
 * (7, 8, 11, 19, 33) and update-management-14 §4-5 (4, 25-29, 34, 35). LABELS.md is the map.
 */

// Conditions (argument: reporting policy)
export const C_VENDOR: i32 = 1;
export const C_CLASS: i32 = 2;
export const C_IMAGE_MATCH: i32 = 3;
export const C_USE_BEFORE: i32 = 4;
export const C_SLOT: i32 = 5;
export const C_CHECK_CONTENT: i32 = 6;
export const C_DEP_INTEGRITY: i32 = 7;
export const C_IS_DEPENDENCY: i32 = 8;
export const C_ABORT: i32 = 14;
export const C_DEVICE: i32 = 24;
export const C_IMAGE_NOT_MATCH: i32 = 25;
export const C_BATTERY: i32 = 26;
export const C_AUTHORIZED: i32 = 27;
export const C_VERSION: i32 = 28;
// Directives
export const D_PROCESS_DEPENDENCY: i32 = 11;
export const D_SET_INDEX: i32 = 12;
export const D_TRY_EACH: i32 = 15;
export const D_WRITE: i32 = 18;
export const D_SET_PARAMS: i32 = 19;
export const D_OVERRIDE_PARAMS: i32 = 20;
export const D_FETCH: i32 = 21;
export const D_COPY: i32 = 22;
export const D_INVOKE: i32 = 23;
export const D_WAIT: i32 = 29;
export const D_SWAP: i32 = 31;
export const D_RUN_SEQUENCE: i32 = 32;
export const D_UNLINK: i32 = 33;
export const D_OVERRIDE_MULTIPLE: i32 = 34;
export const D_COPY_PARAMS: i32 = 35;

/** What a command's argument is. */
export const A_NONE: i32 = 0; // unknown command
export const A_POLICY_COND: i32 = 1; // condition, reporting policy
export const A_POLICY_DIR: i32 = 2; // directive, reporting policy
export const A_INDEX: i32 = 3;
export const A_TRY_EACH: i32 = 4;
export const A_PARAMS: i32 = 5;
export const A_SEQUENCE: i32 = 6;
export const A_MULTI: i32 = 7;
export const A_COPY_PARAMS: i32 = 8;

export function argKind(cmd: i64): i32 {
  if (cmd < 0 || cmd > 0xffff) return A_NONE; // custom (negative) commands: none implemented
  switch (<i32>cmd) {
    case C_VENDOR: case C_CLASS: case C_IMAGE_MATCH: case C_USE_BEFORE: case C_SLOT:
    case C_CHECK_CONTENT: case C_DEP_INTEGRITY: case C_IS_DEPENDENCY: case C_ABORT: case C_DEVICE:
    case C_IMAGE_NOT_MATCH: case C_BATTERY: case C_AUTHORIZED: case C_VERSION:
      return A_POLICY_COND;
    case D_PROCESS_DEPENDENCY: case D_WRITE: case D_FETCH: case D_COPY: case D_INVOKE: case D_WAIT:
    case D_SWAP: case D_UNLINK:
      return A_POLICY_DIR;
    case D_SET_INDEX: return A_INDEX;
    case D_TRY_EACH: return A_TRY_EACH;
    case D_SET_PARAMS: case D_OVERRIDE_PARAMS: return A_PARAMS;
    case D_RUN_SEQUENCE: return A_SEQUENCE;
    case D_OVERRIDE_MULTIPLE: return A_MULTI;
    case D_COPY_PARAMS: return A_COPY_PARAMS;
    default: return A_NONE;
  }
}

/** Commands allowed in the shared sequence (SUIT_Shared_Sequence: conditions and the
 *  parameter / flow commands without side effects outside the parameter table). */
export function sharedAllowed(kind: i32): bool {
  return kind == A_POLICY_COND || kind == A_INDEX || kind == A_TRY_EACH || kind == A_PARAMS ||
    kind == A_SEQUENCE || kind == A_MULTI || kind == A_COPY_PARAMS;
}

// Parameters
export const P_VENDOR: i32 = 1;
export const P_CLASS: i32 = 2;
export const P_DIGEST: i32 = 3;
export const P_USE_BEFORE: i32 = 4;
export const P_SLOT: i32 = 5;
export const P_STRICT_ORDER: i32 = 12;
export const P_SOFT_FAILURE: i32 = 13;
export const P_SIZE: i32 = 14;
export const P_CONTENT: i32 = 18;
export const P_ENCRYPTION_INFO: i32 = 19;
export const P_URI: i32 = 21;
export const P_SOURCE: i32 = 22;
export const P_INVOKE_ARGS: i32 = 23;
export const P_DEVICE: i32 = 24;
export const P_FETCH_ARGS: i32 = 25;
export const P_BATTERY: i32 = 26;
export const P_PRIORITY: i32 = 27;
export const P_VERSION: i32 = 28;
export const P_WAIT_INFO: i32 = 29;
export const P_METADATA: i32 = 30;

/** Value types of parameters. */
export const T_NONE: i32 = 0; // unknown parameter
export const T_VENDOR: i32 = 1; // UUID or tag 112 PEN
export const T_UUID: i32 = 2;
export const T_DIGEST: i32 = 3; // bstr .cbor SUIT_Digest
export const T_UINT: i32 = 4;
export const T_BOOL: i32 = 5;
export const T_BSTR: i32 = 6;
export const T_TSTR: i32 = 7;
export const T_INT: i32 = 8;
export const T_VERSION: i32 = 9; // bstr .cbor [type, [+int]]
export const T_CBOR_MAP: i32 = 10; // bstr .cbor map
export const T_CUSTOM: i32 = 11; // negative keys: int / bool / tstr / bstr

export function paramType(key: i64): i32 {
  if (key < 0) return T_CUSTOM;
  if (key > 0xffff) return T_NONE;
  switch (<i32>key) {
    case P_VENDOR: return T_VENDOR;
    case P_CLASS: case P_DEVICE: return T_UUID;
    case P_DIGEST: return T_DIGEST;
    case P_USE_BEFORE: case P_SLOT: case P_SIZE: case P_SOURCE: case P_BATTERY: return T_UINT;
    case P_STRICT_ORDER: case P_SOFT_FAILURE: return T_BOOL;
    case P_CONTENT: case P_ENCRYPTION_INFO: case P_INVOKE_ARGS: case P_FETCH_ARGS: return T_BSTR;
    case P_URI: return T_TSTR;
    case P_PRIORITY: return T_INT;
    case P_VERSION: return T_VERSION;
    case P_WAIT_INFO: case P_METADATA: return T_CBOR_MAP;
    default: return T_NONE;
  }
}

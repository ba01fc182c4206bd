/**
 * SMP error responses (notes/smp.md §1): the SMP-level form `{"rc": <mcumgr_err_t>, "rsn"?}`
 * (v1, and v2 errors not specific to a group) and the v2 group form
 * `{"err": {"group": g, "rc": r}}`. The client throws these when a board answers with an
 * error; server handlers throw them to answer with one. Names come from Zephyr's
 * `mcumgr_err_t`, `os_mgmt_err_code_t` and `img_mgmt_err_code_t`.
 */
import type { SmpMap } from './cbor.js';
import { commandName, groupName } from './ids.js';

/** mcumgr_err_t. */
export const MgmtErr = {
  EOK: 0,
  EUNKNOWN: 1,
  ENOMEM: 2,
  EINVAL: 3,
  ETIMEOUT: 4,
  ENOENT: 5,
  EBADSTATE: 6,
  EMSGSIZE: 7,
  ENOTSUP: 8,
  ECORRUPT: 9,
  EBUSY: 10,
  EACCESSDENIED: 11,
  UNSUPPORTED_TOO_OLD: 12,
  UNSUPPORTED_TOO_NEW: 13,
} as const;

const RC_TEXT: Record<number, string> = {
  0: 'EOK: success',
  1: 'EUNKNOWN: unknown error',
  2: 'ENOMEM: out of memory',
  3: 'EINVAL: invalid argument',
  4: 'ETIMEOUT: timed out',
  5: 'ENOENT: no such entry',
  6: 'EBADSTATE: bad state',
  7: 'EMSGSIZE: response too large',
  8: 'ENOTSUP: not supported',
  9: 'ECORRUPT: corrupt',
  10: 'EBUSY: busy',
  11: 'EACCESSDENIED: access denied',
  12: 'UNSUPPORTED_TOO_OLD: protocol version too old',
  13: 'UNSUPPORTED_TOO_NEW: protocol version too new',
};

/** os_mgmt_err_code_t. */
export const OsErr = { UNKNOWN: 1, INVALID_FORMAT: 2, QUERY_YIELDS_NO_ANSWER: 3, RTC_NOT_SET: 4, RTC_COMMAND_FAILED: 5 } as const;

/** img_mgmt_err_code_t. */
export const ImageErr = {
  UNKNOWN: 1,
  FLASH_CONFIG_QUERY_FAIL: 2,
  NO_IMAGE: 3,
  NO_TLVS: 4,
  INVALID_TLV: 5,
  TLV_MULTIPLE_HASHES_FOUND: 6,
  TLV_INVALID_SIZE: 7,
  HASH_NOT_FOUND: 8,
  NO_FREE_SLOT: 9,
  FLASH_OPEN_FAILED: 10,
  FLASH_READ_FAILED: 11,
  FLASH_WRITE_FAILED: 12,
  FLASH_ERASE_FAILED: 13,
  INVALID_SLOT: 14,
  NO_FREE_MEMORY: 15,
  FLASH_CONTEXT_ALREADY_SET: 16,
  FLASH_CONTEXT_NOT_SET: 17,
  FLASH_AREA_DEVICE_NULL: 18,
  INVALID_PAGE_OFFSET: 19,
  INVALID_OFFSET: 20,
  INVALID_LENGTH: 21,
  INVALID_IMAGE_HEADER: 22,
  INVALID_IMAGE_HEADER_MAGIC: 23,
  INVALID_HASH: 24,
  INVALID_FLASH_ADDRESS: 25,
  VERSION_GET_FAILED: 26,
  CURRENT_VERSION_IS_NEWER: 27,
  IMAGE_ALREADY_PENDING: 28,
  INVALID_IMAGE_VECTOR_TABLE: 29,
  INVALID_IMAGE_TOO_LARGE: 30,
  INVALID_IMAGE_DATA_OVERRUN: 31,
  IMAGE_CONFIRMATION_DENIED: 32,
  IMAGE_SETTING_TEST_TO_ACTIVE_DENIED: 33,
} as const;

const GROUP_ERR_NAMES: Record<number, Record<number, string>> = {
  0: invert(OsErr),
  1: invert(ImageErr),
};

function invert(o: Record<string, number>): Record<number, string> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [v, k]));
}

export function rcText(rc: number): string {
  return RC_TEXT[rc] ?? (rc >= 256 ? `user error ${rc}` : `unknown rc ${rc}`);
}

/** The name of group error `rc` (`QUERY_YIELDS_NO_ANSWER`), when the group's codes are known. */
export function groupErrName(group: number, rc: number): string | undefined {
  return GROUP_ERR_NAMES[group]?.[rc];
}

export function groupErrText(group: number, rc: number): string {
  const name = groupErrName(group, rc);
  return name ? `${groupName(group)} error ${rc} (${name})` : `${groupName(group)} error ${rc}`;
}

/** Where an error answer came from, for messages: `image/upload`. */
export interface SmpRequestRef {
  group: number;
  command: number;
}

function where(ref?: SmpRequestRef): string {
  return ref ? ` to ${commandName(ref.group, ref.command)}` : '';
}

/** Base of both error forms: the board answered, but with an error. */
export abstract class SmpErrorResponse extends Error {
  abstract readonly rc: number;
}

/** `{"rc": n, "rsn"?: text}`: an SMP-level error. */
export class SmpRcError extends SmpErrorResponse {
  override name = 'SmpRcError';
  constructor(
    readonly rc: number,
    readonly reason?: string,
    readonly request?: SmpRequestRef,
  ) {
    super(`board answered rc ${rc} (${rcText(rc)})${reason ? `: ${reason}` : ''}${where(request)}`);
  }
}

/** An error answer that is not one SMP defines (an `rc` that is not an integer, an `err` that is not a map of integers). */
export class SmpMalformedError extends SmpErrorResponse {
  override name = 'SmpMalformedError';
  readonly rc = MgmtErr.EUNKNOWN;
  constructor(what: string, request?: SmpRequestRef) {
    super(`board answered with ${what}${where(request)}, which is not an SMP error answer`);
  }
}

/** `{"err": {"group": g, "rc": n}}`: a group-specific error (SMP v2). */
export class SmpGroupError extends SmpErrorResponse {
  override name = 'SmpGroupError';
  constructor(
    readonly group: number,
    readonly rc: number,
    readonly request?: SmpRequestRef,
    /** A board's reason, sent as `rsn` when the error goes out in SMP v1's `rc` form (Zephyr's verbose errors). */
    readonly reason?: string,
  ) {
    super(`board answered ${groupErrText(group, rc)}${where(request)}`);
  }
}

function describeValue(v: unknown): string {
  if (v instanceof Uint8Array) return `a byte string of ${v.length} bytes`;
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  if (typeof v === 'string') return `the text ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}`;
  if (typeof v === 'object') return 'a map with other keys';
  return `${typeof v} ${String(v)}`;
}

/** The error a response body carries, or undefined when it reports success. */
export function responseError(body: SmpMap, request?: SmpRequestRef): SmpErrorResponse | undefined {
  const err = body['err'];
  if (err !== undefined) {
    if (err !== null && typeof err === 'object' && !Array.isArray(err) && !(err instanceof Uint8Array)) {
      const g = err['group'];
      const rc = err['rc'];
      if (Number.isSafeInteger(g) && Number.isSafeInteger(rc)) return rc === 0 ? undefined : new SmpGroupError(g as number, rc as number, request);
    }
    return new SmpMalformedError(`an "err" that is not {group, rc} integers (${describeValue(err)})`, request);
  }
  const rc = body['rc'];
  if (rc === undefined || rc === 0) return undefined;
  if (typeof rc !== 'number' || !Number.isSafeInteger(rc)) return new SmpMalformedError(`an "rc" that is not an integer (${describeValue(rc)})`, request);
  const rsn = body['rsn'];
  return new SmpRcError(rc, typeof rsn === 'string' ? rsn : undefined, request);
}

/** The body an error is answered with under SMP `version` (v1 has no group form). */
export function errorBody(e: SmpErrorResponse, version: 1 | 2, translateV1: (group: number, rc: number) => number): SmpMap {
  if (e instanceof SmpGroupError) {
    if (version === 2) return { err: { group: e.group, rc: e.rc } };
    return e.reason ? { rc: translateV1(e.group, e.rc), rsn: e.reason } : { rc: translateV1(e.group, e.rc) };
  }
  const rsn = (e as SmpRcError).reason;
  return rsn ? { rc: e.rc, rsn } : { rc: e.rc };
}

/** No answer within the deadline, after every retry. */
export class SmpTimeoutError extends Error {
  override name = 'SmpTimeoutError';
  constructor(
    message: string,
    readonly group: number,
    readonly command: number,
    readonly attempts: number,
  ) {
    super(message);
  }
}

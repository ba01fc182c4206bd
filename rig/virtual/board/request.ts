/**
 * Reading request fields on the board side: a missing or mistyped field is answered
 * `{"rc": 3, "rsn": ...}` (EINVAL with a reason, as Zephyr's verbose errors), never guessed.
 */
import type { SmpMap } from '../../../host/smp/cbor.js';
import { MgmtErr, SmpRcError } from '../../../host/smp/errors.js';

export function reqUint(body: SmpMap, key: string): number;
export function reqUint(body: SmpMap, key: string, optional: true): number | undefined;
export function reqUint(body: SmpMap, key: string, optional = false): number | undefined {
  const v = body[key];
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new SmpRcError(MgmtErr.EINVAL, `'${key}' must be an unsigned integer`);
  return v;
}

export function reqBytes(body: SmpMap, key: string): Uint8Array {
  const v = body[key];
  if (!(v instanceof Uint8Array)) throw new SmpRcError(MgmtErr.EINVAL, `'${key}' must be a byte string`);
  return v;
}

/**
 * Parameter storage (draft-ietf-suit-manifest-37 §6.4, §8.4.8): per manifest level and component,
 * one slot per parameter key 1..31 holding (ptr, len) of the value's CBOR encoding inside the
 * level's region. Values are decoded when a command consumes them, so storing costs nothing and
 * the table has a fixed size. Custom (negative) parameters are hints and are not stored.
 */
import { PARAMS, PARAM_TABLE_SIZE, MAX_PARAMS } from './layout';
import * as cbor from './cbor';

// @ts-ignore: decorator
@inline function slot(level: i32, comp: i32, key: i32): u32 {
  return PARAMS + <u32>level * PARAM_TABLE_SIZE + ((<u32>comp * <u32>MAX_PARAMS + <u32>key) << 3);
}

export function clearParams(level: i32): void {
  memory.fill(PARAMS + <u32>level * PARAM_TABLE_SIZE, 0, PARAM_TABLE_SIZE);
}

export function paramPtr(level: i32, comp: i32, key: i32): u32 {
  return load<u32>(slot(level, comp, key));
}

export function paramLen(level: i32, comp: i32, key: i32): u32 {
  return load<u32>(slot(level, comp, key), 4);
}

export function hasParam(level: i32, comp: i32, key: i32): bool {
  return paramPtr(level, comp, key) != 0;
}

/** Stores a value; with `ifUnset` (suit-directive-set-parameters) an existing value wins. */
export function setParam(level: i32, comp: i32, key: i32, ptr: u32, len: u32, ifUnset: bool): void {
  const s = slot(level, comp, key);
  if (ifUnset && load<u32>(s) != 0) return;
  store<u32>(s, ptr);
  store<u32>(s, len, 4);
}

export function copyParam(level: i32, dst: i32, src: i32, key: i32): void {
  const from = slot(level, src, key);
  if (load<u32>(from) == 0) return;
  setParam(level, dst, key, load<u32>(from), load<u32>(from, 4), false);
}

/** Positions the CBOR reader on a stored value; false when unset. */
export function readParam(level: i32, comp: i32, key: i32): bool {
  const p = paramPtr(level, comp, key);
  if (p == 0) return false;
  cbor.setInput(p, p + paramLen(level, comp, key));
  return true;
}

/** A uint / int parameter: value in cbor.vInt. */
export function paramInt(level: i32, comp: i32, key: i32): bool {
  return readParam(level, comp, key) && cbor.readInt();
}

/** A bstr / tstr parameter: cbor.vPtr, cbor.vLen. */
export function paramBytes(level: i32, comp: i32, key: i32, major: u32): bool {
  if (!readParam(level, comp, key)) return false;
  return major == cbor.MT_TSTR ? cbor.readTstr() : cbor.readBstr();
}

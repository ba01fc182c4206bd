/**
 * Parameter storage (draft-ietf-suit-manifest-37 §6.4, §8.4.8; trust-domains-11 §6.1, §6.2): one
 * table of MAX_PARAMS slots per component, each slot (ptr, len) of the value's CBOR encoding
 * inside the arena. Values are decoded when a command consumes them, so storing costs nothing and
 * the tables have a fixed size. Custom (negative) parameters are hints and are not stored.
 *
 * Parameters across manifests: a component that a dependency lists with the same (effective)
 * identifier as a component of one of its dependents is the same component, so both manifests use
 * one table (PARAM_MAP maps each level's component index to a table entry). That is how what a
 * dependent sets reaches its dependency (set-parameters in the dependent fills what the
 * dependency's set-parameters would only default; override-parameters wins either way), and how
 * "any changes made to Parameters by the Dependency persist in the dependent" (§6.1). Dependency
 * slots themselves are never shared. A value lives in its manifest's envelope bytes: when a later
 * dependency is loaded over them, values pointing there are forgotten (forgetFrom), so a
 * parameter is never read from bytes that changed meaning; it reads as unset instead.
 */
import { PARAMS, PARAM_ENTRY_SIZE, PARAM_MAP, MAX_COMPONENTS, MAX_PARAMS } from './layout';
import * as cbor from './cbor';

// @ts-ignore: decorator
@inline function entry(level: i32, comp: i32): u32 {
  return <u32>load<u8>(PARAM_MAP + <u32>(level * MAX_COMPONENTS + comp));
}

// @ts-ignore: decorator
@inline function slot(level: i32, comp: i32, key: i32): u32 {
  return PARAMS + entry(level, comp) * PARAM_ENTRY_SIZE + (<u32>key << 3);
}

/** The level's components get their own, empty tables. */
export function clearParams(level: i32): void {
  const first = <u32>(level * MAX_COMPONENTS);
  for (let i: u32 = 0; i < <u32>MAX_COMPONENTS; i++) store<u8>(PARAM_MAP + first + i, <u8>(first + i));
  memory.fill(PARAMS + first * PARAM_ENTRY_SIZE, 0, <u32>MAX_COMPONENTS * PARAM_ENTRY_SIZE);
}

/** Component `comp` of `level` uses the table of component `theirs` of the lower level `owner`. */
export function shareParams(level: i32, comp: i32, owner: i32, theirs: i32): void {
  store<u8>(PARAM_MAP + <u32>(level * MAX_COMPONENTS + comp), <u8>entry(owner, theirs));
}

/** Forgets every value in the tables of levels below `level` that lies at or after `addr`. */
export function forgetFrom(level: i32, addr: u32): void {
  const end = PARAMS + <u32>(level * MAX_COMPONENTS * MAX_PARAMS) * 8;
  for (let s = PARAMS; s < end; s += 8) {
    if (load<u32>(s) >= addr) store<u64>(s, 0);
  }
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

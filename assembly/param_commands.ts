/**
 * The commands that set parameters (draft-ietf-suit-manifest-37 §8.4.10.3 override-parameters,
 * trust-domains-11 §6.2 set-parameters, update-management-14 §5.7-5.8 override-multiple and
 * copy-params) for each selected component. soft-failure and strict-order are not component
 * parameters: soft-failure belongs to the enclosing sequence and may only be set inside try-each or
 * run-sequence (§8.4.8.14); strict-order is the processor's (§8.4.8.13, §6.7).
 */
import * as cbor from './cbor';
import * as c from './codes';
import * as k from './commands';
import * as prm from './params';
import { F_ALT, F_RUNSEQ, O_KIND, O_ARG, O_PC, compAt, level, selectSingle, setSoft } from './frames';
import { setStrictOrder } from './context';

/** Applies the SUIT_Parameters map at the cursor to component ci (override, or set-if-unset). */
function applyParams(f: u32, lvl: i32, ci: i32, ifUnset: bool): i32 {
  if (!cbor.readMap()) return c.D_BAD_ARGUMENT;
  let n = cbor.vCount;
  while (cbor.hasNext(n)) {
    if (n != cbor.INDEF) n--;
    if (!cbor.readInt()) return c.D_BAD_ARGUMENT;
    const key = cbor.vInt;
    const vp = cbor.rp;
    if (!cbor.skip()) return c.D_BAD_ARGUMENT;
    if (key == <i64>k.P_SOFT_FAILURE) {
      const kind = load<u8>(f + O_KIND);
      if (kind != F_ALT && kind != F_RUNSEQ) return c.D_SOFT_FAILURE;
      setSoft(f, load<u8>(vp) == 0xf5); // checked to be a bool by parseManifest
    } else if (key == <i64>k.P_STRICT_ORDER) {
      // A processor parameter, not a component's (§8.4.8): applies to what follows.
      setStrictOrder(load<u8>(vp) == 0xf5);
    } else if (key > 0 && key < 32) {
      prm.setParam(lvl, ci, <i32>key, vp, cbor.rp - vp, ifUnset);
    }
  }
  return cbor.rerr != 0 ? c.D_BAD_ARGUMENT : 0;
}

/** Commands 19, 20, 34, 35 of frame f. Returns 0 or a detail. */
export function paramCommand(f: u32, cmd: i32): i32 {
  const lvl = level(f);
  const a = load<u32>(f + O_ARG);
  const end = load<u32>(f + O_PC);
  if (cmd == k.D_OVERRIDE_MULTIPLE) {
    cbor.setInput(a, end);
    cbor.readMap();
    let n = cbor.vCount;
    let last: i32 = -1;
    while (cbor.hasNext(n)) {
      if (n != cbor.INDEF) n--;
      cbor.readU64();
      last = <i32>cbor.hArg;
      const d = applyParams(f, lvl, last, false);
      if (d != 0) return d;
    }
    // "The component index is set to the last component listed" (update-management §5.7).
    selectSingle(f, <u32>last);
    return 0;
  }
  let it: u32 = 0;
  for (let ci = compAt(f, 0); ci >= 0; ci = compAt(f, ++it)) {
    cbor.setInput(a, end);
    if (cmd != k.D_COPY_PARAMS) {
      const d = applyParams(f, lvl, ci, cmd == k.D_SET_PARAMS);
      if (d != 0) return d;
    } else {
      copyParams(lvl, ci);
    }
  }
  return 0;
}

/** copy-params {+ source index => [+ parameter key]} at the cursor, into component ci. */
function copyParams(lvl: i32, ci: i32): void {
  cbor.readMap();
  let n = cbor.vCount;
  while (cbor.hasNext(n)) {
    if (n != cbor.INDEF) n--;
    cbor.readU64();
    const src = <i32>cbor.hArg;
    cbor.readArray();
    let m = cbor.vCount;
    while (cbor.hasNext(m)) {
      if (m != cbor.INDEF) m--;
      cbor.readInt();
      if (cbor.vInt > 0 && cbor.vInt < 32) prm.copyParam(lvl, ci, src, <i32>cbor.vInt);
    }
  }
}

/**
 * Component identifiers across the manifest tree (draft-ietf-suit-trust-domains-11 §5.2.2).
 * A component's identifier is its SUIT_Component_Identifier in suit-components; a dependency
 * beyond that list is named by its suit-dependency-prefix (the trust-domains and TEEP examples
 * name where the dependency's envelope is stored that way), or by [] without one.
 *
 * The prefix's other use, "simply prepends the prefix to all Component Identifiers in the
 * Dependency", is a device policy (it is OPTIONAL for recipients, and the published examples
 * assume a device that does not: Example 0's invoke runs "cat 00 10" over the dependency's '00'
 * and the root's '10' side by side): with `prependPrefixes` set, the identifiers of a dependency's
 * components are the prefixes its dependents declared, outermost first, followed by its own.
 */
import { IDBUF, IDBUF_SIZE, MAX_LEVELS } from './layout';
import * as cbor from './cbor';
import { wBegin, wHead, wRaw, wp, wfull } from './cbor_write';
import { mx, X_NCOMP, X_COMPIDS, X_PREFIX, X_FROM } from './state';

export let prependPrefixes: bool = false;

export function setPrependPrefixes(v: bool): void {
  prependPrefixes = v;
}

/** The identifier read last: its encoding is [idPtr, idPtr + idLen); idLen 0 = too long. */
export let idPtr: u32 = 0;
export let idLen: u32 = 0;

/** The empty identifier []. */
const EMPTY: u32 = <u32>memory.data<u8>([0x80]);

/** The identifier of component ci at `level` as its manifest writes it (prefix or [] for an
 *  unlisted dependency); sets idPtr / idLen. */
function ownId(level: i32, ci: i32): void {
  const x = mx(level);
  let at = x + X_PREFIX + (<u32>ci << 3);
  if (<u32>ci < load<u32>(x + X_NCOMP)) at = x + X_COMPIDS + (<u32>ci << 3);
  idPtr = load<u32>(at);
  idLen = load<u32>(at + 4);
  if (idPtr == 0) {
    idPtr = EMPTY;
    idLen = 1;
  }
}

/** Elements of the identifier encoding [p, p+n): count (pass 0) or copy them out (pass 1). */
function elements(p: u32, n: u32, copy: bool): u32 {
  cbor.setInput(p, p + n);
  cbor.readArray();
  let left = cbor.vCount;
  let count: u32 = 0;
  while (cbor.hasNext(left)) {
    if (left != cbor.INDEF) left--;
    const at = cbor.rp;
    if (!cbor.readBstr()) break;
    if (copy) wRaw(at, cbor.rp - at);
    count++;
  }
  return count;
}

/** The prefixes the dependents of `level` declared for it (outermost first), then `own`. */
function scoped(level: i32, own: u32, ownLen: u32, copy: bool): u32 {
  let count: u32 = 0;
  for (let l = 1; l <= level && l < MAX_LEVELS; l++) {
    const from = load<i32>(mx(l) + X_FROM);
    const px = mx(l - 1) + X_PREFIX + (<u32>from << 3);
    if (from >= 0 && load<u32>(px) != 0) count += elements(load<u32>(px), load<u32>(px + 4), copy);
  }
  return count + elements(own, ownLen, copy);
}

/**
 * The effective identifier of component ci at `level` into idPtr / idLen: as written, or with
 * the dependents' prefixes prepended (policy). `buf` (0 or 1) chooses the buffer, so that two
 * identifiers can be held at once for a comparison.
 */
export function effectiveId(level: i32, ci: i32, buf: u32): void {
  ownId(level, ci);
  if (!prependPrefixes || level == 0) return;
  const own = idPtr;
  const ownLen = idLen;
  const dst = IDBUF + buf * IDBUF_SIZE;
  wBegin(dst, dst + IDBUF_SIZE);
  wHead(cbor.MT_ARRAY, <u64>scoped(level, own, ownLen, false));
  scoped(level, own, ownLen, true);
  idPtr = dst;
  idLen = wfull ? 0 : wp - dst;
}

/** Whether component a of level la and component b of level lb have the same effective
 *  identifier (and it is not too long to build). */
export function sameId(la: i32, a: i32, lb: i32, b: i32): bool {
  effectiveId(la, a, 0);
  const pa = idPtr;
  const na = idLen;
  effectiveId(lb, b, 1);
  return na != 0 && na == idLen && memory.compare(pa, idPtr, na) == 0;
}

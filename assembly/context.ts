/**
 * What one processor run shares between its modules: whether it is a dry run (no platform
 * effects; draft-ietf-suit-manifest-37 conditions that need a payload are "not evaluated"), the
 * outcome codes of one command on one component, and the SUIT_Record properties (report draft §3)
 * measured by the last command, built in SCRATCH.
 */
export const PASS: i32 = 0;
export const FAIL: i32 = 1;
export const NOT_EVALUATED: i32 = 2;

export let dry: bool = false;
/** Length of the CBOR SUIT_Parameters map at SCRATCH describing the last command (0: none). */
export let propsLen: u32 = 0;
/** Detail code of the last condition that failed. */
export let condDetail: i32 = 0;

/**
 * suit-parameter-strict-order (§8.4.8.13, §6.7). The core always executes in order, which false
 * permits; what false forbids is checked: a component that is both the target of an operation and
 * a source of data while it is false aborts the run.
 */
export let strictOrder: bool = true;
let targets: u32 = 0; // components written while strict-order was false (bit per index)
let sources: u32 = 0; // components read as a source while strict-order was false

export function setStrictOrder(v: bool): void {
  strictOrder = v;
  targets = 0;
  sources = 0;
}

/** Notes target / source components of an operation; false when one is both while unordered. */
export function orderAllows(target: i32, source: i32): bool {
  if (strictOrder) return true;
  if (target >= 0) targets |= <u32>1 << <u32>target;
  if (source >= 0) sources |= <u32>1 << <u32>source;
  return (targets & sources) == 0;
}

export function setDry(v: bool): void {
  dry = v;
}

export function setProps(n: u32): void {
  propsLen = n;
}

export function setCondDetail(d: i32): void {
  condDetail = d;
}

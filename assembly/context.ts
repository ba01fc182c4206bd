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

export function setDry(v: bool): void {
  dry = v;
}

export function setProps(n: u32): void {
  propsLen = n;
}

export function setCondDetail(d: i32): void {
  condDetail = d;
}

/**
 * Interpreter frames (layout.ts FRAMES): one per command sequence being executed - a top-level
 * section, a try-each alternative, a run-sequence argument, a dependency's sequence. A frame keeps
 * everything needed to stop and resume: program counter, the component index selection
 * (draft-ietf-suit-manifest-37 §6.5: an index, true, or a list), the soft-failure flag of its
 * sequence (§8.4.8.14), and the loop state of the command in progress.
 */
import { FRAMES, FRAME_SIZE, MAX_FRAMES } from './layout';
import * as cbor from './cbor';
import { validIndex } from './manifest';
import { mx, X_SPACE } from './state';

export const F_SECTION: u8 = 1; // a top-level sequence (shared or section) of the root manifest
export const F_DEP: u8 = 2; // a top-level sequence of the dependency
export const F_ALT: u8 = 3; // a try-each alternative
export const F_RUNSEQ: u8 = 4; // a run-sequence argument

export const O_KIND: u32 = 0; // u8
export const O_LEVEL: u32 = 1; // u8
export const O_FLAGS: u32 = 2; // u8 FL_*
export const O_INCMD: u32 = 3; // u8: a command is being executed
export const O_SECTION: u32 = 4; // i32 manifest key for records (3 = shared)
export const O_BASE: u32 = 8; // u32 start of the top-level sequence (offsets are relative to it)
export const O_PC: u32 = 12;
export const O_END: u32 = 16;
export const O_COUNT: u32 = 20; // pairs left, or INDEF
export const O_CMDPTR: u32 = 24;
export const O_CMD: u32 = 28; // i32
export const O_ARG: u32 = 32; // u32 start of the argument
export const O_ITER: u32 = 36; // u32 position in the component selection
export const O_ALT: u32 = 40; // u32 try-each: next alternative ptr; process-dependency: stage
export const O_ALTEND: u32 = 44; // u32 end of the try-each argument array
export const O_IDXMODE: u32 = 48; // u32 IDX_*
export const O_IDXVAL: u32 = 52; // u32 index, or list ptr
export const O_IDXEND: u32 = 56; // u32 list end
export const O_POLICY: u32 = 60; // u32 reporting policy of the current command

/** The sequence's soft-failure (manifest-37 §8.4.8.14). */
const FL_SOFT: u8 = 1;
/** A run-sequence argument started while strict-order was false (§6.7): it may not change the
 *  component index. */
const FL_UNORDERED: u8 = 2;

export const IDX_SINGLE: u32 = 0;
export const IDX_ALL: u32 = 1;
export const IDX_LIST: u32 = 2;

export let depth: i32 = 0;

// @ts-ignore: decorator
@inline export function top(): u32 {
  return FRAMES + <u32>(depth - 1) * FRAME_SIZE;
}

export function pop(): void {
  depth--;
}

export function clearFrames(): void {
  depth = 0;
}

export function level(f: u32): i32 {
  return <i32>load<u8>(f + O_LEVEL);
}

/** Byte offset of the current command in its top-level sequence (SUIT_Record section-offset). */
export function cmdOffset(f: u32): u32 {
  return load<u32>(f + O_CMDPTR) - load<u32>(f + O_BASE);
}

/** The frame's soft-failure flag. */
export function soft(f: u32): bool {
  return (load<u8>(f + O_FLAGS) & FL_SOFT) != 0;
}

export function setSoft(f: u32, v: bool): void {
  store<u8>(f + O_FLAGS, v ? load<u8>(f + O_FLAGS) | FL_SOFT : load<u8>(f + O_FLAGS) & ~FL_SOFT);
}

export function unordered(f: u32): bool {
  return (load<u8>(f + O_FLAGS) & FL_UNORDERED) != 0;
}

export function setUnordered(f: u32): void {
  store<u8>(f + O_FLAGS, load<u8>(f + O_FLAGS) | FL_UNORDERED);
}

/** Pushes a frame for the sequence [seq, seq+seqLen); false when nesting is too deep. */
export function push(kind: u8, lvl: i32, section: i32, base: u32, seq: u32, seqLen: u32, softFailure: bool, idxMode: u32, idxVal: u32): bool {
  if (depth >= MAX_FRAMES) return false;
  const f = FRAMES + <u32>depth * FRAME_SIZE;
  memory.fill(f, 0, FRAME_SIZE);
  store<u8>(f + O_KIND, kind);
  store<u8>(f + O_LEVEL, <u8>lvl);
  store<u8>(f + O_FLAGS, softFailure ? FL_SOFT : 0);
  store<i32>(f + O_SECTION, section);
  store<u32>(f + O_BASE, base);
  store<u32>(f + O_IDXMODE, idxMode);
  store<u32>(f + O_IDXVAL, idxVal);
  cbor.setInput(seq, seq + seqLen);
  if (!cbor.readArray()) return false; // checked by parseManifest; defensive
  store<u32>(f + O_PC, cbor.rp);
  store<u32>(f + O_END, seq + seqLen);
  store<u32>(f + O_COUNT, cbor.vCount);
  depth++;
  return true;
}

/** The k-th component index selected in frame f, or -1 past the end. */
export function compAt(f: u32, kk: u32): i32 {
  const mode = load<u32>(f + O_IDXMODE);
  const lvl = level(f);
  if (mode == IDX_SINGLE) return kk == 0 ? <i32>load<u32>(f + O_IDXVAL) : -1;
  if (mode == IDX_ALL) {
    // True: every component and dependency of the manifest, in index order (§6.5).
    const space = <i32>load<u32>(mx(lvl) + X_SPACE);
    let n: u32 = 0;
    for (let i = 0; i < space; i++) {
      if (!validIndex(lvl, <u64>i)) continue;
      if (n == kk) return i;
      n++;
    }
    return -1;
  }
  cbor.setInput(load<u32>(f + O_IDXVAL), load<u32>(f + O_IDXEND));
  if (!cbor.readArray()) return -1;
  let n = cbor.vCount;
  let i: u32 = 0;
  while (cbor.hasNext(n)) {
    if (n != cbor.INDEF) n--;
    if (!cbor.readU64()) return -1;
    if (i == kk) return <i32>cbor.hArg;
    i++;
  }
  return -1;
}

/** suit-directive-set-component-index: the argument of the frame's current command. */
export function setIndex(f: u32): void {
  const a = load<u32>(f + O_ARG);
  cbor.setInput(a, load<u32>(f + O_PC));
  const m = cbor.peekMajor();
  if (m == cbor.MT_SIMPLE) {
    store<u32>(f + O_IDXMODE, IDX_ALL);
  } else if (m == cbor.MT_ARRAY) {
    store<u32>(f + O_IDXMODE, IDX_LIST);
    store<u32>(f + O_IDXVAL, a);
    store<u32>(f + O_IDXEND, load<u32>(f + O_PC));
  } else {
    cbor.readU64();
    selectSingle(f, <u32>cbor.hArg);
  }
}

export function selectSingle(f: u32, index: u32): void {
  store<u32>(f + O_IDXMODE, IDX_SINGLE);
  store<u32>(f + O_IDXVAL, index);
}

/**
 * Component state of a run (layout.ts COMPS), per manifest level and component index: the
 * platform handle (opened on first use through component_open with the component's effective
 * identifier, ids.ts), flags, and the digest of the last image the core wrote to it (fetch / write
 * hash while writing, manifest-37 §8.4.10.4), which image-match then uses instead of reading the
 * image back. Any write to a platform component forgets what was known about every index, at
 * every level, that maps to it.
 */
import { COMPS, COMP_SIZE, MAX_COMPONENTS, MAX_LEVELS, IO, IO_SIZE, DIGEST_TMP } from './layout';
import { ctxAddr, shaInit, shaUpdate, shaFinal } from './sha256';
import * as p from './platform';
import { mx, X_DEPMASK } from './state';
import { effectiveId, idPtr, idLen } from './ids';

const C_HANDLE: u32 = 0; // i32, -2 not opened yet
const C_FLAGS: u32 = 4;
const C_LEN: u32 = 8; // u64 length of the cached digest's image
const C_DIGEST: u32 = 16; // 32 B

export const CF_CACHED: u32 = 1;
export const CF_INTEGRITY: u32 = 2; // its dependency digest was checked in this run

// @ts-ignore: decorator
@inline function comp(level: i32, i: i32): u32 {
  return COMPS + (<u32>level * <u32>MAX_COMPONENTS + <u32>i) * COMP_SIZE;
}

export function resetComponents(level: i32): void {
  for (let i = 0; i < MAX_COMPONENTS; i++) {
    const cs = comp(level, i);
    store<i32>(cs + C_HANDLE, -2);
    store<u32>(cs + C_FLAGS, 0);
  }
}

export function hasFlag(level: i32, ci: i32, flag: u32): bool {
  return (load<u32>(comp(level, ci) + C_FLAGS) & flag) != 0;
}

export function setFlag(level: i32, ci: i32, flag: u32): void {
  const cs = comp(level, ci);
  store<u32>(cs + C_FLAGS, load<u32>(cs + C_FLAGS) | flag);
}

export function isDependency(level: i32, ci: i32): bool {
  return ((load<u32>(mx(level) + X_DEPMASK) >> <u32>ci) & 1) != 0;
}

/** The platform handle of component ci at level, opened on first use; -1 if unsupported. */
export function handle(level: i32, ci: i32): i32 {
  const cs = comp(level, ci);
  let h = load<i32>(cs + C_HANDLE);
  if (h != -2) return h;
  effectiveId(level, ci, 0);
  h = idLen == 0 ? -1 : p.pOpen(idPtr, idLen, isDependency(level, ci) ? 1 : 0);
  if (h < -1) h = -1;
  store<i32>(cs + C_HANDLE, h);
  return h;
}

/** Component handle h is about to be written: digests cached for it, at any level, are dropped. */
export function markWritten(h: i32): void {
  for (let lvl = 0; lvl < MAX_LEVELS; lvl++) {
    for (let i = 0; i < MAX_COMPONENTS; i++) {
      const cs = comp(lvl, i);
      if (load<i32>(cs + C_HANDLE) == h) store<u32>(cs + C_FLAGS, load<u32>(cs + C_FLAGS) & ~(CF_CACHED | CF_INTEGRITY));
    }
  }
}

/** Remembers the digest (32 B at `digest`) of the `len`-byte image just written to ci. */
export function cacheDigest(level: i32, ci: i32, len: u64, digest: u32): void {
  const cs = comp(level, ci);
  store<u64>(cs + C_LEN, len);
  memory.copy(cs + C_DIGEST, digest, 32);
  setFlag(level, ci, CF_CACHED);
}

/** The cached digest, if any and for an image of `len` bytes (len < 0: any): into DIGEST_TMP. */
export function cachedDigest(level: i32, ci: i32, len: i64): i64 {
  const cs = comp(level, ci);
  if (!hasFlag(level, ci, CF_CACHED)) return -1;
  const have = load<u64>(cs + C_LEN);
  if (len >= 0 && <u64>len != have) return -1;
  memory.copy(DIGEST_TMP, cs + C_DIGEST, 32);
  return <i64>have;
}

/** SHA-256 of the first `len` bytes of component h into DIGEST_TMP; false if it holds fewer. */
export function hashComponent(h: i32, len: u64): bool {
  const ctx = ctxAddr(1);
  shaInit(ctx);
  let off: u64 = 0;
  while (off < len) {
    const want = <u32>min<u64>(<u64>IO_SIZE, len - off);
    const n = p.pRead(h, off, IO, want);
    if (n <= 0 || <u32>n > want) return false;
    shaUpdate(ctx, IO, <u32>n);
    off += <u64>n;
  }
  shaFinal(ctx, DIGEST_TMP);
  return true;
}

/** Platform handle of component i at level, -2 while never opened (for report records). */
export function knownHandle(level: i32, i: i32): i32 {
  return load<i32>(comp(level, i) + C_HANDLE);
}

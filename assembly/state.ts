/**
 * Per-level bookkeeping in STATE (layout.ts): the envelope member table and the manifest index
 * of the root envelope (level 0) and of the dependency envelope loaded at each nesting level
 * (1..MAX_LEVELS-1), with where its bytes lie in the arena.
 */
import { MEMBERS, MEMBER_SIZE, MAX_MEMBERS, MANIFESTS, MANIFEST_SIZE } from './layout';

// ---- envelope members (MEMBER_SIZE bytes each) ----
export const MK_INT: u32 = 1; // integer key: value kept in the level's region
export const MK_TEXT: u32 = 2; // text key: integrated payload, only its position is recorded

export const M_KIND: u32 = 0; // u32 MK_*
export const M_KEY: u32 = 4; // i32 integer key
export const M_TEXT: u32 = 8; // u32 ptr of the key text (region)
export const M_TEXT_LEN: u32 = 12; // u32
export const M_ENC: u32 = 16; // u32 ptr of the kept bstr encoding (head + content)
export const M_ENC_LEN: u32 = 20; // u32
export const M_OFFSET: u32 = 24; // u64 offset of the content within the envelope bytes

// @ts-ignore: decorator
@inline export function member(level: i32, i: i32): u32 {
  return MEMBERS + (<u32>level * <u32>MAX_MEMBERS + <u32>i) * MEMBER_SIZE;
}

// ---- manifest index (MANIFEST_SIZE bytes per level) ----
export const X_MEMBERS: u32 = 0; // u32 member count
export const X_REGION_USED: u32 = 4; // u32 bytes of the region in use
export const X_AUTH: u32 = 8; // i32 member index of key 2, -1
export const X_MANIFEST: u32 = 12; // i32 member index of key 3, -1
export const X_TOTAL: u32 = 16; // u64 envelope length
export const X_SEQ: u32 = 24; // u64 manifest sequence number
export const X_NCOMP: u32 = 32; // u32 components listed
export const X_DEPMASK: u32 = 36; // u32 bit i: component index i is a dependency
export const X_SPACE: u32 = 40; // u32 component index space (max valid index + 1)
export const X_SHARED: u32 = 44; // u32 ptr, u32 len of the shared sequence's array encoding
export const X_REFURI: u32 = 52; // u32 ptr, u32 len
export const X_DIGEST: u32 = 60; // 32 B manifest digest (SUIT_Digest bytes, SHA-256)
export const X_DIGEST_ENC: u32 = 92; // u32 ptr, u32 len: the encoded SUIT_Digest of auth[0]
export const X_SECTIONS: u32 = 100; // NSECT x (u32 ptr, u32 len, u32 state)
export const NSECT: i32 = 10;
export const X_COMPIDS: u32 = 220; // 16 x (u32 ptr, u32 len): encoded SUIT_Component_Identifier
export const X_PREFIX: u32 = 348; // 16 x (u32 ptr, u32 len): dependency prefix, 0 = none
export const X_MCID: u32 = 476; // u32 ptr, u32 len: manifest-component-id
export const X_VERSION_OK: u32 = 484; // u32 1 once the manifest passed all checks
export const X_DEP_ORDINAL: u32 = 488; // i32 ordinal of this dependency among its dependent's (report path)
export const X_SET_VERSION: u32 = 492; // u32 ptr, u32 len: set-version array encoding
export const X_REGION: u32 = 500; // u32 start of the level's share of the arena
export const X_REGION_END: u32 = 504; // u32 its end (exclusive)
export const X_FROM: u32 = 508; // i32 dependent's component index loaded here (levels >= 1), -1 none

/** Section states. */
export const SEC_ABSENT: u32 = 0;
export const SEC_PRESENT: u32 = 1; // bytes available at (ptr, len)
export const SEC_SEVERED: u32 = 2; // digest in the manifest, element not in the envelope

// @ts-ignore: decorator
@inline export function mx(level: i32): u32 {
  return MANIFESTS + <u32>level * MANIFEST_SIZE;
}

/** Manifest keys of the command sequences, in X_SECTIONS order. */
const SECTION_KEYS = memory.data<i32>([7, 8, 9, 15, 16, 18, 20, 24, 14, 23]);

export function sectionSlot(key: i32): i32 {
  for (let i = 0; i < NSECT; i++) if (load<i32>(SECTION_KEYS + (<u32>i << 2)) == key) return i;
  return -1;
}

export function sectionKey(slot: i32): i32 {
  return load<i32>(SECTION_KEYS + (<u32>slot << 2));
}

/** Member index with integer key `key` at `level`, or -1. */
export function findIntMember(level: i32, key: i32): i32 {
  const n = <i32>load<u32>(mx(level) + X_MEMBERS);
  for (let i = 0; i < n; i++) {
    const m = member(level, i);
    if (load<u32>(m + M_KIND) == MK_INT && load<i32>(m + M_KEY) == key) return i;
  }
  return -1;
}

/** Member index of the integrated payload whose key equals [p, p+n), or -1. */
export function findTextMember(level: i32, p: u32, n: u32): i32 {
  const count = <i32>load<u32>(mx(level) + X_MEMBERS);
  for (let i = 0; i < count; i++) {
    const m = member(level, i);
    if (load<u32>(m + M_KIND) != MK_TEXT || load<u32>(m + M_TEXT_LEN) != n) continue;
    if (memory.compare(load<u32>(m + M_TEXT), p, n) == 0) return i;
  }
  return -1;
}

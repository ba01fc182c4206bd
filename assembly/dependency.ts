/**
 * Dependencies (draft-ietf-suit-trust-domains-11 §5-6): a dependency is a whole SUIT_Envelope
 * held in a component of its dependent. The core reads it back from the platform in IO-window
 * chunks and scans it into the next level of the arena (layout.ts: one envelope per nesting
 * level, each after its dependent's, so the path from the root to the dependency being processed
 * is loaded at once, up to MAX_LEVELS deep); it authenticates it on its own (any one trusted
 * signature, §5.1, its own delegation chains included) and checks its manifest like the root's.
 * The digest that names a dependency is that of its bstr-wrapped manifest (§5.2).
 *
 * Also here: the manifest-id path of a level for SUIT_Records (report draft §3), the parameter
 * tables a dependency shares with its dependents (params.ts), and the dependencies already
 * processed in the current section, so that one shared by several dependents runs once (§6.1:
 * "When a Manifest Processor supports multiple independent Components, they may have shared
 * Dependencies").
 */
import { IO, IO_SIZE, DIGEST_TMP, MAX_LEVELS, PROCESSED, MAX_PROCESSED } from './layout';
import { sha256 } from './sha256';
import { ctEqual } from './ct';
import * as c from './codes';
import * as p from './platform';
import * as prm from './params';
import { parseManifest } from './manifest';
import { authenticate } from './auth';
import { scanBegin, scanFeed, scanEnd, scanErr } from './envelope';
import { handle, resetComponents, isDependency } from './components';
import { sameId } from './ids';
import { mx, member, X_DEPMASK, X_MANIFEST, X_DEP_ORDINAL, X_FROM, X_REGION, X_NCOMP, X_DIGEST, M_ENC, M_ENC_LEN } from './state';

/** Forgets the dependencies loaded at `level` and deeper (their bytes are about to change). */
export function forgetDependency(level: i32): void {
  for (let l = level; l < MAX_LEVELS; l++) store<i32>(mx(l) + X_FROM, -1);
}

/** The dependent's component index whose envelope is loaded at `level` (>= 1), or -1. */
export function loadedComponent(level: i32): i32 {
  return load<i32>(mx(level) + X_FROM);
}

/**
 * Manifest-id path of a level for SUIT_Records, as one number: -1 the root; else the level count
 * in bits 24-31 and the ordinal among its dependent's dependencies of the manifest at level 1 in
 * bits 16-23, level 2 in bits 8-15, level 3 in bits 0-7 (the host unpacks it).
 */
export function depPath(level: i32): i32 {
  if (level == 0) return -1;
  let code = level << 24;
  for (let l = 1; l <= level; l++) code |= load<i32>(mx(l) + X_DEP_ORDINAL) << (24 - 8 * l);
  return code;
}

/** Ordinal of dependency ci among the dependencies of `level` (SUIT_Record manifest-id). */
function ordinal(level: i32, ci: i32): i32 {
  const mask = load<u32>(mx(level) + X_DEPMASK);
  return <i32>popcnt<u32>(mask & ((<u32>1 << <u32>ci) - 1));
}

/** Scans the envelope held by component ci of `lvl` into level lvl + 1. Returns 0 or a detail. */
function scan(lvl: i32, ci: i32): i32 {
  const next = lvl + 1;
  if (next >= MAX_LEVELS) return c.D_DEP_DEPTH;
  forgetDependency(next);
  const h = handle(lvl, ci);
  if (h < 0) return c.D_COMPONENT;
  const size = p.pSize(h);
  if (size < 0) return c.D_DEP_INTEGRITY;
  scanBegin(next, <u64>size);
  // Values that deeper manifests set lived in the bytes about to be overwritten.
  prm.forgetFrom(next, load<u32>(mx(next) + X_REGION));
  let off: u64 = 0;
  while (off < <u64>size) {
    const want = <u32>min<u64>(<u64>IO_SIZE, <u64>size - off);
    const n = p.pRead(h, off, IO, want);
    if (n <= 0 || <u32>n > want) return c.D_READ;
    if (!scanFeed(IO, <u32>n)) return scanErr;
    off += <u64>n;
  }
  if (!scanEnd()) return scanErr;
  return 0;
}

/** Loads, authenticates and checks the dependency in component ci of `lvl` into lvl + 1. */
export function loadDependency(lvl: i32, ci: i32): i32 {
  const next = lvl + 1;
  if (next < MAX_LEVELS && loadedComponent(next) == ci) return 0;
  const d = scan(lvl, ci);
  if (d != 0) return d;
  if (authenticate(next, 0) != 0) return c.D_DEP_INTEGRITY;
  const m = parseManifest(next);
  if (m != 0) return m;
  store<i32>(mx(next) + X_DEP_ORDINAL, ordinal(lvl, ci));
  resetComponents(next);
  store<i32>(mx(next) + X_FROM, ci);
  return 0;
}

/** Digest of the bstr-wrapped manifest of the envelope in component ci of `lvl`, into DIGEST_TMP. */
export function dependencyDigest(lvl: i32, ci: i32): i32 {
  const d = scan(lvl, ci);
  if (d != 0) return d;
  const m = member(lvl + 1, load<i32>(mx(lvl + 1) + X_MANIFEST));
  sha256(load<u32>(m + M_ENC), load<u32>(m + M_ENC_LEN), DIGEST_TMP);
  return 0;
}

/**
 * The parameter tables of the dependency just loaded at `level`: a listed component with the same
 * effective identifier as a listed component of a dependent (the nearest one first) shares its
 * table; the others start empty.
 */
export function enterParams(level: i32): void {
  prm.clearParams(level);
  const n = <i32>load<u32>(mx(level) + X_NCOMP);
  for (let ci = 0; ci < n; ci++) {
    if (isDependency(level, ci)) continue;
    let found = false;
    for (let owner = level - 1; owner >= 0 && !found; owner--) {
      const m = <i32>load<u32>(mx(owner) + X_NCOMP);
      for (let cj = 0; cj < m && !found; cj++) {
        if (isDependency(owner, cj) || !sameId(level, ci, owner, cj)) continue;
        prm.shareParams(level, ci, owner, cj);
        found = true;
      }
    }
  }
}

// ---- dependencies processed in the current section ----
let processed: i32 = 0;

export function clearProcessed(): void {
  processed = 0;
}

/**
 * Whether the dependency loaded at `level` was already processed in this section (compared by
 * manifest digest); if not, it is noted. -1: the table is full (the section is refused).
 */
export function processedBefore(level: i32): i32 {
  const dg = mx(level) + X_DIGEST;
  for (let i = 0; i < processed; i++) if (ctEqual(PROCESSED + <u32>i * 32, dg, 32)) return 1;
  if (processed >= MAX_PROCESSED) return -1;
  memory.copy(PROCESSED + <u32>processed * 32, dg, 32);
  processed++;
  return 0;
}

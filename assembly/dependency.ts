/**
 * Dependencies (draft-ietf-suit-trust-domains-11 §5-6): a dependency is a whole SUIT_Envelope
 * held in a component of the root manifest. The core reads it back from the platform in IO-window
 * chunks and scans it into region 1 (one dependency at a time); it authenticates it on its own
 * (any one trusted signature, §5.1) and checks its manifest like the root's. The digest that
 * names a dependency is that of its bstr-wrapped manifest (§5.2).
 */
import { IO, IO_SIZE, DIGEST_TMP } from './layout';
import { sha256 } from './sha256';
import * as c from './codes';
import * as p from './platform';
import { parseManifest } from './manifest';
import { authenticate } from './auth';
import { scanBegin, scanFeed, scanEnd, scanErr } from './envelope';
import { handle, resetComponents } from './components';
import { mx, member, X_DEPMASK, X_MANIFEST, X_DEP_ORDINAL, M_ENC, M_ENC_LEN } from './state';

/** Root component index whose envelope is loaded and authenticated in region 1, or -1. */
let loaded: i32 = -1;

export function forgetDependency(): void {
  loaded = -1;
}

export function loadedComponent(): i32 {
  return loaded;
}

/** Manifest-id path of a level for SUIT_Records: -1 the root, else the dependency's ordinal. */
export function depPath(level: i32): i32 {
  return level == 0 ? -1 : load<i32>(mx(1) + X_DEP_ORDINAL);
}

/** Ordinal of the dependency loaded in level 1, -1 none. */
export function loadedOrdinal(): i32 {
  return loaded < 0 ? -1 : load<i32>(mx(1) + X_DEP_ORDINAL);
}

/** Ordinal of dependency ci among the root's dependencies (SUIT_Record manifest-id). */
function ordinal(ci: i32): i32 {
  const mask = load<u32>(mx(0) + X_DEPMASK);
  return <i32>popcnt<u32>(mask & ((<u32>1 << <u32>ci) - 1));
}

/** Scans the envelope held by root component ci into region 1. Returns 0 or a detail. */
function scan(ci: i32): i32 {
  loaded = -1;
  const h = handle(0, ci);
  if (h < 0) return c.D_COMPONENT;
  const size = p.pSize(h);
  if (size < 0) return c.D_DEP_INTEGRITY;
  scanBegin(1, <u64>size);
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

/** Loads, authenticates and checks the dependency in root component ci into level 1. */
export function loadDependency(ci: i32): i32 {
  if (loaded == ci) return 0;
  const d = scan(ci);
  if (d != 0) return d;
  if (authenticate(1, 0) != 0) return c.D_DEP_INTEGRITY;
  const m = parseManifest(1);
  if (m != 0) return m;
  store<i32>(mx(1) + X_DEP_ORDINAL, ordinal(ci));
  resetComponents(1);
  loaded = ci;
  return 0;
}

/** Digest of the bstr-wrapped manifest of the envelope in root component ci, into DIGEST_TMP. */
export function dependencyDigest(ci: i32): i32 {
  const d = scan(ci);
  if (d != 0) return d;
  const m = member(1, load<i32>(mx(1) + X_MANIFEST));
  sha256(load<u32>(m + M_ENC), load<u32>(m + M_ENC_LEN), DIGEST_TMP);
  return 0;
}

/**
 * Minimal CBOR writer for the few structures the core builds itself: COSE Sig_structure and
 * MAC_structure (RFC 9052 §4.4, §6.3) and the small SUIT_Parameters maps of report records.
 * Writes at `wp` and never past `wlim`; an overflow sets `wfull` and writes nothing more.
 */
export let wp: u32 = 0;
export let wlim: u32 = 0;
export let wfull: bool = false;

export function wBegin(p: u32, lim: u32): void {
  wp = p;
  wlim = lim;
  wfull = false;
}

function room(n: u32): bool {
  if (wfull || wlim - wp < n) {
    wfull = true;
    return false;
  }
  return true;
}

/** A head in its shortest form (RFC 8949 §4.2.1). */
export function wHead(major: u32, arg: u64): void {
  const mt = major << 5;
  if (arg < 24) {
    if (room(1)) store<u8>(wp++, <u8>(mt | <u32>arg));
  } else if (arg < 0x100) {
    if (!room(2)) return;
    store<u8>(wp, <u8>(mt | 24));
    store<u8>(wp + 1, <u8>arg);
    wp += 2;
  } else if (arg < 0x10000) {
    if (!room(3)) return;
    store<u8>(wp, <u8>(mt | 25));
    store<u16>(wp + 1, bswap<u16>(<u16>arg));
    wp += 3;
  } else if (arg < 0x100000000) {
    if (!room(5)) return;
    store<u8>(wp, <u8>(mt | 26));
    store<u32>(wp + 1, bswap<u32>(<u32>arg));
    wp += 5;
  } else {
    if (!room(9)) return;
    store<u8>(wp, <u8>(mt | 27));
    store<u64>(wp + 1, bswap<u64>(arg));
    wp += 9;
  }
}

export function wRaw(src: u32, n: u32): void {
  if (!room(n)) return;
  memory.copy(wp, src, n);
  wp += n;
}

/** A byte string (major 2) or text string (major 3) with content [src, src+n). */
export function wString(major: u32, src: u32, n: u32): void {
  wHead(major, <u64>n);
  wRaw(src, n);
}

export function wInt(v: i64): void {
  if (v >= 0) wHead(0, <u64>v);
  else wHead(1, <u64>(-1 - v));
}

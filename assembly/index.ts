/**
 * suitrig verifier core: SUIT envelope authentication, manifest checks and the command processor
 * (draft-ietf-suit-manifest-37 with trust-domains-11 and update-management-14), compiled to
 * build/verifier.wasm and shared by the host (host/verifier) and the virtual board.
 *
 * ## Memory (fixed; layout.ts)
 * 256 KiB of linear memory, initial = maximum, never grown; the module has no allocator
 * (runtime stub) and keeps all state in fixed regions:
 *   0x00000 static data (< 4 KiB) | 0x01000 scratch (COSE to-be-signed, records) |
 *   0x02000 state (hash contexts, policy, member tables, manifest index, parameter tables,
 *   interpreter frames, fetch request, HSS-LMS keys, AES tables and decryption state) |
 *   0x10000 arena (128 KiB): the root envelope's non-payload
 *   members (at most 64 KiB), then one dependency envelope per nesting level (up to 3 below the
 *   root), each after its dependent's | 0x30000 IO window (64 KiB).
 * Root envelopes whose non-payload members exceed 64 KiB, and dependencies that do not fit what
 * is left, are rejected (cbor-parse, region-full).
 *
 * ## Payloads never enter the core whole
 * The host streams the envelope through the IO window; the scan (envelope.ts) keeps the members
 * with integer keys in region 0 and records only (key, offset, length) of integrated payloads
 * (text keys). A fetch of a URI equal to such a key suspends like any other fetch, with the
 * request saying "integrated, at this offset": the host streams those bytes from its own copy
 * through fetch_data, and the core writes them to the component while hashing them. A
 * dependency's envelope is read back from its component into the arena in IO-window chunks.
 *
 * ## Exports (all take and return numbers; u64 crosses as BigInt)
 * Version and windows:
 *   abi_version() -> u32            2 for this ABI
 *   io_ptr() -> u32, io_size() -> u32   the host writes inputs here before a call
 * Streaming SHA-256 (its own context; independent of verification):
 *   sha_init(); sha_update(len) hashes io[0..len); sha_final() -> u32 ptr of the 32-byte digest
 * HSS-LMS alone (the check COSE alg -46 uses; for tests and the bench):
 *   hss_verify(key_len, msg_len, sig_len) -> i32   io = HSS public key || message || signature;
 *       1 valid, 0 not (RFC 8554 §6.3)
 * Policy, set before envelope_verify (kept until policy_reset):
 *   policy_reset()
 *   policy_anchor(index, role_bits, family, kid_len) -> i32   kid bytes in io; family 1 P-256,
 *       2 Ed25519, 3 HMAC, 4 HSS-LMS; role_bits: the role's bit (the host numbers roles); 0 ok, -1 bad
 *   policy_anchor_key(index, len) -> i32   family 4 only: the HSS public key (u32 L || LMS public
 *       key, <= 60 bytes) in io, which the core verifies -46 with itself (lms.ts); 0 ok, -1 bad
 *   policy_require(role_bits)        roles that must all have verified (0 = any one trusted)
 *   policy_sequence(stored: u64, has: i32)   rollback check against the stored sequence number
 *   policy_identity(kind, count)     kind 0 vendor, 1 class, 2 device; count (<= 4) UUIDs of
 *       16 bytes in io; count 0 = unknown (identifier conditions are then reported, not enforced)
 *   policy_options(flags)            bit 0: prepend dependency prefixes to the identifiers of a
 *       dependency's components (trust-domains §5.2.2; ids.ts)
 * Envelope input (streamed: integrated payloads are skipped, never copied):
 *   envelope_begin(total: u64); envelope_feed(len) -> i32 (0, or a detail code) for io[0..len);
 *   envelope_end() -> i32
 *   envelope_verify() -> i32 reason: authentication (digest, signatures, policy), manifest
 *       well-formedness, severable members, rollback. 0 = accepted.
 * Results of the last verify or run:
 *   result_reason(), result_detail(), result_section(), result_offset(), result_component(),
 *   result_manifest() (-1 root, else the manifest-id path packed as dependency.ts depPath says)
 *   manifest_authenticated() (1: the fields below come from an authenticated manifest)
 *   manifest_claimed_digest() -> ptr (32 B) of the SHA-256 manifest digest the authentication
 *   wrapper states (element 0), or 0 when it could not be read: known also when authentication
 *   failed, it is what a SUIT_Report names the manifest by (report draft §4)
 *   manifest_sequence() -> u64, manifest_digest() -> ptr (32 B), manifest_reference_uri() ->
 *   ptr, manifest_reference_uri_len(), component_count(), component_id(i) -> ptr,
 *   component_id_len(i), section_state(key) (0 absent, 1 present, 2 severed),
 *   block_count(), block_info(i) -> ptr of 4 x i32 (COSE tag, alg, status 1 verified /
 *   2 not verified / 3 alg unsupported / 4 COSE unsupported, anchor index or -1; 16 + d: the key
 *   delegation chain d vouched for), of the last authentication: a dependency authenticated
 *   during a run replaces the root's blocks
 *   delegate_root(d) -> i32          anchor index the delegation chain d starts from, -1 none
 * Processor (after envelope_verify accepted the envelope):
 *   run_begin(count, dry) -> status   runs the count section keys in io (i32 LE; 3 = the shared
 *       sequence alone), each after the shared sequence; dry = 1: no platform effects
 *   status: 0 done (result_* says ok or why not), 1 pending fetch, 2 invoked (handed off;
 *       reason invoke-pending)
 *   request_ptr() -> ptr of the fetch request: +0 uri ptr, +4 uri len, +8 component index,
 *       +12 manifest path (as result_manifest), +16 image-size i64 (-1 unset), +24 digest ptr (0 none),
 *       +28 digest len, +32 digest alg, +36 source (0 fetch by URI, 1 integrated payload of the
 *       envelope), +40 u64 its offset in the envelope, +48 u64 its length, +56 u64 bytes received,
 *       +64 platform handle, +68 level
 *   fetch_data(len) -> status   io[0..len) are the next payload bytes (written and hashed)
 *   fetch_end() -> status       the payload is complete: size checked, run resumed
 *   fetch_fail() -> status      the payload cannot be had: the run fails (fetch-failed)
 *   Which components a run wrote, the host learns from the platform calls and the records'
 *   handles.
 *
 * ## Imports (module "suit"; platform.ts documents each)
 *   verify, verify_key, decrypt_key, component_open/size/read/erase/write/finish/copy/swap/slot/
 *   version/unlink,
 *   invoke, battery, authorize, wait, now, record; and env.abort (only reached by a bug).
 * Results are codes (codes.ts: reason 0..12 of draft-ietf-suit-report, detail codes); bad
 * input never traps.
 */
import { IO, IO_SIZE, DIGEST_OUT, IDENTITY, IDENTITY_COUNT, MAX_IDS, BLOCKS, REQUEST } from './layout';
import { ctxAddr, shaInit, shaUpdate, shaFinal } from './sha256';
import { scanBegin, scanFeed, scanEnd, scanErr } from './envelope';
import { authenticate, setAnchor } from './auth';
import { hssVerify } from './lms';
import { decWipe } from './decrypt';
import * as auth from './auth';
import { parseManifest, errSection, errOffset, sectionState } from './manifest';
import { D_STATE, D_ROLLBACK, D_TYPE } from './codes';
import * as res from './result';
import { mx, X_SEQ, X_DIGEST, X_DIGEST_ENC, X_REFURI, X_NCOMP, X_COMPIDS } from './state';
import * as cbor from './cbor';
import { readDigest, digestAlg, digestLen, digestPtr, SHA256 } from './digest';
import { runBegin, fetchData, fetchEnd, fetchFailed } from './processor';
import { setPrependPrefixes } from './ids';
import { delegateRoot } from './delegation';

export function abi_version(): u32 {
  return 2;
}

export function io_ptr(): u32 {
  return IO;
}

export function io_size(): u32 {
  return IO_SIZE;
}

// ---- streaming SHA-256 ----
export function sha_init(): void {
  shaInit(ctxAddr(0));
}

export function sha_update(len: u32): void {
  shaUpdate(ctxAddr(0), IO, min<u32>(len, IO_SIZE));
}

export function sha_final(): u32 {
  shaFinal(ctxAddr(0), DIGEST_OUT);
  return DIGEST_OUT;
}

// ---- HSS-LMS ----
export function hss_verify(keyLen: u32, msgLen: u32, sigLen: u32): i32 {
  if (<u64>keyLen + <u64>msgLen + <u64>sigLen > <u64>IO_SIZE) return 0;
  return hssVerify(IO, keyLen, IO + keyLen, msgLen, IO + keyLen + msgLen, sigLen) ? 1 : 0;
}

// ---- policy ----
let storedSeq: u64 = 0;
let hasStoredSeq: bool = false;

export function policy_reset(): void {
  auth.resetAnchors();
  storedSeq = 0;
  hasStoredSeq = false;
  memory.fill(IDENTITY_COUNT, 0, 12);
  setPrependPrefixes(false);
}

export function policy_options(flags: u32): void {
  setPrependPrefixes((flags & 1) != 0);
}

export function policy_anchor(index: i32, roleBits: u32, family: u32, kidLen: u32): i32 {
  if (family < 1 || family > 4) return -1;
  return setAnchor(index, roleBits, family, IO, kidLen) ? 0 : -1;
}

export function policy_anchor_key(index: i32, len: u32): i32 {
  return auth.setAnchorKey(index, IO, len) ? 0 : -1;
}

export function policy_require(roleBits: u32): void {
  auth.setRequire(roleBits);
}

export function policy_sequence(stored: u64, has: i32): void {
  storedSeq = stored;
  hasStoredSeq = has != 0;
}

export function policy_identity(kind: i32, count: i32): i32 {
  if (kind < 0 || kind > 2 || count < 0 || count > MAX_IDS) return -1;
  memory.copy(IDENTITY + <u32>(kind * MAX_IDS) * 16, IO, <u32>count * 16);
  store<i32>(IDENTITY_COUNT + (<u32>kind << 2), count);
  return 0;
}

// ---- envelope ----
let scanned: i32 = 0; // 0 none, 1 scanning, 2 complete, 3 failed
/** envelope_verify accepted the envelope in region 0 (run_begin may run it). */
let verified: bool = false;
/** envelope_verify authenticated the manifest in region 0 (the manifest_* exports describe it). */
let authenticated: bool = false;

export function envelope_begin(total: u64): void {
  res.resultClear();
  // A new envelope overwrites region 0: nothing said about the previous one holds any more.
  verified = false;
  authenticated = false;
  auth.clearBlocks();
  // X_DIGEST and X_DIGEST_ENC: nothing is known of the new envelope's digest yet.
  memory.fill(mx(0) + X_DIGEST, 0, 40);
  decWipe(); // a decryption a host abandoned keeps no key into the next envelope
  scanBegin(0, total);
  scanned = 1;
}

export function envelope_feed(len: u32): i32 {
  if (scanned != 1) return D_STATE;
  if (!scanFeed(IO, min<u32>(len, IO_SIZE))) {
    scanned = 3;
    return scanErr;
  }
  return 0;
}

export function envelope_end(): i32 {
  if (scanned != 1) return D_STATE;
  if (!scanEnd()) {
    scanned = 3;
    return scanErr;
  }
  scanned = 2;
  return 0;
}

export function envelope_verify(): i32 {
  verified = false;
  authenticated = false;
  res.resultClear();
  if (scanned == 3) return res.resultFail(scanErr, 0, 0, -1, -1);
  if (scanned != 2) return res.resultFail(D_STATE, 0, 0, -1, -1);
  const d = authenticate(0, auth.requireMask);
  if (d != 0) return res.resultFail(d, 0, 0, -1, -1);
  authenticated = true;
  const m = parseManifest(0);
  if (m != 0) return res.resultFail(m, errSection, errOffset, -1, -1);
  if (hasStoredSeq && load<u64>(mx(0) + X_SEQ) < storedSeq) return res.resultFail(D_ROLLBACK, 0, 0, -1, -1);
  verified = true;
  return 0;
}

// ---- results ----
export function result_reason(): i32 {
  return res.resReason;
}
export function result_detail(): i32 {
  return res.resDetail;
}
export function result_section(): i32 {
  return res.resSection;
}
export function result_offset(): u32 {
  return res.resOffset;
}
export function result_component(): i32 {
  return res.resComponent;
}
export function result_manifest(): i32 {
  return res.resDep;
}
/** 1 when the last envelope_verify authenticated the manifest (its fields below are then
 *  meaningful even if a later check failed), else 0. */
export function manifest_authenticated(): i32 {
  return authenticated ? 1 : 0;
}
export function manifest_claimed_digest(): u32 {
  const p = load<u32>(mx(0) + X_DIGEST_ENC);
  if (p == 0) return 0;
  cbor.setInput(p, p + load<u32>(mx(0) + X_DIGEST_ENC + 4));
  return readDigest(D_TYPE) && digestAlg == SHA256 && digestLen == 32 ? digestPtr : 0;
}
export function manifest_sequence(): u64 {
  return load<u64>(mx(0) + X_SEQ);
}
export function manifest_digest(): u32 {
  return mx(0) + X_DIGEST;
}
export function manifest_reference_uri(): u32 {
  return load<u32>(mx(0) + X_REFURI);
}
export function manifest_reference_uri_len(): u32 {
  return load<u32>(mx(0) + X_REFURI + 4);
}
export function component_count(): u32 {
  return load<u32>(mx(0) + X_NCOMP);
}
export function component_id(i: u32): u32 {
  return i < 16 ? load<u32>(mx(0) + X_COMPIDS + (i << 3)) : 0;
}
export function component_id_len(i: u32): u32 {
  return i < 16 ? load<u32>(mx(0) + X_COMPIDS + (i << 3) + 4) : 0;
}
export function section_state(key: i32): u32 {
  return sectionState(0, key);
}
export function block_count(): i32 {
  return auth.blockCount;
}
export function block_info(i: i32): u32 {
  return BLOCKS + <u32>i * 16;
}
export function delegate_root(d: i32): i32 {
  return delegateRoot(d);
}

// ---- processor ----
/** Runs the `count` section keys in io (i32 LE each; 3 = the shared sequence alone) of the
 *  verified envelope. dry = 1: no platform effects; payload conditions are not evaluated. */
export function run_begin(count: i32, dry: i32): i32 {
  if (!verified) {
    res.resultFail(D_STATE, 0, 0, -1, -1);
    return 0;
  }
  return runBegin(count, dry != 0);
}
export function fetch_data(len: u32): i32 {
  return fetchData(len);
}
export function fetch_end(): i32 {
  return fetchEnd();
}
export function fetch_fail(): i32 {
  return fetchFailed();
}
export function request_ptr(): u32 {
  return REQUEST;
}

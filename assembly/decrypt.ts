/**
 * Payload decryption (draft-ietf-suit-firmware-encryption): suit-parameter-encryption-info (19)
 * = bstr .cbor SUIT_Encryption_Info = COSE_Encrypt_Tagged (96) with a detached ciphertext
 * (RFC 9052 §5.1), decrypted while it streams through the core:
 *  - content encryption (§6): A128GCM / A192GCM / A256GCM (1-3; AAD = Enc_structure
 *    ["Encrypt", protected, h''], 96-bit IV, the 16-byte tag at the end of the ciphertext) and
 *    A128CTR / A192CTR / A256CTR (-65534..-65532, RFC 9459; 128-bit IV as the first counter, whose
 *    protected header must be empty, §6);
 *  - content key distribution (§5): AES Key Wrap A128KW / A192KW / A256KW (-3..-5) with a
 *    key-encryption key of the device, and ECDH-ES + AES-KW (-29..-31) with the device's P-256
 *    key: the platform computes Z, the core derives the KEK (kdf.ts) and unwraps (aeskw.ts).
 *    Recipients are tried in order, each with the device's keys that fit (platform.ts
 *    `decrypt_key`), at most MAX_RECIPIENTS x MAX_ATTEMPTS unwraps.
 *
 * Where it runs: in the core, the AES, GCM, key wrap and HKDF work (a few KB of code; the payload
 * streams through the core anyway); behind the `decrypt_key` import, the ECDH point
 * multiplication with the device's private key (several KB and far slower in WebAssembly, and on
 * a device a crypto engine's job), as ES256 verification is.
 *
 * Streaming, bounded: decChunk decrypts one chunk in place (at most the 64 KiB IO window) and
 * releases the plaintext to write. With GCM the last 16 bytes seen are held back (C_TAIL) until
 * the stream ends, since any of them may be the tag: a chunk releases its bytes minus what it
 * must hold back, in at most two pieces (held-back bytes, then the chunk). Nothing of the payload
 * is kept beyond those 16 bytes. decEnd checks the tag; every key, round key, GHASH table and
 * keystream byte is wiped when a decryption ends, succeeds or not (decWipe).
 *
 * Where it applies (fetch.ts, directives.ts): directive-write decrypts suit-parameter-content,
 * directive-copy decrypts the source component (the draft's two forms), and — for a device with
 * one slot, like the virtual board — directive-fetch decrypts while it fetches when the fetched
 * component carries encryption-info. In each, image-size and image-digest describe the plaintext
 * that the component holds, which condition-image-match then checks (§7.1.1).
 */
import {
  SCRATCH, SCRATCH_END, IO, IO_SIZE, AES_RK, GCM_HTAB, CRYPT_WORK, CRYPT_WORK_SIZE, C_TAIL, C_TAILOUT, C_KEY, C_KEK, C_CEK,
  C_EPK, DIGEST_TMP,
} from './layout';
import * as cbor from './cbor';
import * as c from './codes';
import * as k from './commands';
import * as p from './platform';
import * as prm from './params';
import { wBegin, wHead, wString, wp, wfull } from './cbor_write';
import { aesExpand, ctrStart, ctrXor } from './aes';
import { kwUnwrap } from './aeskw';
import { gcmStart, gcmAad, gcmDecrypt, gcmCheck } from './gcm';
import { deriveKek } from './kdf';
import { ctxAddr, shaInit, shaUpdate, shaFinal } from './sha256';
import { cacheDigest } from './components';
import { PASS } from './context';

const MAX_RECIPIENTS: u32 = 8;
const MAX_ATTEMPTS: i32 = 8;

/** "Encrypt", the Enc_structure context (RFC 9052 §5.3). */
const ENCRYPT: u32 = <u32>memory.data<u8>([0x45, 0x6e, 0x63, 0x72, 0x79, 0x70, 0x74]);

let active: bool = false;
let aead: bool = false;
let tailLen: u32 = 0;
/** Plaintext bytes released so far. */
export let plainBytes: u64 = 0;

export function decActive(): bool {
  return active;
}

/** Forgets every key and intermediate value of the decryption (done or abandoned). */
export function decWipe(): void {
  memory.fill(AES_RK, 0, 240);
  memory.fill(GCM_HTAB, 0, 256);
  memory.fill(CRYPT_WORK, 0, CRYPT_WORK_SIZE);
  active = false;
  tailLen = 0;
}

// ---- COSE headers (RFC 9052 §3.1) of the structure being read ----
let hAlg: i64 = 0;
let hHasAlg: bool = false;
let hIv: u32 = 0;
let hIvLen: u32 = 0;
let hKid: u32 = 0;
let hKidLen: u32 = 0;
let hEpk: u32 = 0; // ptr of the ephemeral key's map, 0 none
let hEpkEnd: u32 = 0;
let hSalt: u32 = 0;
let hSaltLen: u32 = 0;

function clearHeaders(): void {
  hHasAlg = false;
  hIvLen = 0;
  hKidLen = 0;
  hEpk = 0;
  hSaltLen = 0;
}

/** One header map at the cursor: alg (1), crit (2: refused), kid (4), IV (5), ephemeral key (-1), salt (-20). */
function readHeaders(): bool {
  if (!cbor.readMap()) return false;
  let n = cbor.vCount;
  while (cbor.hasNext(n)) {
    if (n != cbor.INDEF) n--;
    if (cbor.peekMajor() == cbor.MT_TSTR) {
      // Text labels name no header this core reads.
      if (!cbor.skip() || !cbor.skip()) return false;
      continue;
    }
    if (!cbor.readInt()) return cbor.fail(c.D_ENC_INFO);
    const label = cbor.vInt;
    if (label == 1) {
      if (hHasAlg || !cbor.readInt()) return cbor.fail(c.D_ENC_INFO);
      hAlg = cbor.vInt;
      hHasAlg = true;
    } else if (label == 2) {
      return cbor.fail(c.D_ENC_INFO); // no critical header is understood here
    } else if (label == 4 || label == 5 || label == -20) {
      if (!cbor.readBstr()) return cbor.fail(c.D_ENC_INFO);
      if (label == 4) {
        hKid = cbor.vPtr;
        hKidLen = cbor.vLen;
      } else if (label == 5) {
        hIv = cbor.vPtr;
        hIvLen = cbor.vLen;
      } else {
        hSalt = cbor.vPtr;
        hSaltLen = cbor.vLen;
      }
    } else if (label == -1) {
      hEpk = cbor.rp;
      if (!cbor.skip()) return false;
      hEpkEnd = cbor.rp;
    } else if (!cbor.skip()) {
      return false;
    }
  }
  return cbor.rerr == 0;
}

/** A bucket pair: the bstr-wrapped protected map, then the unprotected map; (protP, protN) = the former. */
let protP: u32 = 0;
let protN: u32 = 0;

function readBuckets(): bool {
  clearHeaders();
  if (!cbor.readBstr()) return cbor.fail(c.D_ENC_INFO);
  protP = cbor.vPtr;
  protN = cbor.vLen;
  const after = cbor.rp;
  const lim = cbor.rlim;
  if (protN > 0) {
    cbor.setCursor(protP, protP + protN);
    if (!readHeaders() || cbor.rp != protP + protN) return cbor.fail(c.D_ENC_INFO);
  }
  cbor.setCursor(after, lim);
  return readHeaders();
}

/** The ephemeral key (a COSE_Key: kty 2, crv 1, x, y as bytes or sign bit) as SEC1 in C_EPK; its length, 0 if unusable. */
function ephemeralKey(): u32 {
  if (hEpk == 0) return 0;
  const save = cbor.rp;
  const lim = cbor.rlim;
  cbor.setCursor(hEpk, hEpkEnd);
  let kty: i64 = 0;
  let crv: i64 = 0;
  let x: u32 = 0;
  let yLen: u32 = 0;
  let ySign: i32 = -1;
  let ok = cbor.readMap();
  let n = cbor.vCount;
  while (ok && cbor.hasNext(n)) {
    if (n != cbor.INDEF) n--;
    ok = cbor.readInt();
    if (!ok) break;
    const label = cbor.vInt;
    if (label == 1 || label == -1) {
      ok = cbor.readInt();
      if (label == 1) kty = cbor.vInt;
      else crv = cbor.vInt;
    } else if (label == -2) {
      ok = cbor.readBstr() && cbor.vLen == 32;
      x = cbor.vPtr;
    } else if (label == -3) {
      if (cbor.peekMajor() == cbor.MT_BSTR) {
        ok = cbor.readBstr() && cbor.vLen == 32;
        if (ok) memory.copy(C_EPK + 33, cbor.vPtr, 32);
        yLen = 32;
      } else {
        ok = cbor.readBool();
        ySign = <i32>cbor.vInt;
      }
    } else {
      ok = cbor.skip();
    }
  }
  // Back where the recipient was read, and a malformed key is no parse error of the envelope.
  cbor.setInput(save, lim);
  if (!ok || kty != 2 || crv != 1 || x == 0 || (yLen == 0 && ySign < 0)) return 0;
  memory.copy(C_EPK + 1, x, 32);
  if (yLen == 32) {
    store<u8>(C_EPK, 0x04);
    return 65;
  }
  store<u8>(C_EPK, <u8>(ySign == 1 ? 0x03 : 0x02));
  return 33;
}

/** Key size in bytes of an AES-KW algorithm (-3, -4, -5), else 0. */
function kwBytes(alg: i64): u32 {
  return alg <= -3 && alg >= -5 ? <u32>(8 * (-alg - 1)) : 0;
}

/**
 * Tries the device's keys on one recipient (headers read, wrapped key at [w, w+wLen)); leaves the
 * content key in C_CEK. Returns 1 unwrapped, 0 no key fitted, -1 an algorithm not understood.
 */
function unwrapRecipient(w: u32, wLen: u32, cekBytes: u32, rProt: u32, rProtN: u32): i32 {
  if (!hHasAlg) return -1;
  const alg = hAlg;
  const direct = kwBytes(alg);
  // ECDH-ES + A128KW / A192KW / A256KW = -29 / -30 / -31 wrap with -3 / -4 / -5.
  const ecdh = alg <= -29 && alg >= -31;
  const kwAlg = ecdh ? alg + 26 : alg;
  const kekBytes = kwBytes(kwAlg);
  if (kekBytes == 0) return -1;
  if (wLen != cekBytes + 8) return 0;
  let epkLen: u32 = 0;
  if (ecdh) {
    epkLen = ephemeralKey();
    if (epkLen == 0) return 0;
  }
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const got = p.pDecryptKey(<i32>alg, hKid, hKidLen, ecdh ? C_EPK : 0, epkLen, attempt, C_KEY);
    if (got < 0) break;
    let usable = false;
    if (ecdh) {
      // KEK = HKDF(Z, COSE_KDF_Context); the shared secret is wiped as soon as it is used.
      usable = got == 32 && deriveKek(C_KEY, 32, hSalt, hSaltLen, <i32>kwAlg, kekBytes, rProt, rProtN);
      memory.fill(C_KEY, 0, 32);
      if (usable) aesExpand(C_KEK, kekBytes);
      memory.fill(C_KEK, 0, 32);
    } else {
      usable = <u32>got == direct;
      if (usable) aesExpand(C_KEY, direct);
      memory.fill(C_KEY, 0, 32);
    }
    const ok = usable && kwUnwrap(w, wLen, C_CEK);
    memory.fill(AES_RK, 0, 240);
    if (ok) return 1;
  }
  return 0;
}

/**
 * Starts decrypting with the encryption-info of component ci at level lvl: reads the COSE_Encrypt,
 * unwraps the content key, sets up GCM or CTR. Returns 0 or a detail; on failure nothing is kept.
 */
export function decBegin(lvl: i32, ci: i32): i32 {
  decWipe();
  plainBytes = 0;
  if (!prm.paramBytes(lvl, ci, k.P_ENCRYPTION_INFO, cbor.MT_BSTR)) return c.D_ENC_INFO;
  const d = begin();
  if (d != 0) decWipe();
  return d;
}

function begin(): i32 {
  cbor.setInput(cbor.vPtr, cbor.vPtr + cbor.vLen);
  if (!cbor.readTag() || cbor.hArg != 96 || !cbor.readArray() || cbor.vCount != 4) return c.D_ENC_INFO;
  if (!readBuckets()) return c.D_ENC_INFO;
  const bodyP = protP;
  const bodyN = protN;
  const contentAlg = hAlg;
  if (!hHasAlg) return c.D_ENC_INFO;
  const iv = hIv;
  const ivLen = hIvLen;
  // Detached ciphertext only (SUIT carries the payload elsewhere).
  if (!cbor.takeNull()) return c.D_ENC_INFO;
  let cekBytes: u32 = 0;
  if (contentAlg >= 1 && contentAlg <= 3) {
    aead = true;
    cekBytes = 8 + 8 * <u32>contentAlg;
    if (ivLen != 12) return c.D_ENC_INFO;
  } else if (contentAlg >= -65534 && contentAlg <= -65532) {
    aead = false;
    cekBytes = 16 + 8 * <u32>(contentAlg + 65534);
    // Without AEAD the protected header is not authenticated: the draft requires it empty (§6).
    if (ivLen != 16 || bodyN != 0) return c.D_ENC_INFO;
  } else {
    return c.D_ENC_ALG;
  }
  if (!cbor.readArray()) return c.D_ENC_INFO;
  const count = cbor.vCount;
  if (count == 0 || count > MAX_RECIPIENTS) return c.D_ENC_INFO;
  let found = false;
  let known = false;
  for (let r: u32 = 0; r < count; r++) {
    if (!cbor.readArray() || cbor.vCount != 3 || !readBuckets()) return c.D_ENC_INFO;
    const rProt = protP;
    const rProtN = protN;
    if (!cbor.readBstr()) return c.D_ENC_INFO;
    if (found) continue;
    const u = unwrapRecipient(cbor.vPtr, cbor.vLen, cekBytes, rProt, rProtN);
    if (u >= 0) known = true;
    found = u == 1;
  }
  if (cbor.rp != cbor.rlim) return c.D_ENC_INFO;
  if (!found) return known ? c.D_NO_KEY : c.D_ENC_ALG;
  aesExpand(C_CEK, cekBytes);
  memory.fill(C_CEK, 0, 32);
  if (aead) {
    gcmStart(iv);
    // AAD: Enc_structure = ["Encrypt", protected, external_aad = h''].
    wBegin(SCRATCH, SCRATCH_END);
    wHead(4, 3);
    wString(3, ENCRYPT, 7);
    wString(2, bodyP, bodyN);
    wHead(2, 0);
    if (wfull) return c.D_ENC_INFO;
    gcmAad(SCRATCH, wp - SCRATCH);
  } else {
    ctrStart(iv, true);
  }
  tailLen = 0;
  active = true;
  return 0;
}

// The plaintext the last decChunk released: up to two pieces, written in this order.
export let outA: u32 = 0;
export let outALen: u32 = 0;
export let outB: u32 = 0;
export let outBLen: u32 = 0;

function decrypt(at: u32, n: u32): void {
  if (aead) gcmDecrypt(at, n);
  else ctrXor(at, n);
}

/** Decrypts the ciphertext chunk [at, at+n) in place; the plaintext it releases is in outA / outB. */
export function decChunk(at: u32, n: u32): void {
  outALen = 0;
  outBLen = 0;
  outB = at;
  if (!aead) {
    decrypt(at, n);
    outBLen = n;
    return;
  }
  const total = tailLen + n;
  if (total <= 16) {
    memory.copy(C_TAIL + tailLen, at, n);
    tailLen = total;
    return;
  }
  // Release all but the last 16 bytes: first from the held-back ones, then from the chunk.
  const release = total - 16;
  const fromTail = min<u32>(tailLen, release);
  if (fromTail > 0) {
    memory.copy(C_TAILOUT, C_TAIL, fromTail);
    decrypt(C_TAILOUT, fromTail);
    outA = C_TAILOUT;
    outALen = fromTail;
    memory.copy(C_TAIL, C_TAIL + fromTail, tailLen - fromTail);
    tailLen -= fromTail;
  }
  const fromChunk = release - fromTail;
  if (fromChunk > 0) {
    decrypt(at, fromChunk);
    outBLen = fromChunk;
  }
  memory.copy(C_TAIL + tailLen, at + fromChunk, n - fromChunk);
  tailLen = 16;
}

/** Ends the decryption: the GCM tag must verify. Returns 0 or a detail; every key is wiped. */
export function decEnd(): i32 {
  const ok = !aead || (tailLen == 16 && gcmCheck(C_TAIL));
  decWipe();
  return ok ? 0 : c.D_DECRYPT;
}

/**
 * Writes what the last decChunk released to component h (after the plaintext already written),
 * hashing it with the SHA context ctx; `limit` >= 0 bounds the plaintext (image-size).
 * Returns 0 or a detail.
 */
export function decEmit(h: i32, ctx: u32, limit: i64): i32 {
  for (let piece = 0; piece < 2; piece++) {
    const at = piece == 0 ? outA : outB;
    const n = piece == 0 ? outALen : outBLen;
    if (n == 0) continue;
    if (limit >= 0 && plainBytes + <u64>n > <u64>limit) return c.D_SIZE;
    if (p.pWrite(h, plainBytes, at, n) != 0) return c.D_WRITE;
    shaUpdate(ctx, at, n);
    plainBytes += <u64>n;
  }
  return 0;
}

/**
 * Decrypts a whole stream into component h (already erased, decBegin done): `source` 0 = the bytes at
 * [src, src+len) in core memory (write's content), else component handle `source - 1` read from
 * offset 0 (copy's source). Then checks the tag, finishes h and caches the plaintext digest for
 * (lvl, ci). Returns PASS or -detail.
 */
function decryptInto(lvl: i32, ci: i32, h: i32, source: i32, src: u32, len: u64): i32 {
  const ctx = ctxAddr(2);
  shaInit(ctx);
  let off: u64 = 0;
  while (off < len) {
    const n = <u32>min<u64>(<u64>IO_SIZE, len - off);
    if (source == 0) memory.copy(IO, src + <u32>off, n);
    else if (p.pRead(source - 1, off, IO, n) != <i32>n) return fail(c.D_READ);
    decChunk(IO, n);
    const e = decEmit(h, ctx, -1);
    if (e != 0) return fail(e);
    off += <u64>n;
  }
  const t = decEnd();
  if (t != 0) return -t;
  if (p.pFinish(h, plainBytes) != 0) return -c.D_WRITE;
  shaFinal(ctx, DIGEST_TMP);
  cacheDigest(lvl, ci, plainBytes, DIGEST_TMP);
  return PASS;
}

function fail(d: i32): i32 {
  decWipe();
  return -d;
}

/** The content key first, then h erased: a device that cannot decrypt leaves h as it was. */
function beginInto(lvl: i32, ci: i32, h: i32): i32 {
  const d = decBegin(lvl, ci);
  if (d != 0) return -d;
  return p.pErase(h) != 0 ? fail(c.D_WRITE) : PASS;
}

/** directive-write with encryption-info: suit-parameter-content decrypted into h. */
export function decryptWrite(lvl: i32, ci: i32, h: i32, content: u32, len: u32): i32 {
  const b = beginInto(lvl, ci, h);
  return b != PASS ? b : decryptInto(lvl, ci, h, 0, content, <u64>len);
}

/** directive-copy with encryption-info: component hs decrypted into h. */
export function decryptCopy(lvl: i32, ci: i32, h: i32, hs: i32): i32 {
  if (h == hs) return -c.D_COPY;
  const size = p.pSize(hs);
  if (size < 0) return -c.D_READ;
  const b = beginInto(lvl, ci, h);
  return b != PASS ? b : decryptInto(lvl, ci, h, hs + 1, 0, <u64>size);
}

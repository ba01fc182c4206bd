/**
 * The key derivation of ECDH-ES + AES-KW (draft-ietf-suit-firmware-encryption §5.2.4; RFC 9053
 * §5.1 HKDF-SHA-256 and §5.2 COSE_KDF_Context): KEK = HKDF(salt, Z, info = COSE_KDF_Context, L)
 * with COSE_KDF_Context = [AlgorithmID (the AES-KW algorithm), PartyUInfo [nil, nil, nil],
 * PartyVInfo [nil, nil, nil], SuppPubInfo [keyDataLength, the recipient's protected header,
 * 'SUIT Payload Encryption']]. HMAC-SHA-256 (RFC 2104) runs on SHA context 4. L <= 32 bytes, so
 * HKDF-Expand is one block: T(1) = HMAC(PRK, info || 0x01). Only the shared secret Z comes from
 * the platform (the ECDH itself is the device's: platform.ts `decrypt_key`).
 */
import { SCRATCH, SCRATCH_END, C_PAD, C_INNER, C_KEK } from './layout';
import { ctxAddr, shaInit, shaUpdate, shaFinal } from './sha256';
import { wBegin, wHead, wInt, wString, wp, wfull } from './cbor_write';

/** 'SUIT Payload Encryption', SuppPubInfo.other. */
const OTHER: u32 = <u32>memory.data<u8>([
  0x53, 0x55, 0x49, 0x54, 0x20, 0x50, 0x61, 0x79, 0x6c, 0x6f, 0x61, 0x64, 0x20, 0x45, 0x6e, 0x63, 0x72, 0x79, 0x70, 0x74, 0x69, 0x6f, 0x6e,
]);

/** HMAC-SHA-256 of [msg, msg+msgLen) with the key [key, key+keyLen) (keyLen <= 64) into out (32 B). */
function hmac(key: u32, keyLen: u32, msg: u32, msgLen: u32, out: u32): void {
  const ctx = ctxAddr(4);
  memory.fill(C_PAD, 0, 64);
  memory.copy(C_PAD, key, keyLen);
  for (let i: u32 = 0; i < 64; i++) store<u8>(C_PAD + i, load<u8>(C_PAD + i) ^ 0x36);
  shaInit(ctx);
  shaUpdate(ctx, C_PAD, 64);
  shaUpdate(ctx, msg, msgLen);
  shaFinal(ctx, C_INNER);
  // ipad ^ opad = 0x6a: turns the inner pad into the outer one.
  for (let i: u32 = 0; i < 64; i++) store<u8>(C_PAD + i, load<u8>(C_PAD + i) ^ 0x6a);
  shaInit(ctx);
  shaUpdate(ctx, C_PAD, 64);
  shaUpdate(ctx, C_INNER, 32);
  shaFinal(ctx, out);
  memory.fill(C_PAD, 0, 64);
  memory.fill(C_INNER, 0, 32);
  memory.fill(ctx, 0, 128);
}

/**
 * Derives the KEK of `kekBytes` bytes for AES-KW algorithm `kwAlg` from the shared secret
 * [z, z+zLen) into C_KEK. The context is built in SCRATCH; `prot` is the recipient's protected
 * header bucket and (salt, saltLen) the optional "salt" header (-20). false if SCRATCH is too small.
 */
export function deriveKek(z: u32, zLen: u32, salt: u32, saltLen: u32, kwAlg: i32, kekBytes: u32, prot: u32, protLen: u32): bool {
  wBegin(SCRATCH, SCRATCH_END);
  wHead(4, 4);
  wInt(kwAlg);
  for (let i = 0; i < 2; i++) {
    wHead(4, 3);
    for (let j = 0; j < 3; j++) wHead(7, 22); // nil
  }
  wHead(4, 3);
  wHead(0, <u64>kekBytes << 3);
  wString(2, prot, protLen);
  wString(2, OTHER, 23);
  wHead(0, 1); // HKDF-Expand counter byte 0x01 after the info
  if (wfull || saltLen > 64) return false;
  const info = wp - SCRATCH;
  // HKDF-Extract: without a salt, HashLen zero bytes (RFC 5869 §2.2).
  if (saltLen == 0) {
    memory.fill(C_KEK, 0, 32);
    hmac(C_KEK, 32, z, zLen, C_KEK);
  } else {
    hmac(salt, saltLen, z, zLen, C_KEK);
  }
  hmac(C_KEK, 32, SCRATCH, info, C_KEK);
  if (kekBytes < 32) memory.fill(C_KEK + kekBytes, 0, 32 - kekBytes);
  memory.fill(SCRATCH, 0, info);
  return true;
}

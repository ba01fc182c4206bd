/**
 * AES Key Wrap, unwrap side (RFC 3394 §2.2.2 with the default IV of §2.2.3.1; COSE A128KW -3,
 * A192KW -4, A256KW -5, RFC 9053 §6.2.1): the content-encryption key of a SUIT_Encryption_Info
 * recipient (draft-ietf-suit-firmware-encryption §5.1) is unwrapped with the key-encryption key
 * expanded in AES_RK. The integrity value is compared in constant time; on a mismatch nothing
 * of the unwrapped bytes is kept.
 */
import { C_BLOCK } from './layout';
import { aesDecrypt } from './aes';

/** The default initial value A6A6A6A6A6A6A6A6, as a little-endian u64 load sees it. */
const IV: u64 = 0xa6a6a6a6a6a6a6a6;

/**
 * Unwraps [src, src+len) (len = 8 * (n + 1), a key of 16, 24 or 32 bytes) into [dst, dst+len-8).
 * true when the integrity check holds; otherwise dst is zeroed.
 */
export function kwUnwrap(src: u32, len: u32, dst: u32): bool {
  if (len != 24 && len != 32 && len != 40) return false;
  const n = (len >> 3) - 1;
  // The block holds A (8 bytes), then R[i] while it is decrypted.
  const b = C_BLOCK;
  memory.copy(b, src, 8);
  memory.copy(dst, src + 8, n << 3);
  for (let j: i32 = 5; j >= 0; j--) {
    for (let i = n; i >= 1; i--) {
      // B = AES-1(K, (A ^ t) | R[i]), t = n*j + i as a 64-bit big-endian value.
      const t = <u64>n * <u64>j + <u64>i;
      store<u64>(b, load<u64>(b) ^ bswap<u64>(t));
      memory.copy(b + 8, dst + ((i - 1) << 3), 8);
      aesDecrypt(b, b);
      memory.copy(dst + ((i - 1) << 3), b + 8, 8);
    }
  }
  const ok = (load<u64>(b) ^ IV) == 0;
  memory.fill(b, 0, 16);
  if (!ok) memory.fill(dst, 0, n << 3);
  return ok;
}

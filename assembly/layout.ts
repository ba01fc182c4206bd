/**
 * Fixed memory map of the verifier core. The module never allocates (runtime stub, no heap):
 * every byte it uses lives in one of these regions, and linear memory is fixed at 4 pages
 * (256 KiB, initial = maximum; asconfig.json). See the ABI comment in index.ts for who writes
 * which region.
 *
 *   0x00000-0x00FFF  static data emitted by the compiler (SHA-256 round constants), < 4 KiB
 *   0x01000-0x01FFF  SCRATCH   Sig_structure / MAC_structure / component ids / record props
 *   0x02000-0x0FFFF  STATE     hash contexts, policy, envelope member tables, manifest index,
 *                              parameter tables, interpreter frames, fetch request, result,
 *                              HSS-LMS anchor keys and work area, AES tables and decryption state
 *   0x10000-0x1FFFF  REGION 0  the root envelope's non-payload members (64 KiB)
 *   0x20000-0x2FFFF  REGION 1  one dependency envelope's non-payload members (64 KiB)
 *   0x30000-0x3FFFF  IO        the host's window: envelope chunks, payload chunks, SHA input
 */

export const SCRATCH: u32 = 0x01000;
export const SCRATCH_END: u32 = 0x02000;

export const STATE: u32 = 0x02000;

export const REGION_SIZE: u32 = 0x10000;
/** Region of manifest level `level` (0 root, 1 dependency). */
// @ts-ignore: decorator
@inline export function regionBase(level: i32): u32 {
  return 0x10000 + (<u32>level << 16);
}

export const IO: u32 = 0x30000;
export const IO_SIZE: u32 = 0x10000;

// ---- STATE sub-layout (byte offsets; each block's size is stated and checked below) ----
/** Five SHA-256 contexts of CTX_SIZE bytes: 0 host API, 1 synchronous digests, 2 fetch stream,
 *  3 HSS-LMS streaming hashes (lms.ts), 4 payload decryption (HMAC / HKDF, decrypt.ts). */
export const SHA_CTX: u32 = STATE; // 5 * 128
export const CTX_SIZE: u32 = 128;
export const DIGEST_OUT: u32 = STATE + 0x280; // 32 B: host API digest output
export const DIGEST_TMP: u32 = STATE + 0x2a0; // 32 B: digest of the last synchronous hash

/** Trust anchors: MAX_ANCHORS x ANCHOR_SIZE (role u32, family u32, kid len u32, kid 20 B). */
export const ANCHORS: u32 = STATE + 0x300;
export const MAX_ANCHORS: i32 = 16;
export const ANCHOR_SIZE: u32 = 32;
export const KID_MAX: u32 = 20;

/** Device identity: 3 kinds (vendor, class, device) x 4 UUIDs of 16 B, + counts. */
export const IDENTITY: u32 = STATE + 0x500; // 3 * 4 * 16 = 192 B
export const IDENTITY_COUNT: u32 = STATE + 0x5c0; // 3 x u32
export const MAX_IDS: i32 = 4;

/** Authentication block outcomes: MAX_BLOCKS x 16 B (kind, alg, status, anchor). */
export const BLOCKS: u32 = STATE + 0x600;
export const MAX_BLOCKS: i32 = 8;

/** Envelope member tables, one per level: MAX_MEMBERS x MEMBER_SIZE. */
export const MEMBERS: u32 = STATE + 0x800; // 2 * 32 * 32 = 2 KiB
export const MAX_MEMBERS: i32 = 32;
export const MEMBER_SIZE: u32 = 32;

/** Manifest index per level (MANIFEST_SIZE bytes each); see manifest.ts for fields. */
export const MANIFESTS: u32 = STATE + 0x1000; // 2 * 512
export const MANIFEST_SIZE: u32 = 512;

/** Parameter tables per level: MAX_COMPONENTS x MAX_PARAMS x 8 B (ptr, len). */
export const PARAMS: u32 = STATE + 0x1400; // 2 * 16 * 32 * 8 = 8 KiB
export const MAX_COMPONENTS: i32 = 16;
export const MAX_PARAMS: i32 = 32;
export const PARAM_TABLE_SIZE: u32 = 16 * 32 * 8;

/** Per-level, per-component runtime state (handle, digest cache): 2 x 16 x 64 B. */
export const COMPS: u32 = STATE + 0x3400; // 2 KiB
export const COMP_SIZE: u32 = 64;

/** Interpreter frames (see processor.ts). */
export const FRAMES: u32 = STATE + 0x3c00; // 32 * 64 = 2 KiB
export const MAX_FRAMES: i32 = 32;
export const FRAME_SIZE: u32 = 64;

/** Sections to run (host-written list of manifest keys) and the fetch request. */
export const RUNLIST: u32 = STATE + 0x4400; // 16 x i32
export const MAX_RUN: i32 = 16;
export const REQUEST: u32 = STATE + 0x4440; // see processor.ts

/** End of the blocks above; the envelope scanner keeps a head being assembled there (9 B). */
export const STATE_USED_END: u32 = STATE + 0x4600;

/** HSS-LMS public keys of the trust anchors of family 4 (auth.ts): MAX_ANCHORS x HSS_KEY_SIZE
 *  (u32 length, then the key: u32 L || LMS public key, at most 4 + 24 + 32 bytes). */
export const HSS_KEYS: u32 = STATE + 0x4800; // 16 * 64 = 1 KiB
export const HSS_KEY_SIZE: u32 = 64;
export const HSS_KEY_MAX: u32 = 60;

/** Hash inputs and intermediate values of HSS-LMS verification (lms.ts). */
export const LMS_WORK: u32 = STATE + 0x4c00; // 256 B

/** Payload decryption (aes.ts, aeskw.ts, gcm.ts, kdf.ts, decrypt.ts). The tables are derived
 *  constants; the round keys, GHASH table and working block hold key material and are wiped
 *  when a decryption ends (decrypt.ts decWipe). */
export const AES_TE: u32 = STATE + 0x5000; // 4 x 256 x u32 = 4 KiB: encryption T-tables
export const AES_SBOX: u32 = STATE + 0x6000; // 256 B
export const AES_INV_SBOX: u32 = STATE + 0x6100; // 256 B
export const AES_RK: u32 = STATE + 0x6200; // 240 B: 15 round keys of the key in use
export const GCM_HTAB: u32 = STATE + 0x6300; // 16 x 16 B: multiples of the GHASH key H
export const CRYPT_WORK: u32 = STATE + 0x6400; // 512 B, below
export const CRYPT_WORK_SIZE: u32 = 512;
export const C_CTR: u32 = CRYPT_WORK; // 16 B counter block
export const C_KS: u32 = CRYPT_WORK + 16; // 16 B keystream block
export const C_Y: u32 = CRYPT_WORK + 32; // 16 B GHASH accumulator
export const C_GBUF: u32 = CRYPT_WORK + 48; // 16 B GHASH partial block
export const C_J0: u32 = CRYPT_WORK + 64; // 16 B GCM pre-counter block
export const C_TAIL: u32 = CRYPT_WORK + 80; // 16 B the bytes held back as a possible GCM tag
export const C_TAILOUT: u32 = CRYPT_WORK + 96; // 16 B plaintext of released held-back bytes
export const C_BLOCK: u32 = CRYPT_WORK + 112; // 16 B AES-KW A || R[i], inverse-cipher state
export const C_KEY: u32 = CRYPT_WORK + 144; // 32 B key material from the platform (KEK or ECDH Z)
export const C_KEK: u32 = CRYPT_WORK + 176; // 32 B HKDF PRK, then the derived KEK
export const C_CEK: u32 = CRYPT_WORK + 208; // 32 B the unwrapped content key
export const C_PAD: u32 = CRYPT_WORK + 240; // 64 B HMAC key pad
export const C_INNER: u32 = CRYPT_WORK + 304; // 32 B HMAC inner hash
export const C_EPK: u32 = CRYPT_WORK + 336; // 65 B the sender's ephemeral public key (SEC1)

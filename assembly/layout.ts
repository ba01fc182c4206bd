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
 *   0x10000-0x2FFFF  ARENA     the envelopes of the manifest tree being processed, as a stack:
 *                              the root's non-payload members first (at most 64 KiB), then the
 *                              dependency loaded at each nesting level, each right after its
 *                              dependent's (draft-ietf-suit-trust-domains-11 §6: a dependency is
 *                              processed inside its dependent, so only one path of the tree is
 *                              ever loaded)
 *   0x30000-0x3FFFF  IO        the host's window: envelope chunks, payload chunks, SHA input
 */

export const SCRATCH: u32 = 0x01000;
export const SCRATCH_END: u32 = 0x02000;

export const STATE: u32 = 0x02000;

/**
 * Manifest levels: the root (0) and up to three nested dependencies. Why three: the report
 * draft's manifest-id example walks two levels below the root, the TEEP and trust-domains use
 * cases need one or two (a TAM's manifest over a TA's over its personalisation data), and each
 * level costs 6.5 KiB of tables (members 1 KiB, manifest index 512 B, parameters 4 KiB,
 * components 1 KiB) in the 256 KiB the core has. A deeper tree is refused (dependency-depth).
 */
export const MAX_LEVELS: i32 = 4;

export const ARENA: u32 = 0x10000;
export const ARENA_END: u32 = 0x30000;
/** The root envelope's share of the arena: what does not fit is refused (region-full). */
export const ROOT_REGION_SIZE: u32 = 0x10000;

export const IO: u32 = 0x30000;
export const IO_SIZE: u32 = 0x10000;

// ---- STATE sub-layout (byte offsets; each block's size is stated; test/core/memory-layout.test.ts checks that no two overlap) ----
/** Five SHA-256 contexts of CTX_SIZE bytes: 0 host API, 1 synchronous digests, 2 fetch stream,
 *  3 HSS-LMS streaming hashes (lms.ts), 4 payload decryption (HMAC / HKDF, decrypt.ts). */
export const SHA_CTX: u32 = STATE; // 5 * 128
export const SHA_CONTEXTS: u32 = 5;
export const CTX_SIZE: u32 = 128;
export const DIGEST_OUT: u32 = STATE + 0x280; // 32 B: host API digest output
export const DIGEST_TMP: u32 = STATE + 0x2a0; // 32 B: digest of the last synchronous hash

/**
 * Trust anchors: MAX_ANCHORS set by the host, then MAX_DELEGATED keys that suit-delegation
 * chains of the envelope being authenticated vouch for (delegation.ts); ANCHOR_SIZE each
 * (role u32, family u32, kid len u32, kid 20 B).
 */
export const ANCHORS: u32 = STATE + 0x300; // 20 * 32
export const MAX_ANCHORS: i32 = 16;
export const MAX_DELEGATED: i32 = 4;
export const ANCHOR_SIZE: u32 = 32;
export const KID_MAX: u32 = 20;
/** Per delegated key: COSE_Key ptr u32, len u32, anchor index of the chain's root i32. */
export const DELEGATES: u32 = STATE + 0x580; // 4 * 12

/** Device identity: 3 kinds (vendor, class, device) x 4 UUIDs of 16 B, + counts. */
export const IDENTITY: u32 = STATE + 0x600; // 3 * 4 * 16 = 192 B
export const IDENTITY_COUNT: u32 = STATE + 0x6c0; // 3 x u32
export const MAX_IDS: i32 = 4;

/** Authentication block outcomes: MAX_BLOCKS x 16 B (kind, alg, status, anchor). */
export const BLOCKS: u32 = STATE + 0x700;
export const MAX_BLOCKS: i32 = 8;

/** Parameter table of each (level, component index): u8 entry numbers (params.ts). */
export const PARAM_MAP: u32 = STATE + 0x780; // 4 * 16

/** Manifest digests of the dependencies processed in the current section (shared ones run once). */
export const PROCESSED: u32 = STATE + 0x800; // 16 * 32
export const MAX_PROCESSED: i32 = 16;

/** Two buffers for effective component identifiers (dependency prefixes prepended). */
export const IDBUF: u32 = STATE + 0xa00; // 2 * 512
export const IDBUF_SIZE: u32 = 0x200;

/** Envelope member tables, one per level: MAX_MEMBERS x MEMBER_SIZE. */
export const MEMBERS: u32 = STATE + 0x1000; // 4 * 32 * 32 = 4 KiB
export const MAX_MEMBERS: i32 = 32;
export const MEMBER_SIZE: u32 = 32;

/** Manifest index per level (MANIFEST_SIZE bytes each); see state.ts for fields. */
export const MANIFESTS: u32 = STATE + 0x2000; // 4 * 512
export const MANIFEST_SIZE: u32 = 512;

/** Parameter tables: one per (level, component) entry, MAX_PARAMS x 8 B (ptr, len). */
export const PARAMS: u32 = STATE + 0x2800; // 4 * 16 * 32 * 8 = 16 KiB
export const MAX_COMPONENTS: i32 = 16;
export const MAX_PARAMS: i32 = 32;
export const PARAM_ENTRY_SIZE: u32 = 32 * 8;

/** Per-level, per-component runtime state (handle, digest cache): 4 x 16 x 64 B. */
export const COMPS: u32 = STATE + 0x6800; // 4 KiB
export const COMP_SIZE: u32 = 64;

/** Interpreter frames (see processor.ts). */
export const FRAMES: u32 = STATE + 0x7800; // 32 * 64 = 2 KiB
export const MAX_FRAMES: i32 = 32;
export const FRAME_SIZE: u32 = 64;

/** Sections to run (host-written list of manifest keys) and the fetch request. */
export const RUNLIST: u32 = STATE + 0x8000; // 16 x i32
export const MAX_RUN: i32 = 16;
export const REQUEST: u32 = STATE + 0x8040; // see processor.ts

/** End of the blocks above; the envelope scanner keeps a head being assembled there (9 B). */
export const STATE_USED_END: u32 = STATE + 0x8200;
export const HEAD_BUF_SIZE: u32 = 16;

/** HSS-LMS public keys of the trust anchors of family 4 (auth.ts): MAX_ANCHORS x HSS_KEY_SIZE
 *  (u32 length, then the key: u32 L || LMS public key, at most 4 + 24 + 32 bytes). */
export const HSS_KEYS: u32 = STATE + 0x8400; // 16 * 64 = 1 KiB
export const HSS_KEY_SIZE: u32 = 64;
export const HSS_KEY_MAX: u32 = 60;

/** Hash inputs and intermediate values of HSS-LMS verification (lms.ts). */
export const LMS_WORK: u32 = STATE + 0x8800; // 256 B

/** Payload decryption (aes.ts, aeskw.ts, gcm.ts, kdf.ts, decrypt.ts). The tables are derived
 *  constants; the round keys, GHASH table and working block hold key material and are wiped
 *  when a decryption ends (decrypt.ts decWipe). */
export const AES_TE: u32 = STATE + 0x8c00; // 4 x 256 x u32 = 4 KiB: encryption T-tables
export const AES_SBOX: u32 = STATE + 0x9c00; // 256 B
export const AES_INV_SBOX: u32 = STATE + 0x9d00; // 256 B
export const AES_RK: u32 = STATE + 0x9e00; // 240 B: 15 round keys of the key in use
export const GCM_HTAB: u32 = STATE + 0x9f00; // 16 x 16 B: multiples of the GHASH key H
export const CRYPT_WORK: u32 = STATE + 0xa000; // 512 B, below
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

/** End of everything in STATE; test/core/memory-layout.test.ts checks no two blocks overlap. */
export const STATE_END: u32 = CRYPT_WORK + CRYPT_WORK_SIZE;

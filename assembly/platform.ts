/**
 * The core's platform interface: WebAssembly imports (module "suit") that the host fills, like a
 * bootloader's HAL. host/verifier/core.ts binds them to a TypeScript SuitPlatform; the virtual
 * board binds the same calls to its flash model. All calls are synchronous; a payload that must
 * come over a slow link is not fetched through an import but by suspending the core (index.ts,
 * "fetch"). Pointers are addresses in the core's memory; handles come from component_open.
 */

/** COSE signature / MAC check with trust anchor `anchor` (index set by policy_anchor) over the
 *  to-be-signed bytes the core built. 1 = valid, 0 = not valid. */
// @ts-ignore: decorator
@external("suit", "verify")
export declare function pVerify(anchor: i32, alg: i32, tbs: u32, tbsLen: u32, sig: u32, sigLen: u32): i32;

/** The same check with a key that a suit-delegation chain vouches for (delegation.ts): `key` is its
 *  COSE_Key (RFC 9052 §7) encoding, which the core has parsed (EC2 P-256 or OKP Ed25519). */
// @ts-ignore: decorator
@external("suit", "verify_key")
export declare function pVerifyKey(key: u32, keyLen: u32, alg: i32, tbs: u32, tbsLen: u32, sig: u32, sigLen: u32): i32;

/**
 * Key material for payload decryption (draft-ietf-suit-firmware-encryption §5): the `attempt`-th
 * (0, 1, ...) of the device's keys that fit recipient algorithm `alg`, those whose key id equals
 * the recipient's kid first. Writes at most 32 bytes at `out` and returns their count, or -1 when
 * there is no further candidate. AES-KW (-3/-4/-5): the key-encryption key itself. ECDH-ES +
 * AES-KW (-29/-30/-31): the ECDH shared secret Z (x-coordinate, 32 bytes) of the device's P-256
 * private key and the sender's ephemeral public key at epk (SEC1, 65 or 33 bytes): the private
 * key never enters the core, the point multiplication is the platform's (a device's crypto
 * engine), like ES256 verification. The core wipes what it receives once it is used.
 */
// @ts-ignore: decorator
@external("suit", "decrypt_key")
export declare function pDecryptKey(alg: i32, kid: u32, kidLen: u32, epk: u32, epkLen: u32, attempt: i32, out: u32): i32;

/** Resolves a SUIT_Component_Identifier (CBOR array encoding) to a handle >= 0, or -1 when the
 *  device has no such component. `dependency` = 1 for a component holding a dependency envelope. */
// @ts-ignore: decorator
@external("suit", "component_open")
export declare function pOpen(id: u32, idLen: u32, dependency: i32): i32;

/** Length of the component's current content, -1 when it holds nothing. */
// @ts-ignore: decorator
@external("suit", "component_size")
export declare function pSize(h: i32): i64;

/** Reads up to len bytes at offset into dst; returns the count (0 at the end), < 0 on error. */
// @ts-ignore: decorator
@external("suit", "component_read")
export declare function pRead(h: i32, offset: u64, dst: u32, len: u32): i32;

/** Prepares the component to receive a new image (erase); 0 ok, < 0 error. */
// @ts-ignore: decorator
@external("suit", "component_erase")
export declare function pErase(h: i32): i32;

/** Writes len bytes at offset (offsets grow from 0 after an erase); 0 ok, < 0 error. */
// @ts-ignore: decorator
@external("suit", "component_write")
export declare function pWrite(h: i32, offset: u64, src: u32, len: u32): i32;

/** The image written since the erase is complete with `length` bytes; 0 ok, < 0 error. */
// @ts-ignore: decorator
@external("suit", "component_finish")
export declare function pFinish(h: i32, length: u64): i32;

/** Copies the content of src into dst (suit-directive-copy); 0 ok, < 0 error. */
// @ts-ignore: decorator
@external("suit", "component_copy")
export declare function pCopy(dst: i32, src: i32): i32;

/** Exchanges the contents of a and b (suit-directive-swap); 0 ok, < 0 error. */
// @ts-ignore: decorator
@external("suit", "component_swap")
export declare function pSwap(a: i32, b: i32): i32;

/** Slot index the component currently designates (condition-component-slot), -1 unknown. */
// @ts-ignore: decorator
@external("suit", "component_slot")
export declare function pSlot(h: i32): i64;

/** Writes the component's version as up to cap i64 values at dst; returns the count, -1 unknown. */
// @ts-ignore: decorator
@external("suit", "component_version")
export declare function pVersion(h: i32, dst: u32, cap: u32): i32;

/** suit-directive-unlink; 0 ok, < 0 error. */
// @ts-ignore: decorator
@external("suit", "component_unlink")
export declare function pUnlink(h: i32): i32;

/** suit-directive-invoke with the invoke-args bytes: 0 returned (processing continues), 1 handed
 *  off (the run ends with reason invoke-pending), < 0 failed. */
// @ts-ignore: decorator
@external("suit", "invoke")
export declare function pInvoke(h: i32, args: u32, argsLen: u32): i32;

/** Battery level in mWh, -1 unknown. */
// @ts-ignore: decorator
@external("suit", "battery")
export declare function pBattery(): i64;

/** Asks the application whether an update of this priority may proceed: 1 yes, 0 no. */
// @ts-ignore: decorator
@external("suit", "authorize")
export declare function pAuthorize(priority: i64): i32;

/** Waits for the events of a suit-parameter-wait-info map (CBOR at info); 0 ok, < 0 failed. */
// @ts-ignore: decorator
@external("suit", "wait")
export declare function pWait(h: i32, info: u32, infoLen: u32): i32;

/** Seconds since 1970-01-01 UTC, -1 when the device has no clock. */
// @ts-ignore: decorator
@external("suit", "now")
export declare function pNow(): i64;

/**
 * One executed command, for traces and SUIT_Report records (draft-ietf-suit-report §3):
 * manifest path (-1 root, else dependency.ts depPath's packing of the manifest-id), section key,
 * byte offset of the command in that section, component index, command code, reporting policy,
 * outcome (0 passed, 1 failed, 2 not evaluated), a CBOR SUIT_Parameters map of measured values,
 * and the platform handle of the component (-2 not opened, -1 unsupported).
 */
// @ts-ignore: decorator
@external("suit", "record")
export declare function pRecord(
  dep: i32, section: i32, offset: u32, component: i32, command: i32, policy: u32, outcome: i32,
  props: u32, propsLen: u32, handle: i32,
): void;

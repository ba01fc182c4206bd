/**
 * Image group (1) server handlers as Zephyr 4.4's img_mgmt answers them (notes/smp.md §4;
 * `img_mgmt.c` img_mgmt_upload / img_mgmt_erase, `zephyr_img_mgmt.c` img_mgmt_upload_inspect;
 * checked request by request against the real smp_server + MCUboot build of ../shared/peers in
 * test/strict/fidelity.test.ts), over an `ImageStorage`:
 *
 * - upload: arguments decode as zcbor does (`off`, `len` 32-bit sizes, `image` uint32, `data`
 *   and `sha` byte strings, `upgrade` a boolean; a wrong type is rc 3 and leaves the upload in
 *   progress alone). Missing `off`: INVALID_OFFSET. At offset 0: a chunk too short for an
 *   image header is INVALID_IMAGE_HEADER, a missing `len` INVALID_LENGTH (0 is a length), a
 *   header without MCUboot's magic INVALID_IMAGE_HEADER_MAGIC (the storage reads the format), a
 *   `sha` longer than 32 bytes INVALID_HASH; an upload in progress with the same `sha` (any
 *   length up to 32) is resumed — its offset answered, nothing written, whatever `len` says;
 *   then the slot must be free (NO_FREE_SLOT) and large enough (INVALID_IMAGE_TOO_LARGE), and
 *   with `upgrade: true` the image newer than the running one, before anything is erased. The
 *   first chunk is written whole (no overrun check at offset 0). Later chunks: at the wrong
 *   offset (or with no upload in progress) the expected offset is answered; data past `len` is
 *   INVALID_IMAGE_DATA_OVERRUN. Every error answer ends the upload in progress; so does its
 *   last byte (an upload of the same image again starts over). `image` names nothing on a
 *   single-image board (Zephyr picks the free slot).
 * - `imageCheck` (CONFIG_IMG_ENABLE_IMAGE_CHECK): the last chunk's answer carries `match`,
 *   whether the slot's SHA-256 equals a full 32-byte `sha` (false is no error: the bytes stay,
 *   unmarked), and an offset-0 chunk whose `sha` the slot already holds is answered complete at
 *   once. Without it (the peers' build) no `match` is sent.
 * - state read / write (test, confirm, permanent by hash), slot info.
 * - erase: `slot` absolute (image N uses 2N and 2N+1; default 1); a slot holding a valid image
 *   in use — running, pending for the next boot, or the one a scheduled revert boots
 *   (img_mgmt_slot_in_use) — is NO_FREE_SLOT; a slot the board does not have FLASH_OPEN_FAILED;
 *   the upload in progress ends either way.
 * - under SMP v1 group errors become Zephyr's `rc` (img_mgmt_translate_error_code).
 *
 * With an `UploadSessionLock` (the board's one upload session), an upload chunk from another
 * connection while this one's upload is in progress is answered EBUSY; the session is held from
 * the first chunk until the upload completes or ends.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { SmpMap } from '../cbor.js';
import { ImageErr, MgmtErr, SmpGroupError, SmpRcError } from '../errors.js';
import { GroupId, ImageCmd } from '../ids.js';
import { ImageStorageError, type ImageStorage } from './image-storage.js';
import type { ImageSlotState } from '../image-state.js';
import type { SmpGroupHandler, SmpPeer } from './server.js';
import type { UploadSessionLock } from './upload-session.js';

/** The upload in progress (Zephyr's g_img_mgmt_state). */
interface Session {
  image: number;
  len: number;
  sha: Uint8Array;
  off: number;
}

/** IMG_MGMT_DATA_SHA_LEN: a `sha` may be any prefix of the SHA-256 up to its 32 bytes. */
const DATA_SHA_LEN = 32;
/** zcbor_uint32_decode / zcbor_size_decode on the boards' 32-bit targets. */
const U32_MAX = 0xffff_ffff;

/** img_mgmt_translate_error_code: the v1 `rc` of an image group error (Zephyr 4.4, checked on the peers). */
function translateV1(rc: number): number {
  switch (rc) {
    case ImageErr.NO_IMAGE:
    case ImageErr.NO_TLVS:
      return MgmtErr.ENOENT;
    case ImageErr.NO_FREE_SLOT:
    case ImageErr.CURRENT_VERSION_IS_NEWER:
    case ImageErr.IMAGE_ALREADY_PENDING:
      return MgmtErr.EBADSTATE;
    case ImageErr.NO_FREE_MEMORY:
      return MgmtErr.ENOMEM;
    case ImageErr.INVALID_SLOT:
    case ImageErr.INVALID_PAGE_OFFSET:
    case ImageErr.INVALID_OFFSET:
    case ImageErr.INVALID_LENGTH:
    case ImageErr.INVALID_IMAGE_HEADER:
    case ImageErr.INVALID_HASH:
    case ImageErr.INVALID_FLASH_ADDRESS:
      return MgmtErr.EINVAL;
    default:
      return MgmtErr.EUNKNOWN;
  }
}

/**
 * The reasons Zephyr's verbose image errors give (CONFIG_MCUMGR_GRP_IMG_VERBOSE_ERR, on in the
 * peers' build): sent as `rsn` with an SMP v1 `rc`; a v2 group error carries none.
 */
const REASONS: Partial<Record<keyof typeof ImageErr, string>> = {
  INVALID_OFFSET: 'header malformed',
  INVALID_IMAGE_HEADER: 'header malformed',
  INVALID_LENGTH: 'header malformed',
  INVALID_IMAGE_HEADER_MAGIC: 'magic mismatch',
  NO_FREE_SLOT: 'no slot',
  INVALID_IMAGE_TOO_LARGE: 'img too large',
  CURRENT_VERSION_IS_NEWER: 'downgrade',
  INVALID_IMAGE_DATA_OVERRUN: 'data overrun',
  FLASH_ERASE_FAILED: 'fa erase fail',
  FLASH_WRITE_FAILED: 'fa write fail',
};

/** An upload refusal (with Zephyr's reason); `bare`: a refusal img_mgmt gives no reason for (erase, state). */
function refuse(code: keyof typeof ImageErr, o: { bare?: boolean } = {}): never {
  throw new SmpGroupError(GroupId.IMAGE, ImageErr[code], undefined, o.bare ? undefined : REASONS[code]);
}

/** Storage refusals become image group errors. */
async function storage<T>(fn: () => Promise<T>, o: { bare?: boolean } = {}): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof ImageStorageError) refuse(e.code, o);
    throw e;
  }
}

function stateBody(slots: ImageSlotState[], imageCount: number): SmpMap {
  return {
    images: slots.map((s) => ({
      image: imageCount > 1 ? s.image : undefined,
      slot: s.slot,
      version: s.version,
      hash: s.hash,
      bootable: s.bootable,
      pending: s.pending,
      confirmed: s.confirmed,
      active: s.active,
      permanent: s.permanent,
    })),
    splitStatus: 0,
  };
}

/** An optional unsigned integer of at most `max` (zcbor_uint32_decode, zcbor_size_decode): anything else is EINVAL. */
function uintField(body: SmpMap, key: string, max = U32_MAX): number | undefined {
  const v = body[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) throw new SmpRcError(MgmtErr.EINVAL);
  return v;
}

function bytesField(body: SmpMap, key: string): Uint8Array | undefined {
  const v = body[key];
  if (v !== undefined && !(v instanceof Uint8Array)) throw new SmpRcError(MgmtErr.EINVAL);
  return v;
}

function boolField(body: SmpMap, key: string): boolean | undefined {
  const v = body[key];
  if (v !== undefined && typeof v !== 'boolean') throw new SmpRcError(MgmtErr.EINVAL);
  return v;
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && timingSafeEqual(a, b);
const sha256 = (b: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(b).digest());

/** A slot img_mgmt_slot_in_use keeps: running, pending for the next boot, or the one a scheduled revert boots. */
const inUse = (s: ImageSlotState): boolean => s.active || s.pending || s.confirmed;

export interface ImageGroupOptions {
  lock?: UploadSessionLock;
  /** CONFIG_IMG_ENABLE_IMAGE_CHECK: `match` on the last chunk (default true). */
  imageCheck?: boolean;
}

export function imageGroup(store: ImageStorage, o: ImageGroupOptions = {}): SmpGroupHandler & { readonly session: Readonly<Session> | undefined } {
  const imageCheck = o.imageCheck ?? true;
  let session: Session | undefined;
  const uploading = (): boolean => session !== undefined;
  const held = (peer: SmpPeer, body: () => SmpMap): Promise<SmpMap> => (o.lock ? o.lock.hold(peer, 'an image upload', uploading, () => upload(body())) : upload(body()));

  /** The request's arguments, decoded before anything happens (a decode failure leaves the upload alone). */
  const upload = async (body: SmpMap): Promise<SmpMap> => {
    const req = {
      image: uintField(body, 'image'),
      data: bytesField(body, 'data') ?? new Uint8Array(0),
      len: uintField(body, 'len'),
      off: uintField(body, 'off'),
      sha: bytesField(body, 'sha') ?? new Uint8Array(0),
      upgrade: boolField(body, 'upgrade') ?? false,
    };
    try {
      return await inspectAndWrite(req);
    } catch (e) {
      // img_mgmt_upload: an error answer resets the upload state.
      if (e instanceof SmpGroupError) session = undefined;
      throw e;
    }
  };

  const inspectAndWrite = async (req: { image: number | undefined; data: Uint8Array; len: number | undefined; off: number | undefined; sha: Uint8Array; upgrade: boolean }): Promise<SmpMap> => {
    const { data, sha } = req;
    if (req.off === undefined) refuse('INVALID_OFFSET');
    if (req.off === 0) {
      const header = store.headerProblem(data);
      if (header === 'INVALID_IMAGE_HEADER') refuse(header);
      if (req.len === undefined) refuse('INVALID_LENGTH');
      if (header) refuse(header);
      if (sha.length > DATA_SHA_LEN) refuse('INVALID_HASH');
      if (sha.length > 0 && session && sameBytes(session.sha, sha)) return { off: session.off };
      // A single-image board uploads to its free slot whatever `image` says.
      const image = store.imageCount > 1 ? (req.image ?? 0) : 0;
      if (image >= store.imageCount) refuse('NO_FREE_SLOT');
      const len = req.len;
      await storage(() => store.checkUpload(image, len));
      if (req.upgrade) await storage(() => store.checkUpgrade(image, data));
      session = undefined;
      if (imageCheck && sha.length === DATA_SHA_LEN && sameBytes(sha256(await storage(() => store.readUpload(image, 0, len))), sha)) {
        return { off: len, match: true };
      }
      await storage(() => store.beginUpload(image, len));
      session = { image, len, sha, off: 0 };
    } else {
      if (!session) return { off: 0 };
      if (req.off !== session.off) return { off: session.off };
      if (req.off + data.length > session.len) refuse('INVALID_IMAGE_DATA_OVERRUN');
    }
    const s = session;
    if (data.length > 0) {
      await storage(() => store.writeUpload(s.image, s.off, data));
      s.off += data.length;
    }
    if (s.off !== s.len) return { off: s.off };
    session = undefined;
    await storage(() => store.finishUpload(s.image));
    if (!imageCheck) return { off: s.len };
    const written = await storage(() => store.readUpload(s.image, 0, s.len));
    return { off: s.len, match: s.sha.length === DATA_SHA_LEN && sameBytes(sha256(written), s.sha) };
  };

  const stateWrite = async (body: SmpMap): Promise<SmpMap> => {
    const confirm = body['confirm'];
    if (confirm !== undefined && typeof confirm !== 'boolean') throw new SmpRcError(MgmtErr.EINVAL, "'confirm' must be a boolean");
    const hash = body['hash'];
    if (hash === undefined) {
      if (confirm !== true) throw new SmpRcError(MgmtErr.EINVAL, 'a test needs the hash of the image to test');
      await storage(() => store.confirm(0), { bare: true });
    } else {
      if (!(hash instanceof Uint8Array)) throw new SmpRcError(MgmtErr.EINVAL, "'hash' must be a byte string");
      const slot = (await store.state()).find((s) => s.hash.length === hash.length && timingSafeEqual(s.hash, hash));
      if (!slot) refuse('HASH_NOT_FOUND', { bare: true });
      if (slot.active) {
        if (confirm !== true) refuse('IMAGE_SETTING_TEST_TO_ACTIVE_DENIED', { bare: true });
        await storage(() => store.confirm(slot.image), { bare: true });
      } else {
        await storage(() => store.setPending(slot.image, slot.slot, confirm === true), { bare: true });
      }
    }
    return stateBody(await store.state(), store.imageCount);
  };

  const erase = async (body: SmpMap): Promise<SmpMap> => {
    const abs = uintField(body, 'slot') ?? 1;
    // Not `abs >> 1`: that wraps at 2^31 and would name image 0 again.
    const image = Math.floor(abs / 2);
    const there = (await store.state()).find((s) => s.image === image && s.slot === abs % 2);
    if (there && inUse(there)) refuse('NO_FREE_SLOT', { bare: true });
    // img_mgmt_erase resets the upload state after the erase, whether it worked or not.
    session = undefined;
    if (image >= store.imageCount) refuse('FLASH_OPEN_FAILED', { bare: true });
    await storage(() => store.erase(image, abs % 2), { bare: true });
    return {};
  };

  return {
    id: GroupId.IMAGE,
    name: 'image',
    translateV1,
    /** The upload in progress (tests look at its offset). */
    get session(): Readonly<Session> | undefined {
      return session;
    },
    commands: {
      [ImageCmd.STATE]: {
        read: async () => stateBody(await store.state(), store.imageCount),
        write: ({ body }: { body: SmpMap }) => stateWrite(body),
      },
      [ImageCmd.UPLOAD]: { write: (request: { body: SmpMap; peer: SmpPeer }) => held(request.peer, () => request.body) },
      [ImageCmd.ERASE]: { write: ({ body }: { body: SmpMap }) => erase(body) },
      [ImageCmd.SLOT_INFO]: {
        read: async () => ({
          images: (await store.slotInfo()).map((i) => ({
            image: i.image,
            slots: i.slots.map((s) => ({ slot: s.slot, size: s.size, upload_image_id: s.uploadImageId })),
            max_image_size: i.maxImageSize,
          })),
        }),
      },
    },
  };
}

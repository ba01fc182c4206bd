/**
 * Image group (1) server handlers as Zephyr's img_mgmt answers them (notes/smp.md §4, checked
 * against the recorded app captures), over an `ImageStorage`:
 *
 * - upload: `off` required; the off-0 chunk needs `len` (else rc 3, as MCUboot; 0 is
 *   INVALID_LENGTH; more than the slot takes is the storage's INVALID_IMAGE_TOO_LARGE) and may
 *   carry `image`, `sha`, `upgrade`. With `upgrade: true` the storage compares the image the
 *   first chunk starts with the running one (ImageStorage.checkUpgrade: it reads the image
 *   format, this group does not) and refuses it before anything is erased. An off-0 chunk with the
 *   `sha` of the session in progress resumes it (answer: the session's offset, nothing
 *   written); any other off-0 chunk starts a new session. A chunk at the wrong offset is
 *   answered with the expected offset and no error; data past `len` is an overrun that ends
 *   the session. When the last byte lands, the slot is read back and hashed: with a `sha`, a
 *   mismatch is answered INVALID_HASH and the session is dropped, a match with
 *   `"match": true` — so bytes a CRC let through wrong never become a candidate image.
 * - state read / write (test, confirm, permanent by hash), erase (`slot` absolute: image N
 *   uses 2N and 2N+1, default 1; not the active slot, a pending one, or the one a scheduled
 *   revert boots: Zephyr's img_mgmt_slot_in_use), slot info.
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

interface Session {
  image: number;
  len: number;
  sha: Uint8Array | undefined;
  off: number;
  /** Set once the last byte landed and the hash checked out. */
  verified: boolean;
}

/** How Zephyr maps image group errors to v1 `rc` values (img_mgmt_translate_error_code). */
function translateV1(rc: number): number {
  switch (rc) {
    case ImageErr.NO_IMAGE:
    case ImageErr.HASH_NOT_FOUND:
      return MgmtErr.ENOENT;
    case ImageErr.INVALID_IMAGE_TOO_LARGE:
    case ImageErr.NO_FREE_SLOT:
    case ImageErr.NO_FREE_MEMORY:
      return MgmtErr.ENOMEM;
    case ImageErr.IMAGE_ALREADY_PENDING:
    case ImageErr.CURRENT_VERSION_IS_NEWER:
    case ImageErr.IMAGE_SETTING_TEST_TO_ACTIVE_DENIED:
    case ImageErr.IMAGE_CONFIRMATION_DENIED:
      return MgmtErr.EBADSTATE;
    case ImageErr.FLASH_READ_FAILED:
    case ImageErr.FLASH_WRITE_FAILED:
    case ImageErr.FLASH_ERASE_FAILED:
    case ImageErr.FLASH_OPEN_FAILED:
      return MgmtErr.EUNKNOWN;
    default:
      return MgmtErr.EINVAL;
  }
}

function refuse(code: keyof typeof ImageErr): never {
  throw new SmpGroupError(GroupId.IMAGE, ImageErr[code]);
}

/** Storage refusals become image group errors. */
async function storage<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof ImageStorageError) refuse(e.code);
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

function uintField(body: SmpMap, key: string, required: boolean): number | undefined {
  const v = body[key];
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new SmpRcError(MgmtErr.EINVAL, `'${key}' must be an unsigned integer`);
  return v;
}

export function imageGroup(store: ImageStorage, o: { lock?: UploadSessionLock } = {}): SmpGroupHandler & { readonly session: Readonly<Session> | undefined } {
  let session: Session | undefined;
  const uploading = (): boolean => session !== undefined && !session.verified;
  const held = (peer: SmpPeer, body: SmpMap): Promise<SmpMap> => (o.lock ? o.lock.hold(peer, 'an image upload', uploading, () => upload(body)) : upload(body));

  const upload = async (body: SmpMap): Promise<SmpMap> => {
    const off = uintField(body, 'off', true)!;
    const data = body['data'];
    if (!(data instanceof Uint8Array)) throw new SmpRcError(MgmtErr.EINVAL, "'data' must be a byte string");
    const answer = (s: Session): SmpMap => ({ off: s.off, match: s.verified ? true : undefined });
    if (off === 0) {
      const len = uintField(body, 'len', true)!;
      if (len === 0) refuse('INVALID_LENGTH');
      const image = uintField(body, 'image', false) ?? 0;
      const sha = body['sha'];
      if (sha !== undefined && (!(sha instanceof Uint8Array) || sha.length !== 32)) throw new SmpRcError(MgmtErr.EINVAL, "'sha' must be a 32-byte SHA-256");
      const upgrade = body['upgrade'];
      if (upgrade !== undefined && typeof upgrade !== 'boolean') throw new SmpRcError(MgmtErr.EINVAL, "'upgrade' must be a boolean");
      if (image >= store.imageCount) refuse('INVALID_SLOT');
      if (upgrade) await storage(() => store.checkUpgrade(image, data));
      if (session && sha && session.sha && session.image === image && session.len === len && timingSafeEqual(session.sha, sha) && session.off > 0) {
        return answer(session);
      }
      session = undefined;
      await storage(() => store.beginUpload(image, len));
      session = { image, len, sha, off: 0, verified: false };
    }
    if (!session) return { off: 0 };
    if (off !== session.off) return answer(session);
    if (off + data.length > session.len) {
      session = undefined;
      refuse('INVALID_IMAGE_DATA_OVERRUN');
    }
    const s = session;
    await storage(() => store.writeUpload(s.image, off, data));
    s.off += data.length;
    if (s.off === s.len) {
      if (s.sha) {
        const written = await storage(() => store.readUpload(s.image, 0, s.len));
        if (!timingSafeEqual(createHash('sha256').update(written).digest(), s.sha)) {
          session = undefined;
          refuse('INVALID_HASH');
        }
      }
      await storage(() => store.finishUpload(s.image));
      s.verified = true;
    }
    return answer(s);
  };

  const stateWrite = async (body: SmpMap): Promise<SmpMap> => {
    const confirm = body['confirm'];
    if (confirm !== undefined && typeof confirm !== 'boolean') throw new SmpRcError(MgmtErr.EINVAL, "'confirm' must be a boolean");
    const hash = body['hash'];
    if (hash === undefined) {
      if (confirm !== true) throw new SmpRcError(MgmtErr.EINVAL, 'a test needs the hash of the image to test');
      await storage(() => store.confirm(0));
    } else {
      if (!(hash instanceof Uint8Array)) throw new SmpRcError(MgmtErr.EINVAL, "'hash' must be a byte string");
      const slot = (await store.state()).find((s) => s.hash.length === hash.length && timingSafeEqual(s.hash, hash));
      if (!slot) refuse('HASH_NOT_FOUND');
      if (slot.active) {
        if (confirm !== true) refuse('IMAGE_SETTING_TEST_TO_ACTIVE_DENIED');
        await storage(() => store.confirm(slot.image));
      } else {
        await storage(() => store.setPending(slot.image, slot.slot, confirm === true));
      }
    }
    return stateBody(await store.state(), store.imageCount);
  };

  const group = {
    id: GroupId.IMAGE,
    name: 'image',
    translateV1,
    get session(): Readonly<Session> | undefined {
      return session;
    },
    commands: {
      [ImageCmd.STATE]: {
        read: async () => stateBody(await store.state(), store.imageCount),
        write: ({ body }: { body: SmpMap }) => stateWrite(body),
      },
      [ImageCmd.UPLOAD]: { write: ({ body, peer }: { body: SmpMap; peer: SmpPeer }) => held(peer, body) },
      [ImageCmd.ERASE]: {
        write: async ({ body }: { body: SmpMap }) => {
          const abs = uintField(body, 'slot', false) ?? 1;
          // Not `abs >> 1`: that wraps at 2^32 and would name image 0 again.
          const image = Math.floor(abs / 2);
          if (image >= store.imageCount) refuse('INVALID_SLOT');
          const slot = (await store.state()).find((s) => s.image === image && s.slot === abs % 2);
          if (slot?.active) refuse('IMAGE_SETTING_TEST_TO_ACTIVE_DENIED');
          if (slot?.pending) throw new SmpRcError(MgmtErr.EBADSTATE, 'the slot is pending for the next boot');
          // Zephyr img_mgmt_slot_in_use: nor the image a scheduled revert boots (the other slot, reported confirmed).
          if (slot?.confirmed && !slot.active) throw new SmpRcError(MgmtErr.EBADSTATE, 'the slot holds the image the next boot reverts to');
          if (session?.image === image) session = undefined;
          await storage(() => store.erase(image, abs % 2));
          return {};
        },
      },
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
  return group;
}

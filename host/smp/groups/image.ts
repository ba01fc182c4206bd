/**
 * Image group (1) client commands (notes/smp.md §4; Zephyr smp_group_1.rst): state read,
 * test / confirm marking, upload (through the upload engine, resumable by `sha`), erase and
 * slot info.
 */
import { createHash } from 'node:crypto';
import type { SmpMap } from '../cbor.js';
import type { RequestOptions, SmpClient } from '../client.js';
import { bytes, maps, optBool, optUint, text, uint } from '../fields.js';
import { GroupId, ImageCmd } from '../ids.js';
import type { ImageSlotInfo, ImageSlotState } from '../image-state.js';
import { upload, type UploadOptions, type UploadResult } from '../upload/engine.js';
import { imageTarget } from '../upload/target.js';

export interface ImageState {
  images: ImageSlotState[];
  splitStatus?: number;
}

export interface ImageUploadOptions extends UploadOptions {
  /** Image number on multi-image boards; default 0. */
  image?: number;
  /** Ask the board to refuse versions not newer than the running one. */
  upgrade?: boolean;
}

function parseState(r: SmpMap): ImageState {
  const ctx = 'image state answer';
  return {
    images: maps(r, 'images', ctx).map((m) => ({
      image: optUint(m, 'image', ctx) ?? 0,
      slot: uint(m, 'slot', ctx),
      version: text(m, 'version', ctx),
      hash: bytes(m, 'hash', ctx),
      bootable: optBool(m, 'bootable', ctx) ?? false,
      pending: optBool(m, 'pending', ctx) ?? false,
      confirmed: optBool(m, 'confirmed', ctx) ?? false,
      active: optBool(m, 'active', ctx) ?? false,
      permanent: optBool(m, 'permanent', ctx) ?? false,
    })),
    splitStatus: optUint(r, 'splitStatus', ctx),
  };
}

export class ImageClient {
  constructor(private readonly c: SmpClient) {}

  async state(options?: RequestOptions): Promise<ImageState> {
    return parseState(await this.c.read(GroupId.IMAGE, ImageCmd.STATE, {}, options));
  }

  /** Marks the image with `hash` for a test boot: it runs once and reverts unless confirmed. */
  async test(hash: Uint8Array, options?: RequestOptions): Promise<ImageState> {
    return parseState(await this.c.write(GroupId.IMAGE, ImageCmd.STATE, { hash, confirm: false }, options));
  }

  /**
   * Confirms: without a hash, the running image (no revert); with the hash of the other slot,
   * marks it pending and permanent (it will not revert).
   */
  async confirm(hash?: Uint8Array, options?: RequestOptions): Promise<ImageState> {
    return parseState(await this.c.write(GroupId.IMAGE, ImageCmd.STATE, { hash, confirm: true }, options));
  }

  /** Erases a slot (default: slot 1, the upload slot of image 0). */
  async erase(slot?: number, options?: RequestOptions): Promise<void> {
    await this.c.write(GroupId.IMAGE, ImageCmd.ERASE, { slot }, options);
  }

  async slotInfo(options?: RequestOptions): Promise<ImageSlotInfo[]> {
    const r = await this.c.read(GroupId.IMAGE, ImageCmd.SLOT_INFO, {}, options);
    const ctx = 'slot info answer';
    return maps(r, 'images', ctx).map((m) => ({
      image: uint(m, 'image', ctx),
      slots: maps(m, 'slots', ctx).map((s) => ({ slot: uint(s, 'slot', ctx), size: uint(s, 'size', ctx), uploadImageId: optUint(s, 'upload_image_id', ctx) })),
      maxImageSize: optUint(m, 'max_image_size', ctx),
    }));
  }

  /** Uploads an image to the board's upload slot; `sha` (SHA-256 of `data`) makes it resumable. */
  upload(data: Uint8Array, options: ImageUploadOptions = {}): Promise<UploadResult> {
    const sha = new Uint8Array(createHash('sha256').update(data).digest());
    return upload(this.c, imageTarget({ image: options.image, sha, upgrade: options.upgrade }), data, options);
  }
}


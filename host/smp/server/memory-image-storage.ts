/**
 * A minimal `ImageStorage` in memory with flash timing, so the link layer has an image-group
 * peer that costs what a board costs: sector erase (~85 ms per 4 KiB on an nRF52840), word
 * writes (~41 us per 4 bytes), erase of the whole upload area up front or progressively
 * (each sector when the upload first reaches it, CONFIG_IMG_ERASE_PROGRESSIVELY). Writes to
 * bytes that are not erased fail, as on flash. The boot model is the smallest MCUboot-like one
 * that shows test / confirm / revert: a reboot swaps a pending secondary in, and swaps back
 * at the next reboot unless the image was confirmed.
 *
 * It is the link's test and bench peer; the virtual board's flash model and bootloader
 * (rig/virtual/) are the full implementation of the same interface.
 */
import { createHash } from 'node:crypto';
import { isMcubootImage } from '../../mcuboot/describe.js';
import { decodeHeader, IMAGE_MAGIC, TLV } from '../../mcuboot/format.js';
import { parseImage } from '../../mcuboot/verify.js';
import { sleep, systemClock, type Clock } from '../../transport/clock.js';
import { boardVersion, ImageStorageError, type ImageStorage, type RunningVersion } from './image-storage.js';
import type { ImageSlotInfo, ImageSlotState } from '../image-state.js';

export interface FlashTiming {
  sectorSize: number;
  eraseMsPerSector: number;
  /** Program time per `wordSize` bytes, in microseconds. */
  writeUsPerWord: number;
  wordSize: number;
}

/** nRF52840 datasheet figures (tERASEPAGE 85 ms, tWRITE 41 us per 32-bit word). */
export const NRF52840_FLASH: FlashTiming = { sectorSize: 4096, eraseMsPerSector: 85, writeUsPerWord: 41, wordSize: 4 };

export interface MemoryImageStorageOptions {
  /** Bytes per slot. */
  slotSize: number;
  /** Updatable images; default 1. */
  images?: number;
  /** Busy times; default none (instant). Sector size defaults to 4096 either way. */
  timing?: FlashTiming;
  /** `progressive` (default) erases each sector when the upload reaches it; `upfront` all at the first chunk. */
  erase?: 'progressive' | 'upfront';
  clock?: Clock;
  /** The image running in image 0's primary slot at start. */
  running?: Uint8Array;
  /** Version and hash of an image; default: MCUboot header and SHA-256 TLV, else 0.0.0 and the SHA-256 of the bytes. */
  describe?: (image: Uint8Array) => { version: string; hash: Uint8Array; bootable: boolean };
}

/** Version and hash as a board reports them: MCUboot's header and SHA256 TLV when it is one. */
export function describeImage(image: Uint8Array): { version: string; hash: Uint8Array; bootable: boolean } {
  if (isMcubootImage(image)) {
    try {
      const img = parseImage(image);
      const sha = img.tlvs.find((t) => t.type === TLV.SHA256);
      if (sha) return { version: boardVersion(img.header.version), hash: sha.value, bootable: true };
    } catch {
      // a damaged MCUboot image is reported like any other bytes
    }
  }
  return { version: '0.0.0', hash: new Uint8Array(createHash('sha256').update(image).digest()), bootable: false };
}

interface Slot {
  bytes: Uint8Array;
  /** Length of the image it holds (0 = empty). */
  length: number;
  erased: boolean[];
}

interface ImageSlots {
  slots: [Slot, Slot];
  pending: 'none' | 'test' | 'permanent';
  /** The running image is on test: the next reboot reverts unless it is confirmed. */
  onTest: boolean;
  uploadSize: number;
}

export class MemoryImageStorage implements ImageStorage {
  readonly imageCount: number;
  readonly stats = { erasedSectors: 0, writtenBytes: 0, reboots: 0 };
  private readonly images: ImageSlots[];
  private readonly sectorSize: number;
  private readonly clock: Clock;
  private readonly describe: (image: Uint8Array) => { version: string; hash: Uint8Array; bootable: boolean };

  constructor(private readonly o: MemoryImageStorageOptions) {
    this.imageCount = o.images ?? 1;
    this.sectorSize = o.timing?.sectorSize ?? 4096;
    if (o.slotSize % this.sectorSize !== 0) throw new RangeError(`slot size ${o.slotSize} is not a whole number of ${this.sectorSize}-byte sectors`);
    this.clock = o.clock ?? systemClock;
    this.describe = o.describe ?? describeImage;
    const sectors = o.slotSize / this.sectorSize;
    const slot = (): Slot => ({ bytes: new Uint8Array(o.slotSize).fill(0xff), length: 0, erased: new Array<boolean>(sectors).fill(true) });
    this.images = Array.from({ length: this.imageCount }, () => ({ slots: [slot(), slot()], pending: 'none', onTest: false, uploadSize: 0 }));
    if (o.running) {
      if (o.running.length > o.slotSize) throw new RangeError(`running image of ${o.running.length} bytes does not fit a ${o.slotSize}-byte slot`);
      const p = this.images[0]!.slots[0];
      p.bytes.set(o.running);
      p.length = o.running.length;
    }
  }

  /** Bytes of an image's slot (for tests: what the board ends up holding). */
  slotBytes(image: number, slot: number): Uint8Array {
    const s = this.img(image).slots[slot]!;
    return s.bytes.subarray(0, s.length);
  }

  async state(): Promise<ImageSlotState[]> {
    const out: ImageSlotState[] = [];
    this.images.forEach((im, image) => {
      im.slots.forEach((s, slot) => {
        if (s.length === 0) return;
        const d = this.describe(s.bytes.subarray(0, s.length));
        const primary = slot === 0;
        out.push({
          image,
          slot,
          version: d.version,
          hash: d.hash,
          bootable: d.bootable,
          pending: !primary && im.pending !== 'none',
          confirmed: primary ? !im.onTest : im.onTest,
          active: primary,
          permanent: !primary && im.pending === 'permanent',
        });
      });
    });
    return out;
  }

  /** The MCUboot header of the image in the primary slot; raw bytes have no version to read. */
  async runningVersion(image: number): Promise<RunningVersion> {
    const p = this.img(image).slots[0];
    if (p.length === 0) return 'unreadable';
    const h = decodeHeader(p.bytes);
    return h.magic === IMAGE_MAGIC ? h.version : 'unreadable';
  }

  async slotInfo(): Promise<ImageSlotInfo[]> {
    return this.images.map((_, image) => ({
      image,
      slots: [
        { slot: 0, size: this.o.slotSize },
        { slot: 1, size: this.o.slotSize, uploadImageId: image },
      ],
      maxImageSize: this.o.slotSize,
    }));
  }

  async beginUpload(image: number, size: number): Promise<void> {
    const im = this.img(image);
    if (size > this.o.slotSize) throw new ImageStorageError('INVALID_IMAGE_TOO_LARGE', `image of ${size} bytes does not fit the ${this.o.slotSize}-byte slot`);
    if (im.pending !== 'none') throw new ImageStorageError('IMAGE_ALREADY_PENDING', 'the upload slot holds an image pending for the next boot');
    const s = im.slots[1];
    s.length = 0;
    s.erased.fill(false);
    im.uploadSize = size;
    if (this.o.erase === 'upfront') await this.eraseSectors(s, 0, Math.ceil(size / this.sectorSize));
  }

  async writeUpload(image: number, offset: number, data: Uint8Array): Promise<void> {
    const s = this.img(image).slots[1];
    if (offset + data.length > this.o.slotSize) throw new ImageStorageError('INVALID_IMAGE_DATA_OVERRUN', 'write past the end of the slot');
    const first = Math.floor(offset / this.sectorSize);
    const last = Math.floor((offset + data.length - 1) / this.sectorSize);
    for (let k = first; k <= last; k++) if (!s.erased[k]) await this.eraseSectors(s, k, k + 1);
    for (let i = 0; i < data.length; i++) {
      if (s.bytes[offset + i] !== 0xff) throw new ImageStorageError('FLASH_WRITE_FAILED', `write to unerased flash at offset ${offset + i}`);
    }
    s.bytes.set(data, offset);
    this.stats.writtenBytes += data.length;
    const t = this.o.timing;
    if (t) await sleep(this.clock, (Math.ceil(data.length / t.wordSize) * t.writeUsPerWord) / 1000);
  }

  async readUpload(image: number, offset: number, length: number): Promise<Uint8Array> {
    return this.img(image).slots[1].bytes.slice(offset, offset + length);
  }

  async finishUpload(image: number): Promise<void> {
    const im = this.img(image);
    im.slots[1].length = im.uploadSize;
  }

  async setPending(image: number, slot: number, permanent: boolean): Promise<void> {
    const im = this.img(image);
    if (slot !== 1 || im.slots[1].length === 0) throw new ImageStorageError('NO_IMAGE', `slot ${slot} of image ${image} holds no candidate`);
    im.pending = permanent ? 'permanent' : 'test';
  }

  async confirm(image: number): Promise<void> {
    this.img(image).onTest = false;
  }

  async erase(image: number, slot: number): Promise<void> {
    const s = this.img(image).slots[slot];
    if (!s) throw new ImageStorageError('INVALID_SLOT', `no slot ${slot}`);
    await this.eraseSectors(s, 0, s.erased.length);
    s.length = 0;
  }

  /** The board resets: swap in a pending image, or revert an unconfirmed test image. */
  async reboot(): Promise<void> {
    this.stats.reboots++;
    for (const im of this.images) {
      if (im.pending !== 'none') {
        im.slots.reverse();
        im.onTest = im.pending === 'test';
        im.pending = 'none';
      } else if (im.onTest) {
        im.slots.reverse();
        im.onTest = false;
      }
    }
  }

  private img(image: number): ImageSlots {
    const im = this.images[image];
    if (!im) throw new ImageStorageError('INVALID_SLOT', `no image ${image}`);
    return im;
  }

  private async eraseSectors(s: Slot, from: number, to: number): Promise<void> {
    for (let k = from; k < to; k++) {
      s.bytes.fill(0xff, k * this.sectorSize, (k + 1) * this.sectorSize);
      s.erased[k] = true;
    }
    this.stats.erasedSectors += to - from;
    if (this.o.timing && to > from) await sleep(this.clock, (to - from) * this.o.timing.eraseMsPerSector);
  }
}

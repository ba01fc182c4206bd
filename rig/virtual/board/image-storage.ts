/**
 * The image group (1) of the virtual board over its flash and bootloader: the ImageStorage of
 * host/smp/server/image-storage.ts, answering as Zephyr's img_mgmt does on an MCUboot board
 * (notes/smp.md §4, notes/mcuboot.md §4, §7):
 * - state: each slot holding an image with its version and SHA256 TLV; flags from the trailers —
 *   the active slot is confirmed unless the next boot reverts it, the other slot is pending
 *   (test), pending + permanent, or confirmed when a revert will bring it back; serial
 *   recovery lists only the slots whose image the bootloader accepts (bs_list);
 * - uploads go to the secondary slot with progressive erase (slot-writer.ts), refused while it
 *   is in use (pending, or the image a revert needs: NO_FREE_SLOT) or a SUIT update holds it,
 *   and take images up to the largest the slots swap; in the bootloader (serial recovery, or
 *   no bootable image) they go to the primary, as MCUboot's serial recovery writes them (its
 *   own SMP commands: host/smp/server/mcuboot-recovery.ts), up to the slot's size (bs_upload);
 * - the image format is read here, on the device side, not by the image group: the header
 *   check of a first chunk, versions and the SHA256 TLV for image state, the header
 *   comparison of `upgrade: true` uploads (major.minor.revision, img_mgmt_vercmp);
 * - test / permanent marks the secondary with `boot_set_pending`, confirm writes image_ok.
 * SUIT containers (rig/virtual/suit) are images like any other here.
 */
import { createHash } from 'node:crypto';
import { compareVersions, decodeHeader, IMAGE_F, IMAGE_HEADER_SIZE, IMAGE_MAGIC, TLV, parseImage } from '../../../host/mcuboot/index.js';
import { ImageStorageError, type ImageStorage } from '../../../host/smp/server/image-storage.js';
import { boardVersion, type ImageSlotInfo, type ImageSlotState } from '../../../host/smp/image-state.js';
import { SwapType } from '../../../host/mcuboot/trailer.js';
import { headerErased, imageLength, requestedSwapType } from '../bootloader/index.js';
import type { FlashArea } from '../flash/index.js';
import { maxImageSize, type SuitFirmware } from '../suit/firmware.js';
import { SlotWriteError, SlotWriter } from '../suit/slot-writer.js';

export interface StorageHost {
  readonly firmware: SuitFirmware;
  /** Where the board is: `application`, `bootloader` (serial recovery), `recovery` (nothing bootable), ... */
  readonly mode: string;
}

function slotImage(area: FlashArea): { version: string; hash: Uint8Array; bootable: boolean } | undefined {
  if (headerErased(area)) return undefined;
  const len = imageLength(area);
  if (typeof len === 'string') return undefined;
  try {
    const img = parseImage(area.read(0, len));
    const sha = img.tlvs.find((t) => t.type === TLV.SHA256)?.value ?? new Uint8Array(createHash('sha256').update(area.read(0, img.hashedLength)).digest());
    return { version: boardVersion(img.header.version), hash: sha, bootable: (img.header.flags & IMAGE_F.NON_BOOTABLE) === 0 };
  } catch {
    return undefined;
  }
}

export class BoardImageStorage implements ImageStorage {
  readonly imageCount = 1;
  private writer: SlotWriter | undefined;

  constructor(private readonly host: StorageHost) {}

  private get fw(): SuitFirmware {
    return this.host.firmware;
  }

  /** The slot uploads go to in the board's current mode. */
  private uploadSlot(): 0 | 1 {
    return this.host.mode === 'bootloader' || this.host.mode === 'recovery' ? 0 : 1;
  }

  private uploadArea(): FlashArea {
    return this.uploadSlot() === 1 ? this.fw.areas.secondary : this.fw.areas.primary;
  }

  /** What an upload may write: the image the slots swap through the application; the whole slot in serial recovery. */
  private uploadCapacity(): number {
    return this.uploadSlot() === 1 ? maxImageSize(this.fw.device, this.fw.profile) : this.fw.areas.primary.size;
  }

  async state(): Promise<ImageSlotState[]> {
    const bl = this.fw.device.bootloader;
    const swap = requestedSwapType(bl.primary.readState(), bl.secondary.readState());
    const out: ImageSlotState[] = [];
    const pri = slotImage(this.fw.areas.primary);
    if (pri) {
      out.push({
        image: 0,
        slot: 0,
        ...pri,
        pending: false,
        confirmed: swap !== SwapType.REVERT,
        active: this.fw.state.kind === 'running',
        permanent: false,
      });
    }
    const sec = slotImage(this.fw.areas.secondary);
    if (sec) {
      out.push({
        image: 0,
        slot: 1,
        ...sec,
        pending: swap === SwapType.TEST || swap === SwapType.PERM,
        confirmed: swap === SwapType.REVERT,
        active: false,
        permanent: swap === SwapType.PERM,
      });
    }
    return out;
  }

  async validImages(): Promise<ImageSlotState[]> {
    const bl = this.fw.device.bootloader;
    return (await this.state()).filter((s) => bl.accepts(s.slot === 0 ? 'primary' : 'secondary'));
  }

  headerProblem(first: Uint8Array): 'INVALID_IMAGE_HEADER' | 'INVALID_IMAGE_HEADER_MAGIC' | undefined {
    if (first.length < IMAGE_HEADER_SIZE) return 'INVALID_IMAGE_HEADER';
    return decodeHeader(first).magic === IMAGE_MAGIC ? undefined : 'INVALID_IMAGE_HEADER_MAGIC';
  }

  /** The first chunk's MCUboot header must carry a newer version than the running application's header. */
  async checkUpgrade(image: number, first: Uint8Array): Promise<void> {
    if (image !== 0) throw new ImageStorageError('INVALID_SLOT', `no image ${image}`);
    if (first.length < IMAGE_HEADER_SIZE) throw new ImageStorageError('INVALID_IMAGE_HEADER', `the first chunk (${first.length} bytes) is shorter than an image header`);
    const candidate = decodeHeader(first);
    if (candidate.magic !== IMAGE_MAGIC) throw new ImageStorageError('INVALID_IMAGE_HEADER_MAGIC', 'the first chunk does not start with an MCUboot image header');
    const running = this.fw.state.kind === 'running' ? decodeHeader(this.fw.areas.primary.read(0, IMAGE_HEADER_SIZE)) : undefined;
    if (running?.magic !== IMAGE_MAGIC) throw new ImageStorageError('VERSION_GET_FAILED', 'no running image to compare the upload with');
    if (compareVersions(running.version, candidate.version) >= 0) {
      throw new ImageStorageError('CURRENT_VERSION_IS_NEWER', `the running image ${boardVersion(running.version)} is not older than ${boardVersion(candidate.version)}`);
    }
  }

  async slotInfo(): Promise<ImageSlotInfo[]> {
    const a = this.fw.areas;
    return [{ image: 0, slots: [{ slot: 0, size: a.primary.size }, { slot: 1, size: a.secondary.size, uploadImageId: 0 }], maxImageSize: maxImageSize(this.fw.device, this.fw.profile) }];
  }

  async checkUpload(image: number, size: number): Promise<void> {
    if (image !== 0) throw new ImageStorageError('INVALID_SLOT', `no image ${image}`);
    if (this.uploadSlot() === 1) {
      // img_mgmt_slot_in_use: pending for the next boot, or the image a scheduled revert boots.
      const busy = this.fw.candidateBusy() ?? ((await this.state()).some((s) => s.slot === 1 && (s.pending || s.confirmed)) ? 'the secondary slot is in use: pending for the next boot, or the image a revert boots' : undefined);
      if (busy) throw new ImageStorageError('NO_FREE_SLOT', busy);
    }
    const max = this.uploadCapacity();
    if (size > max) throw new ImageStorageError('INVALID_IMAGE_TOO_LARGE', `${size} bytes; the slot takes images of at most ${max}`);
  }

  async beginUpload(image: number, size: number): Promise<void> {
    await this.checkUpload(image, size);
    // A SUIT update in progress writes the same slot: it is abandoned.
    this.fw.consumer.cancel();
    const trailer = this.uploadSlot() === 1 ? this.fw.device.bootloader.secondary : this.fw.device.bootloader.primary;
    const t = trailer.trailerSectors();
    this.writer = new SlotWriter(trailer.area, 0, this.uploadCapacity(), [...Array.from({ length: t.count }, (_, i) => t.first + i)]);
  }

  uploadAlign(): number {
    return this.uploadArea().align;
  }

  /** Drops the upload in progress (a SUIT update takes the slot); its session must go too. */
  abandonUpload(): void {
    this.writer = undefined;
  }

  private need(): SlotWriter {
    if (!this.writer) throw new ImageStorageError('FLASH_CONTEXT_NOT_SET', 'no upload in progress');
    return this.writer;
  }

  async writeUpload(_image: number, offset: number, data: Uint8Array): Promise<void> {
    const w = this.need();
    if (offset !== w.size) throw new ImageStorageError('INVALID_OFFSET', `offset ${offset}, expected ${w.size}`);
    try {
      w.write(data);
    } catch (e) {
      if (e instanceof SlotWriteError) throw new ImageStorageError('INVALID_IMAGE_TOO_LARGE', e.message);
      throw e;
    }
  }

  async readUpload(_image: number, offset: number, length: number): Promise<Uint8Array> {
    if (!this.writer) return this.uploadArea().read(offset, length);
    const dst = new Uint8Array(length);
    this.writer.read(offset, dst);
    return dst;
  }

  async finishUpload(): Promise<void> {
    this.need().close();
    this.writer = undefined;
  }

  async setPending(image: number, slot: number, permanent: boolean): Promise<void> {
    if (image !== 0 || slot !== 1) throw new ImageStorageError('INVALID_SLOT', 'only the secondary slot can be marked for the next boot');
    this.fw.device.requestUpdate(permanent);
  }

  async confirm(): Promise<void> {
    if (this.fw.state.kind !== 'running') throw new ImageStorageError('IMAGE_CONFIRMATION_DENIED', 'no application is running');
    this.fw.confirmRunning();
  }

  async erase(image: number, slot: number): Promise<void> {
    if (image !== 0 || slot !== 1) throw new ImageStorageError('INVALID_SLOT', 'only the secondary slot can be erased');
    this.fw.consumer.cancel();
    this.writer = undefined;
    const a = this.fw.areas.secondary;
    for (const s of a.sectors) if (!a.isErased(s.offset, s.size)) a.erase(s.offset, s.size);
  }
}

/**
 * MCUboot serial recovery's SMP commands (mcu-tools/mcuboot `boot/boot_serial/src/boot_serial.c`;
 * notes/mcuboot.md §7, notes/smp.md §4 "MCUboot serial recovery subset"), checked request by
 * request against the MCUboot that Zephyr 4.4.0 pins, under QEMU (test/strict/fidelity.test.ts),
 * for a board whose bootloader waits in recovery. MCUboot dispatches on group and command only:
 * a command answers its READ and its WRITE alike, except image state (READ lists; WRITE would
 * set a state, not built here: rc 8). Every refusal is a bare `{"rc": n}` (bs_rc_rsp: no `rsn`,
 * no SMP v2 group errors).
 *
 * - OS (0): echo only when built with MCUBOOT_BOOT_MGMT_ECHO; console echo control `{rc: 0}`;
 *   reset `{rc: 0}`, then the reset; MCUmgr parameters `{buf_size, buf_count: 1}` when built
 *   with MCUBOOT_BOOT_MGMT_MCUMGR_PARAMS; nothing else (OS and bootloader info: rc 8).
 * - image (1): state read (bs_list) as `{images: [{slot, hash, version}]}` for each slot whose
 *   image the bootloader accepts (hash, signature, counter: an image it would not boot is not
 *   listed); no flags (MCUboot knows nothing of test/confirm here); the payload is not read.
 * - upload (bs_upload) into the slot the storage writes in recovery, answered `{rc: 0, off}`:
 *   `off` and `data` are required (rc 3); `off` 0 always starts over (`sha` is ignored: no
 *   resume) and needs a `len` no larger than the slot (rc 3; 0 is a length), takes `image`
 *   (one the board does not have: rc 3, for every chunk until the next offset 0) and writes
 *   the chunk whole; a later chunk at the wrong offset is answered with the expected one, one
 *   past `len` rc 3 (the upload stays where it was). Chunks are written in whole flash write
 *   units: a chunk that does not end the image loses its last partial unit, and the answer asks
 *   for it again (63 bytes on a 4-byte unit part: `off` 60); the last chunk is padded.
 *
 * With an `UploadSessionLock`, another connection's upload chunk is answered EBUSY while one is
 * in progress (upload-session.ts).
 */
import type { SmpMap } from '../cbor.js';
import { MgmtErr, SmpRcError } from '../errors.js';
import { GroupId, ImageCmd, OsCmd } from '../ids.js';
import { ImageStorageError, type ImageStorage } from './image-storage.js';
import type { SmpGroupHandler, SmpHandler } from './server.js';
import type { UploadSessionLock } from './upload-session.js';

export interface RecoveryOsOptions {
  /** Answer MCUmgr parameters with this buffer (MCUBOOT_BOOT_MGMT_MCUMGR_PARAMS); undefined: rc 8. */
  params?: { bufSize: number };
  /** Serve echo (MCUBOOT_BOOT_MGMT_ECHO, default off). */
  echo: boolean;
  /** Runs once the reset answer went out. */
  reset: () => void | Promise<void>;
}

export function recoveryOsGroup(o: RecoveryOsOptions): SmpGroupHandler {
  const commands: Record<number, { read?: SmpHandler; write?: SmpHandler }> = {};
  const anyOp = (h: SmpHandler) => ({ read: h, write: h });
  if (o.echo) {
    commands[OsCmd.ECHO] = anyOp(({ body }) => {
      const d = body['d'];
      if (typeof d !== 'string') throw new SmpRcError(MgmtErr.EINVAL);
      return { r: d };
    });
  }
  commands[OsCmd.CONSOLE_ECHO] = anyOp(() => ({ rc: 0 }));
  commands[OsCmd.RESET] = anyOp(({ afterResponse }) => {
    afterResponse(o.reset);
    return { rc: 0 };
  });
  const params = o.params;
  if (params) commands[OsCmd.PARAMS] = anyOp(() => ({ buf_size: params.bufSize, buf_count: 1 }));
  return { id: GroupId.OS, name: 'os (MCUboot serial recovery)', commands };
}

/** bs_upload's static state: `img_num`, `img_size`, `curr_off` (zero at boot), and whether an upload runs. */
interface Upload {
  image: number;
  size: number;
  off: number;
  /** An offset-0 chunk was taken and the image's last byte has not been written yet. */
  running: boolean;
}

/** zcbor_uint32_decode / zcbor_size_decode (32-bit targets): a value that does not decode is EINVAL. */
function uint(body: SmpMap, key: string): number | undefined {
  const v = body[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffff_ffff) throw new SmpRcError(MgmtErr.EINVAL);
  return v;
}

/** A storage refusal is a bare `rc`: EINVAL for what the request asked, EUNKNOWN for the flash. */
async function stored<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (!(e instanceof ImageStorageError)) throw e;
    throw new SmpRcError(e.code.startsWith('FLASH_') ? MgmtErr.EUNKNOWN : MgmtErr.EINVAL);
  }
}

export function recoveryImageGroup(storage: ImageStorage, o: { lock?: UploadSessionLock } = {}): SmpGroupHandler {
  const st: Upload = { image: 0, size: 0, off: 0, running: false };
  const list: SmpHandler = async () => ({
    images: (await storage.validImages()).map((s) => ({ ...(storage.imageCount > 1 ? { image: s.image } : {}), slot: s.slot, hash: s.hash, version: s.version })),
  });
  const chunk = async (body: SmpMap): Promise<SmpMap> => {
    const image = uint(body, 'image');
    const data = body['data'];
    const len = uint(body, 'len');
    const off = uint(body, 'off');
    if (data !== undefined && !(data instanceof Uint8Array)) throw new SmpRcError(MgmtErr.EINVAL);
    if (off === undefined || data === undefined) throw new SmpRcError(MgmtErr.EINVAL);
    if (off === 0) st.image = image ?? 0;
    if (st.image >= storage.imageCount) throw new SmpRcError(MgmtErr.EINVAL);
    if (off === 0) {
      st.off = 0;
      st.running = false;
      if (len === undefined) throw new SmpRcError(MgmtErr.EINVAL);
      await stored(() => storage.beginUpload(st.image, len));
      st.size = len;
      st.running = true;
    } else if (off !== st.off) {
      return { rc: 0, off: st.off };
    } else if (st.off + data.length > st.size) {
      throw new SmpRcError(MgmtErr.EINVAL);
    }
    // Whole write units only, but for the chunk that ends the image (padded with the erased value).
    let n = data.length - (data.length % storage.uploadAlign(st.image));
    if (st.off + data.length >= st.size) n = data.length;
    if (n > 0 && st.running) {
      await stored(() => storage.writeUpload(st.image, st.off, data.subarray(0, n)));
      st.off += n;
    }
    if (st.running && st.off === st.size) {
      st.running = false;
      await stored(() => storage.finishUpload(st.image));
    }
    return { rc: 0, off: st.off };
  };
  const upload: SmpHandler = (request) => (o.lock ? o.lock.hold(request.peer, 'an image upload (serial recovery)', () => st.running, () => chunk(request.body)) : chunk(request.body));
  return {
    id: GroupId.IMAGE,
    name: 'image (MCUboot serial recovery)',
    commands: { [ImageCmd.STATE]: { read: list }, [ImageCmd.UPLOAD]: { read: upload, write: upload } },
  };
}

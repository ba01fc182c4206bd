/**
 * MCUboot serial recovery's SMP commands (mcu-tools/mcuboot `boot/boot_serial/src/boot_serial.c`;
 * notes/mcuboot.md §7, notes/smp.md §4 "MCUboot serial recovery subset", checked against the
 * recorded QEMU captures), for a board whose bootloader waits in recovery:
 *
 * - OS (0): echo only when built with MCUBOOT_BOOT_MGMT_ECHO; console echo control `{rc: 0}`;
 *   reset `{rc: 0}` (bs_rc_rsp), then the reset; MCUmgr parameters `{buf_size, buf_count: 1}`
 *   when built with MCUBOOT_BOOT_MGMT_MCUMGR_PARAMS; nothing else (OS and bootloader info: rc 8).
 * - image (1): state read as `{images: [{slot, hash, version}]}` for each slot holding an image
 *   (no flags: MCUboot knows nothing of test/confirm here); upload into the slot the storage
 *   writes in recovery, answered `{rc: 0, off}`; `off` 0 always starts over (`sha` is ignored:
 *   no resume), `len` is required there (rc 3), a chunk at the wrong offset is answered with
 *   the expected one, a refused chunk `{rc}` alone; nothing else (state write, erase, slot
 *   info: rc 8).
 *
 * MCUboot predates SMP v2's group errors: every refusal is an `rc`. Unknown commands are the
 * server's rc 8, as everywhere. With an `UploadSessionLock`, another connection's upload chunk
 * is answered EBUSY while one is in progress (upload-session.ts).
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
  if (o.echo) {
    const echo: SmpHandler = ({ body }) => {
      const d = body['d'];
      if (typeof d !== 'string') throw new SmpRcError(MgmtErr.EINVAL);
      return { r: d };
    };
    commands[OsCmd.ECHO] = { read: echo, write: echo };
  }
  commands[OsCmd.CONSOLE_ECHO] = { write: () => ({ rc: 0 }) };
  commands[OsCmd.RESET] = {
    write: ({ afterResponse }) => {
      afterResponse(o.reset);
      return { rc: 0 };
    },
  };
  const params = o.params;
  if (params) commands[OsCmd.PARAMS] = { read: () => ({ buf_size: params.bufSize, buf_count: 1 }) };
  return { id: GroupId.OS, name: 'os (MCUboot serial recovery)', commands };
}

/** The upload in progress: MCUboot's `curr_off` and `img_size`. */
interface Upload {
  image: number;
  len: number;
  off: number;
}

function uint(body: SmpMap, key: string): number | undefined {
  const v = body[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new SmpRcError(MgmtErr.EINVAL, `'${key}' must be an unsigned integer`);
  return v;
}

/** A storage refusal is an `rc` here: EINVAL for what the request asked, EUNKNOWN for the flash. */
async function stored<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (!(e instanceof ImageStorageError)) throw e;
    throw new SmpRcError(e.code.startsWith('FLASH_') ? MgmtErr.EUNKNOWN : MgmtErr.EINVAL, e.message);
  }
}

export function recoveryImageGroup(storage: ImageStorage, o: { lock?: UploadSessionLock } = {}): SmpGroupHandler {
  let upload: Upload | undefined;
  const list: SmpHandler = async () => ({
    images: (await storage.state()).map((s) => ({ ...(storage.imageCount > 1 ? { image: s.image } : {}), slot: s.slot, hash: s.hash, version: s.version })),
  });
  const chunk = async (body: SmpMap): Promise<SmpMap> => {
    const off = uint(body, 'off');
    const data = body['data'];
    if (off === undefined || !(data instanceof Uint8Array)) throw new SmpRcError(MgmtErr.EINVAL, "'off' and 'data' are required");
    if (off === 0) {
      const len = uint(body, 'len');
      if (len === undefined || len === 0) throw new SmpRcError(MgmtErr.EINVAL, "'len' is required at offset 0");
      const image = uint(body, 'image') ?? 0;
      if (image >= storage.imageCount) throw new SmpRcError(MgmtErr.EINVAL, `no image ${image}`);
      upload = undefined;
      await stored(() => storage.beginUpload(image, len));
      upload = { image, len, off: 0 };
    } else if (!upload || off !== upload.off) {
      return { rc: 0, off: upload?.off ?? 0 };
    }
    const u = upload!;
    if (u.off + data.length > u.len) {
      upload = undefined;
      throw new SmpRcError(MgmtErr.EINVAL, `data past the image length ${u.len}`);
    }
    await stored(() => storage.writeUpload(u.image, u.off, data));
    u.off += data.length;
    if (u.off === u.len) {
      upload = undefined;
      await stored(() => storage.finishUpload(u.image));
    }
    return { rc: 0, off: u.off };
  };
  const write: SmpHandler = ({ body, peer }) => (o.lock ? o.lock.hold(peer, 'an image upload (serial recovery)', () => upload !== undefined, () => chunk(body)) : chunk(body));
  return {
    id: GroupId.IMAGE,
    name: 'image (MCUboot serial recovery)',
    commands: { [ImageCmd.STATE]: { read: list }, [ImageCmd.UPLOAD]: { write } },
  };
}

/**
 * Bounds of the image group server (host/smp/server/image-group.ts) on values from the wire, as
 * Zephyr's img_mgmt decodes them (32-bit `slot`, `len`, `off`: anything larger does not decode,
 * rc 3): a slot number past 2^32 names no slot (it must not wrap onto image 0), a slot the board
 * does not have is FLASH_OPEN_FAILED, a `len` larger than the slot is refused at the first
 * chunk before anything is erased (`len` 0 is a length, as on the real board), offsets past the
 * session are answered with the expected offset, data past `len` is an overrun. Against the SMP
 * peer (the virtual board model), request by request through SmpServer.answer.
 */
import { describe, expect, it, vi } from 'vitest';
import { encodeCbor, type SmpMap } from '../../host/smp/cbor.js';
import { Op, type SmpHeader } from '../../host/smp/header.js';
import { GroupId, ImageCmd } from '../../host/smp/ids.js';
import { maxImageSize } from '../../rig/virtual/suit/firmware.js';
import { closedAfterEach, uploadBytes } from '../helpers/smp-peer.js';

const opened = closedAfterEach();

async function peer() {
  const p = await opened.peer();
  let seq = 0;
  const send = (command: number, body: SmpMap): Promise<SmpMap> => {
    const h: SmpHeader = { op: Op.WRITE, version: 2, flags: 0, length: 0, group: GroupId.IMAGE, seq: seq++ & 0xff, command };
    return p.server.answer(h, encodeCbor(body));
  };
  return { p, send };
}

const err = (rc: number) => ({ err: { group: GroupId.IMAGE, rc } });

describe('image group bounds', () => {
  it('erase: a slot number past 2^32 does not decode (rc 3), slots 2 and 3 are FLASH_OPEN_FAILED: none is slot 1 again', async () => {
    const { p, send } = await peer();
    const data = uploadBytes(100);
    expect(await send(ImageCmd.UPLOAD, { off: 0, len: 100, data })).toMatchObject({ off: 100 });
    expect(p.candidate()).toEqual(data);
    for (const slot of [2 ** 32 + 1, 2 ** 33 + 1, Number.MAX_SAFE_INTEGER]) expect(await send(ImageCmd.ERASE, { slot }), String(slot)).toEqual({ rc: 3 });
    for (const slot of [2, 3]) expect(await send(ImageCmd.ERASE, { slot }), String(slot)).toEqual(err(10));
    expect(p.candidate()).toEqual(data);
    expect(await send(ImageCmd.ERASE, { slot: 1 })).toEqual({});
    expect(p.candidate().length).toBe(0);
    expect(p.board.firmware.areas.secondary.isErased(0, 100)).toBe(true);
  });

  it('upload: a len larger than the slot is INVALID_IMAGE_TOO_LARGE (or does not decode), before any erase; len 0 is taken', async () => {
    const { p, send } = await peer();
    const ops = p.board.firmware.flash.opCount;
    const data = uploadBytes(40);
    expect(await send(ImageCmd.UPLOAD, { off: 0, len: maxImageSize(p.board.firmware.device, p.board.profile) + 1, data })).toEqual(err(30));
    for (const len of [2 ** 32, Number.MAX_SAFE_INTEGER, 2n ** 64n - 1n]) expect(await send(ImageCmd.UPLOAD, { off: 0, len, data }), String(len)).toEqual({ rc: 3 });
    expect(p.board.firmware.flash.opCount).toBe(ops);
    // img_mgmt_upload_inspect refuses only a missing len; the first chunk is not checked against it.
    expect(await send(ImageCmd.UPLOAD, { off: 0, len: 0, data })).toMatchObject({ off: 40 });
    expect(await send(ImageCmd.UPLOAD, { off: 40, data: new Uint8Array(1) })).toEqual(err(31));
  });

  it('upload: wrong offsets get the expected offset, huge ones do not decode; data past len is an overrun that ends the session', async () => {
    const { p, send } = await peer();
    const finished = vi.spyOn(p.storage, 'finishUpload');
    expect(await send(ImageCmd.UPLOAD, { off: 0, len: 300, data: uploadBytes(100, 2) })).toEqual({ off: 100 });
    for (const off of [99, 101, 2 ** 32 - 1]) expect(await send(ImageCmd.UPLOAD, { off, data: new Uint8Array(10) })).toEqual({ off: 100 });
    for (const off of [2 ** 53 - 1, 2 ** 32]) expect(await send(ImageCmd.UPLOAD, { off, data: new Uint8Array(10) })).toEqual({ rc: 3 });
    expect(await send(ImageCmd.UPLOAD, { off: 100, data: new Uint8Array(201) })).toEqual(err(31));
    expect(await send(ImageCmd.UPLOAD, { off: 100, data: new Uint8Array(10) })).toEqual({ off: 0 });
    expect(finished).not.toHaveBeenCalled();
    expect(p.candidate().length).toBe(0);
  });
});

/**
 * Bounds of the image group server (host/smp/server/image-group.ts) on values from the wire:
 * a slot number past 2^32 names no slot (it must not wrap onto image 0), `len` 0 and `len`
 * larger than the slot are refused at the first chunk before anything is erased, offsets past
 * the session and huge ones are answered with the expected offset, data past `len` is an
 * overrun. Against the SMP peer (the virtual board model), request by request through
 * SmpServer.answer.
 */
import { describe, expect, it, vi } from 'vitest';
import { encodeCbor, type SmpMap } from '../../host/smp/cbor.js';
import { Op, type SmpHeader } from '../../host/smp/header.js';
import { GroupId, ImageCmd } from '../../host/smp/ids.js';
import { maxImageSize } from '../../rig/virtual/suit/firmware.js';
import { closedAfterEach } from '../helpers/smp-peer.js';

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
  it('erase: a slot number past 2^32 is INVALID_SLOT, not slot 1 again', async () => {
    const { p, send } = await peer();
    const data = new Uint8Array(100).fill(1);
    await send(ImageCmd.UPLOAD, { off: 0, len: 100, data });
    expect(p.candidate()).toEqual(data);
    for (const slot of [2 ** 32 + 1, 2 ** 33 + 1, 2, 3, Number.MAX_SAFE_INTEGER]) expect(await send(ImageCmd.ERASE, { slot }), String(slot)).toEqual(err(14));
    expect(p.candidate()).toEqual(data);
    expect(await send(ImageCmd.ERASE, { slot: 1 })).toEqual({});
    expect(p.candidate().length).toBe(0);
    expect(p.board.firmware.areas.secondary.isErased(0, 100)).toBe(true);
  });

  it('upload: len 0 is INVALID_LENGTH and a len larger than the slot INVALID_IMAGE_TOO_LARGE, before any erase', async () => {
    const { p, send } = await peer();
    const ops = p.board.firmware.flash.opCount;
    expect(await send(ImageCmd.UPLOAD, { off: 0, len: 0, data: new Uint8Array(0) })).toEqual(err(21));
    for (const len of [maxImageSize(p.board.firmware.device, p.board.profile) + 1, 2 ** 32, Number.MAX_SAFE_INTEGER]) expect(await send(ImageCmd.UPLOAD, { off: 0, len, data: new Uint8Array(10) })).toEqual(err(30));
    expect(await send(ImageCmd.UPLOAD, { off: 0, len: 2n ** 64n - 1n, data: new Uint8Array(10) })).toMatchObject({ rc: 3 });
    expect(p.board.firmware.flash.opCount).toBe(ops);
  });

  it('upload: huge and wrong offsets get the expected offset; data past len is an overrun that ends the session', async () => {
    const { p, send } = await peer();
    const finished = vi.spyOn(p.storage, 'finishUpload');
    expect(await send(ImageCmd.UPLOAD, { off: 0, len: 300, data: new Uint8Array(100).fill(2) })).toEqual({ off: 100 });
    for (const off of [2 ** 53 - 1, 2 ** 32, 99, 101]) expect(await send(ImageCmd.UPLOAD, { off, data: new Uint8Array(10) })).toEqual({ off: 100 });
    expect(await send(ImageCmd.UPLOAD, { off: 100, data: new Uint8Array(201) })).toEqual(err(31));
    expect(await send(ImageCmd.UPLOAD, { off: 100, data: new Uint8Array(10) })).toEqual({ off: 0 });
    expect(finished).not.toHaveBeenCalled();
    expect(p.candidate().length).toBe(0);
  });
});

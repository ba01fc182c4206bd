/**
 * Image upload with `upgrade: true` (Zephyr img_mgmt_upload_inspect): the version in the MCUboot
 * header of the first chunk must be newer than the running image's (major.minor.revision; the
 * build number does not count, as img_mgmt_vercmp by default), else image error 27
 * CURRENT_VERSION_IS_NEWER — v1 rc 6 EBADSTATE — before anything is erased; a first chunk
 * without an MCUboot header is refused, and a running image without a readable version gives
 * VERSION_GET_FAILED. Against the SMP peer (the virtual board model, whose storage reads the
 * image format: the image group does not) over the paired link.
 */
import { describe, expect, it } from 'vitest';
import { MgmtErr, SmpGroupError, SmpRcError } from '../../host/smp/errors.js';
import { GroupId, ImageCmd } from '../../host/smp/ids.js';
import type { InProcessLink } from '../../host/smp/in-process.js';
import { UploadError } from '../../host/smp/upload/engine.js';
import { closedAfterEach, peerImage, type SmpPeer } from '../helpers/smp-peer.js';

const body = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 17 + seed) & 0xff);
const image = (version: string, seed = 1): Uint8Array => peerImage(version, { size: 9000, seed });

const opened = closedAfterEach();

/** A board running `running` (false: nothing bootable, no version to read). */
async function peer(running: Uint8Array | false, version: 1 | 2 = 2): Promise<{ p: SmpPeer; l: InProcessLink }> {
  const p = await opened.peer({ running });
  return { p, l: await opened.link(p.server, { pace: false, seed: 3, client: { version } }) };
}

/** The board's answer behind a failed request or upload (UploadError keeps it as its cause). */
async function refusal(promise: Promise<unknown>): Promise<unknown> {
  const e = await promise.catch((x: unknown) => x);
  return e instanceof UploadError ? e.cause : e;
}

async function imageError(promise: Promise<unknown>): Promise<number> {
  const e = await refusal(promise);
  expect(e).toBeInstanceOf(SmpGroupError);
  expect((e as SmpGroupError).group).toBe(GroupId.IMAGE);
  return (e as SmpGroupError).rc;
}

describe('image upload with upgrade: true', () => {
  it('refuses a version that is not newer (27 CURRENT_VERSION_IS_NEWER) before erasing anything; a newer one is taken', async () => {
    const { p, l } = await peer(image('1.2.0'));
    const ops = p.board.firmware.flash.opCount;
    for (const v of ['1.2.0', '1.1.9', '1.2.0+9', '0.9.0']) {
      expect(await imageError(l.client.image.upload(image(v, 2), { upgrade: true })), v).toBe(27);
    }
    expect(p.board.firmware.flash.opCount).toBe(ops);
    expect(p.candidate().length).toBe(0);
    // Without the flag the same image is taken (a downgrade is the operator's choice).
    const older = image('1.1.9', 3);
    expect((await l.client.image.upload(older)).match).toBe(true);
    const newer = image('1.2.1', 4);
    expect((await l.client.image.upload(newer, { upgrade: true })).match).toBe(true);
    expect(p.candidate()).toEqual(newer);
  });

  it('a first chunk without an MCUboot header is refused (22 short header, 23 bad magic)', async () => {
    const { l } = await peer(image('1.0.0'));
    expect(await imageError(l.client.image.upload(body(5000, 5), { upgrade: true }))).toBe(23);
    const w = (data: Uint8Array) => l.client.write(GroupId.IMAGE, ImageCmd.UPLOAD, { off: 0, len: 5000, data, upgrade: true });
    expect(await imageError(w(body(20, 6)))).toBe(22);
    // A flag that is not a boolean does not decode: a bare rc 3, as Zephyr answers it.
    await expect(l.client.write(GroupId.IMAGE, ImageCmd.UPLOAD, { off: 0, len: 5000, data: body(64, 7), upgrade: 1 })).rejects.toMatchObject({ rc: MgmtErr.EINVAL, reason: undefined });
  });

  it('a running image without a version to read: 26 VERSION_GET_FAILED', async () => {
    const { l } = await peer(false);
    expect(await imageError(l.client.image.upload(image('9.0.0'), { upgrade: true }))).toBe(26);
  });

  it('v1 requests get rc 6 EBADSTATE for it, as Zephyr translates the group error', async () => {
    const { l } = await peer(image('2.0.0'), 1);
    const e = await refusal(l.client.image.upload(image('1.0.0', 9), { upgrade: true }));
    expect(e).toBeInstanceOf(SmpRcError);
    expect((e as SmpRcError).rc).toBe(MgmtErr.EBADSTATE);
  });
});

/**
 * Image upload with `upgrade: true` (Zephyr img_mgmt_upload_inspect): the version in the MCUboot
 * header of the first chunk must be newer than the running image's (major.minor.revision; the
 * build number does not count, as img_mgmt_vercmp by default), else image error 27
 * CURRENT_VERSION_IS_NEWER — v1 rc 6 EBADSTATE — before anything is erased; a first chunk
 * without an MCUboot header is refused, and a running image without a readable version gives
 * VERSION_GET_FAILED. Against the in-memory peer over the paired link.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { generateSigningKey, type PrivateKey } from '../../host/keys/index.js';
import { createImage } from '../../host/mcuboot/create.js';
import { parseVersion } from '../../host/mcuboot/format.js';
import { MgmtErr, SmpGroupError, SmpRcError } from '../../host/smp/errors.js';
import { GroupId, ImageCmd } from '../../host/smp/ids.js';
import { connectInProcess, type InProcessLink } from '../../host/smp/in-process.js';
import { createMemoryPeer, type MemoryPeer } from '../../host/smp/server/memory-peer.js';
import { UploadError } from '../../host/smp/upload/engine.js';

const key = generateSigningKey('es256') as PrivateKey;
const body = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 17 + seed) & 0xff);
const image = (version: string, seed = 1): Uint8Array => createImage(body(9000, seed), { key, version: parseVersion(version) });

const open: InProcessLink[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((l) => l.close()));
});

async function peer(running: Uint8Array, version: 1 | 2 = 2): Promise<{ p: MemoryPeer; l: InProcessLink }> {
  const p = createMemoryPeer({ running, slotSize: 64 * 1024 });
  const l = await connectInProcess(p.server, { pace: false, seed: 3, client: { version } });
  open.push(l);
  return { p, l };
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
    for (const v of ['1.2.0', '1.1.9', '1.2.0+9', '0.9.0']) {
      expect(await imageError(l.client.image.upload(image(v, 2), { upgrade: true })), v).toBe(27);
    }
    expect(p.storage.stats.erasedSectors).toBe(0);
    expect(p.storage.slotBytes(0, 1).length).toBe(0);
    // Without the flag the same image is taken (a downgrade is the operator's choice).
    const older = image('1.1.9', 3);
    expect((await l.client.image.upload(older)).match).toBe(true);
    const newer = image('1.2.1', 4);
    expect((await l.client.image.upload(newer, { upgrade: true })).match).toBe(true);
    expect(p.storage.slotBytes(0, 1)).toEqual(newer);
  });

  it('a first chunk without an MCUboot header is refused (22 short header, 23 bad magic)', async () => {
    const { l } = await peer(image('1.0.0'));
    expect(await imageError(l.client.image.upload(body(5000, 5), { upgrade: true }))).toBe(23);
    const w = (data: Uint8Array) => l.client.write(GroupId.IMAGE, ImageCmd.UPLOAD, { off: 0, len: 5000, data, upgrade: true });
    expect(await imageError(w(body(20, 6)))).toBe(22);
    await expect(l.client.write(GroupId.IMAGE, ImageCmd.UPLOAD, { off: 0, len: 5000, data: body(64, 7), upgrade: 1 })).rejects.toThrow(/'upgrade' must be a boolean/);
  });

  it('a running image without a version to read: 26 VERSION_GET_FAILED', async () => {
    const { l } = await peer(body(4000, 8));
    expect(await imageError(l.client.image.upload(image('9.0.0'), { upgrade: true }))).toBe(26);
  });

  it('v1 requests get rc 6 EBADSTATE for it, as Zephyr translates the group error', async () => {
    const { l } = await peer(image('2.0.0'), 1);
    const e = await refusal(l.client.image.upload(image('1.0.0', 9), { upgrade: true }));
    expect(e).toBeInstanceOf(SmpRcError);
    expect((e as SmpRcError).rc).toBe(MgmtErr.EBADSTATE);
  });
});

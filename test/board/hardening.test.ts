/**
 * The virtual board bounds what comes from the wire before using it (SUIT group 66 and the
 * candidate slot): envelope, payload and cache lengths at the first chunk, `len` 0, data past
 * `len`, a missing-image session that does not exist, an envelope whose non-payload part does
 * not fit the verifier core's 64 KiB region; and one writer of the candidate slot at a time —
 * a SUIT update that starts while an image-group upload is half done ends that upload instead
 * of writing over it (found by the board fuzzer: a flash write to unerased bytes).
 */
import { Tag } from 'cbor-x';
import { afterEach, describe, expect, it } from 'vitest';
import { runUpdate } from '../../host/operator/update.js';
import { encodeCbor, type SmpMap } from '../../host/smp/cbor.js';
import { Op, type SmpHeader } from '../../host/smp/header.js';
import { GroupId, ImageCmd, SuitCmd } from '../../host/smp/ids.js';
import { decoder, cbor } from '../core/envelope-builder.js';
import { VirtualBoard, type BoardEvent } from '../../rig/virtual/board/board.js';
import { FlashError } from '../../rig/virtual/flash/index.js';
import { MAX_STORED_ENVELOPE } from '../../rig/virtual/suit/container.js';
import { policyIdentity } from '../../rig/virtual/suit/trust.js';
import { APP_URI, app, envelope, identity, trust } from './fixtures.js';
import { uploadBytes } from '../helpers/smp-peer.js';

const boards: VirtualBoard[] = [];
afterEach(async () => {
  for (const b of boards.splice(0)) await b.close();
});

async function open() {
  const events: BoardEvent[] = [];
  const board = await VirtualBoard.open({ trust: trust(), identity: policyIdentity(identity), seed: 21, listener: (e) => void (e.kind === 'error' && events.push(e)) });
  boards.push(board);
  let seq = 0;
  const send = async (group: number, command: number, body: SmpMap, op: (typeof Op)[keyof typeof Op] = Op.WRITE): Promise<SmpMap> => {
    const after: (() => void | Promise<void>)[] = [];
    const h: SmpHeader = { op, version: 2, flags: 0, length: 0, group, seq: seq++ & 0xff, command };
    const a = await board.server.answer(h, encodeCbor(body), after);
    for (const fn of after) await fn();
    return a;
  };
  return { board, send, events };
}

const v1 = app('1.0.0');
const env1 = envelope({ sequence: 1, payload: v1 });

describe('SUIT group bounds', () => {
  it('envelope: len 0, len over the buffer, data past len; a non-payload part over the 64 KiB region is refused by name', async () => {
    const { send, events } = await open();
    expect(await send(GroupId.SUIT, SuitCmd.ENVELOPE_UPLOAD, { off: 0, len: 0, data: new Uint8Array(0) })).toMatchObject({ rc: 3 });
    expect(await send(GroupId.SUIT, SuitCmd.ENVELOPE_UPLOAD, { off: 0, len: 2 ** 40, data: new Uint8Array(10) })).toMatchObject({ rc: 2 });
    expect(await send(GroupId.SUIT, SuitCmd.ENVELOPE_UPLOAD, { off: 0, len: 10, data: new Uint8Array(11) })).toMatchObject({ rc: 3 });
    // The envelope with a 70,000-byte text member (key 23): stored without payloads it would not fit.
    const env = (decoder.decode(Buffer.from(env1)) as Tag).value as Map<number, Buffer>;
    env.set(23, Buffer.alloc(70_000, 0x41));
    const big = new Uint8Array(cbor(new Tag(env, 107)));
    let last: SmpMap = {};
    for (let off = 0; off < big.length; off += 1800) last = await send(GroupId.SUIT, SuitCmd.ENVELOPE_UPLOAD, { off, ...(off === 0 ? { len: big.length } : {}), data: big.subarray(off, off + 1800) });
    expect(last).toMatchObject({ rc: 2 });
    expect(String(last['rsn'] ?? '')).toContain(`keeps at most ${MAX_STORED_ENVELOPE}`);
    expect(events).toEqual([]);
  });

  it('missing image: a session that does not exist, len 0, len over the candidate slot, data past len', async () => {
    const { board, send, events } = await open();
    expect(await send(GroupId.SUIT, SuitCmd.MISSING_IMAGE_UPLOAD, { stream_session_id: 12345, off: 0, len: 10, data: new Uint8Array(10) })).toMatchObject({ rc: 5 });
    for (let off = 0; off < env1.length; off += 1800) await send(GroupId.SUIT, SuitCmd.ENVELOPE_UPLOAD, { off, ...(off === 0 ? { len: env1.length } : {}), data: env1.subarray(off, off + 1800) });
    const m = await send(GroupId.SUIT, SuitCmd.MISSING_IMAGE_STATE, {}, Op.READ);
    const sid = m['stream_session_id'] as number;
    expect(typeof sid).toBe('number');
    expect(await send(GroupId.SUIT, SuitCmd.MISSING_IMAGE_UPLOAD, { stream_session_id: sid + 1, off: 0, len: 10, data: new Uint8Array(10) })).toMatchObject({ rc: 5 });
    expect(await send(GroupId.SUIT, SuitCmd.MISSING_IMAGE_UPLOAD, { stream_session_id: sid, off: 0, len: 0, data: new Uint8Array(0) })).toMatchObject({ rc: 3 });
    const room = board.firmware.consumer.payloadCapacity;
    for (const len of [room + 1, 2 ** 52]) {
      const a = await send(GroupId.SUIT, SuitCmd.MISSING_IMAGE_UPLOAD, { stream_session_id: sid, off: 0, len, data: new Uint8Array(10) });
      expect(a).toMatchObject({ rc: 2 });
      expect(String(a['rsn'])).toContain(`takes at most ${room}`);
    }
    expect(await send(GroupId.SUIT, SuitCmd.MISSING_IMAGE_UPLOAD, { stream_session_id: sid, off: 0, len: 10, data: new Uint8Array(11) })).toMatchObject({ rc: 3 });
    // Nothing was taken: the session still waits for its payload from offset 0.
    expect(board.firmware.consumer.fetching?.received).toBe(0);
    expect(events).toEqual([]);
  });

  it('cache: len 0 and len over the partition refused; data past len ends the transfer (suitfu: ENOMEM)', async () => {
    const { send } = await open();
    expect(await send(GroupId.SUIT, SuitCmd.CACHE_RAW_UPLOAD, { target_id: 0, off: 0, len: 0, data: new Uint8Array(0) })).toMatchObject({ rc: 3 });
    expect(await send(GroupId.SUIT, SuitCmd.CACHE_RAW_UPLOAD, { target_id: 0, off: 0, len: 2 ** 40, data: new Uint8Array(1) })).toMatchObject({ rc: 2 });
    expect(await send(GroupId.SUIT, SuitCmd.CACHE_RAW_UPLOAD, { target_id: 0, off: 0, len: 20, data: new Uint8Array(10) })).toEqual({ rc: 0, off: 10 });
    expect(await send(GroupId.SUIT, SuitCmd.CACHE_RAW_UPLOAD, { off: 10, data: new Uint8Array(11) })).toMatchObject({ rc: 2 });
    expect(await send(GroupId.SUIT, SuitCmd.CACHE_RAW_UPLOAD, { off: 10, data: new Uint8Array(10) })).toEqual({ rc: 1, off: 0 });
  });
});

describe('one writer of the candidate slot', () => {
  it('a SUIT update ends a half-done image-group upload: no flash rule broken, the update installs, the old session is gone', async () => {
    const { board, events } = await open();
    const broken: string[] = [];
    const f = board.firmware.flash;
    const write = f.write.bind(f);
    f.write = (off: number, data: Uint8Array) => {
      try {
        write(off, data);
      } catch (e) {
        if (e instanceof FlashError) broken.push(e.message);
        throw e;
      }
    };
    // Half an image upload to the secondary slot (the board is in recovery: first a SUIT image).
    const link = await board.connect({ pace: false, seed: 22 });
    expect((await runUpdate(link.client, env1, { payloads: new Map([[APP_URI, v1]]) })).result).toBe('updated');
    // Bytes behind an MCUboot header magic: Zephyr takes no first chunk without it.
    const raw = uploadBytes(20_000, 0x5a);
    // From the same client: another one would be answered EBUSY (one upload session per board).
    const send = (body: SmpMap) => link.client.write(GroupId.IMAGE, ImageCmd.UPLOAD, body);
    for (let off = 0; off < 9000; off += 500) expect(await send({ off, ...(off === 0 ? { len: raw.length } : {}), data: raw.subarray(off, off + 500) })).toStrictEqual({ off: off + 500 });
    // The SUIT update writes the same slot: envelope, then the payload the board asks for.
    const v2 = app('1.1.0');
    await link.client.suit.uploadEnvelope(envelope({ sequence: 2, payload: v2 }));
    const missing = await link.client.suit.missingImage();
    await link.client.suit.uploadMissingImage(missing!.sessionId, v2);
    // The image upload's next chunk: its session ended when the update took the slot.
    expect(await send({ off: 9000, data: raw.subarray(9000, 9500) })).toStrictEqual({ off: 0 });
    await link.close();
    await board.reset();
    expect(board.firmware.running?.sequence).toBe(2n);
    expect(broken).toEqual([]);
    expect(events).toEqual([]);
  });
});

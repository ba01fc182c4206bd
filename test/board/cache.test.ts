/**
 * The SUIT group's raw cache upload (nRF suitfu command 5) with what nRF tools send: the request
 * bodies as indefinite-length CBOR maps (`bf ... ff`, decoded by the server's one tolerant SMP
 * decoder like every other request) and the cache content itself an indefinite-length map of
 * URI -> payload with non-canonical heads, with or without its final break (erased flash
 * follows) — the board then serves the payload from its cache.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { decodeSuitReport } from '../../host/operator/suit-report.js';
import { SmpClient } from '../../host/smp/client.js';
import { Op, type SmpHeader } from '../../host/smp/header.js';
import { GroupId, SuitCmd } from '../../host/smp/ids.js';
import { VirtualBoard } from '../../rig/virtual/board/board.js';
import { policyIdentity } from '../../rig/virtual/suit/trust.js';
import { APP_URI, app, envelope, identity, trust } from './fixtures.js';

const boards: VirtualBoard[] = [];
afterEach(async () => {
  for (const b of boards.splice(0)) await b.close();
});

async function open(): Promise<VirtualBoard> {
  const board = await VirtualBoard.open({ trust: trust(), identity: policyIdentity(identity), seed: 11 });
  boards.push(board);
  return board;
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const cat = (...parts: (number[] | Uint8Array)[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...p]));
/** Text string with a one-byte length head. */
const tstr = (s: string): Uint8Array => cat([0x78, utf8(s).length], utf8(s));
/** Byte string with a (non-canonical) four-byte length head, as a streaming encoder writes it. */
const bstr4 = (b: Uint8Array): Uint8Array => cat([0x5a, (b.length >>> 24) & 0xff, (b.length >>> 16) & 0xff, (b.length >>> 8) & 0xff, b.length & 0xff], b);
const uint = (n: number): number[] => (n < 24 ? [n] : n < 256 ? [0x18, n] : n < 65536 ? [0x19, n >> 8, n & 0xff] : [0x1a, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);

/** An nRF-style DFU cache image: bf (uri: bstr)* [ff]. */
function cacheImage(entries: [string, Uint8Array][], withBreak: boolean): Uint8Array {
  return cat([0xbf], ...entries.flatMap(([k, v]) => [tstr(k), bstr4(v)]), withBreak ? [0xff] : []);
}

/** A cache raw upload request body written as an indefinite-length map, keys in nRF's order. */
function indefiniteChunk(off: number, data: Uint8Array, first?: { len: number; target: number }): Uint8Array {
  const key = (k: string) => cat([0x60 + k.length], utf8(k));
  return cat(
    [0xbf],
    key('data'), [0x59, data.length >> 8, data.length & 0xff], data,
    ...(first ? [key('len'), uint(first.len), key('target_id'), uint(first.target)] : []),
    key('off'), uint(off),
    [0xff],
  );
}

async function uploadIndefinite(board: VirtualBoard, image: Uint8Array): Promise<void> {
  let seq = 0;
  for (let off = 0; off < image.length; ) {
    const data = image.subarray(off, off + 1500);
    const header: SmpHeader = { op: Op.WRITE, version: 2, flags: 0, length: 0, group: GroupId.SUIT, seq: seq++ & 0xff, command: SuitCmd.CACHE_RAW_UPLOAD };
    const answer = await board.server.answer(header, indefiniteChunk(off, data, off === 0 ? { len: image.length, target: 0 } : undefined));
    off += data.length;
    expect(answer).toEqual({ rc: 0, off });
  }
}

async function installFromCache(board: VirtualBoard): Promise<void> {
  const link = await board.connect({ pace: false, seed: 12 });
  const client: SmpClient = link.client;
  await client.suit.uploadEnvelope(envelope({ sequence: 1, payload: v1 }));
  // The payload came from the cache: the board never asked the host for it.
  expect(await client.suit.missingImage()).toBeUndefined();
  expect(decodeSuitReport((await client.rig.lastReport()).report).result.ok).toBe(true);
  await link.close();
}

const v1 = app('1.0.0');

describe('SUIT raw cache upload as nRF tools send it', () => {
  it('indefinite-length request bodies and an indefinite-length cache map with its break', async () => {
    const board = await open();
    await uploadIndefinite(board, cacheImage([['file://other.bin', Uint8Array.of(1, 2, 3)], [APP_URI, v1]], true));
    expect(board.firmware.cache.uris()).toEqual(['file://other.bin', APP_URI]);
    await installFromCache(board);
  });

  it('an indefinite-length cache map without its final break ends at the erased flash after it', async () => {
    const board = await open();
    await uploadIndefinite(board, cacheImage([[APP_URI, v1]], false));
    expect(board.firmware.cache.lookup(APP_URI)).toEqual(v1);
    await installFromCache(board);
  });

  it('a shorter cache replaces a longer one entirely, even ending on a sector boundary without its break', async () => {
    const board = await open();
    await uploadIndefinite(board, cacheImage([['file://old.bin', new Uint8Array(60_000).fill(0x11)]], true));
    // 9 sectors exactly: the byte after it is the old content, not erased flash.
    const pad = 9 * 4096 - cacheImage([[APP_URI, v1], ['file://pad', new Uint8Array(0)]], false).length;
    const shorter = cacheImage([[APP_URI, v1], ['file://pad', new Uint8Array(pad)]], false);
    expect(shorter.length).toBe(9 * 4096);
    await uploadIndefinite(board, shorter);
    expect(board.firmware.cache.uris()).toEqual([APP_URI, 'file://pad']);
    await installFromCache(board);
  });

  it('a cache that is not a map of URI to bytes is an empty cache; entries of other types are skipped', async () => {
    const board = await open();
    await uploadIndefinite(board, cat([0x9f, 0x01, 0xff]));
    expect(board.firmware.cache.uris()).toEqual([]);
    await uploadIndefinite(board, cat([0xbf], tstr('n'), [0x01], tstr(APP_URI), bstr4(v1), [0xff]));
    expect(board.firmware.cache.uris()).toEqual([APP_URI]);
  });
});

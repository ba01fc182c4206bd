/**
 * The upload engine against the image group over the paired link: clean uploads, resume by
 * sha after a cancel and after a disconnect, a board that loses its session, the final SHA-256
 * check catching what a CRC let through, clean cancel, and the deadline logic on an injected
 * clock (first-chunk erase vs per-chunk deadline, a lost final answer).
 */
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { getEventListeners } from 'node:events';
import { ConsoleFraming } from '../../host/smp/framing/console.js';
import type { InProcessLink, InProcessOptions } from '../../host/smp/in-process.js';
import { UploadCancelledError, UploadError, uploadDeadlines } from '../../host/smp/upload/engine.js';
import { ManualClock } from '../../host/transport/clock.js';
import { SmpServer } from '../../host/smp/server/server.js';
import { MgmtErr, SmpRcError } from '../../host/smp/errors.js';
import { maxImageSize } from '../../rig/virtual/suit/firmware.js';
import { closedAfterEach, type SmpPeer, type SmpPeerOptions, uploadBytes } from '../helpers/smp-peer.js';

const image = uploadBytes;
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

const opened = closedAfterEach();

async function setup(peerOptions: SmpPeerOptions = {}, linkOptions: InProcessOptions = {}): Promise<{ peer: SmpPeer; l: InProcessLink }> {
  const peer = await opened.peer(peerOptions);
  return { peer, l: await opened.link(peer.server, { pace: false, seed: 1, ...linkOptions }) };
}

/**
 * The board's first chunk takes `ms` on the test clock: the whole-slot erase of a board that
 * erases up front (Zephyr without CONFIG_IMG_ERASE_PROGRESSIVELY) instead of sector by sector.
 */
function eraseUpFront(peer: SmpPeer, clock: ManualClock, ms: number): void {
  const begin = peer.storage.beginUpload.bind(peer.storage);
  peer.storage.beginUpload = async (image, size) => {
    await new Promise<void>((done) => clock.setTimer(done, ms));
    await begin(image, size);
  };
}

/** nRF52840 page erase (PS v1.7 tERASEPAGE): 85 ms per 4 KiB sector. */
const ERASE_MS_PER_SECTOR = 85;

/** Runs `p` while moving the manual clock forward in steps until it settles. */
async function drive<T>(clock: ManualClock, p: Promise<T>, stepMs = 20, maxMs = 600_000): Promise<{ value?: T; error?: unknown; ms: number }> {
  let done = false;
  const out: { value?: T; error?: unknown; ms: number } = { ms: 0 };
  p.then(
    (v) => ((out.value = v), (done = true)),
    (e: unknown) => ((out.error = e), (done = true)),
  );
  const t0 = clock.now();
  while (!done && clock.now() - t0 < maxMs) await clock.advance(stepMs);
  out.ms = clock.now() - t0;
  return out;
}

describe('upload engine', () => {
  it('uploads exactly the bytes, pipelined, with chunks as large as buf_size allows', async () => {
    const { peer, l } = await setup({ bufSize: 2048, bufCount: 4 });
    const data = image(100_000);
    const progress: number[] = [];
    const r = await l.client.image.upload(data, { onProgress: (p) => progress.push(p.done) });
    expect(peer.candidate()).toEqual(data);
    expect(r).toMatchObject({ match: true, losses: 0, timeouts: 0, retransmittedBytes: 0, resumedFrom: 0, window: 4 });
    // 2048 - 4 (length + CRC) - 8 (header) - CBOR keys: just under 2 KiB of data per chunk
    expect(r.chunkSize.initial).toBeGreaterThan(1950);
    expect(r.chunkSize.initial).toBeLessThanOrEqual(2036);
    expect(r.chunkSize.initial % 4).toBe(0);
    // a small first chunk starts the session, then full chunks
    expect(r.requests).toBe(1 + Math.ceil((data.length - 512) / r.chunkSize.initial));
    expect(progress.at(-1)).toBe(data.length);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  it('every request fits the board buffer: the largest frame the framing carries for buf_size', async () => {
    const { peer, l } = await setup({ bufSize: 384, bufCount: 1 });
    const sizes: number[] = [];
    l.client.link.onEvent((e) => e.kind === 'tx' && sizes.push(e.packet.length));
    await l.client.image.upload(image(5000));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(380);
    expect(Math.max(...sizes)).toBeGreaterThanOrEqual(372);
    expect(peer.server.bufSize).toBe(384);
  });

  it('asks the board for buf_size/buf_count; without params it assumes 384 x 1', async () => {
    const { l } = await setup({ bufSize: 1024, bufCount: 2 });
    const r = await l.client.image.upload(image(4000));
    expect(r.window).toBe(2);
    expect(r.chunkSize.initial).toBeLessThanOrEqual(1024 - 4 - 8);
  });

  it('resumes by sha after a clean cancel: the board keeps its offset, nothing is sent twice but the first chunk', async () => {
    const { peer, l } = await setup({ bufSize: 1024, bufCount: 2 });
    const data = image(60_000);
    const ac = new AbortController();
    const first = l.client.image.upload(data, {
      signal: ac.signal,
      onProgress: (p) => p.done > 20_000 && ac.abort(new Error('user pressed ^C')),
    });
    const e = await first.catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UploadCancelledError);
    expect((e as Error).message).toMatch(/upload of image 0 cancelled at \d+\/60000 bytes \(user pressed \^C\)/);
    // the link is still usable after a cancel
    expect(await l.client.os.echo('still here')).toBe('still here');
    const held = peer.image.session!.off;
    expect(held).toBeGreaterThan(20_000);
    const r = await l.client.image.upload(data);
    expect(r.resumedFrom).toBe(held);
    expect(peer.candidate()).toEqual(data);
    expect(r.requests).toBeLessThan(Math.ceil((60_000 - held) / 1000) + 3);
  });

  it('a different image restarts from 0 (the sha names the session)', async () => {
    const { peer, l } = await setup();
    const ac = new AbortController();
    await l.client.image.upload(image(40_000), { signal: ac.signal, onProgress: (p) => p.done > 10_000 && ac.abort() }).catch(() => undefined);
    const other = image(30_000, 9);
    const r = await l.client.image.upload(other);
    expect(r.resumedFrom).toBe(0);
    expect(peer.candidate()).toEqual(other);
  });

  it('a disconnect mid-upload: reconnects and resumes from the board offset', async () => {
    const { peer, l } = await setup({ bufSize: 2048, bufCount: 4 }, { seed: 11 });
    const data = image(120_000);
    let cut = false;
    let heldAtCut = 0;
    const r = await l.client.image.upload(data, {
      onProgress: (p) => {
        if (!cut && p.done > 50_000) {
          cut = true;
          heldAtCut = p.done;
          l.link.disconnect();
        }
      },
      reconnect: () => l.reconnect(),
    });
    expect(r.reconnects).toBe(1);
    expect(peer.candidate()).toEqual(data);
    expect(r.match).toBe(true);
    // resumed, not restarted: bytes sent twice are at most the window in flight at the cut
    expect(heldAtCut).toBeGreaterThan(50_000);
    expect(r.retransmittedBytes).toBeLessThan(5 * 2048);
  });

  it('a disconnect without a way to reconnect ends with a clear error, promptly', async () => {
    const { l } = await setup();
    const t0 = Date.now();
    const e = await l.client.image
      .upload(image(100_000), { onProgress: (p) => p.done > 10_000 && l.link.disconnect() })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UploadError);
    expect((e as Error).message).toMatch(/link lost during the upload of image 0 at \d+\/100000 bytes: .*disconnected/);
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  /** A board whose image group answers every upload chunk with `answer(off)` (a hostile or broken board). */
  async function hostileBoard(answer: (off: number) => number): Promise<InProcessLink> {
    const server = new SmpServer({ bufSize: 1024, bufCount: 1 });
    server.register({ id: 1, name: 'image', commands: { 1: { write: ({ body }) => ({ off: answer(body['off'] as number) }) } } });
    const l = await opened.link(server, { pace: false, seed: 1 });
    return l;
  }

  it('a board that answers offset 0 forever: the upload gives up with a clear error instead of running forever', async () => {
    const l = await hostileBoard(() => 0);
    const e = await l.client.image.upload(image(20_000)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UploadError);
    expect((e as Error).message).toMatch(/65 answers in a row took no new bytes \(the board answers offset 0, it had taken 0\); giving up/);
  });

  it('a board whose offset moves back: bounded, named', async () => {
    let high = 0;
    const l = await hostileBoard((off) => {
      // Takes the first chunks, then keeps claiming a little less than it had.
      high = Math.max(high, off);
      return high < 4000 ? off + 512 : Math.max(1, high - 100);
    });
    const e = await l.client.image.upload(image(20_000)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UploadError);
    expect((e as Error).message).toMatch(/answers in a row took no new bytes/);
  });

  it('a board that loses the session after every chunk: at most 3 fresh starts, then a clear error', async () => {
    let n = 0;
    const l = await hostileBoard((off) => (off === 0 ? 600 : (n++, 0)));
    const e = await l.client.image.upload(image(20_000)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UploadError);
    expect((e as Error).message).toMatch(/the board lost the upload session 4 times \(it answered offset 0 after taking \d+ bytes\); giving up/);
    expect(n).toBe(4);
  });

  /** A SUIT board's missing-image upload whose answer to the last chunk comes too late; afterwards the session is closed (ENOENT). */
  async function payloadBoard(total: number): Promise<InProcessLink> {
    const server = new SmpServer({ bufSize: 1024, bufCount: 4 });
    let received = 0;
    server.register({
      id: 66,
      name: 'suit',
      commands: {
        4: {
          write: async ({ body }) => {
            const off = body['off'] as number;
            const data = body['data'] as Uint8Array;
            if (received === total) throw new SmpRcError(MgmtErr.ENOENT, 'no payload is being fetched');
            if (off !== received) return { rc: 1, off: received };
            received += data.length;
            if (received === total) await new Promise((r) => setTimeout(r, 600)); // the last answer is late: the host resends
            return { rc: 0, off: received };
          },
        },
      },
    });
    const l = await opened.link(server, { pace: false, seed: 1 });
    return l;
  }

  it('a payload whose last answer was lost, sent again to a board that already closed the stream (ENOENT): done, not failed', async () => {
    const l = await payloadBoard(6000);
    const r = await l.client.suit.uploadMissingImage(1, image(6000), { chunkTimeoutMs: 250 });
    expect(r.movedOn).toBe(true);
    expect(r.bytes).toBe(6000);
  });

  it('ENOENT before every byte was sent is still a failure', async () => {
    const server = new SmpServer({ bufSize: 1024, bufCount: 4 });
    server.register({ id: 66, name: 'suit', commands: { 4: { write: () => { throw new SmpRcError(MgmtErr.ENOENT, 'no payload is being fetched'); } } } });
    const l = await opened.link(server, { pace: false, seed: 1 });
    await expect(l.client.suit.uploadMissingImage(1, image(6000))).rejects.toThrow(/board refused payload for session 1 at 0\/6000 bytes: .*ENOENT/);
  });

  it('a board that loses its session mid-upload (answers off 0) gets the first-chunk fields again', async () => {
    const { peer, l } = await setup();
    const data = image(50_000);
    let forgot = false;
    const orig = peer.storage.writeUpload.bind(peer.storage);
    // The board "resets" its RAM state once when the upload passes 20 kB.
    peer.storage.writeUpload = async (img, off, bytes) => {
      await orig(img, off, bytes);
      if (!forgot && off > 20_000) {
        forgot = true;
        (peer.image as unknown as { commands: Record<number, { write: (r: unknown) => unknown }> }).commands[5]!.write({ body: { slot: 1 } });
      }
    };
    const r = await l.client.image.upload(data);
    expect(forgot).toBe(true);
    expect(peer.candidate()).toEqual(data);
    expect(r.losses).toBeGreaterThan(0);
  });

  it('bytes that reach flash wrong (a CRC miss) are caught by the SHA-256 check: the upload starts over', async () => {
    const { peer, l } = await setup();
    const data = image(30_000);
    const orig = peer.storage.writeUpload.bind(peer.storage);
    let flips = 1;
    peer.storage.writeUpload = async (img, off, bytes) => {
      if (flips > 0 && off > 10_000) {
        flips--;
        const bad = bytes.slice();
        bad[5]! ^= 0x40;
        return orig(img, off, bad);
      }
      return orig(img, off, bytes);
    };
    const r = await l.client.image.upload(data);
    expect(r.restarts).toBe(1);
    expect(r.match).toBe(true);
    expect(sha(peer.candidate())).toBe(sha(data));
  });

  it('if the bytes keep arriving wrong, the upload fails with a clear error and no candidate image', async () => {
    const { peer, l } = await setup();
    const data = image(30_000);
    const orig = peer.storage.writeUpload.bind(peer.storage);
    peer.storage.writeUpload = async (img, off, bytes) => orig(img, off, off > 10_000 ? bytes.map((b, i) => (i === 0 ? b ^ 1 : b)) : bytes);
    const e = await l.client.image.upload(data).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UploadError);
    expect((e as Error).message).toMatch(/board refused image 0 .*INVALID_HASH.*do not match the SHA-256 of the file/);
    // The wrong bytes stay in the slot, as Zephyr leaves them (`match: false` is no error to the
    // board); the client marks nothing, and the board lists no image there.
    expect(peer.candidate()).toHaveLength(data.length);
    expect((await l.client.image.state()).images.map((i) => [i.slot, i.pending])).toEqual([[0, false]]);
  });

  it('cancel stops sending at once', async () => {
    const { l } = await setup({}, { pace: true, baudRate: 115200 });
    const ac = new AbortController();
    const p = l.client.image.upload(image(200_000), { signal: ac.signal });
    await new Promise((r) => setTimeout(r, 300));
    ac.abort();
    const sent = l.client.link.stats.packetsOut;
    await expect(p).rejects.toBeInstanceOf(UploadCancelledError);
    await new Promise((r) => setTimeout(r, 200));
    expect(l.client.link.stats.packetsOut).toBe(sent);
  });

  it('refusals name the reason: an image too large for the slot', async () => {
    const { peer, l } = await setup();
    const n = maxImageSize(peer.board.firmware.device, peer.board.profile) + 1;
    await expect(l.client.image.upload(image(n))).rejects.toThrow(new RegExp(`board refused image 0 at 0/${n} bytes: .*INVALID_IMAGE_TOO_LARGE`));
  });
});

describe('upload deadlines (injected clock)', () => {
  it('deadlines scale with the baud rate', () => {
    const framing = new ConsoleFraming();
    const at = (baudRate: number | undefined): ReturnType<typeof uploadDeadlines> => uploadDeadlines({ framing, bufSize: 2048, window: 4, baudRate });
    expect(at(undefined)).toEqual({ firstChunkMs: 40_000, chunkMs: 2_500 });
    // 4 x ~2.8 kB of frames = ~11.3 kB: ~0.98 s at 115200, twice that as margin
    expect(at(115200).chunkMs).toBeGreaterThan(2500 + 1900);
    expect(at(115200).chunkMs).toBeLessThan(2500 + 2100);
    expect(at(9600).chunkMs).toBeGreaterThan(at(115200).chunkMs * 4);
    expect(at(1_000_000).chunkMs).toBeLessThan(2800);
  });

  it('a finished upload leaves no timer running and no listener on the caller\'s signal', async () => {
    const clock = new ManualClock();
    const { l } = await setup({ clock }, { clock });
    const ac = new AbortController();
    const r = await drive(clock, l.client.image.upload(image(5000), { signal: ac.signal }), 1);
    expect(r.value).toMatchObject({ match: true });
    // the first chunk's echo probe was due 300 ms after it was sent; the upload took a few ms
    expect(r.ms).toBeLessThan(300);
    expect(clock.pending).toBe(0);
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
  });

  it('cancelled while waiting for the port to come back: ends at once, no reconnect timer left behind', async () => {
    const clock = new ManualClock();
    const { l } = await setup({ clock }, { clock });
    const ac = new AbortController();
    let tries = 0;
    const p = l.client.image.upload(image(100_000), {
      signal: ac.signal,
      onProgress: (x) => x.done > 10_000 && l.link.disconnect(),
      reconnect: async () => {
        tries++;
        throw new Error('the port is not back yet');
      },
    });
    clock.setTimer(() => ac.abort(), 1_000);
    const r = await drive(clock, p, 1);
    expect(tries).toBeGreaterThan(2);
    expect(r.error).toBeInstanceOf(UploadCancelledError);
    expect(r.ms).toBeLessThan(1_010);
    expect(clock.pending).toBe(0);
  });

  it('the first chunk may take a whole slot erase; later chunks get the short deadline', async () => {
    const clock = new ManualClock();
    // 64 sectors erased up front = 5.44 s of busy board, far beyond the 2.5 s chunk deadline
    const { peer, l } = await setup({ clock }, { clock });
    eraseUpFront(peer, clock, 64 * ERASE_MS_PER_SECTOR);
    const data = image(256 * 1024);
    const r = await drive(clock, l.client.image.upload(data, { bufSize: 2048, bufCount: 4 }));
    expect(r.error).toBeUndefined();
    expect(r.value!.timeouts).toBe(0);
    expect(r.ms).toBeGreaterThan(64 * ERASE_MS_PER_SECTOR);
    expect(peer.candidate()).toEqual(data);
  });

  it('a first chunk that outlives its deadline is retried with backoff and then reported, never hangs', async () => {
    const clock = new ManualClock();
    const { peer, l } = await setup({ clock }, { clock });
    eraseUpFront(peer, clock, 64 * ERASE_MS_PER_SECTOR);
    const r = await drive(clock, l.client.image.upload(image(256 * 1024), { bufSize: 2048, bufCount: 4, firstChunkTimeoutMs: 1000, retries: 2 }));
    expect(r.error).toBeInstanceOf(UploadError);
    expect((r.error as Error).message).toMatch(/stopped at 0\/262144 bytes: 3 chunks in a row got no usable answer \(last: no answer .* within 1000 ms/);
    // three deadlines of 1 s; the first resend goes at once, the second after a 100 ms backoff
    expect(r.ms).toBeGreaterThanOrEqual(3100);
    expect(r.ms).toBeLessThan(3300);
  });

  it('a lost final answer costs one deadline from the measured round trip, then the board confirms the whole upload', async () => {
    const clock = new ManualClock();
    const { peer, l } = await setup({ clock }, { clock, seed: 5 });
    const data = image(30_000);
    const finish = peer.storage.finishUpload.bind(peer.storage);
    peer.storage.finishUpload = async () => {
      await finish();
      l.link.setFaults('b', { drop: 1 }); // the answer to the last chunk vanishes
      clock.setTimer(() => l.link.setFaults('b', {}), 20);
    };
    const r = await drive(clock, l.client.image.upload(data, { chunkTimeoutMs: 5000 }), 5);
    expect(r.error).toBeUndefined();
    expect(r.value).toMatchObject({ timeouts: 1, match: true });
    // round trips are ~0 ms on this unpaced link: the deadline is the 150 ms floor, not 5 s
    expect(r.ms).toBeGreaterThanOrEqual(150);
    expect(r.ms).toBeLessThan(400);
  });

  it('without adaptation the lost final answer waits the whole chunk deadline', async () => {
    const clock = new ManualClock();
    const { peer, l } = await setup({ clock }, { clock, seed: 5 });
    const finish = peer.storage.finishUpload.bind(peer.storage);
    peer.storage.finishUpload = async () => {
      await finish();
      l.link.setFaults('b', { drop: 1 });
      clock.setTimer(() => l.link.setFaults('b', {}), 100);
    };
    const r = await drive(clock, l.client.image.upload(image(30_000), { chunkTimeoutMs: 700, adaptive: false }), 10);
    expect(r.value).toMatchObject({ timeouts: 1, match: true });
    expect(r.ms).toBeGreaterThanOrEqual(700);
    expect(r.ms).toBeLessThan(1200);
  });
});

/**
 * Uploads over a faulty paired link (seeded; the seed is in each test name, so any failure
 * replays): at a byte error rate of 1e-4 uploads complete on their own; at 1e-3 they complete
 * by shrinking the chunk size; mixed faults (drops, duplicates, bursts, stalls) and disconnects
 * end with the board holding exactly the right bytes or a clear error — never a silently
 * corrupted image.
 */
import { describe, expect, it } from 'vitest';
import { UploadError } from '../../host/smp/upload/engine.js';
import type { LinkFaults } from '../../host/transport/paired/faults.js';
import { closedAfterEach, uploadBytes } from '../helpers/smp-peer.js';

const image = uploadBytes;

const { peer, link } = closedAfterEach();

async function faultyUpload(seed: number, faults: LinkFaults, size: number, extra: { reconnect?: boolean } = {}) {
  const board = await peer({ bufSize: 2048, bufCount: 4 });
  const l = await link(board.server, { pace: false, seed, faults, client: { timeoutMs: 400 } });
  const data = image(size, seed);
  const result = await l.client.image
    .upload(data, { chunkTimeoutMs: 400, firstChunkTimeoutMs: 600, retries: 12, reconnect: extra.reconnect ? () => l.reconnect() : undefined })
    .then(
      (r) => ({ ok: true as const, r }),
      (e: unknown) => ({ ok: false as const, e }),
    );
  return { peer: board, l, data, result };
}

describe('uploads over a faulty line', () => {
  it('byte error rate 1e-4 both ways: completes with the largest chunks (seed 101)', async () => {
    const { peer, l, data, result } = await faultyUpload(101, { corrupt: 1e-4 }, 96 * 1024);
    expect(result.ok, String(!result.ok && result.e)).toBe(true);
    if (!result.ok) return;
    expect(peer.candidate()).toEqual(data);
    expect(result.r.match).toBe(true);
    expect(l.link.stats('a').corrupted).toBeGreaterThan(5);
    expect(result.r.losses).toBeGreaterThan(0);
  });

  it('byte error rate 1e-3 both ways: completes by adapting the chunk size down (seed 202)', async () => {
    const { peer, l, data, result } = await faultyUpload(202, { corrupt: 1e-3 }, 32 * 1024);
    expect(result.ok, String(!result.ok && result.e)).toBe(true);
    if (!result.ok) return;
    expect(peer.candidate()).toEqual(data);
    expect(result.r.chunkSize.smallest).toBeLessThan(result.r.chunkSize.initial / 3);
    expect(l.link.stats('a').corrupted).toBeGreaterThan(50);
  });

  it('the same at 1e-3 with the chunk size fixed needs far more requests: adaptation is what makes it work (seed 203)', async () => {
    const board = await peer();
    const l = await link(board.server, { pace: false, seed: 203, faults: { corrupt: 1e-3 } });
    const fixed = await l.client.image
      .upload(image(12 * 1024, 203), { adaptive: false, chunkTimeoutMs: 200, firstChunkTimeoutMs: 200, retries: 6 })
      .then((x) => x.requests, () => Infinity);
    const adaptive = (await faultyUpload(203, { corrupt: 1e-3 }, 12 * 1024)).result;
    expect(adaptive.ok).toBe(true);
    expect(adaptive.ok && adaptive.r.requests * 2).toBeLessThan(fixed);
  });

  it.each([
    [303, { drop: 2e-4, duplicate: 2e-4, corrupt: 2e-4 }],
    [404, { burst: 2e-4, burstLength: 12 }],
    [505, { corrupt: 5e-4, stall: 2e-5, stallMs: 150 }],
    [606, { corrupt: 1.5e-3, drop: 5e-4 }],
  ] as [number, LinkFaults][])('mixed faults end with exactly the right bytes or a clear error (seed %i)', async (seed, faults) => {
    const { peer, data, result } = await faultyUpload(seed, faults, 16 * 1024);
    if (result.ok) {
      expect(peer.candidate()).toEqual(data);
      expect(result.r.match).toBe(true);
    } else {
      expect(result.e).toBeInstanceOf(UploadError);
      expect((result.e as Error).message).toMatch(/image 0 .* \d+\/16384 bytes/);
      // nothing half-written is presented as a candidate image
      expect(peer.candidate()).toHaveLength(0);
    }
  });

  it('a disconnect mid-upload on a noisy line: reconnects, resumes from the board offset, right bytes (seed 707)', async () => {
    const { peer, l, data, result } = await faultyUpload(707, { corrupt: 1e-4, disconnectAfterBytes: 60_000 }, 96 * 1024, { reconnect: true });
    expect(result.ok, String(!result.ok && result.e)).toBe(true);
    if (!result.ok) return;
    expect(result.r.reconnects).toBe(1);
    expect(l.link.disconnected).toBe(false);
    expect(peer.candidate()).toEqual(data);
    // resumed where the board was (the cut came after 60 kB on the wire, retransmissions included), not from 0
    expect(result.r.resumedFrom).toBeGreaterThan(20_000);
  });
});

/**
 * Requests sent back to back, before the first is answered: what real MCUboot does with them in
 * serial recovery, and the virtual board the same. MCUboot serves one request at a time (its
 * parameters say buf_count 1), but the lines that arrive meanwhile wait in its BOOT_LINE_BUFS (8)
 * line buffers: under QEMU it answered 8 of 8 one-line requests written at once, and lost some
 * of 9 or more. The virtual board once answered only the first of two (it took buf_count 1 as
 * the number of requests that may wait), which a loaded CI machine found through a pty, where
 * two requests of the strict client arrived in one read. The Zephyr application has fewer line
 * buffers and loses lines when its work queue falls behind (QEMU on a loaded machine).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PairedLink } from '../../host/transport/paired/paired-link.js';
import { SerialPortTransport } from '../../host/transport/serialport.js';
import type { Transport } from '../../host/transport/transport.js';
import { startEmulatedBoard } from '../../rig/emulator/start.js';
import { loadLab } from '../../rig/lab/load.js';
import { VirtualBoard } from '../../rig/virtual/board/board.js';
import { es256Key, trust } from '../board/fixtures.js';
import { describeWithPeers, peersLab } from '../helpers/peers.js';
import { tempDir, writeFile } from '../rig/helpers/lab-files.js';
import { encodeFrame } from './console-frames.js';
import { StrictClient } from './strict-client.js';

const READ = 0;
const WRITE = 2;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** `n` image-list requests (one line each) in one write; the sequence numbers answered, in order. */
async function backToBack(c: StrictClient, t: Transport, n: number, firstSeq: number): Promise<number[]> {
  const frames: number[] = [];
  for (let i = 0; i < n; i++) {
    // SMP v1 header: read, group 1 (image), sequence, command 0 (state); body {} (CBOR a0).
    frames.push(...encodeFrame(new Uint8Array([READ, 0, 0, 1, 0, 1, (firstSeq + i) & 0xff, 0, 0xa0])));
  }
  await t.write(new Uint8Array(frames));
  const answered: number[] = [];
  for (let a = await c.nextAnswer(2_000); a; a = await c.nextAnswer(2_000)) answered.push(a.header.seq);
  return answered;
}

const seqs = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => (from + i) & 0xff);

describe('requests sent back to back to MCUboot serial recovery', () => {
  it('the virtual board answers 2 and 8 of them, in order, as MCUboot does', async () => {
    const board = await VirtualBoard.open({ trust: trust(es256Key), seed: 11 });
    cleanups.push(() => board.close());
    // Unpaced: every byte of one write arrives at once, as through a pty.
    const link = new PairedLink({ seed: 12, pace: false });
    board.serve(await SerialPortTransport.open({ path: link.pathB, baudRate: 115200, binding: link.binding }));
    const t = await SerialPortTransport.open({ path: link.pathA, baudRate: 115200, binding: link.binding });
    cleanups.push(() => t.close());
    const c = new StrictClient(t, { version: 1 });
    // A board with nothing bootable waits in serial recovery.
    expect((await c.request(READ, 1, 0, {}, { version: 1 })).body).toEqual({ images: [] });
    expect(await backToBack(c, t, 2, 100)).toEqual(seqs(100, 2));
    expect(await backToBack(c, t, 8, 110)).toEqual(seqs(110, 8));
  });
});

describeWithPeers('requests sent back to back to the real MCUboot + Zephyr under QEMU', () => {
  it('serial recovery answers 2 and 8 of them in order; the application 2, and at least 2 of 4 in order', async () => {
    const lab = loadLab(writeFile(tempDir(), 'rig.yaml', peersLab()));
    const port = lab.boards.find((b) => b.name === 'an385')!.port;
    if (port.kind !== 'emulator') throw new Error('the peers lab names no emulated an385');
    const board = await startEmulatedBoard('an385', port.emulator, () => undefined);
    cleanups.push(() => board.close());
    const t = await board.connect();
    cleanups.push(() => t.close());
    const c = new StrictClient(t, { version: 1 });
    await c.untilAnswering();
    expect(await backToBack(c, t, 2, 100)).toEqual(seqs(100, 2));
    // The application takes lines into its UART receive buffers (Zephyr's UART_MCUMGR_RX_BUF_COUNT,
    // 2 by default) while its work queue serves one: on a quiet machine QEMU answered 4 of 4, on a
    // loaded CI machine 3 of 4 (line loss, not disorder). What holds is the first two answered,
    // and whatever else is answered comes in order, each once.
    const ofFour = await backToBack(c, t, 4, 110);
    expect(ofFour.slice(0, 2)).toEqual(seqs(110, 2));
    expect(ofFour, 'answers in order, none twice').toEqual([...new Set(ofFour)].sort((a, b) => a - b));
    expect(ofFour.every((s) => seqs(110, 4).includes(s))).toBe(true);
    c.send(WRITE, 0, 5, { boot_mode: 1 }, { version: 1 });
    expect(await c.nextAnswer(5_000)).toBeDefined();
    // The reset follows its answer by about 250 ms; MCUboot then stays in serial recovery.
    await new Promise((r) => setTimeout(r, 1_000));
    await c.untilAnswering();
    const listed = await c.request(READ, 1, 0, {}, { version: 1 });
    expect((listed.body as { images: unknown }).images, 'MCUboot lists images without flags').toEqual([expect.not.objectContaining({ active: expect.anything() })]);
    expect(await backToBack(c, t, 2, 120)).toEqual(seqs(120, 2));
    expect(await backToBack(c, t, 8, 130)).toEqual(seqs(130, 8));
  });
});

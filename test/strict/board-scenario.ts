/**
 * What the strict client asks of a virtual board, over the wire only (so the same scenario runs
 * on the in-process paired link, over TCP and over a pty to a `board virtual` process): a fresh
 * board waits in MCUboot's serial recovery and answers as MCUboot does; an image uploaded there
 * boots into the Zephyr application, which answers as Zephyr does; an image uploaded through
 * the application is tested at the next reset; `boot_mode` 1 brings MCUboot's recovery back.
 * Every answer must match its schema exactly (answer-schemas.ts); every reset is answered, then
 * the application answers through the reset delay as Zephyr's does while MCUboot's recovery stays
 * silent, and the boot banner shows the reset; no line the board sends is over 127 bytes.
 */
import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import { createImage, parseVersion } from '../../host/mcuboot/index.js';
import { app, es256Key } from '../board/fixtures.js';
import { ANSWERS, classify, schemaErrors, type Schema } from './answer-schemas.js';
import { READ, WRITE, type StrictAnswer, type StrictClient } from './strict-client.js';

export interface BoardFacts {
  /** The application's `buf_size` x `buf_count`. */
  app: { bufSize: number; bufCount: number };
  /** Milliseconds between a reset's answer and the reset. */
  resetMs: number;
  /** The application goes on answering until the reset, as Zephyr's does (profile `smp.serveUntilReset`). */
  serveUntilReset: boolean;
}

const signed = (v: string): Uint8Array => createImage(app(v, 'healthy', 6000), { key: es256Key, version: parseVersion(v), securityCounter: 1 });

function ok(a: StrictAnswer, schema: Schema, what: string): Record<string, unknown> {
  expect(schemaErrors(a.body, schema), what).toEqual([]);
  return a.body as Record<string, unknown>;
}

function rc(a: StrictAnswer, expected: number, what: string): void {
  expect(classify(a.body, { required: { never: 'bool' } }).kind, what).toBe('rc');
  expect((a.body as { rc: number }).rc, what).toBe(expected);
}

/** The boot console of MCUboot or Zephyr, which the board prints on the SMP UART. */
const BOOT_BANNER = /Starting bootloader|\*\*\* Booting Zephyr/;

/**
 * `reset` answered with `schema`, from `firmware`; a request sent right behind it is answered by
 * Zephyr's application, which serves until its delayed reset (when the board is built so), and by
 * nothing else: MCUboot's recovery goes silent at once. Then the boot banner shows the reset,
 * and only then does an answer count as the board's again.
 */
async function resetAndWait(c: StrictClient, body: Record<string, unknown>, schema: Schema, facts: BoardFacts, what: string, firmware: 'recovery' | 'application'): Promise<void> {
  const consoleBefore = c.console.length;
  const reset = c.send(WRITE, 0, 5, body);
  // Right behind it, so it is read before the reset whatever the load on the machine.
  const probe = c.send(READ, 0, 6);
  const answer = await c.nextAnswer(15_000);
  expect(answer?.header.seq, `${what}: the reset's answer first`).toBe(reset);
  ok(answer!, schema, what);
  if (firmware === 'application' && facts.serveUntilReset) {
    const during = await c.nextAnswer(15_000);
    expect(during?.header.seq, `${what}: the application answers in the reset delay`).toBe(probe);
    expect(during!.body).toEqual({ buf_size: facts.app.bufSize, buf_count: facts.app.bufCount });
  } else {
    expect(await c.silentFor(facts.resetMs * 0.8), `${what}: silent during the reset delay`).toBe(true);
  }
  await c.untilConsole(BOOT_BANNER, consoleBefore, 15_000);
  await c.untilAnswering();
}

/** Uploads `image` in 512-byte chunks; `recovery`: MCUboot's answers, else Zephyr's (with `sha`). */
async function upload(c: StrictClient, image: Uint8Array, recovery: boolean): Promise<StrictAnswer> {
  const sha = new Uint8Array(createHash('sha256').update(image).digest());
  let last: StrictAnswer | undefined;
  for (let off = 0; off < image.length; off += 512) {
    const data = image.subarray(off, off + 512);
    last = await c.request(WRITE, 1, 1, off === 0 ? { off, len: image.length, sha, data } : { off, data });
    const body = ok(last, recovery ? ANSWERS.recoveryUpload : ANSWERS.upload, `upload at ${off}`);
    expect(body['off']).toBe(off + data.length);
  }
  return last!;
}

export async function strictBoardScenario(c: StrictClient, facts: BoardFacts): Promise<void> {
  const first = signed('2.0.0');
  const second = signed('2.0.1');

  // MCUboot's serial recovery (nothing bootable yet).
  rc(await c.request(WRITE, 0, 0, { d: 'hi' }), 8, 'recovery echo (MCUBOOT_BOOT_MGMT_ECHO off)');
  expect(ok(await c.request(READ, 0, 6), ANSWERS.params, 'recovery params')).toEqual({ buf_size: 1024, buf_count: 1 });
  rc(await c.request(READ, 0, 7, { format: 'a' }), 8, 'recovery OS info');
  rc(await c.request(READ, 0, 8), 8, 'recovery bootloader info');
  expect(ok(await c.request(READ, 1, 0), ANSWERS.recoveryImageList, 'recovery image list')).toEqual({ images: [] });
  rc(await c.request(WRITE, 1, 1, { off: 0, data: first.subarray(0, 64) }), 3, 'recovery upload without len');
  const sha = new Uint8Array(32);
  expect(ok(await c.request(WRITE, 1, 1, { off: 0, len: first.length, sha, data: first.subarray(0, 512) }), ANSWERS.recoveryUpload, 'first chunk')).toEqual({ rc: 0, off: 512 });
  expect(ok(await c.request(WRITE, 1, 1, { off: 4096, data: first.subarray(0, 512) }), ANSWERS.recoveryUpload, 'wrong offset')).toEqual({ rc: 0, off: 512 });
  // Offset 0 again, same sha: MCUboot starts over (no resume).
  expect(ok(await c.request(WRITE, 1, 1, { off: 0, len: first.length, sha, data: first.subarray(0, 512) }), ANSWERS.recoveryUpload, 'restart')).toEqual({ rc: 0, off: 512 });
  rc(await c.request(READ, 1, 6), 8, 'recovery slot info');
  await upload(c, first, true);
  const listed = ok(await c.request(READ, 1, 0), ANSWERS.recoveryImageList, 'recovery image list after the upload');
  expect(listed).toMatchObject({ images: [{ slot: 0, version: '2.0.0' }] });
  await resetAndWait(c, {}, ANSWERS.recoveryReset, facts, 'recovery reset', 'recovery');

  // The Zephyr application.
  expect(ok(await c.request(WRITE, 0, 0, { d: 'strict' }), ANSWERS.echo, 'echo')).toEqual({ r: 'strict' });
  expect(ok(await c.request(READ, 0, 6), ANSWERS.params, 'params')).toEqual({ buf_size: facts.app.bufSize, buf_count: facts.app.bufCount });
  ok(await c.request(READ, 0, 7, { format: 'a' }), ANSWERS.osInfo, 'OS info');
  expect((await c.request(READ, 0, 7, { format: 'x' })).body).toEqual({ err: { group: 0, rc: 2 } });
  expect((await c.request(READ, 0, 7, { format: 'x' }, { version: 1 })).body).toEqual({ rc: 3 });
  expect(ok(await c.request(READ, 0, 8), ANSWERS.bootloaderName, 'bootloader info')).toEqual({ bootloader: 'MCUboot' });
  ok(await c.request(READ, 0, 8, { query: 'mode' }), ANSWERS.bootloaderMode, 'bootloader mode');
  rc(await c.request(READ, 0, 2), 8, 'taskstat (not built)');
  const running = ok(await c.request(READ, 1, 0), ANSWERS.imageState, 'image state');
  expect(running).toMatchObject({ images: [{ slot: 0, version: '2.0.0', active: true, confirmed: true }] });
  // The SUIT group keeps nRF Connect SDK's legacy rc.
  expect((await c.request(READ, 66, 0)).body).toMatchObject({ rc: 0 });
  const done = await upload(c, second, false);
  expect(done.body).toMatchObject({ match: true });
  const state = ok(await c.request(READ, 1, 0), ANSWERS.imageState, 'image state after the upload');
  const candidate = (state['images'] as { slot: number; hash: Uint8Array }[]).find((i) => i.slot === 1)!;
  const tested = ok(await c.request(WRITE, 1, 0, { hash: candidate.hash, confirm: false }), ANSWERS.imageState, 'state write (test)');
  expect(tested['images']).toContainEqual(expect.objectContaining({ slot: 1, version: '2.0.1', pending: true }));
  // A line longer than the board's 128-byte line buffer is dropped without an answer.
  c.send(WRITE, 0, 0, { d: 'x'.repeat(120) }, { lineChars: 200 });
  expect(await c.silentFor(500), 'a 203-byte line is dropped').toBe(true);
  await resetAndWait(c, {}, ANSWERS.reset, facts, 'reset', 'application');
  const swapped = ok(await c.request(READ, 1, 0), ANSWERS.imageState, 'image state after the test swap');
  expect(swapped['images']).toEqual([expect.objectContaining({ slot: 0, version: '2.0.1', active: true, confirmed: true }), expect.objectContaining({ slot: 1, version: '2.0.0', active: false })]);

  // boot_mode 1: the bootloader stays in serial recovery.
  await resetAndWait(c, { boot_mode: 1 }, ANSWERS.reset, facts, 'reset to the bootloader', 'application');
  expect(ok(await c.request(READ, 0, 6), ANSWERS.params, 'recovery params')).toEqual({ buf_size: 1024, buf_count: 1 });
  const both = ok(await c.request(READ, 1, 0), ANSWERS.recoveryImageList, 'recovery image list with both slots');
  expect(both['images']).toEqual([expect.objectContaining({ slot: 0, version: '2.0.1' }), expect.objectContaining({ slot: 1, version: '2.0.0' })]);

  expect(Math.max(...c.lineLengths), 'longest line the board sent').toBeLessThanOrEqual(127);
  expect(c.lineLengths.filter((n) => n === 127).length, 'full 127-byte lines were needed').toBeGreaterThan(0);
}

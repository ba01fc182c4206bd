/**
 * The virtual board over SMP on the in-process paired link (unpaced): the groups as DESIGN.md
 * "Wire protocol" and notes/smp.md define them, console lines between frames, bootloader mode
 * and serial-recovery uploads, faults and board model through rig group 67, the reset line,
 * the SUIT cache, and state kept across restarts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createImage, parseVersion } from '../../host/mcuboot/index.js';
import { runUpdate } from '../../host/operator/update.js';
import { decodeSuitReport } from '../../host/operator/suit-report.js';
import { SmpErrorResponse, SmpGroupError, SmpRcError } from '../../host/smp/errors.js';
import { SmpClient } from '../../host/smp/client.js';
import { rebootAndWait } from '../../host/smp/reboot.js';
import { TcpTransport } from '../../host/transport/tcp.js';
import { encodeCbor } from '../../host/suit/cbor/encode.js';
import { formatUuid } from '../../host/util/uuid.js';
import { VirtualBoard, type VirtualBoardOptions } from '../../rig/virtual/board/board.js';
import { DEFAULT_PROFILE, getProfile } from '../../rig/virtual/profiles.js';
import { policyIdentity } from '../../rig/virtual/suit/trust.js';
import { APP_URI, anchor, app, envelope, es256Key, hmacKey, identity, trust } from './fixtures.js';

const boards: VirtualBoard[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const b of boards.splice(0)) await b.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function open(o: VirtualBoardOptions = {}) {
  const board = await VirtualBoard.open({ trust: trust(), identity: policyIdentity(identity), seed: 1, ...o });
  boards.push(board);
  const link = await board.connect({ pace: false, seed: 2 });
  return { board, link, client: link.client };
}

const v1 = app('1.0.0');
const v2 = app('1.1.0');
const env1 = envelope({ sequence: 1, payload: v1 });
const env2 = envelope({ sequence: 2, payload: v2 });
const update = (c: SmpClient, env: Uint8Array, payload: Uint8Array, o: Partial<Parameters<typeof runUpdate>[2]> = {}) => runUpdate(c, env, { payloads: new Map([[APP_URI, payload]]), ...o });

/**
 * The SMP reset (`bootMode` 1: stay in the bootloader), then the wait until the board answers
 * after going through it, as the rig waits: the application answers on until its delayed reset,
 * as Zephyr's does, so only an answer after the board's witness saw the boot counts.
 */
async function rebooted(c: SmpClient, board: VirtualBoard, bootMode?: number): Promise<void> {
  await rebootAndWait(c, { how: 'smp', ...(bootMode !== undefined ? { bootMode } : {}) }, { witness: board.witness, timeoutMs: 15_000 });
}

/** Polls echo until the board answers (after a power cut); MCUboot's serial recovery answers it rc 8. */
async function answering(c: SmpClient): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      await c.os.echo('x', { timeoutMs: 100, retries: 0 });
      return;
    } catch (e) {
      if (e instanceof SmpErrorResponse) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  throw new Error('board does not answer');
}

describe('virtual board groups', () => {
  it('SUIT group: missing image by URI, manifest list and state, trust state; unknown role and stale sessions refused', async () => {
    const { board, client } = await open();
    expect(board.mode).toBe('recovery');
    expect(await client.suit.manifests()).toEqual([{ role: 0x20, classId: undefined }]);
    await client.suit.uploadEnvelope(env1);
    const missing = await client.suit.missingImage();
    expect(missing?.uri).toBe(APP_URI);
    expect(new TextDecoder().decode(missing!.resourceId)).toBe(APP_URI);
    await expect(client.suit.uploadMissingImage(missing!.sessionId + 1, v1)).rejects.toThrow(/stream session .* is not the current one/);
    await client.suit.uploadMissingImage(missing!.sessionId, v1);
    expect(await client.suit.missingImage()).toBeUndefined();
    const report = decodeSuitReport((await client.rig.lastReport()).report);
    expect(report.result.ok).toBe(true);
    await rebooted(client, board);
    const st = await client.suit.manifestState(0x20);
    expect(st.sequenceNumber).toBe(1n);
    expect(st.semanticVersion).toEqual([1, 0, 0]);
    expect(formatUuid(st.classId!)).toBe(formatUuid(identity.classId));
    await expect(client.suit.manifestState(0x21)).rejects.toThrow(SmpRcError);
    const t = await client.rig.trustState();
    expect(t.sequence).toBe(1n);
    expect(t.anchors.map((a) => Buffer.from(a).toString('hex'))).toEqual([Buffer.from(anchor(hmacKey).id).toString('hex')]);
  });

  it('cleanup drops the update waiting for its payload', async () => {
    const { client, board } = await open();
    await client.suit.uploadEnvelope(env1);
    expect(await client.suit.missingImage()).toBeDefined();
    await client.suit.cleanup();
    expect(await client.suit.missingImage()).toBeUndefined();
    expect(board.firmware.consumer.fetching).toBeUndefined();
  });

  it('prints console lines between SMP frames: the boot banner after a reset', async () => {
    const { client } = await open();
    const lines: string[] = [];
    client.link.onEvent((e) => void (e.kind === 'console' && lines.push(e.text)));
    await update(client, env1, v1);
    expect(lines).toContain('*** Booting Zephyr OS build v4.4.0 ***');
    expect(lines).toContain('I: Starting bootloader (reset reason: soft-reset)');
    expect(lines.some((l) => /^I: Jumping to the first image slot \(version 1\.0\.0\+1\)$/.test(l))).toBe(true);
    expect(lines).toContain('app: image confirmed');
  });

  it('serves payloads pushed into the SUIT cache without asking the host', async () => {
    const { client, board } = await open();
    await client.suit.uploadCacheRaw(0, encodeCbor(new Map([[APP_URI, v1]])));
    await client.suit.uploadEnvelope(env1);
    expect(await client.suit.missingImage()).toBeUndefined();
    expect(decodeSuitReport((await client.rig.lastReport()).report).result.ok).toBe(true);
    await rebooted(client, board);
    expect(board.firmware.running?.sequence).toBe(1n);
  });

  it('bootloader mode (reset boot_mode 1): serial-recovery upload of an MCUboot image into the primary slot, then it boots', async () => {
    const { client, board } = await open({ trust: trust(es256Key) });
    const signed = (v: string) => createImage(app(v), { key: es256Key, version: parseVersion(v), securityCounter: 1 });
    // Nothing bootable: MCUboot waits in serial recovery, whose reset knows no boot_mode.
    expect(board.mode).toBe('recovery');
    await rebooted(client, board, 1);
    expect(board.mode).toBe('recovery');
    await client.image.upload(signed('2.0.0'));
    await rebooted(client, board);
    expect(board.mode).toBe('application');
    expect((await client.image.state()).images[0]).toMatchObject({ slot: 0, version: '2.0.0', active: true });
    // The application's reset with boot_mode 1 keeps the bootloader in serial recovery.
    await rebooted(client, board, 1);
    expect(board.mode).toBe('bootloader');
    expect((await client.rig.lastReport()).boot).toMatchObject({ reason: 'boot-mode', outcome: 'recovery' });
    await client.image.upload(signed('2.0.1'));
    expect((await client.image.state()).images[0]).toMatchObject({ slot: 0, version: '2.0.1', active: false });
    await rebooted(client, board);
    expect(board.mode).toBe('application');
    expect((await client.image.state()).images[0]).toMatchObject({ slot: 0, version: '2.0.1', active: true });
    expect((await client.suit.manifestState(0x20)).sequenceNumber).toBeUndefined();
  });

  it('image group: an MCUboot image uploaded to the secondary slot, tested, confirmed', async () => {
    const { client, board } = await open({ trust: trust(es256Key) });
    await rebooted(client, board, 1);
    // With hardware rollback protection MCUboot images carry a security counter.
    await client.image.upload(createImage(app('2.0.0'), { key: es256Key, version: parseVersion('2.0.0'), securityCounter: 1 }));
    await rebooted(client, board);
    // Build number 5: img_mgmt writes it as a fourth part ("2.1.0.5"), build 0 not at all.
    const img = createImage(app('2.1.0', 'never-confirms'), { key: es256Key, version: parseVersion('2.1.0+5'), securityCounter: 2 });
    await client.image.upload(img);
    const pending = await client.image.state();
    expect(pending.images[1]).toMatchObject({ slot: 1, version: '2.1.0.5', pending: false });
    await client.image.test(pending.images[1]!.hash);
    expect((await client.image.state()).images[1]).toMatchObject({ pending: true, permanent: false });
    await rebooted(client, board);
    const testing = await client.image.state();
    expect(testing.images[0]).toMatchObject({ version: '2.1.0.5', active: true, confirmed: false });
    expect(testing.images[1]).toMatchObject({ version: '2.0.0', confirmed: true });
    await client.image.confirm();
    await rebooted(client, board);
    expect((await client.image.state()).images[0]).toMatchObject({ version: '2.1.0.5', active: true, confirmed: true });
    expect(board.bootRecord.outcome).toBe('booted');
  });
});

describe('image upload with upgrade: true on the virtual board', () => {
  it('refuses an image not newer than the running one (27) without touching the secondary; the bootloader ignores the flag', async () => {
    const { client, board } = await open({ trust: trust(es256Key) });
    await rebooted(client, board, 1);
    const signed = (v: string, behaviour: 'healthy' | 'never-confirms' = 'healthy') => createImage(app(v, behaviour), { key: es256Key, version: parseVersion(v), securityCounter: 1 });
    // Serial recovery (MCUboot) does not look at the flag: nothing runs to compare with.
    await client.image.upload(signed('2.0.0'), { upgrade: true });
    await rebooted(client, board);
    const sec = board.firmware.areas.secondary;
    const before = sec.read(0, sec.size);
    for (const v of ['2.0.0', '1.9.9']) {
      const e = await client.image.upload(signed(v), { upgrade: true }).catch((x: unknown) => (x as Error).cause);
      expect(e, v).toBeInstanceOf(SmpGroupError);
      expect((e as SmpGroupError).rc).toBe(27);
    }
    expect(sec.read(0, sec.size)).toEqual(before);
    expect((await client.image.upload(signed('2.0.1', 'never-confirms'), { upgrade: true })).match).toBe(true);
    expect((await client.image.state()).images[1]).toMatchObject({ version: '2.0.1' });
  });
});

describe('faults and board model through rig group 67', () => {
  it('a power cut armed before a flash operation of the swap: the board goes dark, comes back and finishes the update', async () => {
    const { client, board } = await open({ powerRestoreMs: 30, testHooks: true });
    await update(client, env1, v1);
    const out = await update(client, env2, v2, { reset: false });
    expect(out.result).toBe('installed');
    const events: string[] = [];
    board.subscribe((e) => void (e.kind === 'power-lost' && events.push(`cut at op ${e.opIndex}`)));
    await client.rig.armFault({ powerCutBeforeOp: 25, seed: 5 });
    await rebooted(client, board);
    expect(events).toHaveLength(1);
    expect(board.firmware.running?.sequence).toBe(2n);
    expect(board.bootRecord).toMatchObject({ reason: 'power-cut' });
  });

  it('a power cut in the middle of the payload: the update is lost, the old image still runs, a new attempt succeeds', async () => {
    const { client, board } = await open({ powerRestoreMs: 30, testHooks: true });
    await update(client, env1, v1);
    await client.rig.armFault({ powerCutBeforeOp: 6, seed: 9 });
    await client.suit.uploadEnvelope(env2);
    const m = await client.suit.missingImage();
    await expect(client.suit.uploadMissingImage(m!.sessionId, v2, { chunkTimeoutMs: 150, retries: 2 })).rejects.toThrow();
    await answering(client);
    expect(board.firmware.running?.sequence).toBe(1n);
    expect(board.bootRecord.reason).toBe('power-cut');
    expect(await client.suit.missingImage()).toBeUndefined();
    expect((await update(client, env2, v2)).result).toBe('updated');
  });

  it('seeded link faults armed on the board: the update still completes, checked end to end', async () => {
    const { client, board } = await open({ testHooks: true });
    await update(client, env1, v1);
    await client.rig.armFault({ link: { corrupt: 1e-4 }, seed: 77 });
    const out = await update(client, env2, v2);
    expect(out.result).toBe('updated');
    expect(board.firmware.running?.sequence).toBe(2n);
  });

  it('board model: the accept-rollback quirk makes the board take a replayed older manifest', async () => {
    const { client, board } = await open({ testHooks: true });
    await update(client, env1, v1);
    await update(client, env2, v2);
    await client.rig.boardModel({ quirks: ['accept-rollback'] });
    const out = await update(client, env1, v1);
    expect(out.result).toBe('updated');
    expect(board.firmware.running?.sequence).toBe(1n);
    await expect(client.rig.boardModel({ quirks: ['fly'] })).rejects.toThrow(/unknown quirk 'fly'/);
  });

  it('board model: app_default makes an application without an app header crash, so the update is reverted', async () => {
    const { client, board } = await open({ testHooks: true });
    await update(client, env1, v1);
    const raw = new Uint8Array(30_000).map((_, i) => (i * 7) & 0xff);
    await client.rig.boardModel({ appDefault: 'crashes' });
    const out = await update(client, envelope({ sequence: 2, payload: raw }), raw);
    expect(out.result).toBe('reverted');
    expect(board.firmware.running?.sequence).toBe(1n);
    await client.rig.boardModel({ appDefault: 'healthy' });
    expect((await update(client, envelope({ sequence: 2, payload: raw }), raw)).result).toBe('updated');
  });

  it('a power cut at a seeded random flash operation strikes exactly there (TypeScript fault API)', async () => {
    const { client, board } = await open({ autoRestore: false });
    await update(client, env1, v1);
    await update(client, env2, v2, { reset: false });
    const n = board.faults.powerCutAtRandom({ seed: 42, withinOps: 100 });
    expect(board.faults.powerCutAtRandom({ seed: 42, withinOps: 100 })).toBe(n);
    const lost: number[] = [];
    board.subscribe((e) => void (e.kind === 'power-lost' && lost.push(e.opIndex)));
    const start = board.firmware.flash.opCount;
    await board.reset();
    expect(lost).toEqual([start + n]);
    expect(board.mode).toBe('off');
    await board.powerOn();
    await answering(client);
    expect(board.firmware.running?.sequence).toBe(2n);
    expect(board.bootRecord.reason).toBe('power-cut');
  });

  it('--baud paces the board side of a TCP link at the line rate, both ways', async () => {
    // A fresh board waits in MCUboot's serial recovery: one built with echo (MCUBOOT_BOOT_MGMT_ECHO).
    const p = getProfile(DEFAULT_PROFILE);
    const profile = { ...p, smp: { ...p.smp, recovery: { ...p.smp.recovery, echo: true } } };
    const board = await VirtualBoard.open({ trust: trust(), baud: 9600, seed: 3, profile });
    boards.push(board);
    const listener = await board.listenTcp({ port: 0 });
    const client = SmpClient.over(await TcpTransport.connect('127.0.0.1', listener.port));
    const text = 'x'.repeat(400);
    const t0 = performance.now();
    expect(await client.os.echo(text, { timeoutMs: 10_000 })).toBe(text);
    // Request and answer are each more than 400 bytes of base64 lines: at 960 bytes/s, over
    // 0.4 s each way (the board reads no faster than the line delivers).
    expect(performance.now() - t0).toBeGreaterThan(850);
    await client.close();
    await listener.close();
  });

  it('a boot-looping board (never-revert quirk, crashing image) keeps printing its console but answers nothing', async () => {
    const { client, board } = await open({ quirks: ['never-revert'] });
    await update(client, env1, v1);
    const lines: string[] = [];
    client.link.onEvent((e) => void (e.kind === 'console' && lines.push(e.text)));
    const bad = app('1.1.0', 'crashes');
    await expect(update(client, envelope({ sequence: 2, payload: bad }), bad, { bootTimeoutMs: 300 })).rejects.toThrow(/did not answer within/);
    expect(board.mode).toBe('boot-loop');
    expect(lines.filter((l) => l === 'app: fatal error, resetting').length).toBe(8);
    await board.faults.resetPin();
    expect(board.mode).toBe('boot-loop');
  });

  it('the reset line: releasing the host RTS resets the board (reason pin-reset)', async () => {
    const { client, board, link } = await open();
    board.attachResetLine(link.link, 'rts');
    const count = board.bootRecord.count;
    await client.transport.setSignals({ dtr: true, rts: false });
    await answering(client);
    expect(board.bootRecord).toMatchObject({ count: count + 1, reason: 'pin-reset' });
  });
});

describe('state across restarts', () => {
  it('restore puts a board back into a snapshot (known-good) while its link stays up', async () => {
    const { client, board } = await open();
    await update(client, env1, v1);
    const known = board.snapshot();
    await update(client, env2, v2);
    expect(board.firmware.storedSequence()).toBe(2n);
    await board.restore(known);
    await answering(client);
    expect(board.firmware.running?.sequence).toBe(1n);
    expect(board.firmware.storedSequence()).toBe(1n);
    expect((await client.suit.manifestState(0x20)).sequenceNumber).toBe(1n);
    expect((await update(client, env2, v2)).result).toBe('updated');
  });

  it('a confirmed update stays confirmed after the board process restarts from its state directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'suitrig-board-'));
    dirs.push(dir);
    const first = await open({ stateDir: dir });
    await update(first.client, env1, v1);
    await update(first.client, env2, v2);
    const count = first.board.bootRecord.count;
    const deviceId = first.board.firmware.identity.deviceId;
    await first.link.close();
    await first.board.close();
    boards.splice(boards.indexOf(first.board), 1);

    const again = await open({ stateDir: dir, trust: undefined, identity: undefined });
    expect(again.board.firmware.running?.sequence).toBe(2n);
    expect(again.board.firmware.storedSequence()).toBe(2n);
    expect(again.board.bootRecord).toMatchObject({ count: count + 1, reason: 'power-on', outcome: 'booted' });
    expect(formatUuid(again.board.firmware.identity.deviceId)).toBe(formatUuid(deviceId));
    expect((await again.client.rig.trustState()).anchors).toHaveLength(1);
    expect(decodeSuitReport((await again.client.rig.lastReport()).report).result.ok).toBe(true);
  });

  it('a power cut in the swap, then the process dies: the board started again from its state directory finishes the swap', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'suitrig-board-'));
    dirs.push(dir);
    const first = await open({ stateDir: dir, autoRestore: false });
    await update(first.client, env1, v1);
    expect((await update(first.client, env2, v2, { reset: false })).result).toBe('installed');
    await first.link.close();
    first.board.faults.powerCutBeforeOp(30);
    expect((await first.board.reset()).kind).toBe('off');
    // The process dies: the board is never closed (no compaction); only what it wrote so far counts.
    boards.splice(boards.indexOf(first.board), 1);

    const lines: string[] = [];
    const again = await open({ stateDir: dir, trust: undefined, identity: undefined, listener: (e) => void (e.kind === 'console' && lines.push(e.line)) });
    expect(lines).toContain('I: Resuming an interrupted test swap');
    expect(again.board.firmware.running?.sequence).toBe(2n);
    expect(again.board.bootRecord.outcome).toBe('test');
    expect(again.board.firmware.storedSequence()).toBe(2n);
  });
});

/**
 * The virtual board's two firmware builds, request by request through `board.server.answer`
 * (no link): the SMP reset deferred by the profile's delay on the board's own clock (a
 * ManualClock here), with nothing served in between; MCUboot serial recovery's commands and
 * the build options of a profile (`recovery.params`, `recovery.echo`); `rc` only where real
 * firmware puts it (notes/mcuboot.md §7, notes/smp.md §1).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createImage, parseVersion } from '../../host/mcuboot/index.js';
import { encodeCbor, type SmpMap } from '../../host/smp/cbor.js';
import { Op, type SmpHeader } from '../../host/smp/header.js';
import { GroupId, ImageCmd, OsCmd, SuitCmd } from '../../host/smp/ids.js';
import { ManualClock } from '../../host/transport/clock.js';
import { VirtualBoard, type VirtualBoardOptions } from '../../rig/virtual/board/board.js';
import { DEFAULT_PROFILE, getProfile, type SmpBuild } from '../../rig/virtual/profiles.js';
import { app, es256Key, trust } from './fixtures.js';

const boards: VirtualBoard[] = [];
afterEach(async () => {
  for (const b of boards.splice(0)) await b.close();
});

/** A board whose profile's SMP build is changed by `recovery` and `build`; `send` answers one request and returns it with its after-answer actions still to run. */
async function open(o: VirtualBoardOptions & { recovery?: Partial<SmpBuild['recovery']>; build?: Partial<SmpBuild> } = {}) {
  const p = getProfile(DEFAULT_PROFILE);
  const profile = { ...p, smp: { ...p.smp, ...o.build, recovery: { ...p.smp.recovery, ...o.recovery } } };
  const board = await VirtualBoard.open({ trust: trust(es256Key), seed: 31, ...o, profile });
  boards.push(board);
  let seq = 0;
  const send = async (op: (typeof Op)[keyof typeof Op], group: number, command: number, body: SmpMap = {}) => {
    const after: (() => void | Promise<void>)[] = [];
    const h: SmpHeader = { op, version: 2, flags: 0, length: 0, group, seq: seq++ & 0xff, command };
    const answer = await board.server.answer(h, encodeCbor(body), after);
    return { answer, after: () => Promise.all(after.map((fn) => fn())) };
  };
  const image = (v: string) => createImage(app(v, 'healthy', 5000), { key: es256Key, version: parseVersion(v), securityCounter: 1 });
  /** Writes an image through serial recovery (MCUboot's upload) and boots it. */
  const recover = async (v: string) => {
    const img = image(v);
    expect((await send(Op.WRITE, GroupId.IMAGE, ImageCmd.UPLOAD, { off: 0, len: img.length, data: img })).answer).toEqual({ rc: 0, off: img.length });
    await board.reset();
  };
  return { board, send, image, recover };
}

describe('the reset, deferred on the board clock', () => {
  it('built to go silent at its answer: answers {} at once, serves nothing for the profile delay (250 ms), then boots', async () => {
    const clock = new ManualClock();
    const { board, send, recover } = await open({ clock, build: { serveUntilReset: false } });
    await recover('1.0.0');
    const boots = board.bootRecord.count;
    const reset = await send(Op.WRITE, GroupId.OS, OsCmd.RESET);
    expect(reset.answer).toEqual({});
    const rebooting = reset.after();
    await clock.advance(249);
    expect(board.bootRecord.count).toBe(boots);
    // Silent: a request now is not served (over a link: never answered at all).
    expect((await send(Op.READ, GroupId.OS, OsCmd.PARAMS)).answer).toEqual({ rc: 1, rsn: 'board is not running its application SMP server' });
    await clock.advance(1);
    await rebooting;
    expect(board.bootRecord).toMatchObject({ count: boots + 1, reason: 'soft-reset' });
    expect((await send(Op.READ, GroupId.OS, OsCmd.PARAMS)).answer).toEqual({ buf_size: 1024, buf_count: 4 });
  });

  it("by default, as Zephyr's application: the old application answers in the delay; a second reset changes nothing", async () => {
    const clock = new ManualClock();
    const { board, send, recover } = await open({ clock });
    await recover('1.0.0');
    const boots = board.bootRecord.count;
    await (await send(Op.WRITE, GroupId.OS, OsCmd.RESET)).after();
    await clock.advance(100);
    expect((await send(Op.READ, GroupId.OS, OsCmd.PARAMS)).answer).toEqual({ buf_size: 1024, buf_count: 4 });
    await (await send(Op.WRITE, GroupId.OS, OsCmd.RESET)).after();
    await clock.advance(149);
    expect(board.bootRecord.count).toBe(boots);
    await clock.advance(1);
    expect(board.bootRecord.count).toBe(boots + 1);
    await clock.advance(1000);
    expect(board.bootRecord.count).toBe(boots + 1);
  });

  it('a power cycle during the delay overtakes it: no second boot', async () => {
    const clock = new ManualClock();
    const { board, send, recover } = await open({ clock });
    await recover('1.0.0');
    const reset = await send(Op.WRITE, GroupId.OS, OsCmd.RESET, { boot_mode: 1 });
    const rebooting = reset.after();
    board.powerOff();
    await board.powerOn();
    const boots = board.bootRecord.count;
    await clock.advance(250);
    await rebooting;
    expect(board.bootRecord.count).toBe(boots);
    expect(board.mode).toBe('application');
  });
});

describe("MCUboot serial recovery's answers", () => {
  it('a fresh board: params 1024 x 1, echo / OS info / bootloader info / state write / erase / slot info rc 8, console echo control and reset {rc: 0}', async () => {
    const { board, send } = await open();
    expect(board.mode).toBe('recovery');
    expect((await send(Op.READ, GroupId.OS, OsCmd.PARAMS)).answer).toEqual({ buf_size: 1024, buf_count: 1 });
    for (const [op, group, cmd] of [
      [Op.WRITE, GroupId.OS, OsCmd.ECHO],
      [Op.READ, GroupId.OS, OsCmd.INFO],
      [Op.READ, GroupId.OS, OsCmd.BOOTLOADER_INFO],
      [Op.WRITE, GroupId.IMAGE, ImageCmd.STATE],
      [Op.WRITE, GroupId.IMAGE, ImageCmd.ERASE],
      [Op.READ, GroupId.IMAGE, ImageCmd.SLOT_INFO],
    ] as const) {
      expect((await send(op, group, cmd, { d: 'x' })).answer, `${group}/${cmd}`).toEqual({ rc: 8 });
    }
    expect((await send(Op.WRITE, GroupId.OS, OsCmd.CONSOLE_ECHO, { echo: 0 })).answer).toEqual({ rc: 0 });
    expect((await send(Op.WRITE, GroupId.OS, OsCmd.RESET)).answer).toEqual({ rc: 0 });
    // The SUIT group answers through MCUboot's user-group hook, with its legacy rc.
    expect((await send(Op.READ, GroupId.SUIT, SuitCmd.MANIFESTS_LIST)).answer).toEqual({ rc: 0, manifests: [{ role: 0x20 }] });
  });

  it('upload: len required at 0, data past len refused (the upload goes on), no resume by sha, the image list without flags', async () => {
    const { send, image } = await open();
    const img = image('1.2.3');
    const sha = new Uint8Array(32).fill(7);
    const up = async (body: SmpMap) => (await send(Op.WRITE, GroupId.IMAGE, ImageCmd.UPLOAD, body)).answer;
    // bs_rc_rsp: a bare rc, never a reason.
    expect(await up({ off: 0, data: img.subarray(0, 100) })).toEqual({ rc: 3 });
    expect(await up({ off: 0, len: img.length, sha, data: img.subarray(0, 1000) })).toEqual({ rc: 0, off: 1000 });
    expect(await up({ off: 0, len: img.length, sha, data: img.subarray(0, 500) })).toEqual({ rc: 0, off: 500 });
    expect(await up({ off: 700, data: img.subarray(700, 800) })).toEqual({ rc: 0, off: 500 });
    expect(await up({ off: 500, data: new Uint8Array(img.length) })).toEqual({ rc: 3 });
    // bs_upload refuses the chunk and keeps its place: the upload goes on from there.
    expect(await up({ off: 500, data: img.subarray(500, 600) })).toEqual({ rc: 0, off: 600 });
    expect(await up({ off: 0, len: img.length, data: img })).toEqual({ rc: 0, off: img.length });
    const list = (await send(Op.READ, GroupId.IMAGE, ImageCmd.STATE)).answer as { images: SmpMap[] };
    expect(list.images).toHaveLength(1);
    expect(Object.keys(list.images[0]!)).toEqual(['slot', 'hash', 'version']);
    expect(list.images[0]).toMatchObject({ slot: 0, version: '1.2.3' });
  });

  it('profile build options: MCUmgr params answered rc 8 (the MCUboot Zephyr 4.4.0 pins), echo served (MCUBOOT_BOOT_MGMT_ECHO)', async () => {
    const { send } = await open({ recovery: { params: false, echo: true } });
    expect((await send(Op.READ, GroupId.OS, OsCmd.PARAMS)).answer).toEqual({ rc: 8 });
    expect((await send(Op.WRITE, GroupId.OS, OsCmd.ECHO, { d: 'boot' })).answer).toEqual({ r: 'boot' });
  });

  it("the application does not erase the slot a scheduled revert boots (Zephyr img_mgmt_slot_in_use; found by the board fuzzer)", async () => {
    const { board, send, recover } = await open();
    await recover('1.0.0');
    const next = createImage(app('1.1.0', 'never-confirms', 5000), { key: es256Key, version: parseVersion('1.1.0'), securityCounter: 1 });
    expect((await send(Op.WRITE, GroupId.IMAGE, ImageCmd.UPLOAD, { off: 0, len: next.length, data: next })).answer).toMatchObject({ off: next.length });
    const listed = (await send(Op.READ, GroupId.IMAGE, ImageCmd.STATE)).answer as { images: { slot: number; hash: Uint8Array }[] };
    expect((await send(Op.WRITE, GroupId.IMAGE, ImageCmd.STATE, { hash: listed.images.find((i) => i.slot === 1)!.hash, confirm: false })).answer).toHaveProperty('images');
    await board.reset();
    expect(board.state).toMatchObject({ kind: 'running', confirmed: false });
    // img_mgmt_erase: a slot in use is NO_FREE_SLOT (v1: rc 6 EBADSTATE).
    expect((await send(Op.WRITE, GroupId.IMAGE, ImageCmd.ERASE, { slot: 1 })).answer).toEqual({ err: { group: GroupId.IMAGE, rc: 9 } });
    // The revert still finds its image.
    await board.reset();
    expect(board.state).toMatchObject({ kind: 'running', confirmed: true, image: { version: '1.0.0+0' } });
  });

  it('the application answers without rc; its SUIT group with it', async () => {
    const { board, send, recover } = await open();
    await recover('1.0.0');
    expect(board.mode).toBe('application');
    expect((await send(Op.WRITE, GroupId.OS, OsCmd.ECHO, { d: 'app' })).answer).toEqual({ r: 'app' });
    expect((await send(Op.READ, GroupId.OS, OsCmd.BOOTLOADER_INFO)).answer).toEqual({ bootloader: 'MCUboot' });
    // As the recorded Zephyr application: no rc, splitStatus 0.
    expect(Object.keys((await send(Op.READ, GroupId.IMAGE, ImageCmd.STATE)).answer)).toEqual(['images', 'splitStatus']);
    expect((await send(Op.READ, GroupId.SUIT, SuitCmd.MANIFESTS_LIST)).answer).toEqual({ rc: 0, manifests: [{ role: 0x20 }] });
  });
});

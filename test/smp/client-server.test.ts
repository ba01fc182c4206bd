/**
 * The SMP client against the SMP server over the paired serial link (real serialport stream
 * code on both ends): commands of every group, both error forms in the version asked, request
 * deadlines on an injected clock, vanished ports, the server's buffer limit, and the raw
 * framing end to end.
 */
import { describe, expect, it } from 'vitest';
import type { SmpMap } from '../../host/smp/cbor.js';
import { SmpClient, SmpTimeoutError } from '../../host/smp/client.js';
import { MgmtErr, SmpGroupError, SmpRcError } from '../../host/smp/errors.js';
import { RawFraming } from '../../host/smp/framing/raw.js';
import { isNotSupported } from '../../host/smp/groups/os.js';
import { GroupId, RigCmd, SuitCmd } from '../../host/smp/ids.js';
import type { InProcessLink, InProcessOptions } from '../../host/smp/in-process.js';
import { osGroup } from '../../host/smp/server/os-group.js';
import { SmpServer, type SmpGroupHandler } from '../../host/smp/server/server.js';
import { formatPacket } from '../../host/smp/trace.js';
import { ManualClock } from '../../host/transport/clock.js';
import { PairedLink } from '../../host/transport/paired/paired-link.js';
import { SerialPortTransport } from '../../host/transport/serialport.js';
import { TransportClosedError } from '../../host/transport/transport.js';
import { maxImageSize } from '../../rig/virtual/suit/firmware.js';
import { closedAfterEach, peerImage, uploadBytes } from '../helpers/smp-peer.js';

const { peer, link } = closedAfterEach();

function connect(server: SmpServer, o: InProcessOptions = {}): Promise<InProcessLink> {
  return link(server, { pace: false, seed: 1, ...o });
}

describe('SMP client and server over the paired link', () => {
  it('echo, params, OS info and bootloader info', async () => {
    const { server } = await peer({ bufSize: 1024, bufCount: 2 });
    const { client } = await connect(server);
    expect(await client.os.echo('hello')).toBe('hello');
    expect(await client.os.params()).toEqual({ bufSize: 1024, bufCount: 2 });
    expect(await client.os.info('sn')).toBe('suitrig smp-peer');
    expect(await client.os.bootloaderName()).toBe('MCUboot');
    expect(await client.os.bootloaderMode()).toEqual({ mode: 3, name: 'swap using move', noDowngrade: false });
  });

  it('answers in the version asked: v2 group errors, v1 rc errors, rc 8 for unknown commands', async () => {
    const { server } = await peer();
    const v2 = (await connect(server)).client;
    await expect(v2.os.info('x')).rejects.toThrow(SmpGroupError);
    await expect(v2.os.info('x')).rejects.toThrow(/os error 2 \(INVALID_FORMAT\) to os\/info/);
    const e8 = await v2.read(GroupId.OS, 4).catch((e: unknown) => e);
    expect(e8).toBeInstanceOf(SmpRcError);
    expect(isNotSupported(e8)).toBe(true);
    expect((e8 as Error).message).toMatch(/rc 8 \(ENOTSUP: not supported\) to os\/datetime/);

    const peer1 = await peer();
    const l1 = await link(peer1.server, { pace: false, seed: 2, client: { version: 1 } });
    const seen: number[] = [];
    l1.client.link.onEvent((e) => e.kind === 'rx' && seen.push(e.packet[0]!));
    const e3 = await l1.client.os.info('x').catch((e: unknown) => e);
    expect(e3).toBeInstanceOf(SmpRcError);
    expect((e3 as SmpRcError).rc).toBe(MgmtErr.EINVAL);
    expect(seen).toEqual([0x01]); // v1 READ_RSP header byte
  });

  it('image state, test, reboot into the test image, revert; confirm keeps it', async () => {
    const p = await peer({ running: peerImage('1.0.0', { size: 5000 }) });
    const { client } = await connect(p.server);
    const before = await client.image.state();
    expect(before.images).toHaveLength(1);
    expect(before.images[0]).toMatchObject({ slot: 0, active: true, confirmed: true, pending: false });
    const next = peerImage('1.1.0', { size: 20_000 });
    const r = await client.image.upload(next, { bufSize: 2048, bufCount: 4 });
    expect(r.match).toBe(true);
    const st = await client.image.state();
    const cand = st.images.find((s) => s.slot === 1)!;
    await expect(client.image.test(st.images[0]!.hash)).rejects.toThrow(/IMAGE_SETTING_TEST_TO_ACTIVE_DENIED/);
    await expect(client.image.test(new Uint8Array(32))).rejects.toThrow(/HASH_NOT_FOUND/);
    const marked = await client.image.test(cand.hash);
    expect(marked.images.find((s) => s.slot === 1)).toMatchObject({ pending: true, permanent: false });
    await client.os.reset();
    await expect.poll(() => p.boots).toBe(1);
    const booted = await client.image.state();
    expect(booted.images[0]).toMatchObject({ active: true, confirmed: false });
    expect(booted.images[0]!.hash).toEqual(cand.hash);
    await client.os.reset();
    await expect.poll(() => p.boots).toBe(2);
    expect((await client.image.state()).images[0]!.hash).toEqual(before.images[0]!.hash);
    // test again, then confirm after the boot: it stays
    await client.image.test(cand.hash);
    await client.os.reset();
    await expect.poll(() => p.boots).toBe(3);
    await client.image.confirm();
    await client.os.reset();
    await expect.poll(() => p.boots).toBe(4);
    expect((await client.image.state()).images[0]).toMatchObject({ confirmed: true });
    expect((await client.image.state()).images[0]!.hash).toEqual(cand.hash);
    const fw = p.board.firmware;
    const max = maxImageSize(fw.device, fw.profile);
    expect(await client.image.slotInfo()).toEqual([{ image: 0, slots: [{ slot: 0, size: fw.areas.primary.size }, { slot: 1, size: fw.areas.secondary.size, uploadImageId: 0 }], maxImageSize: max }]);
    await client.image.erase();
    expect((await client.image.state()).images).toHaveLength(1);
  });

  it('a legacy-rc server puts rc 0 in every success; the client reads it as success', async () => {
    const server = new SmpServer({ legacyRc: true });
    server.register(osGroup({ params: { bufSize: server.bufSize, bufCount: server.bufCount } }));
    const { client } = await connect(server);
    const raw = await client.exchange(2, GroupId.OS, 0, { d: 'x' });
    expect(raw.body).toEqual({ rc: 0, r: 'x' });
    expect(await client.os.echo('y')).toBe('y');
  });

  it('serves requests in order, several in flight', async () => {
    const { server } = await peer();
    const { client } = await connect(server);
    const words = Array.from({ length: 4 }, (_, i) => `w${i}`);
    expect(await Promise.all(words.map((w) => client.os.echo(w)))).toEqual(words);
  });

  it('drops requests beyond buf_count while busy, as a board without a free buffer', async () => {
    const server = new SmpServer({ bufCount: 2 });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    server.register({ id: 64, name: 'slow', commands: { 0: { write: async ({ body }) => (await gate, { v: body['v'] }) } } });
    const l = await connect(server);
    const calls = [0, 1, 2, 3].map((v) => l.client.write(64, 0, { v }, { timeoutMs: 300, retries: 0 }).then((r) => r['v'], (e: unknown) => e));
    await new Promise((r) => setTimeout(r, 50));
    release();
    const out = await Promise.all(calls);
    expect(out.slice(0, 2)).toEqual([0, 1]);
    expect(out[2]).toBeInstanceOf(SmpTimeoutError);
    expect(l.connection.stats.droppedBusy).toBe(2);
  });

  it('malformed bodies get rc 3 from a handler that reads its arguments, crashing handlers rc 1', async () => {
    const errors: unknown[] = [];
    const server = new SmpServer({ onHandlerError: (e) => errors.push(e) });
    server.register({
      id: 64,
      name: 'x',
      commands: {
        0: {
          read: () => {
            throw new Error('boom');
          },
          write: ({ body }) => ({ got: Object.keys(body).length }),
        },
      },
    });
    const h = { version: 2, flags: 0, length: 1, group: 64, seq: 0, command: 0 } as const;
    expect(await server.answer({ ...h, op: 2 }, Uint8Array.of(0x83))).toEqual({ rc: 3 });
    // An empty payload holds no map either (zcbor finds none).
    expect(await server.answer({ ...h, op: 2 }, new Uint8Array(0))).toEqual({ rc: 3 });
    expect(await server.answer({ ...h, op: 2 }, Uint8Array.of(0xa0))).toEqual({ got: 0 });
    const { client } = await connect(server);
    await expect(client.read(64, 0)).rejects.toThrow(/rc 1 \(EUNKNOWN/);
    expect(errors).toHaveLength(1);
    expect(() => server.register({ id: 64, name: 'again', commands: {} })).toThrow(/already registered/);
  });

  it('works over the raw framing too', async () => {
    const { server } = await peer({ framing: () => new RawFraming() });
    const { client } = await connect(server, { client: { framing: new RawFraming() } });
    expect(await client.os.echo('raw')).toBe('raw');
    const r = await client.image.upload(uploadBytes(10_000, 7), { bufSize: 2048, bufCount: 4 });
    expect(r.match).toBe(true);
  });

  it('console text from the board goes to the console log, not into SMP', async () => {
    const link = new PairedLink({ pace: false, seed: 1 });
    const board = await SerialPortTransport.open({ path: link.pathB, baudRate: 115200, binding: link.binding });
    const text: string[] = [];
    const client = SmpClient.over(await SerialPortTransport.open({ path: link.pathA, baudRate: 115200, binding: link.binding }), { onEvent: (e) => e.kind === 'console' && text.push(e.text) });
    await board.write(new TextEncoder().encode('*** Booting Zephyr OS ***\r\n[00:00:00.001] <inf> app: hello\n'));
    await expect.poll(() => text).toEqual(['*** Booting Zephyr OS ***', '[00:00:00.001] <inf> app: hello']);
    await client.close();
    await board.close();
  });
});

describe('deadlines and vanished ports', () => {
  it('a request the board never answers fails after its deadline and retries, on the injected clock', async () => {
    const clock = new ManualClock();
    const link = new PairedLink({ pace: false, seed: 1, clock });
    const board = await SerialPortTransport.open({ path: link.pathB, baudRate: 115200, binding: link.binding, clock });
    const client = SmpClient.over(await SerialPortTransport.open({ path: link.pathA, baudRate: 115200, binding: link.binding, clock }), { clock, timeoutMs: 1000, retries: 2 });
    let got: unknown;
    void client.os.echo('anyone?', { timeoutMs: 1000 }).catch((e: unknown) => (got = e));
    // 3 attempts of 1000 ms with backoffs of 100 and 200 ms between them
    await clock.advance(3299);
    expect(got).toBeUndefined();
    await clock.advance(2);
    expect(got).toBeInstanceOf(SmpTimeoutError);
    expect((got as Error).message).toMatch(/no answer from paired:.* to os\/echo within 1000 ms \(3 tries\)/);
    expect(client.stats.timeouts).toBe(3);
    void board.close();
    void client.close();
    await clock.advance(10);
  });

  it('default deadlines grow with the line time at the port baud', async () => {
    const { server } = await peer();
    const slow = (await connect(server, { baudRate: 9600, seed: 3 })).client;
    const fast = (await connect((await peer()).server, { baudRate: 1_000_000, seed: 4 })).client;
    expect(slow.deadlineMs(2000)).toBeGreaterThan(fast.deadlineMs(2000) + 5000);
    expect(fast.deadlineMs(2000)).toBeLessThan(2600);
  });

  it('a port that vanishes mid-request fails the request at once with a disconnect, never hangs', async () => {
    const server = new SmpServer();
    server.register({ id: 64, name: 'never', commands: { 0: { read: () => new Promise<SmpMap>(() => undefined) } } });
    const l = await connect(server);
    const t0 = Date.now();
    const p = l.client.read(64, 0, {}, { timeoutMs: 60_000 }).catch((e: unknown) => e);
    setTimeout(() => l.link.disconnect(), 20);
    const e = await p;
    expect(e).toBeInstanceOf(TransportClosedError);
    expect((e as TransportClosedError).disconnected).toBe(true);
    expect(Date.now() - t0).toBeLessThan(2000);
    await expect(l.client.os.echo('x')).rejects.toBeInstanceOf(TransportClosedError);
  });
});

describe('SUIT (66) and rig (67) client commands', () => {
  function recordingGroup(id: number, answers: Record<number, SmpMap>): { group: SmpGroupHandler; seen: { cmd: number; op: number; body: SmpMap }[] } {
    const seen: { cmd: number; op: number; body: SmpMap }[] = [];
    const commands: SmpGroupHandler['commands'] = {};
    for (const [cmd, answer] of Object.entries(answers)) {
      const h = ({ body, header }: { body: SmpMap; header: { op: number } }): SmpMap => (seen.push({ cmd: Number(cmd), op: header.op, body }), answer);
      (commands as Record<number, object>)[Number(cmd)] = { read: h, write: h };
    }
    return { group: { id, name: `g${id}`, commands }, seen };
  }

  it('SUIT group: manifest list and state, missing image, cleanup, envelope upload with rc/off answers', async () => {
    const server = new SmpServer();
    const { group, seen } = recordingGroup(66, {
      [SuitCmd.MANIFESTS_LIST]: { rc: 0, manifests: [{ role: 32, class_id: new Uint8Array(16) }, { role: 33 }] },
      [SuitCmd.MANIFEST_STATE]: { rc: 0, class_id: new Uint8Array(16), digest: new Uint8Array(32), digest_algorithm: -16, sequence_number: 2n ** 60n, semantic_version: [1, 2, 3], signature_check: 2 },
      [SuitCmd.MISSING_IMAGE_STATE]: { rc: 0, stream_session_id: 7, resource_id: new TextEncoder().encode('file://app.bin') },
      [SuitCmd.CLEANUP]: { rc: 0 },
    });
    server.register(group);
    const { client } = await connect(server);
    expect(await client.suit.manifests()).toEqual([{ role: 32, classId: new Uint8Array(16) }, { role: 33, classId: undefined }]);
    const st = await client.suit.manifestState(32);
    expect(st).toMatchObject({ role: 32, sequenceNumber: 2n ** 60n, digestAlgorithm: -16, semanticVersion: [1, 2, 3], signatureCheck: 2 });
    expect(await client.suit.missingImage()).toEqual({ sessionId: 7, resourceId: new TextEncoder().encode('file://app.bin'), uri: 'file://app.bin' });
    await client.suit.cleanup();
    expect(seen.map((s) => [s.cmd, s.op, s.body])).toEqual([
      [0, 0, {}],
      [1, 0, { role: 32 }],
      [3, 0, {}],
      [6, 2, {}],
    ]);
  });

  it('a malformed SUIT manifest state answer is an error naming the field, not a NaN further down', async () => {
    const server = new SmpServer();
    server.register(recordingGroup(66, { [SuitCmd.MANIFEST_STATE]: { rc: 0, semantic_version: [1, 'two', 3] } }).group);
    const { client } = await connect(server);
    await expect(client.suit.manifestState(32)).rejects.toThrow(/SUIT manifest state answer: field 'semantic_version\[1\]' is a string, expected an integer/);
  });

  it('SUIT uploads: first chunk carries len (and target_id / stream_session_id); rc 1 + off means "continue there"', async () => {
    const server = new SmpServer({ legacyRc: true });
    const got = new Map<number, Uint8Array[]>();
    const bodies: SmpMap[] = [];
    let expected = 0;
    let refusedOnce = false;
    const upload = ({ body, header }: { body: SmpMap; header: { command: number } }): SmpMap => {
      bodies.push({ ...body, data: undefined });
      const off = body['off'] as number;
      const data = body['data'] as Uint8Array;
      if (off === 0) expected = 0;
      if (off !== expected || (!refusedOnce && off > 0)) {
        refusedOnce = true;
        return { rc: 1, off: expected };
      }
      got.set(header.command, [...(got.get(header.command) ?? []), data]);
      expected += data.length;
      return { rc: 0, off: expected };
    };
    server.register({ id: 66, name: 'suit', commands: { 2: { write: upload }, 4: { write: upload }, 5: { write: upload } } });
    const { client } = await connect(server);
    const env = Uint8Array.from({ length: 3000 }, (_, i) => i & 0xff);
    await client.suit.uploadEnvelope(env, { bufSize: 1024, bufCount: 1 });
    expect(Buffer.concat(got.get(2)!)).toEqual(Buffer.from(env));
    expect(bodies[0]).toMatchObject({ off: 0, len: 3000 });
    expect(bodies[1]).not.toHaveProperty('len');
    bodies.length = 0;
    await client.suit.uploadMissingImage(7, env.subarray(0, 900), { bufSize: 512, bufCount: 1 });
    expect(bodies.every((b) => b['stream_session_id'] === 7)).toBe(true);
    bodies.length = 0;
    await client.suit.uploadCacheRaw(2, env.subarray(0, 900), { bufSize: 512, bufCount: 1 });
    expect(bodies[0]).toMatchObject({ target_id: 2, off: 0, len: 900 });
    expect(bodies[1]).not.toHaveProperty('target_id');
  });

  it('rig group: last report, trust state, arm fault, board model; rc 8 on a board without it', async () => {
    const server = new SmpServer();
    const { group, seen } = recordingGroup(67, {
      [RigCmd.LAST_REPORT]: { report: Uint8Array.of(0xa0), boot: { count: 3, reason: 'reset', slot: 0, outcome: 'booted' } },
      [RigCmd.TRUST_STATE]: { sequence: 7, anchors: [Uint8Array.of(1, 2)], require: ['author'] },
      [RigCmd.ARM_FAULT]: {},
      [RigCmd.BOARD_MODEL]: {},
    });
    server.register(group);
    const { client } = await connect(server);
    expect(await client.rig.lastReport()).toEqual({ report: Uint8Array.of(0xa0), boot: { count: 3, reason: 'reset', slot: 0, outcome: 'booted' } });
    expect(await client.rig.trustState()).toEqual({ sequence: 7n, anchors: [Uint8Array.of(1, 2)], require: ['author'] });
    await client.rig.armFault({ powerCutBeforeOp: 12, link: { corrupt: 0.001 }, seed: 42 });
    await client.rig.boardModel({ quirks: ['accepts-rollback'] });
    expect(seen.slice(2).map((s) => s.body)).toEqual([{ power_cut_before_op: 12, link: { corrupt: 0.001 }, seed: 42 }, { quirks: ['accepts-rollback'] }]);
    const bare = (await connect((await peer()).server)).client;
    expect(isNotSupported(await bare.rig.trustState().catch((e: unknown) => e))).toBe(true);
  });
});

describe('--trace formatting', () => {
  it('shows header, hex and CBOR diagnostic notation', () => {
    const pkt = Uint8Array.from(Buffer.from('0a0000060000010 0a16164626869'.replace(/ /g, ''), 'hex'));
    expect(formatPacket('tx', pkt)).toBe(
      ['smp >> write os/echo (group 0 cmd 0) seq 1 v2, 6 bytes', '    0a 00 00 06 00 00 01 00 a1 61 64 62 68 69', '    {"d": "hi"}'].join('\n'),
    );
    const big = Uint8Array.from([...pkt.subarray(0, 8), 0xa1, 0x61, 0x64, 0x58, 0x40, ...new Uint8Array(64)]);
    big[3] = 69;
    expect(formatPacket('rx', big)).toContain(`{"d": h'${'00'.repeat(32)}...' (64 bytes)}`);
  });
});

/**
 * The fidelity audit of the virtual board (rig/virtual/board/README.md, "Fidelity to real
 * firmware"): every case of fidelity-cases.ts — well-formed and malformed requests, header
 * rules, framing faults and frame limits, the image group's upload and erase rules, MCUboot's
 * serial recovery — goes to the virtual board and, where ../shared/peers and the emulators are
 * present, to the real firmware (the Zephyr application and MCUboot serial recovery under QEMU,
 * the native_sim smp_server); both are held to the answers recorded from the real firmware,
 * header byte 0 and body, and every answer's CBOR must be byte for byte what zcbor encodes
 * (indefinite-length maps and arrays, keys in the firmware's order). One board, one QEMU and one
 * native_sim process for all of it: the application's cases, a reset whose payload does not
 * decode (the board resets with its defaults), `boot_mode` 1 into serial recovery, its cases,
 * and a reset sent as READ (MCUboot reads no op). The virtual board runs a profile built as the
 * peers are: no CONFIG_IMG_ENABLE_IMAGE_CHECK (`imageCheck`), no MCUmgr parameters in recovery.
 */
import { isDeepStrictEqual } from 'node:util';
import { encode as cborgEncode } from 'cborg';
import { afterEach, describe, expect, it } from 'vitest';
import { generateSigningKey, type PrivateKey } from '../../host/keys/index.js';
import { createImage, parseVersion } from '../../host/mcuboot/index.js';
import type { ResetWitness } from '../../host/smp/reset-witness.js';
import { PairedLink } from '../../host/transport/paired/paired-link.js';
import { SerialPortTransport } from '../../host/transport/serialport.js';
import type { Transport } from '../../host/transport/transport.js';
import { startEmulatedBoard } from '../../rig/emulator/start.js';
import { loadLab } from '../../rig/lab/load.js';
import { VirtualBoard } from '../../rig/virtual/board/board.js';
import { DEFAULT_PROFILE, getProfile, type BoardProfile } from '../../rig/virtual/profiles.js';
import { app, es256Key, trust } from '../board/fixtures.js';
import { describeWithPeers, peersLab } from '../helpers/peers.js';
import { tempDir, writeFile } from '../rig/helpers/lab-files.js';
import { encodeFrame } from './console-frames.js';
import { imageCases, OS_CASES, recoveryCases, W, R, type Answer, type Facts, type FidelityCase } from './fidelity-cases.js';
import { cbor, FidelityRunner, packet } from './fidelity-runner.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const signed = (v: string, key: PrivateKey = es256Key) => createImage(app(v, 'healthy', 1500), { key, version: parseVersion(v), securityCounter: 1 });
const image = signed('0.0.5');
const older = signed('0.0.0');
const newer = signed('3.0.0');
/** Signed by a key neither the virtual board nor the QEMU build trusts. */
const untrusted = signed('0.0.6', generateSigningKey('es256') as PrivateKey);

/** The virtual board built as the peers are (see the file's comment). */
function peersLikeProfile(): BoardProfile {
  const p = getProfile(DEFAULT_PROFILE);
  return { ...p, smp: { ...p.smp, imageCheck: false, recovery: { ...p.smp.recovery, params: false } } };
}

/** Bodies of image lists hold the board's own hashes and running version: compared as placeholders. */
function normalize(body: unknown): unknown {
  const images = (body as { images?: unknown })?.images;
  if (!Array.isArray(images)) return body;
  return {
    ...(body as object),
    images: images.map((i: Record<string, unknown>) => ({ ...i, ...(i['hash'] instanceof Uint8Array ? { hash: 'sha256' } : {}), ...(i['slot'] === 0 && 'version' in i ? { version: 'running' } : {}) })),
  };
}

/** CBOR as zcbor encodes an answer: indefinite-length maps and arrays, everything else shortest (written here, not host/smp's encoder). */
function zcborHex(v: unknown): string {
  if (Array.isArray(v)) return `9f${v.map(zcborHex).join('')}ff`;
  if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) {
    return `bf${Object.entries(v).map(([k, x]) => Buffer.from(cborgEncode(k)).toString('hex') + zcborHex(x)).join('')}ff`;
  }
  return Buffer.from(cborgEncode(v)).toString('hex');
}

const show = (answers: readonly Answer[]): string => JSON.stringify(answers.map(([b, body]) => [`0x${b.toString(16)}`, body]), (_k, x) => (x instanceof Uint8Array ? `h'${Buffer.from(x).toString('hex')}'` : x));

/** Every case on `runner`; returns what departs from the recorded answers (empty: none). */
async function departures(runner: FidelityRunner, cases: readonly FidelityCase[], f: Facts): Promise<string[]> {
  const out: string[] = [];
  for (const [i, c] of cases.entries()) {
    const got = await runner.exchange(c.send(1 + (i % 120), f)).catch((e: unknown) => {
      throw new Error(`case "${c.name}": ${(e as Error).message}`);
    });
    const want = typeof c.real === 'function' ? c.real(f) : c.real;
    const seen: Answer[] = got.map((a) => [a.byte0, normalize(a.body)]);
    if (!isDeepStrictEqual(seen, want)) {
      out.push(`${c.name}: real firmware answers ${show(want)}, this board ${show(seen)}`);
      continue;
    }
    for (const [k, a] of got.entries()) {
      const body = want[k]![1];
      const exact = normalize(body) === body;
      if (exact ? a.cbor !== zcborHex(body) : !a.cbor.startsWith('bf')) out.push(`${c.name}: answer encoded ${a.cbor}, zcbor encodes ${exact ? zcborHex(body) : 'bf ... ff'}`);
    }
  }
  return out;
}

/** One answer to a request read alone (board facts). */
async function ask(runner: FidelityRunner, wire: Uint8Array): Promise<Record<string, unknown>> {
  const [a] = await runner.exchange(wire);
  return (a?.body ?? {}) as Record<string, unknown>;
}

async function appFacts(runner: FidelityRunner, images: boolean): Promise<Facts> {
  const params = await ask(runner, encodeFrame(packet(0x08, 0, 1, 6, cbor({}))));
  const os = await ask(runner, encodeFrame(packet(0x08, 0, 2, 7, cbor({ format: 's' }))));
  const info = images ? ((await ask(runner, encodeFrame(packet(0x08, 1, 3, 6, cbor({}))))) as { images: { slots: { size: number }[]; max_image_size?: number }[] }) : undefined;
  const slots = info?.images[0]?.slots ?? [];
  return { bufSize: params['buf_size'] as number, osName: os['output'] as string, primarySize: slots[0]?.size ?? 0, uploadMax: info?.images[0]?.max_image_size ?? slots[1]?.size ?? 0 };
}

/** Sends `wire` (a request the board answers, then resets for, and what follows it); what it answered before the reset, once the board is back. */
async function throughReset(runner: FidelityRunner, witness: ResetWitness, wire: Uint8Array): Promise<Answer[]> {
  const before = witness.resets;
  const answers = await runner.answersBeforeReset(wire, witness.nextReset(before));
  await runner.ready();
  return answers.map((a) => [a.byte0, a.body]);
}

/**
 * The application's cases (`images`: with the image group's), a reset whose payload does not
 * decode, then `boot_mode` 1 and serial recovery's cases, a reset as READ to end (`recovery`).
 */
async function audit(t: Transport, witness: ResetWitness, o: { images: boolean; recovery: boolean; lineGapMs?: number }): Promise<void> {
  const runner = new FidelityRunner(t, { lineGapMs: o.lineGapMs ?? 0 });
  await runner.ready();
  const f = await appFacts(runner, o.images);
  expect(await departures(runner, [...OS_CASES, ...(o.images ? imageCases(image, older, newer) : [])], f)).toEqual([]);
  // os_mgmt_reset: "if we fail to decode the data, ignore the error and continue with the default
  // parameters". The reset is delayed work (CONFIG_MCUMGR_GRP_OS_RESET_MS): the SMP thread serves
  // on, so an echo right behind the reset is answered by the application that has not reset yet.
  const resetThenEcho = new Uint8Array([...encodeFrame(packet(0x0a, 0, 1, 5, Uint8Array.of(0xff))), ...encodeFrame(packet(0x0a, 0, 9, 0, cbor({ d: 'still here' })))]);
  expect(await throughReset(runner, witness, resetThenEcho), 'the reset answered, then the echo behind it, before the reset').toEqual([
    [W, {}],
    [W, { r: 'still here' }],
  ]);
  expect((await runner.exchange(encodeFrame(packet(0x0a, 0, 2, 0, cbor({ d: 'back' }))))).map((a) => a.body), 'the application again').toEqual([{ r: 'back' }]);
  if (!o.recovery) return;
  expect(await throughReset(runner, witness, encodeFrame(packet(0x0a, 0, 3, 5, cbor({ boot_mode: 1 }))))).toEqual([[W, {}]]);
  expect(await departures(runner, recoveryCases(image, untrusted), f)).toEqual([]);
  expect(await throughReset(runner, witness, encodeFrame(packet(0x08, 0, 4, 5, cbor({}))))).toEqual([[R, { rc: 0 }]]);
}

describe('fidelity: the virtual board answers every case as the real firmware did', () => {
  it('its Zephyr application and its MCUboot serial recovery', async () => {
    const board = await VirtualBoard.open({ trust: trust(es256Key), seed: 41, profile: peersLikeProfile() });
    cleanups.push(() => board.close());
    await board.program(signed('1.0.0'));
    // Unpaced: every byte of a write arrives at once, as through a pty.
    const link = new PairedLink({ seed: 42, pace: false });
    board.serve(await SerialPortTransport.open({ path: link.pathB, baudRate: 115200, binding: link.binding }));
    const t = await SerialPortTransport.open({ path: link.pathA, baudRate: 115200, binding: link.binding });
    cleanups.push(() => t.close());
    await audit(t, board.witness, { images: true, recovery: true });
  });
});

describeWithPeers('fidelity: the real firmware still answers every case as recorded', () => {
  const lab = () => loadLab(writeFile(tempDir(), 'rig.yaml', peersLab()));
  const start = async (name: 'an385' | 'sim') => {
    const port = lab().boards.find((b) => b.name === name)!.port;
    if (port.kind !== 'emulator') throw new Error(`the peers lab names no emulated ${name}`);
    const board = await startEmulatedBoard(name, port.emulator, () => undefined);
    cleanups.push(() => board.close());
    const t = await board.connect();
    cleanups.push(() => t.close());
    return { board, t };
  };

  it('MCUboot + Zephyr under QEMU: the application, then serial recovery', async () => {
    const { board, t } = await start('an385');
    // Lines 2 ms apart: the application's UART holds few lines (a loaded host starves its SMP thread).
    await audit(t, board.witness, { images: true, recovery: true, lineGapMs: 2 });
  });

  it('the native_sim smp_server (no image group)', async () => {
    const { board, t } = await start('sim');
    // Its pty UART loses a frame of three or more lines written at once: they go 20 ms apart.
    await audit(t, board.witness, { images: false, recovery: false, lineGapMs: 20 });
  });
});

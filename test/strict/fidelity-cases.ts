/**
 * The fidelity audit's cases: requests a client can send — well formed or not — and what the
 * real firmware of ../shared/peers answered to each, recorded from Zephyr 4.4.0's smp_server
 * (native_sim; the application on mps2-an385 under QEMU) and from the MCUboot it pins in serial
 * recovery (QEMU). fidelity.test.ts sends each case to the virtual board and, where the peers
 * are present, to the real firmware, and holds both to these answers; rig/virtual/board/
 * README.md keeps the table of findings. An answer is [byte 0 of its header, its body]; `[]`
 * is no answer at all. Values that are a board's own (its buffer size, slot size, OS name) come
 * from `Facts`, read from the board the way a client reads them.
 *
 * Groups: `os` runs on every application (virtual, QEMU, native_sim), `image` on the
 * applications with an image group (virtual, QEMU), `recovery` on MCUboot's serial recovery.
 */
import { createHash } from 'node:crypto';
import { crc16, encodeFrame } from './console-frames.js';
import { cbor, packet } from './fidelity-runner.js';

/** Answer header byte 0: v2 read / write response, v1 read / write response. */
export const R = 0x09;
export const W = 0x0b;
export const R1 = 0x01;
export const W1 = 0x03;

export type Answer = [byte0: number, body: unknown];

export interface Facts {
  /** The application's buf_size (MCUmgr params). */
  bufSize: number;
  /** The largest image the application takes (slot info: max_image_size, else the slot's size). */
  uploadMax: number;
  /** The primary slot's size (slot info), what serial recovery writes. */
  primarySize: number;
  /** OS info with format `s`. */
  osName: string;
}

export interface FidelityCase {
  name: string;
  send: (seq: number, f: Facts) => Uint8Array;
  real: Answer[] | ((f: Facts) => Answer[]);
}

type Body = Record<string, unknown> | Uint8Array;
/** A request without a payload (its length field 0). */
const EMPTY = new Uint8Array(0);
const payload = (b: Body): Uint8Array => (b instanceof Uint8Array ? b : cbor(b));
const frame = (p: Uint8Array): Uint8Array => encodeFrame(p);
/** A request frame: READ or WRITE, SMP v2 unless `v1`. */
const rd = (group: number, cmd: number, body: Body = {}, v1 = false) => (seq: number) => frame(packet(v1 ? 0x00 : 0x08, group, seq, cmd, payload(body)));
const wr = (group: number, cmd: number, body: Body = {}, v1 = false) => (seq: number) => frame(packet(v1 ? 0x02 : 0x0a, group, seq, cmd, payload(body)));
const bytes = (...b: number[]) => Uint8Array.from(b);
const line = (start: number[], text: string) => Uint8Array.from([...start, ...Buffer.from(text, 'latin1'), 0x0a]);
const err = (group: number, rc: number) => ({ err: { group, rc } });

/** Framing faults, the same for every firmware: each is dropped without an answer. */
function framingFaults(group: number, cmd: number): FidelityCase[] {
  return [
    { name: 'a packet shorter than a header: no answer', send: () => frame(bytes(0x08, 0, 0, 0, 0)), real: [] },
    {
      name: 'a frame whose CRC is wrong: no answer',
      send: (seq) => {
        const p = packet(0x08, group, seq, cmd, cbor({}));
        const raw = new Uint8Array(p.length + 4);
        new DataView(raw.buffer).setUint16(0, p.length + 2);
        raw.set(p, 2);
        new DataView(raw.buffer).setUint16(raw.length - 2, crc16(p) ^ 0x1234);
        return line([6, 9], Buffer.from(raw).toString('base64'));
      },
      real: [],
    },
    { name: 'a line that is not base64: no answer', send: () => line([6, 9], 'AB!KAAAGAAABAKFhZGJoaaWv'), real: [] },
    { name: 'a continuation line without a first line: no answer', send: () => line([4, 0x14], 'ABAKAAAGAAABAKFhZGJoaaWv'), real: [] },
    { name: 'a frame on one 203-byte line (over the 128-byte line buffer): no answer', send: (seq) => encodeFrame(packet(0x08, group, seq, cmd, cbor({ pad: 'x'.repeat(120) })), 200), real: [] },
  ];
}

export const OS_CASES: FidelityCase[] = [
  { name: 'echo as READ: answered', send: rd(0, 0, { d: 'hi' }), real: [[R, { r: 'hi' }]] },
  { name: 'unknown group, v2: rc 8', send: rd(200, 0), real: [[R, { rc: 8 }]] },
  { name: 'unknown group, v1: rc 8', send: rd(200, 0, {}, true), real: [[R1, { rc: 8 }]] },
  { name: 'user group 64, not built: rc 8', send: rd(64, 0), real: [[R, { rc: 8 }]] },
  { name: 'unknown OS command: rc 8', send: rd(0, 99), real: [[R, { rc: 8 }]] },
  { name: 'MCUmgr params as WRITE: rc 8', send: wr(0, 6), real: [[W, { rc: 8 }]] },
  { name: 'reset as READ: rc 8 (and no reset)', send: rd(0, 5), real: [[R, { rc: 8 }]] },
  { name: 'op 1 (a response op) as a request: rc 8, answered with op 3', send: (seq) => frame(packet(0x09, 0, seq, 6, cbor({}))), real: [[W, { rc: 8 }]] },
  { name: 'op 3 as a request: rc 8', send: (seq) => frame(packet(0x0b, 0, seq, 0, cbor({ d: 'x' }))), real: [[W, { rc: 8 }]] },
  { name: 'header version bits 2: rc 13 (UNSUPPORTED_TOO_NEW), answered as v2', send: (seq) => frame(packet(0x10, 0, seq, 6, cbor({}))), real: [[R, { rc: 13 }]] },
  { name: 'header version bits 3: rc 13', send: (seq) => frame(packet(0x18, 0, seq, 6, cbor({}))), real: [[R, { rc: 13 }]] },
  { name: 'header reserved bit 5 set: ignored', send: (seq) => frame(packet(0x28, 0, seq, 0, cbor({ d: 'res' }))), real: [[R, { r: 'res' }]] },
  {
    name: 'header flags set: ignored',
    send: (seq) => {
      const p = packet(0x08, 0, seq, 0, cbor({ d: 'flags' }));
      p[1] = 0xff;
      return frame(p);
    },
    real: [[R, { r: 'flags' }]],
  },
  { name: 'MCUmgr params with a payload that is not CBOR: answered (it reads no arguments)', send: rd(0, 6, bytes(0xff)), real: (f) => [[R, { buf_size: f.bufSize, buf_count: 4 }]] },
  { name: 'MCUmgr params with an array payload: answered', send: rd(0, 6, bytes(0x80)), real: (f) => [[R, { buf_size: f.bufSize, buf_count: 4 }]] },
  { name: 'MCUmgr params with an empty payload: answered', send: rd(0, 6, EMPTY), real: (f) => [[R, { buf_size: f.bufSize, buf_count: 4 }]] },
  { name: 'echo with a payload that is not CBOR: rc 3', send: wr(0, 0, bytes(0xff)), real: [[W, { rc: 3 }]] },
  { name: 'echo with a truncated map: rc 3', send: wr(0, 0, bytes(0xa1, 0x61, 0x64)), real: [[W, { rc: 3 }]] },
  { name: 'echo with an array payload: rc 3', send: wr(0, 0, bytes(0x80)), real: [[W, { rc: 3 }]] },
  { name: 'echo with an empty payload: rc 3 (no map to decode)', send: wr(0, 0, EMPTY), real: [[W, { rc: 3 }]] },
  { name: 'echo of {}: an empty string', send: wr(0, 0, {}), real: [[W, { r: '' }]] },
  { name: 'echo without d: an empty string', send: wr(0, 0, { x: 'a' }), real: [[W, { r: '' }]] },
  { name: 'echo with d a number: rc 3', send: wr(0, 0, { d: 5 }), real: [[W, { rc: 3 }]] },
  { name: 'echo with d null: rc 3', send: wr(0, 0, { d: null }), real: [[W, { rc: 3 }]] },
  { name: 'echo with d twice: rc 3', send: wr(0, 0, bytes(0xa2, 0x61, 0x64, 0x61, 0x61, 0x61, 0x64, 0x61, 0x62)), real: [[W, { rc: 3 }]] },
  { name: 'echo with an extra key: skipped', send: wr(0, 0, { d: 'a', zz: 1 }), real: [[W, { r: 'a' }]] },
  { name: 'OS info with an empty payload: rc 3', send: rd(0, 7, EMPTY), real: [[R, { rc: 3 }]] },
  { name: 'OS info format "": as `s`', send: rd(0, 7, { format: '' }), real: (f) => [[R, { output: f.osName }]] },
  { name: 'OS info without format: as `s`', send: rd(0, 7, {}), real: (f) => [[R, { output: f.osName }]] },
  { name: 'OS info format a number: rc 3', send: rd(0, 7, { format: 5 }), real: [[R, { rc: 3 }]] },
  { name: 'OS info format null: rc 3', send: rd(0, 7, { format: null }), real: [[R, { rc: 3 }]] },
  { name: 'OS info format `ss`: each letter once', send: rd(0, 7, { format: 'ss' }), real: (f) => [[R, { output: f.osName }]] },
  { name: 'OS info format `sx`: group error INVALID_FORMAT', send: rd(0, 7, { format: 'sx' }), real: [[R, err(0, 2)]] },
  { name: 'header length past the payload: rc 9 (ECORRUPT)', send: (seq) => frame(packet(0x08, 0, seq, 6, cbor({}), 10)), real: [[R, { rc: 9 }]] },
  {
    name: 'header length short of the payload: the request is served, 2 bytes after it are no request',
    send: (seq) => {
      const body = cbor({ d: 'hi' });
      return frame(packet(0x08, 0, seq, 0, Uint8Array.from([...body, 0xff, 0xff]), body.length));
    },
    real: [[R, { r: 'hi' }]],
  },
  {
    name: 'two requests in one frame: both answered, in order',
    send: (seq) => frame(Uint8Array.from([...packet(0x08, 0, seq, 0, cbor({ d: 'one' })), ...packet(0x0a, 0, seq + 128, 0, cbor({ d: 'two' }))])),
    real: [
      [R, { r: 'one' }],
      [W, { r: 'two' }],
    ],
  },
  ...framingFaults(0, 0),
  // Echo of n characters: a1 61 64 79 nn nn + n = n + 6 bytes of CBOR after the 8-byte header.
  { name: 'a frame of buf_size - 4 bytes (the length and CRC share the buffer): answered', send: (seq, f) => wr(0, 0, { d: 'q'.repeat(f.bufSize - 18) })(seq), real: (f) => [[W, { r: 'q'.repeat(f.bufSize - 18) }]] },
  { name: 'a frame of buf_size - 3 bytes: no answer', send: (seq, f) => wr(0, 0, { d: 'q'.repeat(f.bufSize - 17) })(seq), real: [] },
];

const sha256 = (b: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(b).digest());

/** An upload of `image` in 256-byte chunks, the first with `len` and `sha`: the answers a board with no `match` gives. */
function uploadCases(what: string, image: Uint8Array, recovery: boolean): FidelityCase[] {
  const out: FidelityCase[] = [];
  for (let off = 0; off < image.length; off += 256) {
    const data = image.subarray(off, off + 256);
    const next = Math.min(off + 256, image.length);
    out.push({
      name: `${what}: chunk at ${off}`,
      send: wr(1, 1, off === 0 ? { image: 0, len: image.length, off, sha: sha256(image), data } : { off, data }),
      real: [[W, recovery ? { rc: 0, off: next } : { off: next }]],
    });
  }
  return out;
}

/** Image state as a running application lists it: the running image's version is the board's own. */
const running = { slot: 0, version: 'running', hash: 'sha256', bootable: true, pending: false, confirmed: true, active: true, permanent: false };

/** The image group of a Zephyr application (img_mgmt), with `image` (an MCUboot image of version 0.0.5) to upload. */
export function imageCases(image: Uint8Array, older: Uint8Array, newer: Uint8Array): FidelityCase[] {
  const head = image.subarray(0, 64);
  const magicless = new Uint8Array(64).fill(7);
  const sha5 = new Uint8Array(5).fill(1);
  const up = (body: Record<string, unknown>, v1 = false) => wr(1, 1, body, v1);
  return [
    { name: 'upload as READ: rc 8', send: rd(1, 1, { off: 0, data: head }), real: [[R, { rc: 8 }]] },
    { name: 'upload without off: INVALID_OFFSET (20)', send: up({ data: head }), real: [[W, err(1, 20)]] },
    { name: 'offset 0 without data: INVALID_IMAGE_HEADER (22)', send: up({ off: 0, len: 100 }), real: [[W, err(1, 22)]] },
    { name: 'a first chunk shorter than an image header: 22', send: up({ off: 0, len: 1000, data: image.subarray(0, 8) }), real: [[W, err(1, 22)]] },
    { name: 'a first chunk without len: INVALID_LENGTH (21)', send: up({ off: 0, data: head }), real: [[W, err(1, 21)]] },
    { name: 'a first chunk without MCUboot magic: INVALID_IMAGE_HEADER_MAGIC (23)', send: up({ off: 0, len: 1000, data: magicless }), real: [[W, err(1, 23)]] },
    { name: 'a sha of 33 bytes: INVALID_HASH (24)', send: up({ off: 0, len: 1000, sha: new Uint8Array(33), data: head }), real: [[W, err(1, 24)]] },
    { name: 'v1, no len: rc 3 with the reason', send: up({ off: 0, data: head }, true), real: [[W1, { rc: 3, rsn: 'header malformed' }]] },
    { name: 'v1, no off: rc 3 with the reason', send: up({ data: head }, true), real: [[W1, { rc: 3, rsn: 'header malformed' }]] },
    { name: 'v1, no magic: rc 1 with the reason', send: up({ off: 0, len: 1000, data: magicless }, true), real: [[W1, { rc: 1, rsn: 'magic mismatch' }]] },
    { name: 'v1, a short header: rc 3 with the reason', send: up({ off: 0, len: 1000, data: image.subarray(0, 8) }, true), real: [[W1, { rc: 3, rsn: 'header malformed' }]] },
    { name: 'v1, len past what the slot takes: rc 1 with the reason', send: (seq, f) => up({ off: 0, len: f.uploadMax + 1, data: head }, true)(seq), real: [[W1, { rc: 1, rsn: 'img too large' }]] },
    { name: 'v1, upgrade to an image not newer: rc 6 with the reason', send: up({ off: 0, len: older.length, upgrade: true, data: older.subarray(0, 64) }, true), real: [[W1, { rc: 6, rsn: 'downgrade' }]] },
    { name: 'v1, a sha of 33 bytes: rc 3, no reason', send: up({ off: 0, len: 1000, sha: new Uint8Array(33), data: head }, true), real: [[W1, { rc: 3 }]] },
    { name: 'len past what the slot takes: INVALID_IMAGE_TOO_LARGE (30)', send: (seq, f) => up({ off: 0, len: f.uploadMax + 1, data: head })(seq), real: [[W, err(1, 30)]] },
    { name: 'len as large as the slot takes: the first chunk is written', send: (seq, f) => up({ off: 0, len: f.uploadMax, data: head })(seq), real: [[W, { off: 64 }]] },
    { name: 'len 0 is a length: the first chunk is written', send: up({ off: 0, len: 0, data: head }), real: [[W, { off: 64 }]] },
    { name: 'then a chunk past len: INVALID_IMAGE_DATA_OVERRUN (31)', send: up({ off: 64, data: image.subarray(64, 128) }), real: [[W, err(1, 31)]] },
    { name: 'the error ended the upload: offset 0 is asked for', send: up({ off: 64, data: image.subarray(64, 100) }), real: [[W, { off: 0 }]] },
    { name: 'a first chunk longer than len is written whole', send: up({ off: 0, len: 100, data: image.subarray(0, 256) }), real: [[W, { off: 256 }]] },
    { name: 'then the next chunk is an overrun: 31', send: up({ off: 256, data: image.subarray(256, 300) }), real: [[W, err(1, 31)]] },
    { name: 'image 5 on a single-image board: the free slot is written', send: up({ off: 0, len: image.length, image: 5, data: head }), real: [[W, { off: 64 }]] },
    { name: 'a sha of 5 bytes is taken', send: up({ off: 0, len: 1000, sha: sha5, data: head }), real: [[W, { off: 64 }]] },
    { name: 'the same sha resumes, whatever len says', send: up({ off: 0, len: 2000, sha: sha5, data: head }), real: [[W, { off: 64 }]] },
    { name: 'a resume still needs the magic: 23', send: up({ off: 0, len: 2000, sha: sha5, data: magicless }), real: [[W, err(1, 23)]] },
    { name: 'and a header: 22', send: up({ off: 0, len: 2000, sha: sha5, data: image.subarray(0, 8) }), real: [[W, err(1, 22)]] },
    { name: 'a chunk without data and no upload in progress: offset 0', send: up({ off: 64 }), real: [[W, { off: 0 }]] },
    { name: 'upgrade not a boolean: rc 3', send: up({ off: 0, len: 1000, upgrade: 'x', data: head }), real: [[W, { rc: 3 }]] },
    { name: 'image not a number: rc 3', send: up({ off: 0, len: 1000, image: 'x', data: head }), real: [[W, { rc: 3 }]] },
    { name: 'off not a number: rc 3', send: up({ off: 'x', data: head }), real: [[W, { rc: 3 }]] },
    { name: 'upload with a payload that is not CBOR: rc 3', send: wr(1, 1, bytes(0xff)), real: [[W, { rc: 3 }]] },
    { name: 'upload with an empty payload: rc 3', send: wr(1, 1, EMPTY), real: [[W, { rc: 3 }]] },
    { name: 'upgrade to an image not newer: CURRENT_VERSION_IS_NEWER (27)', send: up({ off: 0, len: older.length, upgrade: true, data: older.subarray(0, 64) }), real: [[W, err(1, 27)]] },
    ...uploadCases('an upload with sha', image, false),
    {
      name: 'state after the upload: the image in slot 1, no flag but bootable',
      send: rd(1, 0),
      real: [[R, { images: [running, { slot: 1, version: '0.0.5', hash: 'sha256', bootable: true, pending: false, confirmed: false, active: false, permanent: false }], splitStatus: 0 }]],
    },
    { name: 'the same image again starts over (the finished upload is gone)', send: up({ image: 0, len: image.length, off: 0, sha: sha256(image), data: image.subarray(0, 256) }), real: [[W, { off: 256 }]] },
    { name: 'and goes on from there', send: up({ off: 256, data: image.subarray(256, 512) }), real: [[W, { off: 512 }]] },
    { name: 'erase of slot 1 during an upload: done', send: wr(1, 5, { slot: 1 }), real: [[W, {}]] },
    { name: 'the erase ended the upload: offset 0 is asked for', send: up({ off: 512, data: image.subarray(512, 768) }), real: [[W, { off: 0 }]] },
    { name: 'state after the erase: the running image alone', send: rd(1, 0), real: [[R, { images: [running], splitStatus: 0 }]] },
    { name: 'upgrade to a newer image: taken', send: up({ off: 0, len: newer.length, upgrade: true, data: newer.subarray(0, 256) }), real: [[W, { off: 256 }]] },
    { name: 'erase of the running slot: NO_FREE_SLOT (9)', send: wr(1, 5, { slot: 0 }), real: [[W, err(1, 9)]] },
    { name: 'erase of slot 2 (none): FLASH_OPEN_FAILED (10)', send: wr(1, 5, { slot: 2 }), real: [[W, err(1, 10)]] },
    { name: 'erase of slot 3 (none): 10', send: wr(1, 5, { slot: 3 }), real: [[W, err(1, 10)]] },
    { name: 'v1, erase of the running slot: rc 6, no reason', send: wr(1, 5, { slot: 0 }, true), real: [[W1, { rc: 6 }]] },
    { name: 'v1, erase of slot 2: rc 1', send: wr(1, 5, { slot: 2 }, true), real: [[W1, { rc: 1 }]] },
    { name: 'erase with an empty payload: rc 3', send: wr(1, 5, EMPTY), real: [[W, { rc: 3 }]] },
    { name: 'erase with a slot that is not a number: rc 3', send: wr(1, 5, { slot: 'x' }), real: [[W, { rc: 3 }]] },
    { name: 'erase as READ: rc 8', send: rd(1, 5), real: [[R, { rc: 8 }]] },
    { name: 'erase without a slot: the secondary', send: wr(1, 5, {}), real: [[W, {}]] },
    { name: 'image state read with a payload that is not CBOR: answered', send: rd(1, 0, bytes(0xff)), real: [[R, { images: [running], splitStatus: 0 }]] },
    { name: 'image command 2 (not built): rc 8', send: rd(1, 2), real: [[R, { rc: 8 }]] },
    { name: 'image command 99: rc 8', send: rd(1, 99), real: [[R, { rc: 8 }]] },
  ];
}

/** MCUboot's serial recovery (boot_serial.c), with `image` and an `untrusted` image (signed by a key the bootloader does not have) to upload. */
export function recoveryCases(image: Uint8Array, untrusted: Uint8Array): FidelityCase[] {
  const head = image.subarray(0, 64);
  const up = (body: Record<string, unknown>) => wr(1, 1, body);
  const ok = (off: number): Answer[] => [[W, { rc: 0, off }]];
  const rc = (n: number): Answer[] => [[W, { rc: n }]];
  // The image list request padded to `size` bytes: a1 63 "pad" 79 nn nn + n.
  const padded = (size: number) => rd(1, 0, { pad: 'q'.repeat(size - 16) });
  return [
    { name: 'console echo control as READ: rc 0 (MCUboot reads no op)', send: rd(0, 1), real: [[R, { rc: 0 }]] },
    { name: 'console echo control: rc 0', send: wr(0, 1, { echo: 1 }), real: [[W, { rc: 0 }]] },
    { name: 'image state WRITE (state set not built): rc 8', send: wr(1, 0, { confirm: true }), real: rc(8) },
    { name: 'erase (not built): rc 8', send: wr(1, 5, { slot: 1 }), real: rc(8) },
    { name: 'slot info (not built): rc 8', send: rd(1, 6), real: [[R, { rc: 8 }]] },
    { name: 'OS info: rc 8', send: rd(0, 7, { format: 'a' }), real: [[R, { rc: 8 }]] },
    { name: 'task statistics: rc 8', send: rd(0, 2), real: [[R, { rc: 8 }]] },
    { name: 'upload as READ: served', send: rd(1, 1, { off: 0, len: 100, data: new Uint8Array(4) }), real: [[R, { rc: 0, off: 4 }]] },
    { name: 'a chunk at another offset: the expected one', send: up({ off: 300, data: new Uint8Array(4) }), real: ok(4) },
    { name: 'upload with a payload that is not CBOR: rc 3', send: wr(1, 1, bytes(0xff)), real: rc(3) },
    { name: 'upload with an array payload: rc 3', send: wr(1, 1, bytes(0x80)), real: rc(3) },
    { name: 'upload with an empty payload: rc 3', send: wr(1, 1, EMPTY), real: rc(3) },
    { name: 'upload without data: rc 3', send: up({ off: 0, len: 100 }), real: rc(3) },
    { name: 'upload without off: rc 3', send: up({ len: 100, data: new Uint8Array(4) }), real: rc(3) },
    { name: 'off not a number: rc 3', send: up({ off: 'x', len: 100, data: new Uint8Array(4) }), real: rc(3) },
    { name: 'data text: rc 3', send: up({ off: 0, len: 100, data: 'abcd' }), real: rc(3) },
    { name: 'len past the slot: rc 3', send: (seq, f) => up({ off: 0, len: f.primarySize + 1, data: head })(seq), real: rc(3) },
    { name: 'len as large as the slot: taken', send: (seq, f) => up({ off: 0, len: f.primarySize, data: head })(seq), real: ok(64) },
    { name: 'image 1 (none): rc 3', send: up({ off: 0, len: 1000, image: 1, data: head }), real: rc(3) },
    { name: 'image 5 (none): rc 3', send: up({ off: 0, len: 1000, image: 5, data: head }), real: rc(3) },
    { name: 'len 0 is a length: the chunk is written', send: up({ off: 0, len: 0, data: head }), real: ok(64) },
    { name: 'then a chunk past it: rc 3', send: up({ off: 64, data: image.subarray(64, 128) }), real: rc(3) },
    { name: 'a first chunk longer than len: written whole', send: up({ off: 0, len: 100, data: image.subarray(0, 256) }), real: ok(256) },
    { name: 'then the next chunk: rc 3', send: up({ off: 256, data: image.subarray(256, 300) }), real: rc(3) },
    { name: 'an upload of 100 bytes: 64 first', send: up({ off: 0, len: 100, data: head }), real: ok(64) },
    { name: 'a chunk past len: rc 3', send: up({ off: 64, data: image.subarray(64, 128) }), real: rc(3) },
    { name: 'the upload goes on after it', send: up({ off: 64, data: image.subarray(64, 100) }), real: ok(100) },
    { name: 'a 63-byte chunk: 60 bytes written (whole 4-byte units), 60 asked for', send: up({ off: 0, len: 1000, data: image.subarray(0, 63) }), real: ok(60) },
    { name: 'the chunk after it at 63: 60 asked for again', send: up({ off: 63, data: image.subarray(63, 126) }), real: ok(60) },
    { name: 'a 7-byte first chunk: 4 written', send: up({ off: 0, len: 1000, data: image.subarray(0, 7) }), real: ok(4) },
    { name: 'a 3-byte first chunk: nothing written', send: up({ off: 0, len: 1000, data: image.subarray(0, 3) }), real: ok(0) },
    { name: 'an empty first chunk: nothing written', send: up({ off: 0, len: 1000, data: new Uint8Array(0) }), real: ok(0) },
    { name: 'an image of 101 bytes: 64 first', send: up({ off: 0, len: 101, data: head }), real: ok(64) },
    { name: 'its last 37 bytes: written whole (padded)', send: up({ off: 64, data: image.subarray(64, 101) }), real: ok(101) },
    { name: 'no header check: bytes without the magic are taken', send: up({ off: 0, len: 1000, data: new Uint8Array(64).fill(7) }), real: ok(64) },
    { name: 'a sha of 5 bytes is no error (sha is ignored)', send: up({ off: 0, len: 1000, sha: new Uint8Array(5), data: head }), real: ok(64) },
    { name: 'upgrade is ignored', send: up({ off: 0, len: image.length, upgrade: true, sha: sha256(image), data: image.subarray(0, 256) }), real: ok(256) },
    ...uploadCases('an image signed by a key the bootloader does not have', untrusted, true),
    { name: 'an image the bootloader does not accept is not listed', send: rd(1, 0), real: [[R, { images: [] }]] },
    { name: 'the image list reads no payload: not CBOR is answered', send: rd(1, 0, bytes(0xff)), real: [[R, { images: [] }]] },
    { name: 'op 1 as a request: no answer', send: (seq) => frame(packet(0x09, 0, seq, 1, cbor({}))), real: [] },
    { name: 'header version bits 2: served, the bits echoed in the answer', send: (seq) => frame(packet(0x10, 0, seq, 1, cbor({}))), real: [[0x11, { rc: 0 }]] },
    { name: 'header reserved bit 5: served, echoed', send: (seq) => frame(packet(0x28, 0, seq, 1, cbor({}))), real: [[0x29, { rc: 0 }]] },
    { name: 'header length past the payload: served', send: (seq) => frame(packet(0x0a, 0, seq, 1, cbor({}), 10)), real: [[W, { rc: 0 }]] },
    { name: 'header length short of the payload: no answer', send: (seq) => frame(packet(0x08, 1, seq, 0, bytes(0xa0, 0xff, 0xff), 1)), real: [] },
    { name: 'two requests in one frame: no answer', send: (seq) => frame(Uint8Array.from([...packet(0x08, 1, seq, 0, cbor({})), ...packet(0x08, 1, seq + 128, 0, cbor({}))])), real: [] },
    ...framingFaults(1, 0),
    { name: 'a frame of 1021 bytes (the buffer is BOOT_SERIAL_MAX_RECEIVE_SIZE + 1): answered', send: (seq) => padded(1021)(seq), real: [[R, { images: [] }]] },
    { name: 'a frame of 1022 bytes: no answer', send: (seq) => padded(1022)(seq), real: [] },
  ];
}

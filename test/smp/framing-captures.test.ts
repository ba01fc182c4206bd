/**
 * Framing test vectors from traffic recorded on real devices (Zephyr 4.4 native_sim, MCUboot
 * serial recovery under QEMU, the Zephyr app's image group): our encoder must produce the TX
 * frames byte for byte, our decoder must read every RX frame to the recorded header, CBOR and
 * values.
 */
import { describe, expect, it } from 'vitest';
import { decodeBody, decodeCbor, encodeCbor } from '../../host/smp/cbor.js';
import { crc16Xmodem } from '../../host/smp/crc16.js';
import { ConsoleFraming } from '../../host/smp/framing/console.js';
import { decodePacket, encodePacket } from '../../host/smp/header.js';
import { systemClock } from '../../host/transport/clock.js';
import { loadCaptures, type Capture } from './helpers/captures.js';

const captures = loadCaptures();
const concat = (parts: Uint8Array[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...p]));

function decodeFrames(framing: ConsoleFraming, wire: Uint8Array): { packets: Uint8Array[]; dropped: string[]; text: string[] } {
  const packets: Uint8Array[] = [];
  const dropped: string[] = [];
  const text: string[] = [];
  const d = framing.decoder({ packet: (p) => packets.push(p), dropped: (r) => dropped.push(r), console: (t) => text.push(t) }, { maxPacket: 4096, clock: systemClock });
  d.push(wire);
  return { packets, dropped, text };
}

describe('SMP captures from real devices', () => {
  const withTx = captures.filter((c) => c.request && c.tx.length > 0);
  const withRx = captures.filter((c) => c.rx.length > 0);

  it('has the recorded vectors', () => {
    expect(withTx.length).toBeGreaterThanOrEqual(30);
    expect(withRx.length).toBeGreaterThanOrEqual(30);
  });

  it('CRC-16/XMODEM check value is 0x31C3', () => {
    expect(crc16Xmodem(new TextEncoder().encode('123456789'))).toBe(0x31c3);
  });

  describe.each(withTx.map((c) => [`${c.file}: ${c.title}`, c] as [string, Capture]))('TX %s', (_name, c) => {
    it('encodes the request packet to the recorded frames (mcumgr style, 124-char lines)', () => {
      expect(Buffer.from(new ConsoleFraming().encode(c.request!)).toString('latin1')).toBe(Buffer.from(concat(c.tx)).toString('latin1'));
    });
    it('re-encodes the request from its header and CBOR value byte for byte', () => {
      const pkt = decodePacket(c.request!);
      const body = decodeBody(pkt.payload);
      expect(encodePacket(pkt.header, encodeCbor(body))).toEqual(c.request);
    });
  });

  describe.each(withRx.map((c) => [`${c.file}: ${c.title}`, c] as [string, Capture]))('RX %s', (_name, c) => {
    it('decodes the frames to the recorded header, CBOR and values', () => {
      const { packets, dropped } = decodeFrames(new ConsoleFraming(), concat(c.rx));
      expect(dropped).toEqual([]);
      expect(packets).toHaveLength(1);
      const pkt = decodePacket(packets[0]!);
      expect(packets[0]!.subarray(0, 8)).toEqual(c.rxHeader);
      expect(pkt.payload).toEqual(c.rxCbor);
      expect(decodeBody(pkt.payload)).toEqual(c.rxBody);
      if (c.request) {
        const req = decodePacket(c.request);
        expect(pkt.header.seq).toBe(req.header.seq);
        expect(pkt.header.op).toBe(req.header.op + 1);
        // servers answer in the version asked
        expect(pkt.header.version).toBe(req.header.version);
      }
    });
    it('the zephyr-style encoder reproduces the server frames', () => {
      // Zephyr's TX (serial_util.c) is what the native_sim and app servers ran.
      const pkt = decodeFrames(new ConsoleFraming(), concat(c.rx)).packets[0]!;
      if (c.file.includes('mcuboot') && c.title.startsWith('RECOVERY')) return; // MCUboot TX is the mcumgr style
      expect(Buffer.from(new ConsoleFraming({ style: 'zephyr' }).encode(pkt)).toString('latin1')).toBe(Buffer.from(concat(c.rx)).toString('latin1'));
    });
  });

  it('decodes a response whose outermost break is missing (some MCUboot builds)', () => {
    const list = captures.find((c) => c.title === 'APP: image list after upload')!;
    const cbor = list.rxCbor!;
    expect(cbor[cbor.length - 1]).toBe(0xff);
    const cut = cbor.subarray(0, cbor.length - 1);
    const { value, missingBreak } = decodeCbor(cut);
    expect(missingBreak).toBe(true);
    expect(value).toEqual(list.rxBody);
    expect(() => decodeCbor(cut, { tolerateMissingFinalBreak: false })).toThrow(/end of data/);
  });

  it('the worked examples of notes/smp.md', () => {
    const f = new ConsoleFraming();
    const text = (b: Uint8Array): string => Buffer.from(b).toString('latin1');
    expect(text(f.encode(Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 2)))).toBe('\x06\tAAoAAAAAAAAAAiBC\n');
    expect(text(f.encode(Uint8Array.of(0, 0, 0, 0, 0, 1, 0, 0)))).toBe('\x06\tAAoAAAAAAAEAADcw\n');
    const hello = new TextEncoder().encode('Hello, world!');
    expect(text(f.encode(hello))).toBe('\x06\tAA9IZWxsbywgd29ybGQhet4=\n');
    // smpclient's line_length=8 (whole line incl. markers and newline) = 4 base64 chars here
    const lines = ['AA9I', 'ZWxs', 'bywg', 'd29y', 'bGQh', 'et4='];
    expect(text(new ConsoleFraming({ lineLength: 4 }).encode(hello))).toBe(lines.map((l, i) => (i ? '\x04\x14' : '\x06\t') + l + '\n').join(''));
  });
});

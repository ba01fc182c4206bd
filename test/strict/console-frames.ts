/**
 * SMP console framing written for the strict client from the specification alone (notes/smp.md
 * §5; Zephyr `include/zephyr/mgmt/mcumgr/transport/serial.h`; mynewt-mcumgr
 * `transport/smp-console.md`), sharing no code with host/smp so that it checks the project's
 * framing rather than agreeing with it:
 *
 *   raw   = len (u16 BE, counts packet + CRC) || packet || CRC-16/XMODEM(packet) (u16 BE)
 *   lines = 06 09 <base64> 0a, then 04 14 <base64> 0a ...   (each line decodes on its own)
 *
 * The encoder cuts base64 of the whole raw buffer into lines of `lineChars` characters (as the
 * mcumgr CLI and smpclient do); the decoder takes any line sizes, passes other lines on as
 * console text, and remembers every line's length so tests can hold the board to its limits.
 */

/** CRC-16/XMODEM: poly 0x1021, init 0, no reflection, no final xor (check value 0x31c3). */
export function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const b of bytes) {
    crc ^= b << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

export function encodeFrame(packet: Uint8Array, lineChars = 124): Uint8Array {
  if (lineChars % 4 !== 0) throw new RangeError(`line length ${lineChars} is not a multiple of 4 base64 characters`);
  const raw = new Uint8Array(packet.length + 4);
  const view = new DataView(raw.buffer);
  view.setUint16(0, packet.length + 2);
  raw.set(packet, 2);
  view.setUint16(raw.length - 2, crc16(packet));
  const b64 = Buffer.from(raw).toString('base64');
  const parts: Buffer[] = [];
  for (let i = 0; i < b64.length; i += lineChars) {
    parts.push(Buffer.from(i === 0 ? [0x06, 0x09] : [0x04, 0x14]), Buffer.from(b64.slice(i, i + lineChars), 'latin1'), Buffer.from([0x0a]));
  }
  return new Uint8Array(Buffer.concat(parts));
}

export interface FrameEvents {
  packet(packet: Uint8Array): void;
  console(line: string): void;
  /** A frame that could not be decoded: the strict client treats it as a failure of the board. */
  bad(reason: string): void;
}

/** Byte stream -> packets, console lines, and the length of every line (newline included). */
export class FrameReader {
  /** Length of every line received, newline included. */
  readonly lineLengths: number[] = [];
  private line: number[] = [];
  private frame: Buffer | undefined;

  constructor(private readonly on: FrameEvents) {}

  push(chunk: Uint8Array): void {
    for (const b of chunk) {
      if (b !== 0x0a) {
        this.line.push(b);
        continue;
      }
      const line = Buffer.from(this.line);
      this.line = [];
      this.lineLengths.push(line.length + 1);
      this.onLine(line);
    }
  }

  private onLine(line: Buffer): void {
    const start = line[0] === 0x06 && line[1] === 0x09;
    const more = line[0] === 0x04 && line[1] === 0x14;
    if (!start && !more) return this.on.console(line.toString('utf8').replace(/\r$/, ''));
    const text = line.subarray(2).toString('latin1');
    if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return this.fail(`line of ${text.length} characters is not base64 that decodes alone`);
    const bytes = Buffer.from(text, 'base64');
    if (start) this.frame = bytes;
    else if (this.frame) this.frame = Buffer.concat([this.frame, bytes]);
    else return this.fail('continuation line without a frame');
    if (this.frame.length < 2) return;
    const len = this.frame.readUInt16BE(0);
    if (this.frame.length < 2 + len) return;
    const whole = this.frame;
    this.frame = undefined;
    if (whole.length > 2 + len) return this.fail(`frame has ${whole.length - 2} bytes after its length field, which says ${len}`);
    const packet = whole.subarray(2, 2 + len - 2);
    if (crc16(packet) !== whole.readUInt16BE(2 + len - 2)) return this.fail('CRC mismatch');
    this.on.packet(new Uint8Array(packet));
  }

  private fail(reason: string): void {
    this.frame = undefined;
    this.on.bad(reason);
  }
}

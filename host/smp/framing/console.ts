/**
 * SMP console framing ("SMP over console", notes/smp.md §5; Zephyr
 * `include/zephyr/mgmt/mcumgr/transport/serial.h`, `serial_util.c`; MCUboot `boot_serial.c`):
 *
 * ```
 * raw   = len_be16 || smp_packet || crc16_be      len = |smp_packet| + 2 (counts the CRC)
 * lines = 06 09 <base64> 0a, then 04 14 <base64> 0a ...   each line's base64 decodes alone
 * ```
 * CRC-16/XMODEM over the SMP packet only. Receivers decode line by line into one reassembly
 * buffer; a `06 09` line restarts it; bad base64, a bad CRC or a length overflow drops the frame
 * silently (the sender sees a timeout). Text between frames is console output: the decoder
 * hands it on line by line (`console`) and as a stream (`text`), the latter as soon as a byte
 * cannot belong to a frame, so a shell prompt that ends no line is seen while it waits.
 *
 * Two encoders, both producing lines every receiver accepts:
 * - `mcumgr` (default; newtmgr, mcumgr CLI, smpclient, MCUboot TX and the recorded TX
 *   captures): base64 of the whole raw buffer, cut every `lineLength` characters;
 * - `zephyr` (Zephyr's `mcumgr_serial_tx_pkt`): 3-byte groups per line, the first group being
 *   the length plus the first packet byte, and the 2-byte CRC never split across lines.
 */
import { crc16Xmodem } from '../crc16.js';
import type { DecoderLimits, FrameDecoder, FrameSink, Framing } from './framing.js';

export const FRAME_START = Uint8Array.of(0x06, 0x09);
export const FRAME_CONTINUE = Uint8Array.of(0x04, 0x14);
const NL = 0x0a;
/** Base64 characters per line so that a whole line is 127 bytes (MCUboot BOOT_SERIAL_FRAME_MTU). */
export const DEFAULT_LINE_LENGTH = 124;

export interface ConsoleFramingOptions {
  /** Base64 characters per line, a multiple of 4; default 124 (127-byte lines). */
  lineLength?: number;
  style?: 'mcumgr' | 'zephyr';
  /**
   * Longest line the receiver takes, markers and newline included (a board's line buffer:
   * Zephyr CONFIG_UART_MCUMGR_RX_BUF_SIZE, MCUboot BOOT_MAX_LINE_INPUT_LEN, both 128 by
   * default); a longer line is thrown away with the frame it belongs to, and nothing is
   * answered. Default: any line a whole packet fits on.
   */
  maxLineBytes?: number;
}

const B64_LINE = /^[A-Za-z0-9+/]*={0,2}$/;

export class ConsoleFraming implements Framing {
  readonly kind = 'console';
  readonly lineLength: number;
  readonly style: 'mcumgr' | 'zephyr';
  readonly maxLineBytes: number | undefined;

  constructor(options: ConsoleFramingOptions = {}) {
    const n = options.lineLength ?? DEFAULT_LINE_LENGTH;
    if (!Number.isInteger(n) || n < 4 || n % 4 !== 0) {
      throw new RangeError(`console framing line length must be a positive multiple of 4 base64 characters (each line decodes alone), got ${n}`);
    }
    this.lineLength = n;
    this.style = options.style ?? 'mcumgr';
    // Zephyr's layout keeps the 2-byte CRC whole on the last line, which needs room for two
    // 3-byte groups per line.
    if (this.style === 'zephyr' && n < 8) throw new RangeError(`zephyr-style console framing needs lines of at least 8 base64 characters, got ${n}`);
    const max = options.maxLineBytes;
    // The shortest frame line (markers, one 4-character group, newline) must fit.
    if (max !== undefined && (!Number.isInteger(max) || max < 7)) throw new RangeError(`console framing line limit must be an integer >= 7 bytes, got ${max}`);
    this.maxLineBytes = max;
  }

  get description(): string {
    return `console framing (${this.style} style, ${this.lineLength}-char lines${this.maxLineBytes ? `, lines over ${this.maxLineBytes} bytes dropped` : ''})`;
  }

  encode(packet: Uint8Array): Uint8Array {
    if (packet.length === 0) throw new RangeError('cannot frame an empty SMP packet');
    if (packet.length + 2 > 0xffff) throw new RangeError(`SMP packet of ${packet.length} bytes is too long for the 16-bit frame length`);
    const crc = crc16Xmodem(packet);
    const lines = this.style === 'zephyr' ? zephyrLines(packet, crc, this.lineLength) : mcumgrLines(packet, crc, this.lineLength);
    const out = new Uint8Array(lines.reduce((s, l) => s + l.length + 3, 0));
    const ascii = Buffer.from(out.buffer);
    let o = 0;
    lines.forEach((l, i) => {
      out.set(i === 0 ? FRAME_START : FRAME_CONTINUE, o);
      ascii.write(l, o + 2, 'latin1');
      out[o + 2 + l.length] = NL;
      o += l.length + 3;
    });
    return out;
  }

  decoder(sink: FrameSink, limits: DecoderLimits): FrameDecoder {
    return new ConsoleDecoder(sink, limits.maxPacket, this.maxLineBytes);
  }

  /** Length and CRC share the server's reassembly buffer (smpclient, verified on Zephyr). */
  maxPacketFor(bufSize: number): number {
    return bufSize - 4;
  }

  wireBytes(packetBytes: number): number {
    const chars = 4 * Math.ceil((packetBytes + 4) / 3);
    return chars + 3 * Math.ceil(chars / this.lineLength);
  }
}

function mcumgrLines(packet: Uint8Array, crc: number, lineLength: number): string[] {
  const raw = new Uint8Array(packet.length + 4);
  raw[0] = (packet.length + 2) >> 8;
  raw[1] = (packet.length + 2) & 0xff;
  raw.set(packet, 2);
  raw[raw.length - 2] = crc >> 8;
  raw[raw.length - 1] = crc & 0xff;
  const b64 = Buffer.from(raw.buffer).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += lineLength) lines.push(b64.slice(i, i + lineLength));
  return lines;
}

/** Zephyr's per-frame layout (serial_util.c `mcumgr_serial_tx_frame`), one line per frame. */
function zephyrLines(data: Uint8Array, crc: number, lineLength: number): string[] {
  const perLine = (lineLength / 4) * 3;
  const lines: string[] = [];
  let src = 0;
  while (src < data.length) {
    const raw: number[] = [];
    let maxInput = perLine;
    if (src === 0) {
      raw.push((data.length + 2) >> 8, (data.length + 2) & 0xff, data[0]!);
      src = 1;
      maxInput -= 3;
    }
    const remaining = data.length - src;
    let toProcess = Math.min(maxInput, remaining);
    const spare = maxInput - remaining;
    // The CRC must not be split: if it would not fit whole, push one data byte to the next line.
    if (spare === 0 || spare === 1) toProcess -= 1;
    const last = spare >= 2;
    for (; toProcess >= 3; toProcess -= 3, src += 3) raw.push(data[src]!, data[src + 1]!, data[src + 2]!);
    if (last) {
      while (src < data.length) raw.push(data[src++]!);
      raw.push(crc >> 8, crc & 0xff);
    }
    lines.push(Buffer.from(raw).toString('base64'));
  }
  return lines;
}

class ConsoleDecoder implements FrameDecoder {
  /** The line in progress; one byte longer than the longest line taken (newline excluded), which is how overlong lines show. */
  private readonly line: Uint8Array;
  private lineLength = 0;
  private overflow = false;
  /** Reassembly buffer of the frame in progress (the bytes after the length, CRC included), sized by its length. */
  private frame: Uint8Array | undefined;
  private frameBytes = 0;
  /** The rest of a dropped frame's lines are ignored quietly (one report per frame). */
  private skipping = false;
  private readonly text = new TextDecoder('utf-8', { fatal: false });
  /** Bytes of the line in progress already handed on as streamed text (`sink.text`). */
  private passed = 0;
  /** The streamed text's own decoder: a character split across reads is held until it is whole. */
  private readonly stream = new TextDecoder('utf-8', { fatal: false });

  constructor(
    private readonly sink: FrameSink,
    private readonly maxPacket: number,
    maxLineBytes: number | undefined,
  ) {
    // A whole packet on one line is the longest legitimate frame line, unless the receiver's
    // line buffer is shorter (its limit counts the newline, which is not stored here).
    this.line = new Uint8Array(maxLineBytes ?? 4 * Math.ceil((maxPacket + 4) / 3) + 4);
  }

  push(chunk: Uint8Array): void {
    const line = this.line;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (b === NL) {
        // The line buffer is reused: everything onLine passes on is decoded or copied first.
        if (!this.overflow) {
          this.passText(true);
          this.onLine(line.subarray(0, this.lineLength));
        }
        this.lineLength = 0;
        this.passed = 0;
        this.overflow = false;
      } else if (!this.overflow) {
        line[this.lineLength++] = b;
        if (this.lineLength === line.length) this.overlong();
      }
    }
    if (!this.overflow) this.passText(false);
  }

  /** A line longer than the receiver takes: console text goes out as it is, a frame is dropped. */
  private overlong(): void {
    const isFrame = startsWith(this.line, FRAME_START) || startsWith(this.line, FRAME_CONTINUE);
    if (isFrame) this.drop(`frame line longer than ${this.line.length} bytes with its newline`);
    else {
      this.sink.console(this.text.decode(this.line));
      this.streamText(this.line.subarray(this.passed));
    }
    this.lineLength = 0;
    this.passed = 0;
    this.overflow = isFrame;
  }

  /**
   * Streams the text of the line in progress not streamed yet: what precedes a frame marker on
   * it, else all of it — with its newline once it `ended`, else but a last byte that may begin a
   * marker. A line that begins with a marker (or may: its one byte so far) is a frame's.
   */
  private passText(ended: boolean): void {
    if (!this.sink.text) return;
    const line = this.line;
    const n = this.lineLength;
    const first = line[0];
    if (n >= 2 ? startsWith(line, FRAME_START) || startsWith(line, FRAME_CONTINUE) : n === 1 && !ended && (first === FRAME_START[0] || first === FRAME_CONTINUE[0])) return;
    // Text before the last `passed` byte holds no marker; one may end just after it.
    const marker = indexOf(line, FRAME_START, Math.max(0, this.passed - 1), n);
    const end = marker >= 0 ? marker : !ended && line[n - 1] === FRAME_START[0] ? n - 1 : n;
    if (end > this.passed) this.streamText(line.subarray(this.passed, end));
    this.passed = Math.max(this.passed, end);
    // A frame's newline is the frame's.
    if (ended && marker < 0) this.streamText(Uint8Array.of(NL));
  }

  private streamText(bytes: Uint8Array): void {
    const t = this.stream.decode(bytes, { stream: true });
    if (t.length > 0) this.sink.text?.(t);
  }

  private onLine(line: Uint8Array): void {
    let end = line.length;
    if (end > 0 && line[end - 1] === 0x0d) end--;
    // A frame may follow console text that did not end its line (a shell prompt), or a frame
    // line whose newline was lost on the wire: the last start marker begins the frame.
    const start = lastIndexOf(line, FRAME_START);
    if (start > 0) {
      const before = line.subarray(0, start);
      if (startsWith(before, FRAME_START) || startsWith(before, FRAME_CONTINUE)) this.drop('frame line ran into the next frame (newline lost)');
      else this.textLine(before);
      return this.frameLine(true, line.subarray(start + 2, end));
    }
    if (start === 0) return this.frameLine(true, line.subarray(2, end));
    if (startsWith(line, FRAME_CONTINUE)) return this.frameLine(false, line.subarray(2, end));
    this.textLine(line.subarray(0, end));
  }

  private textLine(bytes: Uint8Array): void {
    if (bytes.length > 0) this.sink.console(this.text.decode(bytes));
  }

  private frameLine(first: boolean, b64: Uint8Array): void {
    if (first) this.skipping = false;
    else if (!this.frame) return this.skipping ? undefined : this.sink.dropped('continuation line with no frame in progress');
    const s = Buffer.from(b64.buffer, b64.byteOffset, b64.length).toString('latin1');
    if (s.length % 4 !== 0 || !B64_LINE.test(s)) return this.drop(`line is not valid base64 (${s.length} chars)`);
    let bytes: Uint8Array = Buffer.from(s, 'base64');
    if (first) {
      if (bytes.length < 2) return this.drop('first line too short for the frame length');
      const length = (bytes[0]! << 8) | bytes[1]!;
      if (length < 3) return this.drop(`frame length ${length} is too short`);
      if (length > this.maxPacket + 2) return this.drop(`frame length ${length} exceeds the ${this.maxPacket + 2}-byte limit`);
      this.frame = new Uint8Array(length);
      this.frameBytes = 0;
      bytes = bytes.subarray(2);
    }
    const whole = this.frame!;
    const got = this.frameBytes + bytes.length;
    if (got > whole.length) return this.drop(`frame has ${got} bytes, its length says ${whole.length}`);
    whole.set(bytes, this.frameBytes);
    this.frameBytes = got;
    if (got < whole.length) return;
    this.frame = undefined;
    if (crc16Xmodem(whole) !== 0) return this.drop('CRC mismatch');
    this.sink.packet(whole.subarray(0, whole.length - 2));
  }

  private drop(reason: string): void {
    this.frame = undefined;
    this.skipping = true;
    this.sink.dropped(reason);
  }
}

function startsWith(a: Uint8Array, p: Uint8Array): boolean {
  return a.length >= p.length && a[0] === p[0] && a[1] === p[1];
}

function indexOf(a: Uint8Array, p: Uint8Array, from: number, end: number): number {
  for (let i = from; i < end - 1; i++) if (a[i] === p[0] && a[i + 1] === p[1]) return i;
  return -1;
}

function lastIndexOf(a: Uint8Array, p: Uint8Array): number {
  for (let i = a.length - 2; i >= 0; i--) if (a[i] === p[0] && a[i + 1] === p[1]) return i;
  return -1;
}

/**
 * A strict SMP client for tests, independent of the project's client (host/smp): its own
 * header (notes/smp.md §1: `>BBHHBB`, version bits 3-4, response op = request op + 1), its own
 * console framing (console-frames.ts) and CBOR through cborg, over any byte pipe of
 * host/transport. It sends one request at a time and holds the board to the protocol: an
 * answer must echo the request's version, group, sequence and command with op + 1, and every
 * frame must decode; anything else fails the test that is waiting. Every wait is bounded.
 */
import { decode as cborDecode, encode as cborEncode } from 'cborg';
import type { Transport } from '../../host/transport/transport.js';
import { encodeFrame, FrameReader } from './console-frames.js';

/** How long a request waits for its answer unless told otherwise. */
const ANSWER_TIMEOUT_MS = 15_000;

export interface StrictAnswer {
  header: { op: number; version: number; flags: number; length: number; group: number; seq: number; command: number };
  body: unknown;
  /** The answer's CBOR as it came. */
  cbor: Uint8Array;
}

export const READ = 0;
export const WRITE = 2;

/** Version bits 0b00 = SMP v1, 0b01 = SMP v2 (0b10, 0b11 reserved). */
function header(op: number, version: 1 | 2, length: number, group: number, seq: number, command: number): Uint8Array {
  const h = new Uint8Array(8);
  const v = new DataView(h.buffer);
  v.setUint8(0, ((version - 1) << 3) | op);
  v.setUint8(1, 0);
  v.setUint16(2, length);
  v.setUint16(4, group);
  v.setUint8(6, seq);
  v.setUint8(7, command);
  return h;
}

export function parsePacket(packet: Uint8Array): StrictAnswer {
  if (packet.length < 8) throw new Error(`packet of ${packet.length} bytes is shorter than the 8-byte SMP header`);
  const v = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  const b0 = v.getUint8(0);
  const h = { op: b0 & 7, version: ((b0 >> 3) & 3) + 1, flags: v.getUint8(1), length: v.getUint16(2), group: v.getUint16(4), seq: v.getUint8(6), command: v.getUint8(7) };
  if (b0 >> 5 !== 0 || h.version > 2) throw new Error(`reserved header bits set: 0x${b0.toString(16)}`);
  if (h.length !== packet.length - 8) throw new Error(`header says ${h.length} payload bytes, the packet has ${packet.length - 8}`);
  const cbor = packet.subarray(8);
  return { header: h, body: cborDecode(cbor), cbor };
}

export class StrictClient {
  readonly console: string[] = [];
  private readonly reader: FrameReader;
  private readonly answers: StrictAnswer[] = [];
  private readonly problems: string[] = [];
  private wake: (() => void) | undefined;
  private seq = 0;
  /** Echoes of untilAnswering sent before the one that was answered: their answers may still come. */
  private readonly unanswered = new Set<number>();

  constructor(
    readonly transport: Transport,
    private readonly o: { lineChars?: number; version?: 1 | 2 } = {},
  ) {
    this.reader = new FrameReader({
      packet: (p) => {
        try {
          this.answers.push(parsePacket(p));
        } catch (e) {
          this.problems.push((e as Error).message);
        }
        this.wake?.();
      },
      console: (line) => void this.console.push(line),
      bad: (reason) => {
        this.problems.push(`bad frame from the board: ${reason}`);
        this.wake?.();
      },
    });
    transport.onData((chunk) => this.reader.push(chunk));
  }

  /** Lengths of every line the board sent, newline included. */
  get lineLengths(): readonly number[] {
    return this.reader.lineLengths;
  }

  /** Sends one request; resolves with its answer, rejects after `timeoutMs` without one. */
  async request(op: number, group: number, command: number, body: Record<string, unknown> = {}, o: { timeoutMs?: number; version?: 1 | 2; lineChars?: number } = {}): Promise<StrictAnswer> {
    const seq = this.send(op, group, command, body, o);
    // Generous: this client checks what the board answers, not how fast; a board process on a loaded 2-core CI machine can be slow.
    const limit = o.timeoutMs ?? ANSWER_TIMEOUT_MS;
    const a = await this.next(limit);
    if (!a) throw new Error(`no answer to group ${group} command ${command} within ${limit} ms`);
    const version = o.version ?? this.o.version ?? 2;
    const h = a.header;
    if (h.op !== op + 1 || h.group !== group || h.seq !== seq || h.command !== command || h.version !== version) {
      throw new Error(`answer header ${JSON.stringify(h)} does not answer op ${op} group ${group} seq ${seq} command ${command} v${version}`);
    }
    return a;
  }

  /** Sends a request and returns its sequence number, without waiting for an answer. */
  send(op: number, group: number, command: number, body: Record<string, unknown> = {}, o: { version?: 1 | 2; lineChars?: number } = {}): number {
    const seq = this.seq;
    this.seq = (this.seq + 1) & 0xff;
    const cbor = cborEncode(body);
    const packet = new Uint8Array(8 + cbor.length);
    packet.set(header(op, o.version ?? this.o.version ?? 2, cbor.length, group, seq, command));
    packet.set(cbor, 8);
    void this.transport.write(encodeFrame(packet, o.lineChars ?? this.o.lineChars ?? 124)).catch((e: unknown) => this.problems.push(`write failed: ${(e as Error).message}`));
    return seq;
  }

  /**
   * After a reset: an echo every `everyMs` until one is answered (MCUboot's serial recovery
   * answers echo rc 8: any answer counts), within `timeoutMs`. The other echoes may still be
   * answered later, however late (a loaded machine): their answers are recognised by sequence
   * number and passed over until the next answer to anything else, after which none can come
   * (the board answers in order), so no timing guess decides what an answer answers.
   */
  async untilAnswering(timeoutMs = 15_000, everyMs = 300): Promise<StrictAnswer> {
    const deadline = Date.now() + timeoutMs;
    const sent: number[] = [];
    while (Date.now() < deadline) {
      sent.push(this.send(WRITE, 0, 0, { d: 'strict' }));
      const a = await this.next(everyMs);
      if (!a) continue;
      for (const seq of sent) if (seq !== a.header.seq) this.unanswered.add(seq);
      return a;
    }
    throw new Error(`the board did not answer within ${timeoutMs} ms`);
  }

  /** Resolves once a console line from index `from` on matches `re`; fails after `timeoutMs`. */
  async untilConsole(re: RegExp, from: number, timeoutMs: number): Promise<string> {
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await new Promise((r) => setTimeout(r, 20))) {
      const line = this.console.slice(from).find((l) => re.test(l));
      if (line !== undefined) return line;
    }
    throw new Error(`no console line matching ${re} within ${timeoutMs} ms (lines since: ${JSON.stringify(this.console.slice(from).slice(-5))})`);
  }

  /** The next answer within `timeoutMs`, whatever it answers (undefined when none came). */
  nextAnswer(timeoutMs: number): Promise<StrictAnswer | undefined> {
    return this.next(timeoutMs);
  }

  /** Resolves true when nothing at all (no frame) arrives for `ms`. */
  async silentFor(ms: number): Promise<boolean> {
    return (await this.next(ms)) === undefined;
  }

  private async next(timeoutMs: number): Promise<StrictAnswer | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const problem = this.problems.shift();
      if (problem) throw new Error(problem);
      const a = this.answers.shift();
      if (a && this.unanswered.has(a.header.seq) && a.header.group === 0 && a.header.command === 0) {
        this.unanswered.delete(a.header.seq);
        continue;
      }
      if (a) {
        this.unanswered.clear();
        return a;
      }
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          this.wake = undefined;
          resolve();
        }, left);
        this.wake = () => {
          clearTimeout(t);
          this.wake = undefined;
          resolve();
        };
      });
    }
  }
}

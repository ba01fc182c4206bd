/**
 * Sends raw request frames to a board and collects what it answers to each, for the fidelity
 * cases (fidelity-cases.ts), with no timing guess: after a case's bytes it sends a sync request
 * (an SMP v1 echo, sequence 255) and takes every answer before the sync's as the case's — a board answers in order, so "no answer" is seen at
 * once. Frames are read by the strict client's own framing (console-frames.ts); every answer is
 * kept with its header's byte 0 (op, version, whatever else the board set) and its CBOR as sent.
 * Every wait is bounded.
 */
import { decode as cborDecode, encode as cborEncode } from 'cborg';
import type { Transport } from '../../host/transport/transport.js';
import { encodeFrame, FrameReader } from './console-frames.js';

/** One answer as the board sent it. */
export interface Observed {
  byte0: number;
  group: number;
  seq: number;
  command: number;
  /** The answer's CBOR, hex. */
  cbor: string;
  body: unknown;
}

export const SYNC_SEQ = 255;
/** Sequence numbers of `ready`'s pings (their late answers are passed over); cases use 1-248. */
const PING_SEQS = [250, 251, 252, 253, 254];
const SYNC_TIMEOUT_MS = 10_000;

const isSync = (a: Observed, seqs: readonly number[]): boolean => seqs.includes(a.seq) && a.group === 0 && a.command === 0;

/** An SMP packet: byte 0 as given (op | version << 3 | reserved bits), the length field `length` (default the payload's). */
export function packet(byte0: number, group: number, seq: number, command: number, payload: Uint8Array, length = payload.length): Uint8Array {
  const p = new Uint8Array(8 + payload.length);
  const v = new DataView(p.buffer);
  v.setUint8(0, byte0);
  v.setUint16(2, length);
  v.setUint16(4, group);
  v.setUint8(6, seq);
  v.setUint8(7, command);
  p.set(payload, 8);
  return p;
}

/** CBOR as clients send it (definite lengths). */
export const cbor = (value: unknown): Uint8Array => new Uint8Array(cborEncode(value));

export class FidelityRunner {
  private readonly answers: Observed[] = [];
  private readonly problems: string[] = [];
  private wake: (() => void) | undefined;

  constructor(
    private readonly transport: Transport,
    /**
     * Pause after each line: the Zephyr application's UART holds few lines while its SMP thread
     * works (native_sim's pty loses a frame of three lines written at once; QEMU, under a loaded
     * host, a line now and then).
     */
    private readonly o: { lineGapMs?: number } = {},
  ) {
    const reader = new FrameReader({
      packet: (p) => {
        const v = new DataView(p.buffer, p.byteOffset, p.byteLength);
        const body = p.subarray(8);
        try {
          this.answers.push({ byte0: v.getUint8(0), group: v.getUint16(4), seq: v.getUint8(6), command: v.getUint8(7), cbor: Buffer.from(body).toString('hex'), body: cborDecode(body) });
        } catch (e) {
          this.problems.push(`answer that does not decode: ${(e as Error).message}`);
        }
        this.wake?.();
      },
      console: () => undefined,
      bad: (reason) => {
        this.problems.push(`bad frame from the board: ${reason}`);
        this.wake?.();
      },
    });
    transport.onData((chunk) => reader.push(chunk));
  }

  /**
   * Writes `wire`, then the sync request; resolves with the answers that came before the sync's.
   * A sync lost on the way (a real board's UART drops a line when its few line buffers are all
   * waiting: the Zephyr application under a loaded host) is sent again, up to 3 times.
   */
  async exchange(wire: Uint8Array): Promise<Observed[]> {
    this.answers.length = 0;
    await this.write(wire);
    const got: Observed[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      await this.write(encodeFrame(packet(0x02, 0, SYNC_SEQ, 0, cbor({ d: 'sync' }))));
      if (await this.untilSync(got, SYNC_TIMEOUT_MS / 3)) return got;
    }
    throw new Error(`no answer to the sync request within ${SYNC_TIMEOUT_MS} ms (answers so far: ${JSON.stringify(got.map((g) => g.body))})`);
  }

  /** Moves answers into `got` until the sync's answer (true) or `ms` pass (false). */
  private async untilSync(got: Observed[], ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    for (;;) {
      const problem = this.problems.shift();
      if (problem) throw new Error(problem);
      const a = this.answers.shift();
      if (a && isSync(a, [SYNC_SEQ])) return true;
      if (a && isSync(a, PING_SEQS)) continue;
      if (a) {
        got.push(a);
        continue;
      }
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /** Pings (an SMP v1 echo) every 300 ms until the board answers one, within `timeoutMs`. */
  async ready(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (let i = 0; Date.now() < deadline; i++) {
      this.answers.length = 0;
      await this.write(encodeFrame(packet(0x02, 0, PING_SEQS[i % PING_SEQS.length]!, 0, cbor({ d: 'ping' }))));
      await new Promise((r) => setTimeout(r, 300));
      if (this.answers.some((a) => isSync(a, PING_SEQS))) return;
    }
    throw new Error(`the board did not answer within ${timeoutMs} ms`);
  }

  /**
   * Writes `wire` (a request the board answers, then resets, and what follows it) and resolves
   * with every answer that came before `reset` (the board's witness saw it) resolved.
   */
  async answersBeforeReset(wire: Uint8Array, reset: Promise<unknown>, timeoutMs = 15_000): Promise<Observed[]> {
    this.answers.length = 0;
    await this.write(wire);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([reset, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`the board did not reset within ${timeoutMs} ms`)), timeoutMs)))]);
    } finally {
      clearTimeout(timer);
    }
    const problem = this.problems.shift();
    if (problem) throw new Error(problem);
    return this.answers.filter((a) => !isSync(a, PING_SEQS));
  }

  /** Writes `wire` at once, or line by line `lineGapMs` apart. */
  private async write(wire: Uint8Array): Promise<void> {
    const gap = this.o.lineGapMs ?? 0;
    if (gap === 0) return this.transport.write(wire);
    for (let start = 0, i = 0; i < wire.length; i++) {
      if (wire[i] !== 0x0a) continue;
      await this.transport.write(wire.subarray(start, i + 1));
      start = i + 1;
      await new Promise((r) => setTimeout(r, gap));
    }
  }
}

/**
 * The host's SMP client (DESIGN.md "Wire protocol: SMP over serial"): requests with sequence
 * numbers, responses paired by sequence, group, command and op, several requests in flight
 * (the server answers in order), and a deadline on every request. A request never hangs: it
 * ends with the response, an `SmpTimeoutError` after its retries, the `TransportClosedError`
 * of a vanished port, or the abort reason of its signal.
 *
 * Typed commands live in groups/ (`client.os`, `client.image`, `client.suit`, `client.rig`);
 * uploads in upload/.
 */
import { abortReason, sleep, type Clock } from '../transport/clock.js';
import { lineMs } from '../transport/line-rate.js';
import { TransportClosedError, type Transport } from '../transport/transport.js';
import { decodeBody, encodeCbor, type SmpMap } from './cbor.js';
import { responseError, SmpTimeoutError } from './errors.js';
import { SmpProtocolError } from './fields.js';
import { encodePacket, Op, type OpCode, type SmpHeader, type SmpPacket, type SmpVersion } from './header.js';
import { commandName } from './ids.js';
import { SmpLink, type SmpLinkOptions } from './link.js';
import { ImageClient } from './groups/image.js';
import { OsClient } from './groups/os.js';
import { RigClient } from './groups/rig.js';
import { SuitClient } from './groups/suit.js';

/** Base of every request deadline before line time is added (ms). */
export const DEFAULT_BASE_TIMEOUT_MS = 2_500;

export interface SmpClientOptions extends SmpLinkOptions {
  /** SMP version of requests; default 2 (servers answer v1 requests with v1 errors). */
  version?: SmpVersion;
  /** Base deadline per request in ms; the line time of request and answer is added. */
  timeoutMs?: number;
  /** Resends after a deadline passes without an answer; default 2. */
  retries?: number;
}

export interface RequestOptions {
  /** This request's deadline in ms (instead of the client's base + line time). */
  timeoutMs?: number;
  retries?: number;
  signal?: AbortSignal;
}

export interface SmpResponse {
  header: SmpHeader;
  body: SmpMap;
}

/** Sends requests and returns the decoded body; rejects with SmpErrorResponse on `rc`/`err`. */
export interface SmpRequester {
  read(group: number, command: number, body?: SmpMap, options?: RequestOptions): Promise<SmpMap>;
  write(group: number, command: number, body: SmpMap, options?: RequestOptions): Promise<SmpMap>;
}

export { SmpTimeoutError } from './errors.js';

export interface ClientStats {
  requests: number;
  /** Resends after a deadline. */
  retries: number;
  /** Requests that ran out of deadline (each attempt counts). */
  timeouts: number;
  /** Answers that matched no waiting request (late, duplicated, or for an abandoned one). */
  stale: number;
}

interface Pending {
  group: number;
  command: number;
  op: OpCode;
  resolve(p: SmpPacket): void;
}

/** Typical answer size for deadline arithmetic (a state read is ~250 bytes). */
const TYPICAL_RESPONSE_BYTES = 256;

export class SmpClient implements SmpRequester {
  readonly link: SmpLink;
  readonly version: SmpVersion;
  readonly baseTimeoutMs: number;
  readonly retries: number;
  readonly stats: ClientStats = { requests: 0, retries: 0, timeouts: 0, stale: 0 };
  readonly os: OsClient;
  readonly image: ImageClient;
  readonly suit: SuitClient;
  readonly rig: RigClient;
  private readonly pending = new Map<number, Pending>();
  /** The last answer that matched no request (wrong sequence number, op, group or command), for the timeout's message. */
  private lastStale: { header: SmpPacket['header']; at: number } | undefined;
  private nextSeq = 0;
  private closedError: TransportClosedError | undefined;

  constructor(link: SmpLink, options: Omit<SmpClientOptions, keyof SmpLinkOptions> = {}) {
    this.link = link;
    this.version = options.version ?? 2;
    this.baseTimeoutMs = options.timeoutMs ?? DEFAULT_BASE_TIMEOUT_MS;
    this.retries = options.retries ?? 2;
    link.onPacket((p) => this.onPacket(p));
    link.onClose((err) => {
      this.closedError = err ?? new TransportClosedError(`${link.transport.description}: closed`, false);
    });
    this.os = new OsClient(this);
    this.image = new ImageClient(this);
    this.suit = new SuitClient(this);
    this.rig = new RigClient(this);
  }

  /** A client on a transport, with its own link. */
  static over(transport: Transport, options: SmpClientOptions = {}): SmpClient {
    return new SmpClient(new SmpLink(transport, options), options);
  }

  get clock(): Clock {
    return this.link.clock;
  }

  get transport(): Transport {
    return this.link.transport;
  }

  get isOpen(): boolean {
    return this.closedError === undefined && this.link.isOpen;
  }

  /** The default deadline of a request whose packet is `packetBytes` long. */
  deadlineMs(packetBytes: number, answerBytes = TYPICAL_RESPONSE_BYTES): number {
    const f = this.link.framing;
    return this.baseTimeoutMs + 2 * lineMs(f.wireBytes(packetBytes) + f.wireBytes(answerBytes), this.transport.baudRate);
  }

  read(group: number, command: number, body: SmpMap = {}, options?: RequestOptions): Promise<SmpMap> {
    return this.checked(Op.READ, group, command, body, options);
  }

  write(group: number, command: number, body: SmpMap, options?: RequestOptions): Promise<SmpMap> {
    return this.checked(Op.WRITE, group, command, body, options);
  }

  /**
   * One request and its answer, error answers included (uploads read `rc` + `off` themselves).
   * Retries resend the same sequence number, so a late answer to the first try still counts.
   */
  async exchange(op: OpCode, group: number, command: number, body: SmpMap, options: RequestOptions = {}): Promise<SmpResponse> {
    const { signal } = options;
    const payload = encodeCbor(body);
    const seq = this.allocateSeq();
    const packet = encodePacket({ op, version: this.version, group, seq, command }, payload);
    const timeoutMs = options.timeoutMs ?? this.deadlineMs(packet.length);
    const attempts = 1 + (options.retries ?? this.retries);
    const name = commandName(group, command);
    this.stats.requests++;
    const started = this.clock.now();
    let answer: SmpPacket | undefined;
    const waiter = new Promise<SmpPacket>((resolve) => this.pending.set(seq, { group, command, op, resolve }));
    try {
      for (let attempt = 1; attempt <= attempts; attempt++) {
        if (attempt > 1) {
          this.stats.retries++;
          await sleep(this.clock, Math.min(100 * 2 ** (attempt - 2), 1_000), signal);
        }
        answer = await this.attempt(packet, waiter, timeoutMs, signal, name);
        if (answer) break;
        this.stats.timeouts++;
      }
    } finally {
      this.pending.delete(seq);
    }
    if (!answer) {
      const stale = this.lastStale && this.lastStale.at >= started ? this.lastStale.header : undefined;
      throw new SmpTimeoutError(
        stale
          ? `no answer from ${this.transport.description} to ${name} (sequence ${seq}, op ${op}) within ${Math.round(timeoutMs)} ms: the board answered, but not this request (sequence ${stale.seq}, op ${stale.op}, ${commandName(stale.group, stale.command)}); a board that echoes sequence numbers or ops wrongly cannot be driven`
          : `no answer from ${this.transport.description} to ${name} within ${Math.round(timeoutMs)} ms (${attempts} ${attempts === 1 ? 'try' : 'tries'}); is the board running an SMP server on this port at this baud rate, speaking ${this.link.framing.kind} framing?`,
        group,
        command,
        attempts,
      );
    }
    try {
      return { header: answer.header, body: decodeBody(answer.payload) };
    } catch (e) {
      throw new SmpProtocolError(`${name}: the board's answer is not a valid CBOR map: ${(e as Error).message}`);
    }
  }

  async close(): Promise<void> {
    await this.link.close();
  }

  /** Sends once and waits until the answer, the deadline (undefined), a close or an abort. */
  private attempt(packet: Uint8Array, waiter: Promise<SmpPacket>, timeoutMs: number, signal: AbortSignal | undefined, name: string): Promise<SmpPacket | undefined> {
    return new Promise<SmpPacket | undefined>((resolve, reject) => {
      if (this.closedError) return reject(this.closed(name));
      if (signal?.aborted) return reject(abortReason(signal));
      let settled = false;
      const settle = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        timer.cancel();
        offClose();
        signal?.removeEventListener('abort', onAbort);
        fn();
      };
      const onAbort = (): void => settle(() => reject(abortReason(signal!)));
      const timer = this.clock.setTimer(() => settle(() => resolve(undefined)), timeoutMs);
      const offClose = this.link.onClose(() => settle(() => reject(this.closed(name))));
      signal?.addEventListener('abort', onAbort, { once: true });
      waiter.then((p) => settle(() => resolve(p)));
      // The write has the same deadline: a vanished port never completes it.
      this.link.send(packet, { timeoutMs, signal }).catch((e: unknown) => {
        settle(() => (e instanceof TransportClosedError || !this.link.isOpen ? reject(this.closed(name)) : signal?.aborted ? reject(abortReason(signal)) : resolve(undefined)));
      });
    });
  }

  private async checked(op: OpCode, group: number, command: number, body: SmpMap, options?: RequestOptions): Promise<SmpMap> {
    const r = await this.exchange(op, group, command, body, options);
    const err = responseError(r.body, { group, command });
    if (err) throw err;
    return r.body;
  }

  private closed(name: string): TransportClosedError {
    const e = this.closedError;
    if (e?.disconnected) return new TransportClosedError(`${name}: ${e.message}`, true);
    return new TransportClosedError(`${name}: ${this.transport.description} is closed`, false);
  }

  private allocateSeq(): number {
    for (let i = 0; i < 256; i++) {
      const s = (this.nextSeq + i) & 0xff;
      if (!this.pending.has(s)) {
        this.nextSeq = (s + 1) & 0xff;
        return s;
      }
    }
    throw new Error('256 SMP requests in flight: no sequence number left');
  }

  private onPacket(p: SmpPacket): void {
    const h = p.header;
    const w = this.pending.get(h.seq);
    // Responses echo the request's seq, group and command, with OP = request OP + 1.
    if (!w || h.op !== w.op + 1 || h.group !== w.group || h.command !== w.command) {
      this.stats.stale++;
      this.lastStale = { header: h, at: this.clock.now() };
      return;
    }
    this.pending.delete(h.seq);
    w.resolve(p);
  }
}

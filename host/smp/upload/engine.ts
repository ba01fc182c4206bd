/**
 * The upload engine: streams a byte array to an SMP upload command (image group `upload`,
 * SUIT envelope / missing image / cache uploads) as fast as the line and the board allow and
 * recovers from everything a serial line does to it (notes/smp.md §4 "Upload").
 *
 * - Chunk size from the board's `buf_size` (the largest packet its framing takes), reduced on
 *   a lossy line by the ChunkSizer; chunks are multiples of 4 bytes except the last.
 * - Pipelining: up to `buf_count` requests in flight. The board answers in order and accepts
 *   only the offset it expects (a wrong offset is answered with the expected one, no error),
 *   so a lost request shows up in the next answer and the engine goes back to that offset
 *   (go-back-N); an answer also proves that older unanswered requests lost their answers, so
 *   they are abandoned at once instead of waiting for their deadlines.
 * - Deadlines: the first chunk may make the board erase the whole slot (seconds), later chunks
 *   only write; both include the line time of a full window at the port's baud. Deadlines
 *   that pass without progress are retried with exponential backoff, up to `retries` in a row.
 * - Resume: the first chunk carries `len` and `sha`; a board that still holds a session with
 *   the same `sha` answers with its offset and the engine continues there — after a dropped
 *   link (with `reconnect`), after a board reset, or in a new process.
 * - Integrity: the board checks the whole upload's SHA-256 (`match`, or an INVALID_HASH error
 *   that makes the engine start over, `restarts` times), so bytes a CRC let through wrong are
 *   never reported as a good upload.
 * - Cancel with an AbortSignal: nothing more is sent, waiting requests are abandoned.
 * - A board that answers EBUSY (rc 10) holds another client's upload session (one upload per
 *   board): the upload stops with a BoardBusyError saying so, not as a generic refusal.
 */
import { abortReason, sleep, type Clock, type Timer } from '../../transport/clock.js';
import { lineMs } from '../../transport/line-rate.js';
import { TransportClosedError } from '../../transport/transport.js';
import { encodeCbor } from '../cbor.js';
import type { SmpClient, SmpResponse } from '../client.js';
import { ImageErr, MgmtErr, SmpErrorResponse, SmpGroupError, SmpRcError, SmpTimeoutError } from '../errors.js';
import { SmpProtocolError } from '../fields.js';
import type { Framing } from '../framing/framing.js';
import { isNotSupported } from '../groups/os.js';
import { Op, SMP_HEADER_SIZE } from '../header.js';
import { GroupId, OsCmd } from '../ids.js';
import { ChunkSizer } from './chunk-sizer.js';
import type { UploadTarget } from './target.js';

/** What a board without MCUmgr parameters is assumed to take: Zephyr's defaults, one at a time. */
export const FALLBACK_BUF_SIZE = 384;
export const FALLBACK_BUF_COUNT = 1;
/** Slot erase on the first chunk can take seconds (clients use 30-40 s). */
export const FIRST_CHUNK_BASE_MS = 40_000;
/** Data bytes of the first chunk at most (it starts the session; see probeFirst). */
export const FIRST_CHUNK_MAX = 512;
/** Later chunks: write time of a chunk, including a sector erase on slow parts. */
export const CHUNK_BASE_MS = 2_500;

export interface UploadProgress {
  /** Bytes the board holds (its acknowledged offset). */
  done: number;
  total: number;
  /** Data bytes of the current chunk size. */
  chunkSize: number;
  elapsedMs: number;
  /** Recent goodput in bytes per second (acknowledged bytes over the last few seconds). */
  bytesPerSecond: number;
  /** Estimated time left in ms (undefined until a rate is known). */
  etaMs: number | undefined;
}

export interface UploadOptions {
  /** The board's buffer size; default asked with OS params (384 if it cannot tell). */
  bufSize?: number;
  /** Requests the board can hold; default asked with OS params (1 if it cannot tell). */
  bufCount?: number;
  /** Requests in flight, at most `bufCount`; default `bufCount`. */
  window?: number;
  /** Upper bound on data bytes per chunk. */
  maxChunk?: number;
  /** Lower bound for the adaptive chunk size; default 64. */
  minChunk?: number;
  /** Adapt the chunk size to losses and chunk deadlines to measured round trips; default true. */
  adaptive?: boolean;
  /** Deadline of the first chunk (slot erase), ms; default 40 s plus line time. */
  firstChunkTimeoutMs?: number;
  /** Upper bound of later chunks' deadlines, ms (measured round trips shorten them); default 2.5 s plus twice the line time of a full window. */
  chunkTimeoutMs?: number;
  /** Deadlines in a row without progress before giving up; default 8. */
  retries?: number;
  /** Fresh uploads after the board reports a SHA-256 mismatch; default 1. */
  restarts?: number;
  /** Fresh starts after the board lost the session mid-upload (answered offset 0: a reset, another client); default 3. */
  lostSessions?: number;
  /** Answers in a row that take no new bytes (an offset stuck or moving back) before giving up; default 64. */
  stalledAnswers?: number;
  /** After the link drops: a client on the reopened port. Without it a drop ends the upload. */
  reconnect?: () => Promise<SmpClient>;
  /** How long to keep trying `reconnect`, ms; default 30 s. */
  reconnectTimeoutMs?: number;
  signal?: AbortSignal;
  onProgress?: (p: UploadProgress) => void;
}

export interface UploadResult {
  bytes: number;
  elapsedMs: number;
  /** Chunk requests sent, retransmissions included. */
  requests: number;
  /** Data bytes sent more than once. */
  retransmittedBytes: number;
  /** Chunks lost on the way (detected from answers or deadlines). */
  losses: number;
  /** Chunk deadlines that passed without an answer. */
  timeouts: number;
  reconnects: number;
  /** Offset the board resumed from at the last (re)start (0 = it started fresh). */
  resumedFrom: number;
  restarts: number;
  chunkSize: { initial: number; smallest: number; final: number };
  window: number;
  /** The board's SHA-256 verdict: true = checked and equal; undefined = it does not report one. */
  match: boolean | undefined;
  /** The final answer was lost and the board had already ended the transfer (UploadTarget.movedOn): what it made of it, its next answers tell. */
  movedOn?: boolean;
}

/**
 * Default chunk deadlines: a base for the board's work (slot erase for the first chunk, a write
 * and maybe a sector erase for the others) plus twice the line time of a full window of
 * requests and answers at the port's baud — a request waits behind the others on the wire.
 */
export function uploadDeadlines(o: { framing: Framing; bufSize: number; window: number; baudRate: number | undefined }): { firstChunkMs: number; chunkMs: number } {
  const f = o.framing;
  const windowMs = lineMs(o.window * (f.wireBytes(f.maxPacketFor(o.bufSize)) + f.wireBytes(32)), o.baudRate);
  return { firstChunkMs: FIRST_CHUNK_BASE_MS + 2 * windowMs, chunkMs: CHUNK_BASE_MS + 2 * windowMs };
}

export class UploadError extends Error {
  override name = 'UploadError';
  constructor(
    message: string,
    readonly done: number,
    readonly total: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class UploadCancelledError extends UploadError {
  override name = 'UploadCancelledError';
}

/** The board answered EBUSY: another client's upload holds its one upload session. */
export class BoardBusyError extends UploadError {
  override name = 'BoardBusyError';
}

interface Req {
  /** Send order: the board answers in this order. */
  n: number;
  sentAt: number;
  off: number;
  len: number;
  epoch: number;
  first: boolean;
  abandoned: boolean;
  controller: AbortController;
}

/** Uploads `data` to `target`; resolves when the board holds all of it. */
export async function upload(client: SmpClient, target: UploadTarget, data: Uint8Array, options: UploadOptions = {}): Promise<UploadResult> {
  if (data.length === 0) throw new UploadError(`nothing to upload: ${target.what} data is empty`, 0, 0);
  let { bufSize, bufCount } = options;
  if (bufSize === undefined || bufCount === undefined) {
    try {
      const p = await client.os.params({ signal: options.signal });
      bufSize ??= p.bufSize;
      bufCount ??= p.bufCount;
    } catch (e) {
      if (!isNotSupported(e)) throw e;
      bufSize ??= FALLBACK_BUF_SIZE;
      bufCount ??= FALLBACK_BUF_COUNT;
    }
  }
  return new UploadRun(client, target, data, { ...options, bufSize, bufCount: Math.max(1, bufCount) }).run();
}

class UploadRun {
  private readonly total: number;
  private readonly window: number;
  private readonly maxPacket: number;
  private readonly sizer: ChunkSizer;
  private readonly pace: AnswerPace;
  /** When the last answer arrived (answers pace the pipeline). */
  private lastAnswerAt = -Infinity;
  private watchdog: Timer | undefined;
  private readonly clock: Clock;
  private readonly retries: number;
  private readonly started0: number;
  private client: SmpClient;
  private inflight: Req[] = [];
  private nextOff = 0;
  private serverOff = 0;
  private acked = 0;
  private epoch = 0;
  private started = false;
  private failuresInRow = 0;
  /** Answers since `acked` last grew, and fresh starts after a lost session: both bounded, so a board that never takes the upload cannot hold the host forever. */
  private stalled = 0;
  private lostSessions = 0;
  private backoff: Timer | undefined;
  /** The echo probe behind the first chunk (probeFirst). */
  private probe: Timer | undefined;
  /** Stops listening to the caller's signal (which may outlive this upload). */
  private unlisten: () => void = () => undefined;
  private reconnecting = false;
  /** When the link was lost with no progress since (bounds how long reconnecting may take). */
  private lostSince: number | undefined;
  private finished = false;
  private resolve!: (r: UploadResult) => void;
  private reject!: (e: Error) => void;
  private readonly rateSamples: { t: number; done: number }[] = [];
  private readonly result: UploadResult;
  private sentMark = 0;
  private sent = 0;
  private firstChunkTimeoutMs: number;
  private chunkTimeoutMs: number;

  constructor(
    client: SmpClient,
    private readonly target: UploadTarget,
    private readonly data: Uint8Array,
    private readonly o: UploadOptions & { bufSize: number; bufCount: number },
  ) {
    this.client = client;
    this.clock = client.clock;
    this.total = data.length;
    this.window = Math.max(1, Math.min(o.window ?? o.bufCount, o.bufCount));
    this.retries = o.retries ?? 8;
    this.maxPacket = client.link.framing.maxPacketFor(o.bufSize);
    const largest = Math.min(o.maxChunk ?? Infinity, this.chunkRoom(this.total > 1 ? 4 : 0));
    if (largest < 4) throw new UploadError(`the board's buffer (buf_size ${o.bufSize}) is too small for an upload request`, 0, this.total);
    const framing = client.link.framing;
    this.sizer = new ChunkSizer({
      max: largest,
      min: Math.min(largest, o.minChunk ?? 64),
      window: this.window,
      wireBytes: (n) => framing.wireBytes(n + 24) + framing.wireBytes(24),
      adaptive: o.adaptive !== false,
    });
    this.pace = new AnswerPace(o.adaptive !== false);
    const d = uploadDeadlines({ framing, bufSize: o.bufSize, window: this.window, baudRate: client.transport.baudRate });
    this.firstChunkTimeoutMs = o.firstChunkTimeoutMs ?? d.firstChunkMs;
    this.chunkTimeoutMs = o.chunkTimeoutMs ?? d.chunkMs;
    this.started0 = this.clock.now();
    this.result = {
      bytes: this.total,
      elapsedMs: 0,
      requests: 0,
      retransmittedBytes: 0,
      losses: 0,
      timeouts: 0,
      reconnects: 0,
      resumedFrom: 0,
      restarts: 0,
      chunkSize: { initial: this.sizer.size, smallest: this.sizer.size, final: this.sizer.size },
      window: this.window,
      match: undefined,
    };
  }

  run(): Promise<UploadResult> {
    return new Promise<UploadResult>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
      const { signal } = this.o;
      if (signal?.aborted) return this.cancel(abortReason(signal));
      if (signal) {
        const onAbort = (): void => this.cancel(abortReason(signal));
        signal.addEventListener('abort', onAbort, { once: true });
        this.unlisten = () => signal.removeEventListener('abort', onAbort);
      }
      this.pump();
    });
  }

  /** Data bytes that fit one request at `off` (the header, CBOR keys and `off` take the rest). */
  private chunkRoom(off: number): number {
    const empty = encodeCbor(this.target.body(off, new Uint8Array(0), this.total)).length;
    let n = this.maxPacket - SMP_HEADER_SIZE - empty;
    // The byte string header grows from 1 byte (empty) to 2, 3 or 5 bytes.
    while (n > 0 && SMP_HEADER_SIZE + empty + bstrHeaderGrowth(n) + n > this.maxPacket) n--;
    return n;
  }

  private pump(): void {
    this.armWatchdog();
    if (this.finished || this.reconnecting || this.backoff) return;
    if (!this.started) {
      // The first chunk goes alone: it may trigger the erase, and it tells where to resume.
      if (this.inflight.length === 0) this.send(0, true);
      return;
    }
    while (this.inflight.length < this.window && this.nextOff < this.total) this.send(this.nextOff, false);
  }

  private send(off: number, first: boolean): void {
    const room = this.chunkRoom(off);
    // The first chunk is small: it starts the session and learns where to resume, and a lost
    // first chunk is the expensive kind (see probeFirst).
    let len = Math.min(first ? FIRST_CHUNK_MAX : this.sizer.size, this.sizer.size, room, this.total - off);
    // Keep flash writes aligned: only the last chunk may be a ragged size.
    if (off + len < this.total) len = Math.max(4, len - (len % 4));
    const chunk = this.data.subarray(off, off + len);
    const req: Req = { n: this.sent++, sentAt: this.clock.now(), off, len, epoch: this.epoch, first, abandoned: false, controller: new AbortController() };
    this.inflight.push(req);
    this.nextOff = off + len;
    this.result.requests++;
    this.countRetransmit(off, len);
    this.result.chunkSize.smallest = Math.min(this.result.chunkSize.smallest, this.sizer.size);
    this.armWatchdog();
    const client = this.client;
    client
      .exchange(Op.WRITE, this.target.group, this.target.command, this.target.body(off, chunk, this.total), {
        timeoutMs: first ? this.firstChunkTimeoutMs : this.chunkTimeoutMs,
        retries: 0,
        signal: req.controller.signal,
      })
      .then(
        (r) => this.onAnswer(req, r),
        (e: unknown) => this.onFailure(req, e),
      );
    if (first) this.probeFirst(req);
  }

  /**
   * The first chunk's deadline must allow a whole-slot erase (seconds), so a first chunk lost
   * on the wire would cost that much. The board answers in order, so any answer to a request
   * sent after the chunk — an echo probe, even one answered "not supported" — proves the chunk
   * or its answer was lost: resend at once instead of waiting out the erase deadline.
   */
  private probeFirst(req: Req): void {
    const framing = this.client.link.framing;
    const every = Math.max(300, 3 * lineMs(framing.wireBytes(this.maxPacket) + 2 * framing.wireBytes(48), this.client.transport.baudRate));
    const probe = (): void => {
      if (this.finished || req.abandoned || !this.inflight.includes(req)) return;
      const client = this.client;
      const settle = (): void => {
        if (this.finished || req.abandoned || !this.inflight.includes(req)) return;
        this.abandon(req);
        this.lost(req, new SmpTimeoutError('the board answered a later request first: the first chunk was lost', this.target.group, this.target.command, 1));
      };
      // One probe per attempt, waiting as long as the chunk may: probes must not fill the board's buffers.
      client
        .exchange(Op.WRITE, GroupId.OS, OsCmd.ECHO, { d: 'p' }, { timeoutMs: this.firstChunkTimeoutMs, retries: 0, signal: req.controller.signal })
        .then(settle, (e: unknown) => e instanceof SmpErrorResponse && settle());
    };
    this.probe?.cancel();
    this.probe = this.clock.setTimer(probe, every);
  }

  /** Gives up on the oldest waiting chunk when no answer came for longer than answers take. */
  private armWatchdog(): void {
    this.watchdog?.cancel();
    this.watchdog = undefined;
    const oldest = this.inflight.find((q) => !q.first);
    if (this.finished || !oldest) return;
    const limit = this.pace.deadline(this.chunkTimeoutMs);
    if (limit >= this.chunkTimeoutMs) return; // the request's own deadline covers it
    const due = Math.max(this.lastAnswerAt, oldest.sentAt) + limit - this.clock.now();
    this.watchdog = this.clock.setTimer(() => {
      this.watchdog = undefined;
      if (this.finished || oldest.abandoned || !this.inflight.includes(oldest)) return this.armWatchdog();
      this.abandon(oldest);
      this.result.timeouts++;
      this.pace.expired();
      this.lost(oldest, new SmpTimeoutError(`no answer to the chunk at ${oldest.off} within ${Math.round(limit)} ms of the previous answer`, this.target.group, this.target.command, 1));
    }, due);
  }

  private onAnswer(req: Req, r: SmpResponse): void {
    if (this.finished || req.abandoned) return;
    this.drop(req);
    const now = this.clock.now();
    if (!req.first) this.pace.sample(now - Math.max(this.lastAnswerAt, req.sentAt));
    this.lastAnswerAt = now;
    // Answers come in order: anything sent before this request has lost its answer.
    for (const older of this.inflight.filter((q) => q.n < req.n)) this.abandon(older);
    let answer;
    try {
      answer = this.target.parse(r.body, { group: this.target.group, command: this.target.command });
    } catch (e) {
      if (e instanceof SmpErrorResponse) return this.boardError(e);
      return this.lost(req, e as Error);
    }
    const off = answer.off;
    if (!Number.isInteger(off) || off < 0 || off > this.total) return this.lost(req, new SmpProtocolError(`board answered offset ${off} for an upload of ${this.total} bytes`));
    if (!this.started) {
      this.started = true;
      this.result.resumedFrom = off > req.off + req.len ? off : 0;
    } else if (off === 0 && req.off > 0) {
      // The board lost the session (reset, other client): start again with the first-chunk fields.
      if (++this.lostSessions > (this.o.lostSessions ?? 3)) {
        return this.fail(new UploadError(`upload of ${this.target.what}: the board lost the upload session ${this.lostSessions} times (it answered offset 0 after taking ${this.acked} bytes); giving up`, this.acked, this.total));
      }
      this.result.losses++;
      this.acked = 0;
      this.serverOff = 0;
      this.stalled = 0;
      this.rewind(0, true);
      return this.pump();
    }
    this.serverOff = off;
    if (off > this.acked) {
      this.acked = off;
      this.failuresInRow = 0;
      this.stalled = 0;
      this.lostSince = undefined;
      this.progress();
    } else if (++this.stalled > (this.o.stalledAnswers ?? 64)) {
      return this.fail(new UploadError(`upload of ${this.target.what}: ${this.stalled} answers in a row took no new bytes (the board answers offset ${off}, it had taken ${this.acked}); giving up`, this.acked, this.total));
    }
    if (off === this.total) return this.complete(answer.match);
    if (off < req.off + req.len) {
      // The board did not take this chunk: an earlier one went missing.
      if (req.epoch === this.epoch) {
        this.result.losses++;
        this.sizer.record(req.len, true);
        this.rewind(off, false);
      }
    } else {
      this.sizer.record(req.len, false);
      if (off > this.nextOff) this.rewind(off, false);
    }
    this.pump();
  }

  private onFailure(req: Req, e: unknown): void {
    if (this.finished || req.abandoned) return;
    this.drop(req);
    if (e instanceof TransportClosedError) return void this.linkLost(e);
    if (e instanceof SmpErrorResponse) return this.boardError(e);
    if (e instanceof SmpTimeoutError) {
      this.result.timeouts++;
      this.pace.expired();
    }
    this.lost(req, e instanceof Error ? e : new Error(String(e)));
  }

  /** A request went unanswered or its answer was unusable: resend from what the board holds. */
  private lost(req: Req, cause: Error): void {
    this.result.losses++;
    this.sizer.record(req.len, true);
    this.failuresInRow++;
    if (this.failuresInRow > this.retries) {
      return this.fail(
        new UploadError(`upload of ${this.target.what} stopped at ${this.acked}/${this.total} bytes: ${this.failuresInRow} chunks in a row got no usable answer (last: ${cause.message})`, this.acked, this.total, { cause }),
      );
    }
    if (req.epoch === this.epoch) this.rewind(this.started ? this.serverOff : 0, !this.started);
    // A single loss on a noisy line is resent at once; losses in a row back off (busy board).
    if (this.failuresInRow < 2) return this.pump();
    const delay = Math.min(100 * 2 ** (this.failuresInRow - 2), 2_000);
    this.backoff = this.clock.setTimer(() => {
      this.backoff = undefined;
      this.pump();
    }, delay);
  }

  private rewind(off: number, restart: boolean): void {
    this.epoch++;
    this.nextOff = off;
    if (restart) {
      this.started = false;
      for (const q of [...this.inflight]) this.abandon(q);
    }
  }

  private boardError(e: SmpErrorResponse): void {
    if (this.sentMark === this.total && this.target.movedOn?.(e)) {
      // Every byte went out and the board says the transfer is over: its final answer was lost, not the upload.
      this.result.movedOn = true;
      return this.complete(undefined);
    }
    if (e instanceof SmpGroupError && e.group === 1 && e.rc === ImageErr.INVALID_HASH && this.result.restarts < (this.o.restarts ?? 1)) {
      // The bytes on the board do not hash to our SHA-256: something got past the CRC. Start over.
      this.result.restarts++;
      this.acked = 0;
      this.serverOff = 0;
      this.rewind(0, true);
      return this.pump();
    }
    if (e instanceof SmpRcError && e.rc === MgmtErr.EBUSY) {
      return this.fail(new BoardBusyError(`the board is busy with another client's upload: it refused ${this.target.what} at ${this.acked}/${this.total} bytes (${e.message}); try again once that upload is done`, this.acked, this.total, { cause: e }));
    }
    const hint = e instanceof SmpGroupError && e.rc === ImageErr.INVALID_HASH ? ' (the bytes on the board do not match the SHA-256 of the file)' : '';
    this.fail(new UploadError(`board refused ${this.target.what} at ${this.acked}/${this.total} bytes: ${e.message}${hint}`, this.acked, this.total, { cause: e }));
  }

  private async linkLost(e: TransportClosedError): Promise<void> {
    for (const q of [...this.inflight]) this.abandon(q);
    if (!this.o.reconnect) {
      return this.fail(new UploadError(`link lost during the upload of ${this.target.what} at ${this.acked}/${this.total} bytes: ${e.message}`, this.acked, this.total, { cause: e }));
    }
    if (this.reconnecting) return;
    this.reconnecting = true;
    // The time to get the port back runs from the first loss since the board last made progress,
    // so a port that keeps dropping cannot hold the upload forever.
    this.lostSince ??= this.clock.now();
    const deadline = this.lostSince + (this.o.reconnectTimeoutMs ?? 30_000);
    let last: unknown = e;
    for (let attempt = 0; !this.finished; attempt++) {
      // Give the port time to come back (USB re-enumeration takes a while); a cancel ends the wait.
      await sleep(this.clock, Math.min(100 * 2 ** attempt, 2_000), this.o.signal).catch(() => undefined);
      if (this.finished) break;
      if (this.clock.now() > deadline) {
        this.reconnecting = false;
        return this.fail(
          new UploadError(`link lost at ${this.acked}/${this.total} bytes and the port did not come back within ${this.o.reconnectTimeoutMs ?? 30_000} ms: ${(last as Error).message}`, this.acked, this.total, { cause: last }),
        );
      }
      try {
        this.client = await this.o.reconnect();
        break;
      } catch (err) {
        last = err;
      }
    }
    this.reconnecting = false;
    if (this.finished) return;
    this.result.reconnects++;
    // Start with the first-chunk fields: a board that kept the session answers with its offset.
    this.rewind(0, true);
    this.pump();
  }

  private complete(match: boolean | undefined): void {
    if (match === false) return this.boardError(new SmpGroupError(1, ImageErr.INVALID_HASH, { group: this.target.group, command: this.target.command }));
    for (const q of [...this.inflight]) this.abandon(q);
    this.result.match = match;
    this.finish();
    this.resolve(this.result);
  }

  private cancel(reason: Error): void {
    if (this.finished) return;
    for (const q of [...this.inflight]) this.abandon(q);
    this.fail(new UploadCancelledError(`upload of ${this.target.what} cancelled at ${this.acked}/${this.total} bytes (${reason.message})`, this.acked, this.total, { cause: reason }));
  }

  private fail(e: UploadError): void {
    if (this.finished) return;
    for (const q of [...this.inflight]) this.abandon(q);
    this.finish();
    this.reject(e);
  }

  private finish(): void {
    this.finished = true;
    this.backoff?.cancel();
    this.watchdog?.cancel();
    this.probe?.cancel();
    this.unlisten();
    this.result.elapsedMs = this.clock.now() - this.started0;
    this.result.chunkSize.final = this.sizer.size;
  }

  private abandon(q: Req): void {
    q.abandoned = true;
    this.drop(q);
    q.controller.abort(new Error('abandoned'));
  }

  private drop(q: Req): void {
    const i = this.inflight.indexOf(q);
    if (i >= 0) this.inflight.splice(i, 1);
  }

  /** Chunks go out in offset order except after a rewind, so bytes below the mark were sent before. */
  private countRetransmit(off: number, len: number): void {
    this.result.retransmittedBytes += Math.max(0, Math.min(off + len, this.sentMark) - off);
    this.sentMark = Math.max(this.sentMark, off + len);
  }

  private progress(): void {
    const now = this.clock.now();
    this.rateSamples.push({ t: now, done: this.acked });
    while (this.rateSamples.length > 2 && now - this.rateSamples[0]!.t > 3_000) this.rateSamples.shift();
    const first = this.rateSamples[0]!;
    const dt = (now - first.t) / 1000;
    const rate = dt > 0 ? (this.acked - first.done) / dt : 0;
    this.o.onProgress?.({
      done: this.acked,
      total: this.total,
      chunkSize: this.sizer.size,
      elapsedMs: now - this.started0,
      bytesPerSecond: rate,
      etaMs: rate > 0 ? ((this.total - this.acked) / rate) * 1000 : undefined,
    });
  }
}

/**
 * How long an answer takes once it is next in line: the time from the previous answer (or
 * from sending, when the pipeline was idle) to this one, estimated as RFC 6298 does round
 * trips. On a noisy line a chunk whose answer is lost with nothing after it would otherwise
 * wait the full worst-case deadline (seconds at 115200 baud) before it is resent; the
 * watchdog gives up on it after SRTT + 4 RTTVAR of silence instead, doubled after each
 * expiry, never below 150 ms (event-loop pauses of a busy host) nor above the configured chunk deadline.
 */
class AnswerPace {
  private srtt: number | undefined;
  private rttvar = 0;
  private backoff = 1;

  constructor(private readonly enabled: boolean) {}

  sample(ms: number): void {
    this.backoff = 1;
    if (this.srtt === undefined) {
      this.srtt = ms;
      this.rttvar = ms / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - ms);
      this.srtt = 0.875 * this.srtt + 0.125 * ms;
    }
  }

  expired(): void {
    this.backoff = Math.min(this.backoff * 2, 64);
  }

  deadline(ceiling: number): number {
    if (!this.enabled || this.srtt === undefined) return ceiling;
    return Math.min(ceiling, Math.max(150, (this.srtt + 4 * this.rttvar) * this.backoff));
  }
}

function bstrHeaderGrowth(n: number): number {
  return n < 24 ? 0 : n < 256 ? 1 : n < 65536 ? 2 : 4;
}

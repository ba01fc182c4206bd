/**
 * The board's SUIT firmware consumer (RFC 9019 §3 "firmware consumer"; DESIGN.md "Data flow of
 * one update"): runs the Update procedure of an uploaded envelope (dependency resolution,
 * payload fetch, candidate verification, install, validate; host/verifier PROCEDURES.update)
 * against the flash, suspends whenever the core needs a payload the envelope does not carry and
 * publishes that URI, exactly as the manifest writes it, as the missing image of a numbered
 * stream session; payload chunks go straight through the core (which hashes them) into the
 * candidate slot. When the run is accepted and wrote the image component, the candidate is
 * completed as a SUIT container (container.ts) and marked pending — a test swap unless the
 * board installs permanently — so the bootloader swaps it in at the next reset. Every run's
 * SUIT report is kept.
 *
 * Synchronous on purpose: the SMP groups drive it request by request, the power-cut sweeps call
 * it directly. A power cut surfaces as PowerCutError from any call; the caller then drops the
 * consumer's state with `cancel()`, as a real board loses its RAM.
 */
import { SuitProcessor, type FetchRequest, type FinishedRun, type RunResult } from '../../../host/verifier/index.js';
import { setPending, type SlotTrailer } from '../bootloader/index.js';
import { ContainerError, CONTAINER_HEADER_SIZE, containerOverhead, containerParts, containerVersion, MAX_STORED_ENVELOPE, storedEnvelope } from './container.js';
import { CandidateImage, FlashPlatform } from './flash-platform.js';
import type { BoardPolicy } from './policy.js';
import { boardVerifier } from './policy.js';
import { runReport, type RunReport } from './reports.js';
import { SlotWriteError, SlotWriter } from './slot-writer.js';

export type InstallMode = 'test' | 'permanent';

export interface ConsumerContext {
  /** The secondary slot's trailer (its area is the candidate slot). */
  secondary: SlotTrailer;
  /** Largest image (container) the slots can swap, in bytes. */
  maxImageSize: number;
  /** Policy for the next run (stored sequence read from flash at that moment). */
  policy(): BoardPolicy;
  /** Identifiers of the application image component. */
  components: readonly string[];
  /** The running application's version (condition-version). */
  installedVersion(): bigint[] | undefined;
  installMode(): InstallMode;
  /** Why the candidate slot cannot take a new image now (e.g. it holds the revert image). */
  candidateBusy(): string | undefined;
  /** A payload the board already holds for this URI (the SUIT cache), if any. */
  cached(uri: string): Uint8Array | undefined;
  /** Each finished run. */
  finished(r: RunReport): void;
  log(line: string): void;
}

export interface FetchingState {
  kind: 'fetching';
  /** stream_session_id of the missing image. */
  session: number;
  request: FetchRequest;
  /** Payload bytes taken so far in this session. */
  received: number;
}

export interface FinishedState {
  kind: 'finished';
  report: RunReport;
  /** The candidate was completed and marked pending for the next boot. */
  installed: boolean;
}

export type ConsumerStep = FetchingState | FinishedState;

/** An envelope the board cannot take at all (busy slot, too large): no run happens. */
export class ConsumerRefusal extends Error {
  override name = 'ConsumerRefusal';
  constructor(
    readonly kind: 'busy' | 'too-large',
    message: string,
  ) {
    super(message);
  }
}

interface Active {
  processor: SuitProcessor;
  candidate: CandidateImage;
  envelope: Uint8Array;
  state: FetchingState | undefined;
}

export class SuitConsumer {
  private active: Active | undefined;
  private nextSession = 1;

  constructor(private readonly ctx: ConsumerContext) {}

  /** The payload the running update waits for. */
  get fetching(): FetchingState | undefined {
    return this.active?.state;
  }

  /** Largest payload the candidate slot takes (the slot less the container's header and TLVs). */
  get payloadCapacity(): number {
    return this.ctx.maxImageSize - containerOverhead(0);
  }

  /** Throws ConsumerRefusal when the board cannot take `envelope` at all (no run, no report). */
  admit(envelope: Uint8Array): void {
    const busy = this.ctx.candidateBusy();
    if (busy) throw new ConsumerRefusal('busy', busy);
    let stored: Uint8Array;
    try {
      stored = storedEnvelope(envelope);
    } catch {
      return; // not an envelope: the processor says what is wrong with it
    }
    if (stored.length > MAX_STORED_ENVELOPE) {
      throw new ConsumerRefusal('too-large', `the envelope without integrated payloads is ${stored.length} bytes; this board keeps at most ${MAX_STORED_ENVELOPE}`);
    }
  }

  /** Processes a complete envelope until it needs a payload or is done. */
  start(envelope: Uint8Array): ConsumerStep {
    this.cancel();
    this.admit(envelope);
    const sec = this.ctx.secondary;
    const capacity = this.ctx.maxImageSize - CONTAINER_HEADER_SIZE;
    const trailer = sec.trailerSectors();
    // The trailer first (no stale swap request survives), and the header's sector.
    const firstErase = [0, ...Array.from({ length: trailer.count }, (_, i) => trailer.first + i)];
    const candidate = new CandidateImage(() => new SlotWriter(sec.area, CONTAINER_HEADER_SIZE, capacity, firstErase));
    const platform = new FlashPlatform({ image: candidate, components: this.ctx.components, invoke: 'returned', version: this.ctx.installedVersion() });
    const { policy, verify } = boardVerifier(this.ctx.policy());
    const processor = new SuitProcessor(platform, verify ? { verify } : {});
    const result = processor.run(envelope, { ...policy, sequences: 'update' });
    return this.settle({ processor, candidate, envelope, state: undefined }, result, true);
  }

  /** The next bytes of the payload of `session`. */
  supply(data: Uint8Array): ConsumerStep {
    const a = this.need();
    a.state!.received += data.length;
    return this.settle(a, a.processor.supply(data), false);
  }

  /** Every byte of the payload has been supplied: the core checks it and carries on. */
  complete(): ConsumerStep {
    const a = this.need();
    return this.settle(a, a.processor.endFetch(), true);
  }

  /** The payload cannot be had: the run fails (fetch failed). */
  abandon(): ConsumerStep {
    const a = this.need();
    return this.settle(a, a.processor.failFetch(), true);
  }

  /** Drops the update in progress without a result (cleanup, reset, power loss). */
  cancel(): void {
    this.active = undefined;
  }

  private need(): Active {
    if (!this.active) throw new Error('no SUIT update is waiting for a payload');
    return this.active;
  }

  /** `fresh`: the result may be a new fetch (else the same one wants more bytes). */
  private settle(a: Active, result: RunResult, fresh: boolean): ConsumerStep {
    for (;;) {
      if (result.status !== 'pending') {
        this.active = undefined;
        return this.finish(a, result);
      }
      const req = result.fetch;
      if (fresh || !a.state) a.state = { kind: 'fetching', session: this.nextSession++, request: req, received: Number(req.received) };
      fresh = true;
      const room = this.payloadCapacity;
      if (req.size !== undefined && req.size > BigInt(room)) {
        this.ctx.log(`E: ${req.uri}: ${req.size} bytes do not fit the ${room}-byte image slot`);
        result = a.processor.failFetch();
        continue;
      }
      const cached = a.state.received === 0 ? this.ctx.cached(req.uri) : undefined;
      if (cached) {
        this.ctx.log(`I: ${req.uri}: ${cached.length} bytes from the SUIT cache`);
        result = a.processor.supply(cached);
        if (result.status === 'pending') result = a.processor.endFetch();
        continue;
      }
      this.active = a;
      return a.state;
    }
  }

  private finish(a: Active, run: FinishedRun): FinishedState {
    const stream = a.candidate.stream;
    const wrote = run.written.length > 0 && stream !== undefined;
    if (!run.accepted || !wrote) {
      const report = runReport('update', run);
      this.ctx.finished(report);
      this.ctx.log(run.accepted ? 'I: SUIT update accepted; it installed no image' : `E: SUIT update refused: ${run.message}`);
      return { kind: 'finished', report, installed: false };
    }
    let message = run.message;
    let installed = false;
    try {
      this.commit(a, run, stream);
      installed = true;
      message = `installed: candidate sequence ${run.sequenceNumber} marked for a ${this.ctx.installMode()} swap at the next reset`;
    } catch (e) {
      if (!(e instanceof ContainerError || e instanceof SlotWriteError)) throw e;
      message = `accepted, but the candidate could not be stored: ${(e as Error).message}`;
    }
    const report = runReport('update', run, message);
    this.ctx.finished(report);
    this.ctx.log(`I: SUIT update ${message}`);
    return { kind: 'finished', report, installed };
  }

  /** Completes the container (TLV areas, then the header) and requests the swap. */
  private commit(a: Active, run: FinishedRun, stream: SlotWriter): void {
    const sec = this.ctx.secondary.area;
    const head = new Uint8Array(Math.min(64, stream.size));
    stream.read(0, head);
    const parts = containerParts({
      payloadSize: stream.size,
      version: containerVersion(head, run.sequenceNumber ?? 0n),
      envelope: storedEnvelope(a.envelope),
      erasedValue: sec.erasedValue,
      feedPayload: (h) => {
        const buf = new Uint8Array(4096);
        for (let off = 0; off < stream.size; ) {
          const n = stream.read(off, buf);
          h.update(buf.subarray(0, n));
          off += n;
        }
      },
    });
    stream.close(parts.tlvs);
    const header = parts.headerArea.subarray(0, Math.ceil(32 / sec.align) * sec.align);
    sec.write(0, header);
    setPending(this.ctx.secondary, this.ctx.installMode() === 'permanent');
  }
}

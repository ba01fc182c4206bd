/**
 * SuitProcessor: runs command sequences of a SUIT envelope against a SuitPlatform with the
 * verifier core, and yields when the core waits for a payload (draft-ietf-suit-manifest-37 §6;
 * the Update and Invocation procedures of §8.4.6 and trust-domains-11 §7).
 *
 *   const p = new SuitProcessor(platform);
 *   let r = p.run(envelope, { trust, sequences: 'update' });
 *   while (r.status === 'pending') r = p.supply(await download(r.fetch.uri)) ... p.endFetch();
 *
 * Integrated payloads (envelope members with text keys, e.g. "#firmware.bin") are supplied by the
 * processor itself from the envelope bytes, chunk by chunk: the caller only sees fetches of
 * payloads that are not in the envelope.
 */
import { NULL_HOST, VerifierCore, manifestPath, type CoreHost, type CoreVariant } from './core.js';
import { verifyCose, type SignatureVerifier } from './crypto.js';
import { applyPolicy, type Policy } from './policy.js';
import { feedEnvelope } from './feed.js';
import { readVerdict, SECTION_KEYS, type Location, type SectionName, type Verdict } from './result.js';
import { readManifestDigest, readManifestInfo, readSignatures, type ManifestInfo, type SignatureInfo } from './verify.js';
import { encodeSuitReport, runRecord, type ReportInput, type RunRecord } from './report.js';
import type { ComponentRef, SuitPlatform } from './platform.js';
import { Decoder } from 'cbor-x';

const dec = new Decoder({ mapsAsObjects: false, useRecords: false });

/** The procedures of the manifest drafts, as section lists. */
export const PROCEDURES = {
  /** Update (manifest-37 §8.4.6 with trust-domains §3): resolve dependencies, fetch, verify the candidate, install, validate. */
  update: ['dependency-resolution', 'payload-fetch', 'candidate-verification', 'install', 'validate'],
  /** Invocation (secure boot): validate, load, invoke. */
  invoke: ['validate', 'load', 'invoke'],
  /** Staging (trust-domains §7): dependency resolution and payload fetch. */
  staging: ['dependency-resolution', 'payload-fetch'],
  /** Installation (trust-domains §7): candidate verification and install. */
  installation: ['candidate-verification', 'install'],
} as const satisfies Record<string, readonly SectionName[]>;

export type Procedure = keyof typeof PROCEDURES;

export interface RunOptions extends Policy {
  /** Sections to run in order, each after the shared sequence ('shared' = the shared sequence
   *  alone), or a procedure name. */
  sequences: readonly (SectionName | 'shared')[] | Procedure;
  /** No platform effects: payload-dependent conditions and directives are reported as not
   *  evaluated (what `suitrig verify --device` does with the shared sequence). */
  dry?: boolean;
  /** suit-report-nonce for the SUIT_Report. */
  nonce?: Uint8Array;
}

/** What the core waits for. */
export interface FetchRequest {
  /** The URI exactly as the manifest writes it. */
  uri: string;
  /** Component index in its manifest, and its identifier. */
  component: number;
  componentId: Uint8Array[];
  /** SUIT_Record manifest-id of the manifest asking ([] root). */
  manifest: number[];
  /** suit-parameter-image-size, when set. */
  size?: bigint;
  /** suit-parameter-image-digest, when set (SHA-256). */
  digest?: { alg: number; bytes: Uint8Array };
  /** Bytes accepted so far. */
  received: bigint;
}

export interface PendingRun {
  status: 'pending';
  fetch: FetchRequest;
}

export interface WrittenComponent {
  /** The manifest whose command named it first in the run, and its index there (-1: only the
   *  source of a swap, which no command named). */
  manifest: number[];
  index: number;
  id: Uint8Array[];
}

export interface FinishedRun extends Verdict {
  /** 'done': the sequences ran to the end or failed; 'invoked': an invoke handed control off. */
  status: 'done' | 'invoked';
  sequenceNumber?: bigint;
  /** The manifest digest the envelope states, known also when it did not authenticate (verify.ts). */
  manifestDigest?: Uint8Array;
  manifest?: ManifestInfo;
  signatures: SignatureInfo[];
  /** Every executed command, in order (the call trace; also the source of SUIT_Records). */
  records: RunRecord[];
  /** Components this run wrote to (fetch, write, copy, swap), including on failure. */
  written: WrittenComponent[];
  /** The SUIT_Report of this run (draft-ietf-suit-report), CBOR; `extra` adds a nonce (else the
   *  run's) or a capability report. */
  report(extra?: Pick<ReportInput, 'nonce' | 'capabilities'>): Uint8Array;
}

export type RunResult = PendingRun | FinishedRun;

/** What a finished run decided, as host predictions and board reports state it. */
export interface RunDecision {
  accepted: boolean;
  /** Reason name and code of draft-ietf-suit-report (ok, unauthorised, rollback, ...). */
  reason: string;
  reasonCode: number;
  /** suitrig's detail (which check decided) and a sentence for people. */
  detail: string;
  message: string;
  sequence?: bigint;
}

export function runDecision(r: FinishedRun): RunDecision {
  return {
    accepted: r.accepted,
    reason: r.reason,
    reasonCode: r.reasonCode,
    detail: r.detail,
    message: r.message,
    ...(r.sequenceNumber !== undefined ? { sequence: r.sequenceNumber } : {}),
  };
}

const ST_DONE = 0;
const ST_PENDING = 1;
const ST_INVOKED = 2;
/** Offset of the bytes-received counter in the core's fetch request (assembly/index.ts). */
const Q_RECEIVED = 56;

/** The record of the command the result points at (suit-report-result-record); made from the
 *  location alone when that command left no record (e.g. a well-formedness failure). */
function failingRecord(records: readonly RunRecord[], at: Location): RunRecord {
  const same = (r: RunRecord) =>
    r.section === at.section && r.offset === at.offset && r.component === (at.component ?? -1) && r.manifest.join('.') === at.manifest.join('.');
  return (
    [...records].reverse().find(same) ?? {
      manifest: at.manifest,
      section: at.section,
      sectionName: at.sectionName,
      offset: at.offset,
      component: at.component ?? -1,
      command: 0,
      commandName: '',
      policy: 0,
      outcome: 'failed',
      properties: new Uint8Array(0),
      handle: -2,
    }
  );
}

export class ProcessorStateError extends Error {
  override name = 'ProcessorStateError';
}

function decodeId(encoded: Uint8Array): Uint8Array[] {
  try {
    const v = dec.decode(Buffer.from(encoded)) as unknown;
    return Array.isArray(v) ? v.map((x) => new Uint8Array(x as Uint8Array)) : [];
  } catch {
    return [];
  }
}

export interface ProcessorOptions {
  /** `release` (build/verifier.wasm) or `checked`; default as VerifierCore. */
  variant?: CoreVariant;
  /**
   * The device's signature / MAC routine behind the core's `verify` import (default verifyCose,
   * the real check). A board model whose routine is broken passes its own; the core still checks
   * the manifest digest, the COSE structure and the role policy around it.
   */
  verify?: SignatureVerifier;
}

export class SuitProcessor {
  readonly core: VerifierCore;
  private readonly verify: SignatureVerifier;
  private envelope: Uint8Array = new Uint8Array(0);
  private opts: RunOptions | undefined;
  private records: RunRecord[] = [];
  /** The root envelope's blocks, read before the run: authenticating a dependency reuses the
   *  core's block table. */
  private signatures: SignatureInfo[] = [];
  private pendingFetch: FetchRequest | undefined;
  private handles: ComponentRef[] = [];
  /** Platform handles the run erased, wrote, copied or swapped into, in order. */
  private writes: number[] = [];

  constructor(
    readonly platform: SuitPlatform,
    options: ProcessorOptions = {},
  ) {
    this.core = new VerifierCore(options.variant);
    this.verify = options.verify ?? verifyCose;
  }

  /** The fetch the run waits for, if any. */
  get pending(): FetchRequest | undefined {
    return this.pendingFetch;
  }

  /** Authenticates `envelope`, then runs the chosen sequences until done or pending. */
  run(envelope: Uint8Array, opts: RunOptions): RunResult {
    this.envelope = envelope;
    this.opts = opts;
    this.records = [];
    this.pendingFetch = undefined;
    this.handles = [];
    this.writes = [];
    const core = this.core;
    const e = core.exports;
    core.host = NULL_HOST;
    applyPolicy(core, opts, this.verify);
    core.host = this.bindPlatform(core.host);
    feedEnvelope(core, envelope);
    const verdict = e.envelope_verify();
    this.signatures = readSignatures(core, opts);
    if (verdict !== 0) return this.finish(ST_DONE);
    const names = typeof opts.sequences === 'string' ? PROCEDURES[opts.sequences] : opts.sequences;
    if (names === undefined) throw new RangeError(`unknown procedure '${String(opts.sequences)}'`);
    if (names.length > 16) throw new RangeError('at most 16 sequences per run');
    names.forEach((n, i) => {
      const key = n === 'shared' ? 3 : SECTION_KEYS[n as SectionName];
      if (key === undefined) throw new RangeError(`unknown sequence '${n}' (expected ${Object.keys(SECTION_KEYS).join(', ')} or shared)`);
      new DataView(core.io.buffer, core.io.byteOffset).setInt32(4 * i, key, true);
    });
    return this.settle(e.run_begin(names.length, opts.dry ? 1 : 0));
  }

  /** Payload bytes for the pending fetch (any chunk size). */
  supply(chunk: Uint8Array): RunResult {
    const fetch = this.needPending('supply');
    const c = this.core;
    const st = c.stream(chunk, (n) => c.exports.fetch_data(n), ST_PENDING);
    if (st !== ST_PENDING) return this.settle(st);
    // fetch_data never starts another fetch: of the request, only the bytes received changed.
    this.pendingFetch = { ...fetch, received: c.u64(c.exports.request_ptr() + Q_RECEIVED) };
    return { status: 'pending', fetch: this.pendingFetch };
  }

  /** All bytes of the pending fetch were supplied: the core checks and resumes the run. */
  endFetch(): RunResult {
    this.needPending('endFetch');
    return this.settle(this.core.exports.fetch_end());
  }

  /** The payload cannot be obtained: the run fails (operation-failed, fetch-failed). */
  failFetch(): RunResult {
    this.needPending('failFetch');
    return this.settle(this.core.exports.fetch_fail());
  }

  private needPending(what: string): FetchRequest {
    if (!this.pendingFetch) throw new ProcessorStateError(`${what}() called while no fetch is pending`);
    return this.pendingFetch;
  }

  private settle(status: number): RunResult {
    for (;;) {
      if (status !== ST_PENDING) {
        this.pendingFetch = undefined;
        return this.finish(status);
      }
      const q = this.readRequest();
      if (q.source !== 1) {
        this.pendingFetch = q.request;
        return { status: 'pending', fetch: q.request };
      }
      // An integrated payload: stream it from the envelope bytes.
      this.pendingFetch = q.request;
      const c = this.core;
      const end = q.offset + q.length;
      if (end > this.envelope.length) {
        status = c.exports.fetch_fail();
        continue;
      }
      status = c.stream(this.envelope.subarray(q.offset, end), (n) => c.exports.fetch_data(n), ST_PENDING);
      if (status === ST_PENDING) status = c.exports.fetch_end();
    }
  }

  private readRequest(): { request: FetchRequest; source: number; offset: number; length: number } {
    const c = this.core;
    const q = c.exports.request_ptr();
    const uri = Buffer.from(c.read(c.u32(q), c.u32(q + 4))).toString('utf8');
    const handle = c.i32(q + 64);
    const size = c.i64(q + 16);
    const digestPtr = c.u32(q + 24);
    const request: FetchRequest = {
      uri,
      component: c.i32(q + 8),
      componentId: this.handles[handle]?.id ?? [],
      manifest: manifestPath(c.i32(q + 12)),
      ...(size >= 0n ? { size } : {}),
      ...(digestPtr !== 0 ? { digest: { alg: c.i32(q + 32), bytes: c.read(digestPtr, c.u32(q + 28)) } } : {}),
      received: c.u64(q + Q_RECEIVED),
    };
    return { request, source: c.i32(q + 36), offset: Number(c.u64(q + 40)), length: Number(c.u64(q + 48)) };
  }

  private finish(status: number): FinishedRun {
    const c = this.core;
    const opts = this.opts!;
    const verdict = readVerdict(c);
    const signatures = this.signatures;
    const records = this.records;
    const manifest = c.exports.manifest_authenticated() === 1 ? readManifestInfo(c) : undefined;
    const digest = readManifestDigest(c);
    const written: WrittenComponent[] = this.writes.map((h) => {
      const named = records.find((r) => r.handle === h);
      return { manifest: named?.manifest ?? [], index: named?.component ?? -1, id: this.handles[h]?.id ?? [] };
    });
    const failing = verdict.at ? failingRecord(records, verdict.at) : undefined;
    const result: FinishedRun = {
      ...verdict,
      // invoke-pending is not a failure: the image was handed control.
      accepted: verdict.accepted || status === ST_INVOKED,
      status: status === ST_INVOKED ? 'invoked' : 'done',
      signatures,
      records,
      written,
      ...(manifest ? { manifest, sequenceNumber: manifest.sequenceNumber } : {}),
      ...(digest ? { manifestDigest: digest } : {}),
      report: (extra = {}) =>
        encodeSuitReport({
          ...(manifest?.referenceUri ? { referenceUri: manifest.referenceUri } : {}),
          ...(digest ? { manifestDigest: digest } : {}),
          records,
          result: verdict.reasonCode === 0 ? true : { code: verdict.detailCode, reason: verdict.reasonCode, record: failing },
          ...(opts.nonce ? { nonce: opts.nonce } : {}),
          ...extra,
        }),
    };
    if (status === ST_INVOKED) result.message = 'invoked: control handed to the image (invoke-pending)';
    return result;
  }

  private wrote(h: number): void {
    if (!this.writes.includes(h)) this.writes.push(h);
  }

  private bindPlatform(base: CoreHost): CoreHost {
    const pf = this.platform;
    const ok = (b: boolean): number => (b ? 0 : -1);
    return {
      ...base,
      componentOpen: (encoded, dependency) => {
        const ref: ComponentRef = { id: decodeId(encoded), encoded, dependency };
        const h = pf.open(ref);
        if (h >= 0) this.handles[h] = ref;
        return h;
      },
      componentSize: (h) => pf.size(h),
      componentRead: (h, off, dst) => pf.read(h, off, dst),
      componentErase: (h) => {
        this.wrote(h);
        return ok(pf.erase(h));
      },
      componentWrite: (h, off, data) => ok(pf.write(h, off, data)),
      componentFinish: (h, len) => ok(pf.finish(h, len)),
      componentCopy: (d, s) => {
        this.wrote(d);
        return ok(pf.copy(d, s));
      },
      componentSwap: (a, b) => {
        this.wrote(a);
        this.wrote(b);
        return ok(pf.swap(a, b));
      },
      componentSlot: (h) => pf.slot?.(h) ?? -1n,
      componentVersion: (h) => pf.version?.(h),
      componentUnlink: (h) => ok(pf.unlink?.(h) ?? false),
      invoke: (h, args) => {
        const r = pf.invoke(h, args);
        return r === 'returned' ? 0 : r === 'handed-off' ? 1 : -1;
      },
      battery: () => pf.battery?.() ?? -1n,
      authorize: (prio) => (pf.authorize?.(prio) ? 1 : 0),
      wait: (h, info) => ok(pf.wait?.(h, info) ?? false),
      now: () => pf.now?.() ?? -1n,
      record: (r) => {
        this.records.push(runRecord(r));
      },
    };
  }
}

/**
 * Runs `opts.sequences` to the end, answering every fetch from `payloads` (URI exactly as the
 * manifest writes it -> bytes), supplied in chunks of `chunk` bytes; a URI not in the map fails
 * the fetch. `onFetch` sees each request (e.g. to report progress or count suspensions).
 */
export function runWithPayloads(
  processor: SuitProcessor,
  envelope: Uint8Array,
  opts: RunOptions,
  payloads: ReadonlyMap<string, Uint8Array>,
  options: { chunk?: number; onFetch?: (f: FetchRequest) => void } = {},
): FinishedRun {
  const chunk = options.chunk ?? 4096;
  let r = processor.run(envelope, opts);
  while (r.status === 'pending') {
    options.onFetch?.(r.fetch);
    const bytes = payloads.get(r.fetch.uri);
    if (!bytes) {
      r = processor.failFetch();
      continue;
    }
    for (let off = 0; off < bytes.length && r.status === 'pending'; off += chunk) r = processor.supply(bytes.subarray(off, off + chunk));
    if (r.status === 'pending') r = processor.endFetch();
  }
  return r;
}

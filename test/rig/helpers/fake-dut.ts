/**
 * A scripted DUT for runner tests: a tiny model of a SUIT board (trusted signers, stored
 * sequence number, payload digests, test/confirm/revert on reset) that takes "envelopes" as
 * JSON, plus misbehaviours on demand: quirks like the virtual board's (accept-rollback,
 * never-revert), a step that hangs ignoring its signal, and a board that stops answering after
 * N operations. It stands in for SmpDut (rig/dut/smp-dut.ts) where a test is about the runner
 * and the reports, not the link.
 */
import { createHash } from 'node:crypto';
import { TextConsole } from '../../../rig/dut/console/text-console.js';
import { DutUnresponsiveError } from '../../../rig/dut/errors.js';
import type { DutProvider } from '../../../rig/dut/provider.js';
import type { FaultProtocol, PowerProtocol } from '../../../rig/dut/protocols.js';
import type { BootOutcome, DeliveryResult, Dut, DutEvent, DutStatus, FaultSpec, FlashMode, ImageProtocol, ReportProtocol, RestoreResult, UpdateProtocol } from '../../../rig/dut/types.js';

export interface FakeEnvelope {
  seq: number;
  signer: string;
  version: string;
  behaviour?: 'healthy' | 'never-confirms' | 'crashes';
  /** uri -> sha256 hex of the payload */
  payloads: Record<string, string>;
}

export function envelope(e: FakeEnvelope): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(e));
}

export function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

export interface FakeBoardConfig {
  trusted?: string[];
  quirks?: ('accept-rollback' | 'never-revert')[];
  /** Protocols the board has beyond update, image and report (default none). */
  has?: { power?: boolean; faults?: boolean };
  /** The operation (1-based count over all calls) from which the board answers nothing. */
  diesAtOp?: number;
  /** Reset never returns and ignores the abort signal. */
  resetHangs?: boolean;
  /** open() fails with this message. */
  openFails?: string;
  /** restoreKnownGood says nothing was configured. */
  noKnownGood?: boolean;
}

interface Image {
  version: string;
  seq: number;
  behaviour: 'healthy' | 'never-confirms' | 'crashes';
}

export class FakeDut implements Dut {
  readonly description: string;
  readonly provision = undefined;
  readonly update: UpdateProtocol = { decides: 'board', deliverEnvelope: (b) => this.deliverEnvelope(b), supplyPayloads: (p) => this.supplyPayloads(p) };
  readonly image: ImageProtocol = { flash: (i, o) => this.flashImage(i, o) };
  readonly report: ReportProtocol = { readLast: () => this.readLastReport() };
  /** The fake prints nothing and takes no console input. */
  readonly console = new TextConsole({ describe: () => 'the fake board prints nothing', sources: [] });
  readonly power?: PowerProtocol;
  readonly faults?: FaultProtocol;
  ops: string[] = [];
  private listeners = new Set<(e: DutEvent) => void>();
  private running: Image = { version: '1.0.0', seq: 1, behaviour: 'healthy' };
  private confirmed = true;
  private previous: Image | undefined;
  private candidate: { env: FakeEnvelope; missing: string[] } | undefined;
  private lastOutcome: BootOutcome = 'unchanged';
  private bootCount = 1;
  closed = false;

  constructor(
    readonly name: string,
    private readonly cfg: FakeBoardConfig = {},
  ) {
    this.description = `fake board ${name}`;
    if (cfg.has?.power) this.power = { cut: () => this.powerCut(), restore: () => this.powerRestore() };
    if (cfg.has?.faults) this.faults = { arm: (f) => this.armFault(f) };
  }

  private op(name: string): void {
    this.ops.push(name);
    if (this.cfg.diesAtOp !== undefined && this.ops.length >= this.cfg.diesAtOp) throw new DutUnresponsiveError(`no answer to ${name} within 2000 ms (port closed)`);
  }

  private emit(e: DutEvent): void {
    for (const l of this.listeners) l(e);
  }

  private async deliverEnvelope(bytes: Uint8Array): Promise<DeliveryResult> {
    this.op('deliver');
    this.emit({ kind: 'smp', summary: `SUIT envelope upload ${bytes.length} B` });
    const env = JSON.parse(new TextDecoder().decode(bytes)) as FakeEnvelope;
    const trusted = this.cfg.trusted ?? ['author'];
    if (!trusted.includes(env.signer)) return { decision: { kind: 'reject', reason: 'unauthorised', detail: `signer ${env.signer} is not trusted` }, source: 'board', missing: [], transfers: [] };
    if (env.seq <= this.running.seq && !this.cfg.quirks?.includes('accept-rollback')) {
      return { decision: { kind: 'reject', reason: 'rollback', detail: `sequence ${env.seq} <= ${this.running.seq}` }, source: 'board', missing: [], transfers: [] };
    }
    this.candidate = { env, missing: Object.keys(env.payloads) };
    return { decision: { kind: 'accept' }, source: 'board', missing: [...this.candidate.missing], transfers: [] };
  }

  private async supplyPayloads(payloads: ReadonlyMap<string, Uint8Array>): Promise<DeliveryResult> {
    this.op('payload');
    const c = this.candidate;
    if (!c) throw new Error('no envelope delivered');
    const transfers = [];
    for (const uri of [...c.missing]) {
      const bytes = payloads.get(uri);
      if (!bytes) throw new Error(`the board asks for the payload '${uri}', which was not given`);
      transfers.push({ uri, bytes: bytes.length, ms: 1, resumedFrom: 0, interrupted: false });
      if (sha256(bytes) !== c.env.payloads[uri]) {
        this.candidate = undefined;
        return { decision: { kind: 'reject', reason: 'digest-mismatch', detail: uri }, source: 'board', missing: [], transfers };
      }
      c.missing = c.missing.filter((u) => u !== uri);
    }
    return { decision: { kind: 'accept' }, source: 'board', missing: [], transfers };
  }

  async reset(opts?: { signal?: AbortSignal }): Promise<void> {
    this.op('reset');
    if (this.cfg.resetHangs) return new Promise(() => undefined);
    opts?.signal?.throwIfAborted();
    this.bootCount++;
    const never = this.cfg.quirks?.includes('never-revert');
    if (this.candidate && this.candidate.missing.length === 0) {
      const env = this.candidate.env;
      this.previous = this.running;
      this.running = { version: env.version, seq: env.seq, behaviour: env.behaviour ?? 'healthy' };
      this.candidate = undefined;
      this.confirmed = false;
      if (this.running.behaviour === 'crashes') {
        if (never) this.lastOutcome = 'recovery';
        else {
          this.running = this.previous;
          this.confirmed = true;
          this.lastOutcome = 'reverted';
        }
      } else if (this.running.behaviour === 'healthy') {
        this.confirmed = true;
        this.lastOutcome = 'updated';
      } else this.lastOutcome = 'pending';
    } else if (!this.confirmed && this.previous) {
      if (never) this.lastOutcome = 'pending';
      else {
        this.running = this.previous;
        this.confirmed = true;
        this.lastOutcome = 'reverted';
      }
    } else this.lastOutcome = 'unchanged';
    this.emit({ kind: 'console', line: `*** Booting fake app v${this.running.version} (boot ${this.bootCount}) ***` });
  }

  private async powerCut(): Promise<void> {
    this.op('power-cut');
  }

  private async powerRestore(): Promise<void> {
    this.op('power-restore');
  }

  async waitForBoard(): Promise<void> {
    this.op('wait');
  }

  async readStatus(): Promise<DutStatus> {
    this.op('status');
    const hash = sha256(new TextEncoder().encode(`${this.running.version}/${this.running.seq}`));
    return {
      mode: this.lastOutcome === 'recovery' ? 'recovery' : 'application',
      slots: [{ slot: 0, version: this.running.version, hash, active: true, confirmed: this.confirmed, pending: !this.confirmed, bootable: true }],
      suit: { sequence: BigInt(this.running.seq) },
      boot: { count: this.bootCount, reason: 'reset', slot: 0, board: this.lastOutcome, outcome: this.lastOutcome },
    };
  }

  private async readLastReport() {
    this.op('report');
    return { report: new Uint8Array([0xa0]) };
  }

  private async flashImage(image: Uint8Array, opts: { mode: FlashMode }): Promise<void> {
    this.op(`flash-${opts.mode}`);
    void image;
  }

  async restoreKnownGood(): Promise<RestoreResult> {
    this.op('restore');
    if (this.cfg.noKnownGood) return { restored: false, detail: 'no known-good image configured' };
    this.running = { version: '1.0.0', seq: 1, behaviour: 'healthy' };
    this.confirmed = true;
    this.previous = undefined;
    this.candidate = undefined;
    this.lastOutcome = 'unchanged';
    return { restored: true, detail: 'restored known-good 1.0.0' };
  }

  private async armFault(f: FaultSpec): Promise<void> {
    this.op(`fault ${JSON.stringify(f)}`);
  }

  subscribe(listener: (e: DutEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** A provider over fake boards configured by board name; records the DUTs it opened. */
export function fakeProvider(configs: Record<string, FakeBoardConfig> = {}, refuse?: (name: string) => string | undefined) {
  const opened = new Map<string, FakeDut>();
  const provider: DutProvider = {
    cannotDrive: (b) => refuse?.(b.name),
    async open(board, ctx) {
      const cfg = configs[board.name] ?? {};
      if (cfg.openFails) throw new Error(cfg.openFails);
      // As the real provider will: power control comes from the lab file's power: commands.
      const dut = new FakeDut(board.name, { ...cfg, has: { power: board.board?.power !== undefined, ...cfg.has } });
      dut.subscribe(ctx.log);
      opened.set(board.name, dut);
      return dut;
    },
  };
  return { provider, opened };
}

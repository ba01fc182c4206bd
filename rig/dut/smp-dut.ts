/**
 * The Dut over SMP (DESIGN.md "Wire protocol: SMP over serial"): one implementation for real
 * boards (serial port, tcp), emulated and virtual boards, on top of the operator's building
 * blocks in host/operator (board state, SUIT report decoder) and the SMP client's typed groups.
 * What the board is differs only in the protocols its DutBoard has (protocols.ts): the link,
 * the reset method and console, power, faults, and how its known-good state comes back; what
 * its firmware has (the SMP groups it answers) decides which of the Dut's own protocols it
 * offers (`update`, `image`, `report`).
 *
 * - SUIT boards (group 66): the envelope goes up, the board asks for each payload by URI
 *   (missing-image state), payloads stream into it (resumable by offset), and its decision is
 *   read from its last SUIT report (rig group 67), checked to be about this manifest.
 * - Boards without the SUIT group: the host verifies the manifest (host-verified.ts) and
 *   delivers only the accepted payload, an MCUboot image, through the image group; every such
 *   decision is marked `source: 'host'`.
 * - Boot outcomes are judged against the image that ran when the last update was delivered
 *   (types.ts `readStatus`), so they mean the same on boards with and without the rig group.
 * - A board that stops answering (SMP deadline, closed port) fails the operation with
 *   DutUnresponsiveError (unresponsive.ts).
 */
import { optional, readBoardState, type BoardState } from '../../host/operator/board-state.js';
import { decodeSuitReport, type DecodedReport } from '../../host/operator/suit-report.js';
import { deliverEnvelope, readDecision, supplyPayloads, type UpdateEvent, type UpdateSession } from '../../host/operator/update.js';
import type { SmpClient } from '../../host/smp/client.js';
import type { ConsoleSource } from '../../host/smp/console-watch.js';
import type { UploadResult } from '../../host/smp/upload/engine.js';
import { rebootAndWait, waitForAnswer, type ResetAction } from '../../host/smp/reboot.js';
import { MCUBOOT_MODES, isNotSupported } from '../../host/smp/groups/os.js';
import { parseEnvelope } from '../../host/suit/envelope/parse.js';
import { abortReason } from '../../host/transport/clock.js';
import { toHex } from '../../host/util/hex.js';
import type { Policy } from '../../host/verifier/index.js';
import { kib } from '../../host/util/units.js';
import { formatUuid } from '../../host/util/uuid.js';
import { DutUnresponsiveError, DutUnsupportedError } from './errors.js';
import { HOST_DECIDED, HostVerifiedUpdate, mcubootImageHash } from '../../host/operator/host-verified.js';
import { provisionPolicy } from './provision.js';
import { resetEvidenceOf, type ConsoleProtocol, type DutBoard, type FaultProtocol, type HardReset, type PowerProtocol } from './protocols.js';
import { asUnresponsive } from './unresponsive.js';
import type {
  BootOutcome,
  BoardProvision,
  Decision,
  DeliveryResult,
  Dut,
  DutEvent,
  DutOpOptions,
  DutStatus,
  FaultSpec,
  FlashMode,
  ImageProtocol,
  LastReport,
  ReportProtocol,
  RestoreResult,
  SlotInfo,
  Transfer,
  UpdateProtocol,
} from './types.js';

/** The decision a SUIT report states. */
export function reportDecision(r: DecodedReport): Decision {
  if (r.result.ok) return { kind: 'accept' };
  return { kind: 'reject', reason: r.result.reason, detail: r.result.detail, message: r.result.text };
}

/** Where the last update left off, to judge boots against. */
interface Baseline {
  /** The running image's hash when the update was delivered (undefined: nothing ran). */
  hash: string | undefined;
  /** An accepted update was installed since. */
  installed: boolean;
  /** The board rebooted since the install (so the old image running means a revert, not an install still pending). */
  rebooted?: boolean;
}

export class SmpDut implements Dut {
  readonly description: string;
  readonly update?: UpdateProtocol;
  readonly image?: ImageProtocol;
  readonly report?: ReportProtocol;
  readonly power?: PowerProtocol;
  readonly faults?: FaultProtocol;
  readonly hardReset?: HardReset['kind'];
  /** The board's SUIT group (66): it decides manifests itself. */
  private readonly suit: boolean;
  private readonly listeners = new Set<(e: DutEvent) => void>();
  private baseline: Baseline | undefined;
  private envelopeDigest: Uint8Array | undefined;
  private host: HostVerifiedUpdate | undefined;
  /** Boards without the SUIT group: the rollback floor the host keeps for them (sequence of the last confirmed host-verified update). */
  private hostFloor: bigint | undefined;
  private hostPending: { sequence: bigint | undefined; hash: string } | undefined;
  /** The board as it was opened (its known-good state), to tell whether a case changed it. */
  private knownGood: string | undefined;
  /** Something was done to the board that a status read cannot show (armed faults, power cut, bootloader mode). */
  private dirty = false;
  private closed = false;
  /** Why images cannot be marked for a test or permanent boot on this board, once it said so (rc 8). */
  private cannotMark: string | undefined;

  private constructor(
    readonly name: string,
    private readonly board: DutBoard,
    state: BoardState,
  ) {
    this.description = describe(board, state);
    this.suit = state.hasSuitGroup;
    if (state.hasSuitGroup || state.images !== undefined) {
      this.update = {
        decides: state.hasSuitGroup ? 'board' : 'host',
        deliverEnvelope: (e, o) => this.deliverEnvelope(e, o),
        supplyPayloads: (p, o) => this.supplyPayloads(p, o),
      };
    }
    if (state.images !== undefined) this.image = { flash: (i, o) => this.flashImage(i, o) };
    if (state.hasRigGroup) this.report = { readLast: (o) => this.readLastReport(o) };
    const { power, faults } = board;
    if (power) this.power = { cut: (o) => this.powerCut(power, o), restore: (o) => this.powerRestore(power, o) };
    // Faults are armed through the rig group: a board without it takes none, whatever its kind.
    if (faults && state.hasRigGroup) this.faults = { arm: (f, o) => this.armFault(faults, f, o) };
    if (board.reset.hard) this.hardReset = board.reset.hard.kind;
    board.console.onLine((line) => this.emit({ kind: 'console', line }));
  }

  /** Asks the board what it has (groups, buffers, bootloader) and returns the Dut; an absent board is DutUnresponsiveError. */
  static async open(name: string, board: DutBoard, o: DutOpOptions = {}): Promise<SmpDut> {
    try {
      const state = await readBoardState(board.link.client, { parts: ['params', 'bootloader', 'suit', 'images', 'rig'], ...(o.signal ? { signal: o.signal } : {}) });
      const dut = new SmpDut(name, board, state);
      dut.knownGood = fingerprint(state);
      return dut;
    } catch (e) {
      throw asUnresponsive(e, name, 'opening (reading what the board has)');
    }
  }

  get provision(): BoardProvision | undefined {
    return this.board.provision;
  }

  get console(): ConsoleProtocol {
    return this.board.console;
  }

  subscribe(listener: (e: DutEvent) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  // ---- update -------------------------------------------------------------------------------

  private async deliverEnvelope(envelope: Uint8Array, o: DutOpOptions = {}): Promise<DeliveryResult> {
    return this.op('envelope delivery', o, async (c, o) => {
      this.baseline = { hash: await this.activeHash(c, o), installed: false };
      if (!this.suit) return this.hostDeliver(envelope);
      this.envelopeDigest = digestOf(envelope);
      const s = this.session(c, new Map(), o);
      const r = await deliverEnvelope(s, envelope);
      this.note('smp', `SUIT envelope ${kib(envelope.length)} sent in ${(r.elapsedMs / 1000).toFixed(2)} s`);
      return this.afterProcessing(s, []);
    });
  }

  private async supplyPayloads(payloads: ReadonlyMap<string, Uint8Array>, o: DutOpOptions & { stopAfterBytes?: number } = {}): Promise<DeliveryResult> {
    return this.op('payload delivery', o, async (c, o) => {
      if (!this.suit) return this.hostSupply(payloads);
      const stop = o.stopAfterBytes;
      const cut = new AbortController();
      const signal = o.signal ? AbortSignal.any([o.signal, cut.signal]) : cut.signal;
      const transfers: Transfer[] = [];
      let current: Transfer | undefined;
      const s = this.session(c, payloads, { signal }, (e: UpdateEvent) => {
        if (e.kind !== 'progress' || e.what !== 'payload') return;
        current ??= { uri: e.uri!, bytes: 0, ms: 0, resumedFrom: 0, interrupted: false };
        current.bytes = e.progress.done;
        current.ms = e.progress.elapsedMs;
        if (stop !== undefined && e.progress.done >= stop && !cut.signal.aborted) cut.abort(new Error(`link dropped after ${e.progress.done} bytes`));
      });
      try {
        for (const p of await supplyPayloads(s)) {
          transfers.push({ uri: p.uri, bytes: p.bytes, ms: p.ms, resumedFrom: p.resumedFrom, interrupted: false });
          this.note('smp', `payload ${p.uri}: ${kib(p.bytes)} in ${(p.ms / 1000).toFixed(2)} s${p.resumedFrom ? `, resumed from ${p.resumedFrom}` : ''}${p.reconnects ? `, ${p.reconnects} reconnect(s)` : ''}`);
        }
      } catch (e) {
        if (!cut.signal.aborted || o.signal?.aborted || !current) throw e;
        // The interrupted transfer: the link goes down with bytes in flight and comes back.
        await this.board.link.reopen();
        current.interrupted = true;
        this.note('smp', `payload ${current.uri}: link dropped after the board acknowledged ${current.bytes} bytes; link re-established`);
        return { decision: { kind: 'accept' }, source: 'board', missing: [current.uri], transfers: [current] };
      }
      return this.afterProcessing(this.session(this.board.link.client, payloads, o), transfers);
    });
  }

  /** The operator's update session (host/operator/update.ts) on the current client. */
  private session(c: SmpClient, payloads: ReadonlyMap<string, Uint8Array>, o: DutOpOptions, onEvent?: (e: UpdateEvent) => void): UpdateSession {
    return {
      client: c,
      options: { payloads, processTimeoutMs: this.board.link.processTimeoutMs, reconnect: () => this.board.link.reopen(), ...this.apartConsole(), ...opt(o), ...(onEvent ? { onEvent } : {}) },
    };
  }

  /** After an envelope or payloads: the payload the board asks for next, else its decision. */
  private async afterProcessing(s: UpdateSession, transfers: Transfer[]): Promise<DeliveryResult> {
    const m = await s.client.suit.missingImage({ timeoutMs: this.board.link.processTimeoutMs, ...opt(s.options) });
    if (m) return { decision: { kind: 'accept' }, source: 'board', missing: [m.uri], transfers };
    const report = await readDecision(s, this.envelopeDigest ?? new Uint8Array(0));
    if (!report) {
      this.note('note', 'the board has no rig group: its decision shows only in what boots');
      this.baseline = { ...this.baseline!, installed: true };
      return { decision: { kind: 'accept' }, source: 'board', missing: [], transfers };
    }
    const decision = reportDecision(report);
    if (decision.kind === 'accept') this.baseline = { ...this.baseline!, installed: true };
    return { decision, source: 'board', missing: [], transfers };
  }

  // ---- host-verified updates (boards without the SUIT group) ---------------------------------

  private hostPolicy(): Policy {
    const p = this.board.provision;
    if (!p || p.trust.length === 0) throw new DutUnsupportedError(`board ${this.name} has no SUIT group and the host knows no trust anchors for it (lab trust:), so nobody can verify the manifest`);
    return provisionPolicy(p, this.hostFloor);
  }

  private async hostDeliver(envelope: Uint8Array): Promise<DeliveryResult> {
    this.host = new HostVerifiedUpdate(envelope, this.hostPolicy());
    this.note('note', `envelope ${kib(envelope.length)}: ${HOST_DECIDED}`);
    return this.hostProgress();
  }

  private async hostSupply(payloads: ReadonlyMap<string, Uint8Array>): Promise<DeliveryResult> {
    const h = this.host;
    if (!h) throw new Error('payloads given before any envelope');
    h.supplyAll(payloads);
    return this.hostProgress();
  }

  /** Once the host accepted: the payload goes to the board as an MCUboot image, marked for a test boot. */
  private async hostProgress(): Promise<DeliveryResult> {
    const h = this.host!;
    if (h.missing.length > 0 || hostDecision(h).kind === 'reject') return { decision: hostDecision(h), source: 'host', missing: h.missing, transfers: [] };
    const image = h.image();
    const t0 = performance.now();
    const up = await this.installImage(this.board.link.client, image, 'test', {});
    const transfers: Transfer[] = [{ uri: 'MCUboot image (image group)', bytes: image.length, ms: performance.now() - t0, resumedFrom: up.resumedFrom, interrupted: false }];
    this.hostPending = { sequence: h.finished?.sequenceNumber, hash: toHex(mcubootImageHash(image)) };
    this.baseline = { ...this.baseline!, installed: true };
    this.note('smp', `MCUboot image ${kib(image.length)} uploaded through the image group and marked for a test boot (${HOST_DECIDED})`);
    return { decision: hostDecision(h), source: 'host', missing: [], transfers };
  }

  /** Image group upload, then marking; `mode` undefined: a board in serial recovery writes the primary slot, nothing to mark. */
  private async installImage(c: SmpClient, image: Uint8Array, mode: FlashMode | undefined, o: DutOpOptions): Promise<UploadResult> {
    // A board found unable to mark images is not sent another one to mark.
    if (mode !== undefined && this.cannotMark) throw new DutUnsupportedError(this.cannotMark);
    const hash = mcubootImageHash(image);
    const r = await c.image.upload(image, opt(o));
    try {
      if (mode === 'test') await c.image.test(hash, opt(o));
      else if (mode === 'confirm') await c.image.confirm(hash, opt(o));
    } catch (e) {
      if (!isNotSupported(e)) throw e;
      this.cannotMark =
        `board ${this.name} cannot mark an image for a ${mode} boot: it answers rc 8 (not supported) to the image state write. ` +
        'Its bootloader does not swap images (MCUboot in RAM-load or direct-XIP mode boots the newest valid image), so an update cannot be tested, confirmed or reverted on it';
      throw new DutUnsupportedError(this.cannotMark);
    }
    return r;
  }

  // ---- resets and power ---------------------------------------------------------------------

  async reset(o: DutOpOptions & { bootloader?: boolean } = {}): Promise<void> {
    if (o.bootloader) this.dirty = true;
    const r = this.board.reset;
    const hard = o.bootloader ? undefined : r.hard;
    const action: ResetAction = o.bootloader
      ? { how: 'smp', bootMode: 1 }
      : hard
        ? { how: 'hard', what: "the lab's reset method, done by the rig", run: (signal) => hard.run(signal ? { signal } : {}) }
        : { how: 'smp' };
    const back = await this.op('reset', o, (c, o) =>
      rebootAndWait(c, action, { timeoutMs: r.bootTimeoutMs, reconnect: () => this.board.link.reopen(), banner: this.board.console.banner, ...resetEvidenceOf(this.board), ...opt(o) }),
    );
    this.rebooted();
    this.note('note', `reset: the board went through it (${back.proof}) and answered after ${(back.ms / 1000).toFixed(2)} s`);
  }

  async waitForBoard(o: DutOpOptions & { timeoutMs: number }): Promise<void> {
    // Not through op(): the link may be down until the board is back, and waitForAnswer reconnects itself.
    await this.guarded('the wait for it to answer again', o, (signal) =>
      waitForAnswer(this.board.link.client, { timeoutMs: o.timeoutMs, reconnect: () => this.board.link.reopen(), ...(signal ? { signal } : {}) }),
    );
  }

  private async powerCut(power: PowerProtocol, o: DutOpOptions = {}): Promise<void> {
    this.dirty = true;
    await power.cut(o);
    this.note('note', 'power cut');
  }

  /** Restores power; resolves once the board answers again. */
  private async powerRestore(power: PowerProtocol, o: DutOpOptions = {}): Promise<void> {
    await power.restore(o);
    this.rebooted();
    this.note('note', 'power restored');
    await this.waitForBoard({ timeoutMs: this.board.reset.bootTimeoutMs, ...o });
  }

  // ---- status -------------------------------------------------------------------------------

  async readStatus(o: DutOpOptions = {}): Promise<DutStatus> {
    return this.op('status read', o, async (c, o) => {
      const s = await readBoardState(c, { parts: ['suit', 'images', 'rig'], ...opt(o) });
      const slots: SlotInfo[] = (s.images ?? []).map((i) => ({
        slot: i.slot,
        version: i.version,
        hash: toHex(i.hash),
        active: i.active,
        confirmed: i.confirmed,
        pending: i.pending,
        bootable: i.bootable,
      }));
      const active = slots.find((x) => x.active);
      const activeHash = active?.hash ?? (s.suit?.digest && toHex(s.suit.digest));
      const inBootloader = s.boot?.reason === 'boot-mode';
      const recovery = s.boot?.outcome === 'recovery' || (s.images !== undefined && !active);
      const outcome = this.judgeBoot(activeHash, active ? active.confirmed : true, recovery && !inBootloader);
      const pending = this.hostPending;
      if (outcome === 'updated' && pending && pending.hash === activeHash) {
        this.hostFloor = pending.sequence;
        this.hostPending = undefined;
      }
      const st: DutStatus = { mode: inBootloader ? 'bootloader' : recovery ? 'recovery' : 'application', slots };
      if (s.suit) {
        const sv = s.suit.semanticVersion;
        st.suit = {
          sequence: s.suit.sequenceNumber ?? 0n,
          ...(s.suit.digest ? { digest: toHex(s.suit.digest) } : {}),
          ...(sv?.length ? { version: sv.join('.') } : {}),
          ...(s.suit.vendorId ? { vendorId: formatUuid(s.suit.vendorId) } : {}),
          ...(s.suit.classId ? { classId: formatUuid(s.suit.classId) } : {}),
        };
      }
      if (s.boot) st.boot = { count: s.boot.count, reason: s.boot.reason, slot: s.boot.slot, board: s.boot.outcome, outcome };
      else st.boot = { count: 0, reason: 'unknown', slot: 0, board: 'unknown', outcome };
      if (s.trust) st.trust = { sequence: s.trust.sequence, anchors: s.trust.anchors.map(toHex), require: s.trust.require };
      return st;
    });
  }

  /** The board's console apart from its link, when it has one: a reset's proof and an update's watch read it too. */
  private apartConsole(): { console?: ConsoleSource } {
    const apart = this.board.console.apart;
    return apart ? { console: apart } : {};
  }

  private rebooted(): void {
    if (this.baseline?.installed) this.baseline = { ...this.baseline, rebooted: true };
  }

  /** The running image against the one that ran when the last update was delivered. */
  private judgeBoot(activeHash: string | undefined, confirmed: boolean, recovery: boolean): BootOutcome {
    if (recovery || activeHash === undefined) return 'recovery';
    const b = this.baseline;
    if (!b || b.hash === activeHash) return b?.installed && b.rebooted ? 'reverted' : 'unchanged';
    return confirmed ? 'updated' : 'pending';
  }

  private async readLastReport(o: DutOpOptions = {}): Promise<LastReport> {
    return this.op('last report read', o, async (c, o) => {
      const last = await c.rig.lastReport(opt(o));
      if (last.report.length === 0) return { report: last.report };
      return { report: last.report, decision: reportDecision(decodeSuitReport(last.report)) };
    });
  }

  private async activeHash(c: SmpClient, o: DutOpOptions): Promise<string | undefined> {
    const st = this.image ? await optional(() => c.image.state(opt(o))) : undefined;
    const active = st?.images.find((i) => i.active);
    if (active) return toHex(active.hash);
    if (!this.suit) return undefined;
    const s = await readBoardState(c, { parts: ['suit'], ...opt(o) });
    return s.suit?.digest && toHex(s.suit.digest);
  }

  // ---- images, known-good, faults -----------------------------------------------------------

  private async flashImage(image: Uint8Array, o: DutOpOptions & { mode: FlashMode }): Promise<void> {
    await this.op('image flash', o, async (c, o) => {
      this.baseline = { hash: await this.activeHash(c, o), installed: true };
      await this.installImage(c, image, o.mode, o);
      this.note('smp', `MCUboot image ${kib(image.length)} uploaded through the image group (${o.mode})`);
    });
  }

  async restoreKnownGood(o: DutOpOptions = {}): Promise<RestoreResult> {
    this.host = undefined;
    this.baseline = undefined;
    const unchanged = await this.stillKnownGood(o);
    this.dirty = false;
    if (unchanged) return { restored: true, detail: `the board is still in its known-good state (${unchanged}): nothing to restore` };
    if (this.board.snapshot) return { restored: true, detail: await this.board.snapshot.restore(o) };
    const kg = this.board.knownGoodImage;
    if (!kg) {
      if (this.suit) await this.op('cleanup', o, (c, o) => c.suit.cleanup(opt(o)));
      return { restored: false, detail: 'no known-good image configured for this board (lab known-good:)' };
    }
    const want = toHex(mcubootImageHash(kg.bytes));
    return this.op('known-good restore', o, async (c, o) => {
      if (this.suit) await c.suit.cleanup(opt(o));
      const st = await c.image.state(opt(o));
      const recovery = !st.images.some((i) => i.active);
      if (st.images.some((i) => i.slot !== 0)) await c.image.erase(1, opt(o));
      await this.installImage(c, kg.bytes, recovery ? undefined : 'confirm', o);
      await this.reset(o);
      const after = (await this.board.link.client.image.state(opt(o))).images.find((i) => i.active);
      const running = after && toHex(after.hash);
      if (running !== want) throw new Error(`after flashing ${kg.path} the board runs image ${running?.slice(0, 16) ?? 'none'}, not the known-good ${want.slice(0, 16)}`);
      return { restored: true, detail: `flashed the known-good image ${kg.path} (${kib(kg.bytes.length)}) and reset` };
    });
  }

  /**
   * Whether the board is as it was opened, as far as SMP shows (running image, its manifest and
   * confirmation, nothing pending, the stored sequence number) and nothing invisible was done
   * to it; then the update in progress is dropped and the board needs no restore. Returns what
   * it runs, or undefined.
   */
  private async stillKnownGood(o: DutOpOptions): Promise<string | undefined> {
    const kg = this.board.knownGoodImage;
    if (this.dirty || (!kg && this.knownGood === undefined)) return undefined;
    const want = kg && toHex(mcubootImageHash(kg.bytes));
    try {
      return await this.op('known-good check', o, async (c, o) => {
        const s = await readBoardState(c, { parts: ['suit', 'images', 'rig'], ...opt(o) });
        const active = s.images?.find((i) => i.active);
        // A lab board's known-good state is its image; a virtual board's, the state it was opened in.
        const same = want !== undefined ? active !== undefined && toHex(active.hash) === want && active?.confirmed === true : fingerprint(s) === this.knownGood;
        if (!same || s.images?.some((i) => i.pending)) return undefined;
        if (this.suit) await c.suit.cleanup(opt(o));
        return `image ${active?.version ?? '?'}${s.trust ? `, stored sequence ${s.trust.sequence}` : ''}`;
      });
    } catch {
      return undefined; // a board that does not answer is restored the hard way
    }
  }

  private async armFault(faults: FaultProtocol, f: FaultSpec, o: DutOpOptions = {}): Promise<void> {
    this.dirty = true;
    await this.op('fault arming', o, (_c, o) => faults.arm(f, o));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.board.close();
  }

  // ---- plumbing -----------------------------------------------------------------------------

  /** The client, the link re-established first when it dropped (a board that re-enumerated). */
  private async ready(): Promise<SmpClient> {
    const link = this.board.link;
    return link.client.isOpen ? link.client : link.reopen();
  }

  /** One operation on the board, on the current client (the link re-established first if it dropped), guarded. */
  private async op<T, O extends DutOpOptions>(what: string, o: O, fn: (c: SmpClient, o: O) => Promise<T>): Promise<T> {
    if (o.signal?.aborted) throw abortReason(o.signal);
    return this.guarded(what, o, async (signal) => fn(await this.ready(), signal ? { ...o, signal } : o));
  }

  /**
   * Runs `fn` with the caller's signal joined with the link's `lost` signal, so a board that
   * is known to be gone (its process died) fails at once instead of at a deadline; a board that
   * went silent fails with DutUnresponsiveError naming `what`.
   */
  private async guarded<T>(what: string, o: DutOpOptions, fn: (signal: AbortSignal | undefined) => Promise<T>): Promise<T> {
    const lost = this.board.link.lost;
    try {
      return await fn(lost && o.signal ? AbortSignal.any([o.signal, lost]) : (lost ?? o.signal));
    } catch (e) {
      if (lost?.aborted && !o.signal?.aborted) throw this.silent(lost.reason);
      throw this.silent(asUnresponsive(e, this.name, what));
    }
  }

  /** A board that went silent is restored without asking it first (it would not answer). */
  private silent(e: unknown): unknown {
    if (e instanceof DutUnresponsiveError) this.dirty = true;
    return e;
  }

  private note(kind: 'smp' | 'note', text: string): void {
    this.emit(kind === 'smp' ? { kind, summary: text } : { kind, message: text });
  }

  private emit(e: DutEvent): void {
    for (const l of this.listeners) l(e);
  }
}

/** The host's decision for a board without the SUIT group, saying so. */
function hostDecision(h: HostVerifiedUpdate): Decision {
  const f = h.finished;
  if (!f || f.accepted) return { kind: 'accept' };
  return { kind: 'reject', reason: f.reason, detail: f.detail, message: `${f.message} (${HOST_DECIDED})` };
}

function opt(o: DutOpOptions): { signal?: AbortSignal } {
  return o.signal ? { signal: o.signal } : {};
}

function digestOf(envelope: Uint8Array): Uint8Array | undefined {
  try {
    return parseEnvelope(envelope).authentication?.digest.bytes;
  } catch {
    return undefined; // not an envelope: the board says so in its report
  }
}

/** What identifies the board's state over SMP: running image and confirmation, installed manifest, stored sequence, boot mode. */
function fingerprint(s: BoardState): string {
  const active = s.images?.find((i) => i.active);
  return JSON.stringify([active && toHex(active.hash), active?.confirmed, s.suit?.digest && toHex(s.suit.digest), s.suit?.sequenceNumber?.toString(), s.trust?.sequence.toString(), s.boot?.outcome === 'recovery']);
}

function describe(board: DutBoard, s: BoardState): string {
  const parts = [board.link.description];
  if (s.params) parts.push(`SMP buf ${s.params.bufSize} x ${s.params.bufCount}`);
  if (s.bootloader) parts.push(`${s.bootloader.name}${s.bootloader.mode ? ` ${MCUBOOT_MODES[s.bootloader.mode.mode] ?? s.bootloader.mode.name}` : ''}`);
  const groups = [s.hasSuitGroup ? 'SUIT' : undefined, s.images ? 'image' : undefined, s.hasRigGroup ? 'rig' : undefined].filter(Boolean);
  parts.push(`groups: ${groups.join(', ') || 'OS only'}`);
  if (!s.hasSuitGroup) parts.push(s.images ? 'no SUIT group: the host verifies manifests' : 'no SUIT or image group: it takes no updates');
  return parts.join(', ');
}

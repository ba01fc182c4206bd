/**
 * The agent's one hand on its boards (DESIGN.md "Lab service": an agent drives the boards of its
 * lab file): everything the agent does to a board goes through here, with the same code the
 * command line uses — the operator's update steps of `suitrig update` (host/operator: read the
 * board, deliver the envelope and the payloads it asks for, read its decision; reset and wait for
 * it to answer again; its SUIT report), and the runner of `suitrig run` (rig/runner with the rig's
 * DUT provider) for QA runs. The agent's other files see only `BoardDriver` and `BoardSession`.
 *
 * How a board is reached, by the lab file's port (rig/lab): a serial port, a USB identity or a
 * tcp:// url as the rig's PortBoard (opened per session, so the port is free between jobs);
 * an emulated board (QEMU, native_sim) as the rig's EmulatorBoard, started per session as
 * `suitrig update --port <name>` starts it; a `virtual` board is run by the agent itself for as
 * long as it serves it (like `suitrig board virtual`), provisioned with the lab's trust anchors,
 * roles and identity, keeping its flash in the lab's `state:` directory when given.
 */
import { dirname } from 'node:path';
import type { SmpClient } from '../../../host/smp/client.js';
import { resetEvidence } from '../../../host/smp/reboot.js';
import { readBoardState, type BoardState } from '../../../host/operator/board-state.js';
import { runUpdate, resetAndWait, type UpdateEvent, type UpdateOutcome } from '../../../host/operator/update.js';
import { decodeSuitReport, type DecodedReport } from '../../../host/operator/suit-report.js';
import { optional } from '../../../host/operator/board-state.js';
import type { Policy } from '../../../host/verifier/index.js';
import { openBoardLink, virtualLink, type BoardLink } from '../../dut/board-link.js';
import { createRigProvider } from '../../dut/provider.js';
import { labProvision, provisionPolicy } from '../../dut/provision.js';
import { virtualProfileName } from '../../lab/load.js';
import { targetOfLabBoard, type ResolvedBoard } from '../../lab/resolve.js';
import type { LabBoard } from '../../lab/types.js';
import { hostPredictor } from '../../runner/predictor.js';
import type { BoardResult } from '../../runner/result.js';
import { runSuite } from '../../runner/runner.js';
import type { Suite } from '../../suites/api.js';
import { QUIRKS, type Quirk } from '../../virtual/bootloader/index.js';
import { VirtualBoard } from '../../virtual/board/board.js';

/** One open link to a board, for the steps of one job. */
export interface BoardSession {
  readonly description: string;
  /** What the board reports (as `suitrig status` reads it). */
  readState(signal?: AbortSignal): Promise<BoardState>;
  /** The board's last SUIT report (rig group), undefined on boards without it. */
  lastReport(signal?: AbortSignal): Promise<DecodedReport | undefined>;
  /** Delivers an update up to the board's decision, without the reset (`runUpdate` with reset: false). */
  deliver(envelope: Uint8Array, payloads: ReadonlyMap<string, Uint8Array>, o: { signal?: AbortSignal; onEvent?: (e: UpdateEvent) => void }): Promise<UpdateOutcome>;
  /** Resets the board, waits until it answers after going through the reset, and reads what it runs. */
  resetAndRead(signal?: AbortSignal): Promise<{ ms: number; proof: string; after: BoardState }>;
  close(): Promise<void>;
}

export interface BoardDriver {
  readonly name: string;
  /** For the inventory: virtual, serial, usb, tcp, qemu, native-sim. */
  readonly kind: string;
  readonly tags: readonly string[];
  connect(): Promise<BoardSession>;
  /** Calls `listener` with each line the board prints on its console; returns the unsubscribe. */
  onConsole(listener: (line: string) => void): () => void;
  /** One board's part of a QA run, as `suitrig run --board <name>` runs it. */
  runSuite(o: { suite: Suite; seed: number; cases: readonly string[]; logDir: string; signal?: AbortSignal }): Promise<BoardResult>;
  close(): Promise<void>;
}

export interface DriverOptions {
  /** Real time per simulated flash time of the agent's virtual boards and of runs (default 0: instant). */
  flashScale?: number;
}

function kindOf(b: LabBoard): string {
  return b.port.kind === 'emulator' ? b.port.emulator.kind : b.port.kind;
}

function session(link: BoardLink, predict: Policy | undefined): BoardSession {
  const state = { client: link.client };
  const reconnect = async (): Promise<SmpClient> => (state.client = await link.reconnect());
  return {
    description: link.description,
    readState: (signal) => readBoardState(state.client, signal ? { signal } : {}),
    async lastReport(signal) {
      const last = await optional(() => state.client.rig.lastReport(signal ? { signal } : {}));
      return last && last.report.length > 0 ? decodeSuitReport(last.report) : undefined;
    },
    async deliver(envelope, payloads, o) {
      const out = await runUpdate(state.client, envelope, {
        payloads,
        reset: false,
        reconnect,
        ...(predict ? { predict } : {}),
        ...resetEvidence(link),
        ...(o.signal ? { signal: o.signal } : {}),
        ...(o.onEvent ? { onEvent: o.onEvent } : {}),
      });
      return out;
    },
    async resetAndRead(signal) {
      const s = { client: state.client, options: { payloads: new Map(), reconnect, ...resetEvidence(link), ...(signal ? { signal } : {}) } };
      const back = await resetAndWait(s);
      state.client = s.client;
      const after = await readBoardState(state.client, { parts: ['suit', 'images', 'rig'], ...(signal ? { signal } : {}) });
      return { ...back, after };
    },
    close: () => link.close(),
  };
}

class LabBoardDriver implements BoardDriver {
  readonly name: string;
  readonly kind: string;
  readonly tags: readonly string[];
  private readonly predict: Policy | undefined;
  private readonly consoleListeners = new Set<(line: string) => void>();

  constructor(
    readonly board: LabBoard,
    private readonly resolved: ResolvedBoard,
    private readonly o: DriverOptions,
    /** The agent's own virtual board, for `port: virtual`. */
    private readonly virtual?: VirtualBoard,
  ) {
    this.name = board.name;
    this.kind = kindOf(board);
    this.tags = board.tags;
    const p = labProvision(board);
    // The board's lab trust, roles and identity stand in for --trust, --require and --device, as in `suitrig update --port <name>`.
    this.predict = p && p.trust.length > 0 ? provisionPolicy(p) : undefined;
    // The agent's own virtual board prints whether or not a session is open; other boards are
    // heard while a session holds their port (console lines between SMP frames).
    virtual?.subscribe((e) => e.kind === 'console' && this.heard(e.line));
  }

  async connect(): Promise<BoardSession> {
    const link = await this.open();
    if (!this.virtual) {
      const listen = (c: SmpClient): SmpClient => {
        c.link.onEvent((e) => e.kind === 'console' && this.heard(e.text));
        return c;
      };
      listen(link.client);
      const reconnect = link.reconnect.bind(link);
      link.reconnect = async () => listen(await reconnect());
    }
    return session(link, this.predict);
  }

  onConsole(listener: (line: string) => void): () => void {
    this.consoleListeners.add(listener);
    return () => void this.consoleListeners.delete(listener);
  }

  private heard(line: string): void {
    for (const l of this.consoleListeners) l(line);
  }

  private async open(): Promise<BoardLink> {
    const t = this.resolved.target;
    if (this.virtual) return virtualLink(this.virtual, { baud: t.baud, description: `virtual board ${this.name} at ${t.baud} baud` });
    return openBoardLink(this.resolved);
  }

  async runSuite(o: { suite: Suite; seed: number; cases: readonly string[]; logDir: string; signal?: AbortSignal }): Promise<BoardResult> {
    const provider = createRigProvider({ flashScale: this.o.flashScale ?? 0 });
    const why = provider.cannotDrive(this.resolved);
    if (why !== undefined) throw new Error(`board ${this.name}: ${why}`);
    const result = await runSuite({
      suite: o.suite,
      boards: [this.resolved],
      provider,
      seed: o.seed,
      logDir: o.logDir,
      cases: o.cases,
      predictor: hostPredictor,
      ...(o.signal ? { signal: o.signal } : {}),
    });
    return result.boards[0]!;
  }

  async close(): Promise<void> {
    await this.virtual?.close();
  }
}

/** The driver of a lab board; a `virtual` board starts running now, in this process. */
export async function openBoardDriver(board: LabBoard, o: DriverOptions = {}): Promise<BoardDriver> {
  const resolved: ResolvedBoard = { name: board.name, board, target: await targetOfLabBoard(board, { cwd: dirname(board.source.file) }) };
  if (board.port.kind !== 'virtual') return new LabBoardDriver(board, resolved, o);
  const spec = board.port.virtual;
  const bad = spec.quirks.find((q) => !(QUIRKS as readonly string[]).includes(q));
  if (bad !== undefined) throw new Error(`board ${board.name}: unknown virtual board quirk '${bad}' (known: ${QUIRKS.join(', ')})`);
  const p = labProvision(board);
  const virtual = await VirtualBoard.open({
    name: board.name,
    profile: virtualProfileName(spec.profile)!,
    ...(spec.state ? { stateDir: spec.state } : {}),
    quirks: spec.quirks as Quirk[],
    ...(p && p.trust.length > 0 ? { trust: { anchors: p.trust, require: p.require } } : {}),
    ...(p?.identity ? { identity: p.identity } : {}),
    flashScale: o.flashScale ?? 0,
  });
  return new LabBoardDriver(board, resolved, o, virtual);
}

/**
 * Where DUTs come from: a provider opens a Dut for a resolved board. `suitrig run` asks
 * `cannotDrive` for every selected board before it starts, so a run never half-starts on boards
 * it cannot drive.
 *
 * The rig's provider (DESIGN.md "Command line"): device paths and tcp urls are real boards over
 * SMP with their lab settings (port-board.ts); `virtual` is one virtual board in this process
 * behind the emulated link, and `--boards N` virtual boards each run in their own process over
 * tcp, paced at the run's baud (virtual/); lab boards of `port: qemu` and `port: native-sim` run
 * in an emulator the rig starts itself (emulator-board.ts, rig/emulator). Each is a DutBoard
 * (protocols.ts) that SmpDut drives. Virtual boards are provisioned with what the suite
 * asks for (trust anchors, roles, identity, known-good update): the known-good state is built
 * once per run and profile and every virtual board starts from a copy of it.
 */
import { join } from 'node:path';
import { virtualProfileName } from '../lab/load.js';
import type { ResolvedBoard } from '../lab/resolve.js';
import type { PortLister } from '../ports/types.js';
import { QUIRKS, type Quirk } from '../virtual/bootloader/index.js';
import { PROFILES } from '../virtual/profiles.js';
import { emulatorUnavailable } from '../emulator/programs.js';
import { EmulatorBoard } from './emulator-board.js';
import { PortBoard } from './port-board.js';
import type { DutBoard } from './protocols.js';
import { SmpDut } from './smp-dut.js';
import type { BoardProvision, Dut, DutEvent, VirtualProvision } from './types.js';
import { openInProcessVirtualBoard } from './virtual/in-process.js';
import { buildGoldenState, type GoldenState } from './virtual/known-good.js';
import { ProcessVirtualBoard, processBoardsUnavailable } from './virtual/process.js';
import type { SmpLinkSettings } from '../../host/smp/link-settings.js';

export interface OpenContext {
  signal: AbortSignal;
  /** Per-board log sink (console lines, SMP summaries) from the moment the port opens. */
  log(e: DutEvent): void;
  /** This board's seed (for virtual boards' own random choices). */
  seed: number;
  /** A scratch directory of the run (removed after it): virtual boards keep their state here. */
  workDir: string;
  /** What the suite provisions virtual boards with. */
  provision?: VirtualProvision;
}

export interface DutProvider {
  /** Why this provider cannot drive the board, or undefined when it can. */
  cannotDrive(board: ResolvedBoard): string | undefined;
  open(board: ResolvedBoard, ctx: OpenContext): Promise<Dut>;
}

/**
 * The rig's provider also hands out the board's protocols under the Dut (`openWithBoard`): a
 * user's test (rig/fixture) drives the Dut and, beside it, the board's own link (raw SMP
 * requests) and console, which suites never see.
 */
export interface RigProvider extends DutProvider {
  openWithBoard(board: ResolvedBoard, ctx: OpenContext): Promise<{ dut: Dut; board: DutBoard }>;
}

export interface RigProviderOptions {
  /** Real time per simulated flash time on virtual boards: 1 the profiles' timings (default), 0 instant. */
  flashScale?: number;
  /** Port lister for USB identities (tests). */
  lister?: PortLister;
  /** How the host speaks SMP to boards on ports and emulated boards (`run --framing ...`), over each lab board's `smp:`. */
  link?: Partial<SmpLinkSettings>;
}

/** What a provisioned board trusts and is, without the known-good update. */
function boardProvision(p: VirtualProvision): BoardProvision {
  return { trust: p.trust, require: p.require, ...(p.identity ? { identity: p.identity } : {}), ...(p.decrypt ? { decrypt: p.decrypt } : {}) };
}

export function createRigProvider(o: RigProviderOptions = {}): RigProvider {
  const flashScale = o.flashScale ?? 1;
  const golden = new Map<string, Promise<GoldenState>>();

  const goldenFor = (profile: string, ctx: OpenContext): Promise<GoldenState> => {
    let g = golden.get(`${ctx.workDir}\0${profile}`);
    if (!g) {
      g = buildGoldenState(join(ctx.workDir, `known-good-${profile}`), profile, ctx.provision);
      golden.set(`${ctx.workDir}\0${profile}`, g);
    }
    return g;
  };

  const openVirtual = async (board: ResolvedBoard & { target: { kind: 'virtual' } }, ctx: OpenContext): Promise<DutBoard> => {
    const t = board.target;
    const profile = virtualProfileName(t.virtual.profile)!;
    const g = await goldenFor(profile, ctx);
    ctx.log({ kind: 'note', message: `known-good state (${g.profile}): ${g.summary}` });
    const common = { name: board.name, baud: t.baud, flashScale, seed: ctx.seed, provision: ctx.provision && boardProvision(ctx.provision), log: ctx.log };
    if (t.placement === 'process') {
      return ProcessVirtualBoard.open({ ...common, profile, quirks: t.virtual.quirks, stateDir: t.virtual.state ?? join(ctx.workDir, `board-${board.name}`), snapshotDir: g.dir });
    }
    return openInProcessVirtualBoard({ ...common, golden: g, quirks: t.virtual.quirks as Quirk[] });
  };

  const openWithBoard: RigProvider['openWithBoard'] = async (board, ctx) => {
    const t = board.target;
    const protocols =
      t.kind === 'virtual'
        ? await openVirtual(board as ResolvedBoard & { target: { kind: 'virtual' } }, ctx)
        : t.kind === 'emulator'
          ? await EmulatorBoard.open(board.name, t.emulator, board.board, { output: (message, kind) => ctx.log({ kind: 'note', message: kind === 'event' ? message : `| ${message}` }), link: o.link })
          : await PortBoard.open(board, { lister: o.lister, link: o.link });
    try {
      const dut = await SmpDut.open(board.name, protocols, { signal: ctx.signal });
      dut.subscribe(ctx.log);
      return { dut, board: protocols };
    } catch (e) {
      await protocols.close().catch(() => undefined);
      throw e;
    }
  };

  return {
    cannotDrive(board) {
      if (board.target.kind === 'emulator') return emulatorUnavailable(board.target.emulator);
      if (board.target.kind !== 'virtual') return undefined;
      const v = board.target.virtual;
      if (virtualProfileName(v.profile) === undefined) return `unknown virtual board profile '${v.profile}' (known: ${Object.keys(PROFILES).join(', ')})`;
      const bad = v.quirks.find((q) => !(QUIRKS as readonly string[]).includes(q));
      if (bad !== undefined) return `unknown virtual board quirk '${bad}' (known: ${QUIRKS.join(', ')})`;
      if (v.state !== undefined && board.target.placement === 'in-process') {
        return `a suite runs virtual boards from the run's known-good snapshot; the lab's state: ${v.state} is for single-board commands (serve it with suitrig board virtual --state and name its tcp:// port instead)`;
      }
      if (board.target.placement === 'process') return processBoardsUnavailable();
      return undefined;
    },
    open: async (board, ctx) => (await openWithBoard(board, ctx)).dut,
    openWithBoard,
  };
}

/**
 * Suites as code (DESIGN.md "Rig": each case = setup, steps, expected decision and boot outcome).
 * A suite prepares shared fixtures once per run (keys, images, envelopes), then each case runs on
 * each selected board: setup, steps acting on the board through the Dut interface
 * (rig/dut/types.ts), then the runner compares what the steps observed with what the case
 * expects, and always cleans up (the case's cleanup, then the board's known-good image). Labs
 * write their own suites the same way and run them with `suitrig run ./my-suite.js`.
 *
 * Cases state what they need from a board (`needs`): on a board without it the case is reported
 * "not applicable" with the reason, never silently skipped. RFC 9019 §2 roles: the case plays
 * the author and operator; the Dut is the firmware consumer and bootloader.
 */
import type { Rng } from '../../host/transport/rng.js';
import type { LabBoard } from '../lab/types.js';
import type { PortTarget } from '../lab/resolve.js';
import type { BoardProvision, BootOutcome, Decision, DecisionSource, Dut, DutCapabilities, DutOperation, DutStatus, VirtualProvision } from '../dut/types.js';

/**
 * The board as steps drive it (`ctx.dut`) and the protocols it has or lacks — `update`, `image`,
 * `report`, `power`, `faults`: a custom step that needs one throws NotApplicable (steps.ts)
 * when it is absent (rig/dut/README.md).
 */
export type { DeliveryResult, Dut, DutCapabilities, DutStatus, FaultSpec, FlashMode, ImageProtocol, LastReport, ReportProtocol, UpdateProtocol } from '../dut/types.js';
export type { FaultProtocol, PowerProtocol } from '../dut/protocols.js';

/** `accept`, or `reject` for any of the listed reasons (an empty list: any reason). */
export type ExpectedDecision = 'accept' | { reject: readonly string[] };

export interface Expectation {
  decision?: ExpectedDecision;
  /** One outcome, or several acceptable ones (a power cut may leave the old or the new image). */
  boot?: BootOutcome | readonly BootOutcome[];
}

/**
 * What a case needs from a board:
 * - `update`: the board takes updates at all (the SUIT group, or the image group of an MCUboot
 *   board); a board with neither (e.g. a plain Zephyr smp_server on native_sim) can take none,
 * - `suit`: the board's own SUIT decision (SUIT group; stock MCUboot boards lack it),
 * - `image`: the image group, `rig`: the rig group (last report),
 * - `power`: power cut/restore, `faults`: armed faults (virtual boards), `reset-line`: DTR/RTS reset,
 * - `app:<role>`: an application image of that role (lab `apps:`; virtual boards make their own),
 * - `role:<name>`: the board's policy requires a signature of that signer role (lab `require:`).
 */
export type Need = 'update' | 'suit' | 'image' | 'rig' | 'power' | 'faults' | 'reset-line' | `app:${string}` | `role:${string}`;

/** The board as a case sees it. */
export interface BoardInfo {
  name: string;
  target: PortTarget;
  /** The lab file's entry: trust anchors, required roles, identity, apps, known-good image. */
  lab?: LabBoard;
  /** What the board offers: the protocols of its open Dut (capabilitiesOf), or what the lab file tells of it for a dry run. */
  capabilities: DutCapabilities;
  /** The trust anchors, roles and identity the board is known to have (lab, or what the rig provisioned). */
  provision?: BoardProvision;
}

export interface PredictionInput {
  envelope: Uint8Array;
  /** The payloads the case will supply, by URI. */
  payloads: ReadonlyMap<string, Uint8Array>;
  board: BoardInfo;
  /** The board's rollback floor, as it reported it. */
  storedSequence?: bigint;
}

/**
 * The host's own prediction of a decision: the wasm verifier run with the board's trust,
 * roles and identity. Undefined when the host does not know what the board trusts.
 */
export interface Predictor {
  predict(input: PredictionInput, signal: AbortSignal): Promise<Decision | undefined>;
}

/** What the steps of a case saw; the runner judges the case on it. */
export interface Observations {
  /** The decision: the first rejection seen, else the last acceptance. */
  decision?: { decision: Decision; source: DecisionSource };
  /** The host's prediction for the manifest delivered. */
  predicted?: Decision;
  /** The last boot outcome read. */
  boot?: BootOutcome;
  /** Every status read, in order (the first is the board before the case acted). */
  statuses: DutStatus[];
  /** Payload URIs the board still needs after the last delivery. */
  missing: string[];
  /** Payload transfers, in order (interrupted ones included). */
  transfers: { uri: string; bytes: number; ms: number; resumedFrom: number; interrupted: boolean }[];
}

export interface Observer {
  decision(decision: Decision, source: DecisionSource): void;
  predicted(decision: Decision): void;
  status(status: DutStatus): void;
  boot(outcome: BootOutcome): void;
  missing(uris: readonly string[]): void;
  transfer(t: Observations['transfers'][number]): void;
}

export interface CaseContext<F = unknown, S = unknown> {
  readonly suite: string;
  readonly caseId: string;
  readonly board: BoardInfo;
  readonly dut: Dut;
  readonly fixtures: F;
  /** What setup returned (undefined during setup itself). */
  readonly state: S;
  /** This case's seed on this board, derived from the run seed (rig/runner/seed.ts). */
  readonly seed: number;
  readonly rng: Rng;
  /** Aborted when the current step overruns its timeout or the run is interrupted. */
  readonly signal: AbortSignal;
  readonly observe: Observer;
  readonly observed: Readonly<Observations>;
  /** Present when the run has a host verifier to predict decisions with. */
  readonly predictor?: Predictor;
  /** A line in the board's log file. */
  log(message: string): void;
}

export interface Step<F = unknown, S = unknown> {
  name: string;
  /** Default: the case's `stepTimeoutMs`, else the runner's. */
  timeoutMs?: number;
  /** What the step does to the board, for `--dry-run` (undeclared: listed as such). */
  effects?: readonly DutOperation[];
  run(ctx: CaseContext<F, S>): Promise<void>;
}

export interface SuiteCase<F = unknown, S = unknown> {
  /** Stable id (lower-case words joined by `-`), used in reports, JUnit names and `--case`. */
  id: string;
  /** One line saying what the case proves. */
  title: string;
  tags?: readonly string[];
  needs?: readonly Need[];
  /** Prepares the case's data (envelopes, images) from the fixtures and the board; acting on the board belongs in steps, so that dry-runs list it. */
  setup?(ctx: CaseContext<F, undefined>): Promise<S>;
  steps: readonly Step<F, S>[];
  /** Runs after the steps whatever happened, before the known-good image is restored. */
  cleanup?(ctx: CaseContext<F, S | undefined>): Promise<void>;
  expect: Expectation;
  stepTimeoutMs?: number;
}

export interface SuiteContext {
  /** The run seed. */
  seed: number;
  rng: Rng;
  /** A scratch directory for generated keys, images and envelopes, removed after the run. */
  workDir: string;
  signal: AbortSignal;
  log(message: string): void;
}

export interface Suite<F = unknown> {
  /** Registry name, e.g. `rfc9019`. */
  name: string;
  title: string;
  description?: string;
  /** Builds the fixtures every case receives, once per run (not per board). */
  prepare?(ctx: SuiteContext): Promise<F>;
  /**
   * What the run's virtual boards are provisioned with (trust anchors, roles, identity) and the
   * known-good update they run before the first case and return to after each one. Real boards
   * come provisioned; the lab file says with what.
   */
  provision?(fixtures: F): VirtualProvision;
  cases: readonly SuiteCase<F>[];
}

const ID_RE = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const NEED_RE = /^(update|suit|image|rig|power|faults|reset-line|(app|role):[A-Za-z0-9][A-Za-z0-9._-]*)$/;

/** A suite or case definition is wrong (found when it is defined or loaded, before any board is touched). */
export class SuiteDefinitionError extends Error {
  override name = 'SuiteDefinitionError';
}

/** Checks a suite's shape; returns it unchanged. Also used on suites loaded from modules. */
export function defineSuite<F>(suite: Suite<F>): Suite<F> {
  const where = `suite '${String((suite as { name?: unknown })?.name)}'`;
  const problems: string[] = [];
  if (typeof suite !== 'object' || suite === null) throw new SuiteDefinitionError('a suite must be an object with name, title and cases');
  if (typeof suite.name !== 'string' || !ID_RE.test(suite.name)) problems.push(`name must be lower-case words joined by '-', got ${JSON.stringify(suite.name)}`);
  if (typeof suite.title !== 'string' || suite.title === '') problems.push('title is missing');
  if (suite.prepare !== undefined && typeof suite.prepare !== 'function') problems.push('prepare must be a function');
  if (suite.provision !== undefined && typeof suite.provision !== 'function') problems.push('provision must be a function');
  if (!Array.isArray(suite.cases) || suite.cases.length === 0) problems.push('cases must be a non-empty list');
  const ids = new Set<string>();
  for (const [i, c] of (Array.isArray(suite.cases) ? suite.cases : []).entries()) {
    const at = `case ${typeof c?.id === 'string' ? `'${c.id}'` : `#${i + 1}`}`;
    if (typeof c?.id !== 'string' || !ID_RE.test(c.id)) problems.push(`${at}: id must be lower-case words joined by '-'`);
    else if (ids.has(c.id)) problems.push(`${at}: id used twice`);
    else ids.add(c.id);
    if (typeof c?.title !== 'string' || c.title === '') problems.push(`${at}: title is missing`);
    if (!Array.isArray(c?.steps) || c.steps.length === 0) problems.push(`${at}: steps must be a non-empty list`);
    for (const [j, s] of (Array.isArray(c?.steps) ? c.steps : []).entries()) {
      if (typeof s?.name !== 'string' || s.name === '' || typeof s.run !== 'function') problems.push(`${at}: step #${j + 1} needs a name and a run function`);
      if (s?.timeoutMs !== undefined && !(Number.isInteger(s.timeoutMs) && s.timeoutMs > 0)) problems.push(`${at}: step '${s.name}' timeoutMs must be a positive integer`);
    }
    for (const n of c?.needs ?? []) if (!NEED_RE.test(n)) problems.push(`${at}: unknown need '${n}'`);
    const d = c?.expect?.decision;
    if (d !== undefined && d !== 'accept' && !(typeof d === 'object' && Array.isArray(d.reject))) problems.push(`${at}: expect.decision must be 'accept' or { reject: [reasons] }`);
    if (typeof c?.expect !== 'object' || (c.expect.decision === undefined && c.expect.boot === undefined)) {
      problems.push(`${at}: expect must state a decision, a boot outcome, or both`);
    }
  }
  if (problems.length > 0) throw new SuiteDefinitionError(`${where}:\n  ${problems.join('\n  ')}`);
  return suite;
}

/** Identity helper that lets TypeScript check a case against its fixtures and state types. */
export function defineCase<F, S = undefined>(c: SuiteCase<F, S>): SuiteCase<F, S> {
  return c;
}

/**
 * The needs of a case this board lacks, each with the reason, for "not applicable" messages.
 * Virtual boards run any application the suite generates for them, so they have every app role.
 */
export function missingNeeds(needs: readonly Need[], board: BoardInfo): string[] {
  const caps = board.capabilities;
  const out: string[] = [];
  for (const n of needs) {
    if (n === 'update' && !caps.suit && !caps.image) out.push('needs a board that takes updates; it has neither the SUIT group nor the image group, so nothing can be installed on it');
    else if (n === 'suit' && !caps.suit) out.push("needs the board's own SUIT decision; the board has no SUIT group (the host verifies manifests for it)");
    else if (n === 'image' && !caps.image) out.push('needs the image group (MCUboot image upload), which the board lacks');
    else if (n === 'rig' && !caps.rig) out.push('needs the rig group (last SUIT report), which the board lacks');
    else if (n === 'power' && !caps.power) out.push('needs power control; the lab file gives the board no power: on/off commands');
    else if (n === 'faults' && !caps.faults) out.push('needs armed faults, which only virtual boards offer');
    else if (n === 'reset-line' && !caps.resetLine) out.push('needs a DTR/RTS reset line; the board resets by SMP or command');
    else if (n.startsWith('app:') && board.target.kind !== 'virtual' && board.lab?.apps[n.slice(4)] === undefined) out.push(`needs an application image '${n.slice(4)}'; the lab file gives the board none (apps:)`);
    else if (n.startsWith('role:') && !board.provision?.require.includes(n.slice(5))) {
      out.push(`needs a board whose policy requires a '${n.slice(5)}' signature; this board requires ${board.provision?.require.length ? board.provision.require.join(', ') : 'any one trusted signer'}`);
    }
  }
  return out;
}

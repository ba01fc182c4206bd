/**
 * Power-cut sweeps after MCUboot's simulator (notes/mcuboot.md §6: `run_perm_with_fails`,
 * `revert_with_fails`, `perm_with_random_fails`): run an action once uninterrupted and count its
 * flash operations N; then for every i < N, start again from the same state, cut power just
 * before operation i, power on and let the board run until stable, and check the result. The
 * random variant cuts several times in one run (seeded). Scenarios are generic: the MCUboot
 * update sweeps use it now, the SUIT update sweeps reuse it.
 */
import { FlashError, isPowerCut, type SimFlash } from '../virtual/flash/index.js';
import { seededRng } from '../../host/transport/rng.js';

/** A world whose flash operations are counted and can be cut. */
export interface CutSubject {
  readonly flash: SimFlash;
}

export interface SweepScenario<W extends CutSubject> {
  name: string;
  /** A fresh world in the state just before the action; the same state every call. */
  setup(): W;
  /** The action under test (e.g. power on so the board swaps and boots). A cut may stop it anywhere. */
  act(w: W): void;
  /** Power is back after a cut: run until stable. May itself be cut in multi-cut runs. */
  recover(w: W): void;
  /** What is wrong with the final state ([] when it is consistent); may reset the board to check it keeps. */
  check(w: W, cut: CutInfo): string[];
}

export interface CutInfo {
  /** Operation indexes (from the start of `act`) before which power was cut, in order; [] for the clean run. */
  cutsAt: number[];
  /** Operations of the clean run. */
  cleanOps: number;
}

export interface Brick {
  cutsAt: number[];
  problems: string[];
}

export interface SweepResult {
  scenario: string;
  /** Flash operations of the uninterrupted action. */
  ops: number;
  /** Cut points checked (operation indexes). */
  cutPoints: number[];
  bricks: Brick[];
  torn: boolean;
  seed: number | undefined;
  ms: number;
}

/**
 * Runs one step of a run: a power cut just ends it; a broken flash rule (e.g. a rewrite of a unit
 * a torn write left half-programmed) is a problem of this cut point, not a crash of the sweep.
 */
function attempt(fn: () => void): string | undefined {
  try {
    fn();
  } catch (e) {
    if (isPowerCut(e)) return undefined;
    if (e instanceof FlashError) return `flash rule broken (${e.rule}): ${e.message}`;
    throw e;
  }
  return undefined;
}

function checked<W extends CutSubject>(s: SweepScenario<W>, w: W, info: CutInfo): string[] {
  let problems: string[] = [];
  const broke = attempt(() => {
    problems = s.check(w, info);
  });
  return broke ? [...problems, broke] : problems;
}

/** Runs the action once without cuts: its operation count and the problems of its final state. */
export function cleanRun<W extends CutSubject>(s: SweepScenario<W>): { ops: number; problems: string[] } {
  const w = s.setup();
  const before = w.flash.opCount;
  s.act(w);
  const ops = w.flash.opCount - before;
  return { ops, problems: s.check(w, { cutsAt: [], cleanOps: ops }) };
}

export interface SweepOptions {
  /** Check every `step`-th cut point only (default 1: all). */
  step?: number;
  /** Tear the cut operation (partly applied) instead of cutting cleanly before it. */
  torn?: boolean;
  /** Seed of the torn parts (printed in the result). */
  seed?: number;
  onProgress?: (done: number, total: number) => void;
}

/** One cut point: the action (cut at op `i`), the recovery, the check. */
function singleCut<W extends CutSubject>(s: SweepScenario<W>, w: W, i: number, cleanOps: number): string[] {
  const inAct = attempt(() => s.act(w));
  if (inAct) return [inAct];
  if (w.flash.powered) return [`the action finished without reaching operation ${i} (the clean run had ${cleanOps}): the run is not deterministic`];
  const inRecovery = attempt(() => s.recover(w));
  if (inRecovery) return [inRecovery];
  if (!w.flash.powered) return ['power was cut again during recovery although no cut was armed'];
  return checked(s, w, { cutsAt: [i], cleanOps });
}

/** Cuts power before each operation index of the clean run in turn; every cut must leave a consistent board. */
export function sweepEveryCut<W extends CutSubject>(s: SweepScenario<W>, o: SweepOptions = {}): SweepResult {
  const t0 = performance.now();
  const clean = cleanRun(s);
  const bricks: Brick[] = [];
  if (clean.problems.length > 0) bricks.push({ cutsAt: [], problems: clean.problems });
  const cutPoints: number[] = [];
  const step = o.step ?? 1;
  for (let i = 0; i < clean.ops; i += step) {
    cutPoints.push(i);
    const w = s.setup();
    w.flash.armPowerCut({ afterOps: i, torn: o.torn ?? false, seed: ((o.seed ?? 0) + i) >>> 0 });
    const problems = singleCut(s, w, i, clean.ops);
    if (problems.length > 0) bricks.push({ cutsAt: [i], problems });
    o.onProgress?.(cutPoints.length, Math.ceil(clean.ops / step));
  }
  return { scenario: s.name, ops: clean.ops, cutPoints, bricks, torn: o.torn ?? false, seed: o.torn ? (o.seed ?? 0) : undefined, ms: performance.now() - t0 };
}

export interface MultiCutOptions {
  runs: number;
  /** Up to this many cuts in one run (at least 1). */
  maxCuts: number;
  seed: number;
  torn?: boolean;
  onProgress?: (done: number, total: number) => void;
}

export interface MultiCutResult {
  scenario: string;
  seed: number;
  runs: number;
  totalCuts: number;
  cleanOps: number;
  bricks: Brick[];
  ms: number;
}

/**
 * Several power cuts in one update (`perm_with_random_fails`): the first during the action, the
 * following ones during the recoveries, each at a random operation; then an uninterrupted
 * recovery and the check. Each run derives from `seed`, so a failure names the run to replay.
 */
export function randomMultiCut<W extends CutSubject>(s: SweepScenario<W>, o: MultiCutOptions): MultiCutResult {
  const t0 = performance.now();
  const clean = cleanRun(s);
  const rng = seededRng(o.seed);
  const bricks: Brick[] = clean.problems.length > 0 ? [{ cutsAt: [], problems: clean.problems }] : [];
  let totalCuts = 0;
  for (let run = 0; run < o.runs; run++) {
    const w = s.setup();
    const cuts = 1 + rng.below(Math.max(1, o.maxCuts));
    const cutsAt: number[] = [];
    const start = w.flash.opCount;
    let broke: string | undefined;
    for (let c = 0; c < cuts && !broke; c++) {
      const at = rng.below(Math.max(1, clean.ops));
      w.flash.armPowerCut({ afterOps: at, torn: o.torn ?? false, seed: rng.below(0x1_0000_0000) });
      broke = attempt(() => (c === 0 ? s.act(w) : s.recover(w)));
      if (!w.flash.powered) cutsAt.push(w.flash.opCount - start);
      w.flash.disarmPowerCut();
    }
    broke ??= attempt(() => s.recover(w));
    totalCuts += cutsAt.length;
    const problems = broke ? [broke] : w.flash.powered ? checked(s, w, { cutsAt, cleanOps: clean.ops }) : ['power was cut during the final recovery although no cut was armed'];
    if (problems.length > 0) bricks.push({ cutsAt, problems: [`run ${run} of seed ${o.seed}`, ...problems] });
    o.onProgress?.(run + 1, o.runs);
  }
  return { scenario: s.name, seed: o.seed, runs: o.runs, totalCuts, cleanOps: clean.ops, bricks, ms: performance.now() - t0 };
}

/** One line per multi-cut sweep (of up to `maxCuts` cuts a run) for logs and reports. */
export function formatMultiCut(m: MultiCutResult, maxCuts: number): string {
  return `${m.scenario}: ${m.runs} runs with up to ${maxCuts} cuts, ${m.totalCuts} power cuts (seed ${m.seed}), N=${m.cleanOps} ops uncut, ${m.bricks.length} bricked, ${(m.ms / 1000).toFixed(2)} s`;
}

/** One line per sweep for logs and reports. */
export function formatSweep(r: SweepResult): string {
  const first = r.cutPoints[0];
  const last = r.cutPoints[r.cutPoints.length - 1];
  const range = first === undefined ? 'none' : `${first}..${last}${r.cutPoints.length > 1 && last! - first + 1 !== r.cutPoints.length ? ` (every ${r.cutPoints[1]! - first})` : ''}`;
  return (
    `${r.scenario}: N=${r.ops} flash operations, ${r.cutPoints.length} cut points checked (ops ${range})${r.torn ? `, torn, seed ${r.seed}` : ''}, ` +
    `${r.bricks.length} bricked, ${(r.ms / 1000).toFixed(2)} s`
  );
}

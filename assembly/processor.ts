/**
 * The SUIT command processor (draft-ietf-suit-manifest-37 §6, trust-domains-11 §6,
 * update-management-14 §5): runs the chosen command sequences of an authenticated manifest, each
 * preceded by the shared sequence, against the platform imports.
 *
 * It is an explicit-stack interpreter so that it can stop in the middle of any nesting and resume:
 * frames (frames.ts) hold every executing sequence. A fetch from outside the core returns
 * ST_PENDING with the request in REQUEST (fetch.ts); the host streams the bytes in (fetchData,
 * written and hashed as they come), then fetchEnd() resumes the same loop.
 *
 * Semantics followed:
 *  - a failed condition ends its sequence; inside try-each (soft-failure defaults true) the next
 *    alternative runs, inside run-sequence (default false) soft-failure decides; anywhere else,
 *    and for any directive failure, the run aborts (§6.4, §8.4.8.14, §8.4.10.2, §8.4.10.7);
 *  - set-component-index true / [list]: every command runs once per selected component; try-each
 *    and run-sequence run their sequences once per component with an integer index (§6.5);
 *  - process-dependency authenticates the dependency envelope held in the component, whose digest
 *    must have been checked in this run (dependency-integrity, or image-match as trust-domains'
 *    Example 1 does), runs its shared sequence then the same section (trust-domains §6.1,
 *    §6.4-6.5); dependencies nest up to MAX_LEVELS - 1 deep (layout.ts), share the parameter
 *    tables of components they have in common with their dependents (params.ts), and one shared
 *    by several dependents runs once per section.
 */
import { SCRATCH, RUNLIST, MAX_RUN, IO, IO_SIZE, MAX_LEVELS } from './layout';
import * as cbor from './cbor';
import * as c from './codes';
import * as k from './commands';
import * as p from './platform';
import * as prm from './params';
import { sectionPtr, sectionLen, sectionState } from './manifest';
import { resultClear, resultFail, resultInvoked } from './result';
import { mx, X_SHARED, SEC_PRESENT, SEC_SEVERED } from './state';
import { PASS, FAIL, NOT_EVALUATED, dry, propsLen, condDetail, strictOrder, setDry, setProps, setStrictOrder } from './context';
import {
  F_SECTION, F_DEP, F_ALT, F_RUNSEQ, O_KIND, O_INCMD, O_SECTION, O_BASE, O_PC, O_END, O_COUNT, O_CMDPTR,
  O_CMD, O_ARG, O_ITER, O_ALT, O_ALTEND, O_POLICY, O_IDXMODE, IDX_SINGLE, IDX_ALL, depth, top, pop, clearFrames, push, compAt, setIndex,
  level, cmdOffset, soft, unordered, setUnordered,
} from './frames';
import { paramCommand } from './param_commands';
import { condition } from './conditions';
import { directive, INVOKED } from './directives';
import { fetchStart, fetchChunk, fetchFinish, fetchAbandon, requestComponent, FETCH_PENDING } from './fetch';
import { resetComponents, hasFlag, isDependency, knownHandle, CF_INTEGRITY } from './components';
import { dependencyIntegrity } from './conditions';
import { depPath, loadDependency, forgetDependency, enterParams, processedBefore, clearProcessed } from './dependency';

// Run status returned to the host.
export const ST_DONE: i32 = 0; // finished; the result says ok or why not
export const ST_PENDING: i32 = 1; // waiting for fetch data (REQUEST)
export const ST_INVOKED: i32 = 2; // an invoke handed control off (reason invoke-pending)

// What one step of the interpreter leaves to do.
const R_NONE: i32 = -1;
const R_NEXT: i32 = 0; // the command is complete
const R_PUSHED: i32 = 1; // a child frame runs first
const R_COND_FAIL: i32 = 2; // the top frame's sequence fails with a condition failure
const R_STOP: i32 = 3; // return `stopStatus` to the host

let runCount: i32 = 0;
let runPos: i32 = 0;
let runStage: i32 = 0;
let running: bool = false;
let fetching: bool = false;
let stopStatus: i32 = ST_DONE;

// The last condition failure: the run's result only if nothing recovers from it.
let lfDetail: i32 = 0;
let lfSection: i32 = 0;
let lfOffset: u32 = 0;
let lfComp: i32 = -1;
let lfDep: i32 = -1;

function stop(status: i32): i32 {
  stopStatus = status;
  return R_STOP;
}

/** Ends the run with a failure at the current command of frame f (component ci). */
function abortAt(f: u32, detail: i32, ci: i32): i32 {
  resultFail(detail, load<i32>(f + O_SECTION), cmdOffset(f), ci, depPath(level(f)));
  running = false;
  fetching = false;
  clearFrames();
  return stop(ST_DONE);
}

function noteConditionFailure(f: u32, detail: i32, ci: i32): void {
  lfDetail = detail;
  lfSection = load<i32>(f + O_SECTION);
  lfOffset = cmdOffset(f);
  lfComp = ci;
  lfDep = depPath(level(f));
}

/** Reports one executed command (platform.ts `record`) with the properties in SCRATCH. */
function record(f: u32, ci: i32, outcome: i32, props: u32): void {
  const lvl = level(f);
  p.pRecord(
    depPath(lvl), load<i32>(f + O_SECTION), cmdOffset(f), ci, load<i32>(f + O_CMD), load<u32>(f + O_POLICY), outcome, SCRATCH, props,
    ci >= 0 ? knownHandle(lvl, ci) : -2,
  );
}

/** Handles the outcome of a command on one component. */
function outcome(f: u32, ci: i32, r: i32, isCondition: bool): i32 {
  if (r < 0) {
    record(f, ci, FAIL, 0);
    return abortAt(f, -r, ci);
  }
  if (r == INVOKED) {
    record(f, ci, PASS, 0);
    resultInvoked(load<i32>(f + O_SECTION), cmdOffset(f), ci, depPath(level(f)));
    running = false;
    clearFrames();
    return stop(ST_INVOKED);
  }
  record(f, ci, r, propsLen);
  if (r == FAIL && isCondition) {
    noteConditionFailure(f, condDetail, ci);
    return R_COND_FAIL;
  }
  return R_NEXT;
}

/** The command of frame f moves on to its next component. */
function nextComponent(f: u32): void {
  store<u32>(f + O_ITER, load<u32>(f + O_ITER) + 1);
  store<u32>(f + O_ALT, 0);
}

/** After one component of a looping command: the command is complete or runs again. */
function continueCommand(f: u32): i32 {
  return compAt(f, load<u32>(f + O_ITER)) < 0 ? R_NEXT : step(f);
}

/** Executes (or continues) the current command of frame f. */
function step(f: u32): i32 {
  const cmd = load<i32>(f + O_CMD);
  const kind = k.argKind(cmd);
  const lvl = level(f);
  if (kind == k.A_INDEX) {
    // §6.7: a run-sequence started with strict-order false may not change the component index.
    if (unordered(f)) return abortAt(f, c.D_STRICT_ORDER, -1);
    setIndex(f);
    return R_NEXT;
  }
  if (kind == k.A_PARAMS || kind == k.A_MULTI || kind == k.A_COPY_PARAMS) {
    const d = paramCommand(f, cmd);
    return d != 0 ? abortAt(f, d, -1) : R_NEXT;
  }
  if (kind == k.A_TRY_EACH || kind == k.A_SEQUENCE) return nested(f, kind);
  if (kind != k.A_POLICY_COND && kind != k.A_POLICY_DIR) return abortAt(f, c.D_UNKNOWN_COMMAND, -1);
  for (;;) {
    const it = load<u32>(f + O_ITER);
    const ci = compAt(f, it);
    if (ci < 0) return R_NEXT;
    if (cmd == k.D_PROCESS_DEPENDENCY) {
      const r = processDependency(f, ci);
      if (r != R_NEXT) return r;
      continue;
    }
    store<u32>(f + O_ITER, it + 1);
    let r: i32;
    if (kind == k.A_POLICY_COND) {
      r = condition(lvl, cmd, ci);
    } else if (cmd == k.D_FETCH) {
      r = fetchStart(lvl, ci);
      // Resumes in fetchEnd(); the iteration already points past this component.
      if (r == FETCH_PENDING) {
        fetching = true;
        return stop(ST_PENDING);
      }
    } else {
      r = directive(lvl, cmd, ci);
    }
    const o = outcome(f, ci, r, kind == k.A_POLICY_COND);
    if (o != R_NEXT) return o;
  }
  // Not reached: the loop exits only by return (AssemblyScript wants a final value).
  return R_NEXT;
}

/** try-each / run-sequence: one nested sequence per selected component. */
function nested(f: u32, kind: i32): i32 {
  const ci = compAt(f, load<u32>(f + O_ITER));
  if (ci < 0) return R_NEXT;
  if (kind == k.A_SEQUENCE) {
    cbor.setInput(load<u32>(f + O_ARG), load<u32>(f + O_PC));
    cbor.readBstr();
    if (!push(F_RUNSEQ, level(f), load<i32>(f + O_SECTION), load<u32>(f + O_BASE), cbor.vPtr, cbor.vLen, false, IDX_SINGLE, <u32>ci)) {
      return abortAt(f, c.D_FRAMES, ci);
    }
    if (!strictOrder) setUnordered(top());
    return R_PUSHED;
  }
  // try-each: O_ALT = next alternative (0 = not started), O_ALTEND = end of the argument.
  if (load<u32>(f + O_ALT) == 0) {
    cbor.setInput(load<u32>(f + O_ARG), load<u32>(f + O_PC));
    cbor.readArray();
    store<u32>(f + O_ALT, cbor.rp);
    store<u32>(f + O_ALTEND, load<u32>(f + O_PC));
  }
  return nextAlternative(f, ci);
}

/** Pushes the next try-each alternative for ci, or settles the try-each when none is left. */
function nextAlternative(f: u32, ci: i32): i32 {
  const at = load<u32>(f + O_ALT);
  const end = load<u32>(f + O_ALTEND);
  cbor.setInput(at, end);
  if (at >= end || cbor.atBreak()) {
    // Every alternative failed (§8.4.10.2): the try-each fails like a condition.
    noteConditionFailure(f, c.D_TRY_EACH, ci);
    return R_COND_FAIL;
  }
  if (cbor.takeNull()) {
    // A trailing nil: all sequences may fail and processing continues.
    nextComponent(f);
    return continueCommand(f);
  }
  cbor.readBstr();
  store<u32>(f + O_ALT, cbor.rp);
  if (!push(F_ALT, level(f), load<i32>(f + O_SECTION), load<u32>(f + O_BASE), cbor.vPtr, cbor.vLen, true, IDX_SINGLE, <u32>ci)) {
    return abortAt(f, c.D_FRAMES, ci);
  }
  return R_PUSHED;
}

/**
 * process-dependency on ci (trust-domains §6.1, §6.5): stage 0 checks and loads the dependency
 * into the next level, 1 runs its shared sequence, 2 its section; then the next component (stage
 * kept in O_ALT). The dependency must have been the target of an integrity check in this run; a
 * dependency no condition checked, whose image-digest the dependent did set, gets that check here
 * (authentication and digest, exactly what dependency-integrity does; libcsuit's TEEP example expD
 * relies on it) - without an image-digest it is refused (dependency-not-checked). A dependency
 * already processed in this section (shared by several dependents) is not processed again.
 */
function processDependency(f: u32, ci: i32): i32 {
  const section = load<i32>(f + O_SECTION);
  const lvl = level(f);
  const next = lvl + 1;
  if (load<u32>(f + O_ALT) == 0) {
    if (dry) {
      record(f, ci, NOT_EVALUATED, 0);
      nextComponent(f);
      return R_NEXT;
    }
    if (!isDependency(lvl, ci) && load<u32>(f + O_IDXMODE) == IDX_ALL) {
      // With component index true it applies to the dependencies only (trust-domains §6.3).
      nextComponent(f);
      return R_NEXT;
    }
    if (section == 3 || !isDependency(lvl, ci)) return abortAt(f, c.D_DEP_NOT_CHECKED, ci);
    if (next >= MAX_LEVELS) return abortAt(f, c.D_DEP_DEPTH, ci);
    if (!hasFlag(lvl, ci, CF_INTEGRITY)) {
      if (!prm.hasParam(lvl, ci, k.P_DIGEST)) return abortAt(f, c.D_DEP_NOT_CHECKED, ci);
      const r = dependencyIntegrity(lvl, ci);
      if (r < 0) return abortAt(f, -r, ci);
    }
    const d = loadDependency(lvl, ci);
    if (d != 0) return abortAt(f, d == c.D_DEP_DEPTH ? d : c.D_DEP_INTEGRITY, ci);
    const seen = processedBefore(next);
    if (seen < 0) return abortAt(f, c.D_LIMIT, ci);
    record(f, ci, PASS, 0);
    if (seen == 1) {
      nextComponent(f);
      return R_NEXT;
    }
    enterParams(next);
    store<u32>(f + O_ALT, 1);
    const x = mx(next);
    const sn = load<u32>(x + X_SHARED + 4);
    if (sn > 0) {
      const sp = load<u32>(x + X_SHARED);
      if (!push(F_DEP, next, 3, sp, sp, sn, false, IDX_SINGLE, 0)) return abortAt(f, c.D_FRAMES, ci);
      return R_PUSHED;
    }
  }
  if (load<u32>(f + O_ALT) == 1) {
    store<u32>(f + O_ALT, 2);
    const st = sectionState(next, section);
    if (st == SEC_SEVERED) return abortAt(f, c.D_SEVERED, ci);
    if (st == SEC_PRESENT) {
      const sp = sectionPtr(next, section);
      if (!push(F_DEP, next, section, sp, sp, sectionLen(next, section), false, IDX_SINGLE, 0)) return abortAt(f, c.D_FRAMES, ci);
      return R_PUSHED;
    }
  }
  nextComponent(f);
  return R_NEXT;
}

/** A child frame ended (with a condition failure or not); the parent's command continues. */
function childEnded(condFailed: bool, childSoft: bool, childKind: u8): i32 {
  const f = top();
  if (load<i32>(f + O_CMD) == k.D_PROCESS_DEPENDENCY) {
    if (!condFailed) return continueCommand(f);
    // "An Abort in a Dependency causes an Abort" (trust-domains §6.4).
    resultFail(lfDetail, lfSection, lfOffset, lfComp, lfDep);
    running = false;
    clearFrames();
    return stop(ST_DONE);
  }
  if (childKind == F_ALT) {
    if (!condFailed) {
      nextComponent(f);
      return continueCommand(f);
    }
    return childSoft ? nextAlternative(f, compAt(f, load<u32>(f + O_ITER))) : R_COND_FAIL;
  }
  // run-sequence: with soft-failure a condition failure just ends the argument sequence.
  if (condFailed && !childSoft) return R_COND_FAIL;
  nextComponent(f);
  return continueCommand(f);
}

/** Reads the next command of frame f into the frame; false at the end of the sequence. */
function readCommand(f: u32): bool {
  cbor.setInput(load<u32>(f + O_PC), load<u32>(f + O_END));
  const n = load<u32>(f + O_COUNT);
  if (!cbor.hasNext(n)) return false;
  if (n != cbor.INDEF) store<u32>(f + O_COUNT, n - 2);
  store<u32>(f + O_CMDPTR, cbor.rp);
  cbor.readInt();
  const cmd = <i32>cbor.vInt;
  store<i32>(f + O_CMD, cmd);
  store<u32>(f + O_ARG, cbor.rp);
  const kind = k.argKind(cmd);
  let policy: u32 = 0;
  if (kind == k.A_POLICY_COND || kind == k.A_POLICY_DIR) {
    const save = cbor.rp;
    cbor.readU64();
    policy = <u32>cbor.hArg;
    cbor.setCursor(save, cbor.rlim);
  }
  cbor.skip();
  store<u32>(f + O_PC, cbor.rp);
  store<u32>(f + O_POLICY, policy);
  store<u32>(f + O_ITER, 0);
  store<u32>(f + O_ALT, 0);
  store<u8>(f + O_INCMD, 1);
  return true;
}

/**
 * Runs until the run ends, suspends at a fetch, or hands off at an invoke. `r` is the result of
 * a step already taken (R_NONE for none); condition failures unwind through the frames.
 */
function drive(r: i32): i32 {
  for (;;) {
    while (r != R_NONE) {
      if (r == R_STOP) return stopStatus;
      if (r == R_PUSHED) {
        r = R_NONE;
        break;
      }
      const f = top();
      if (r == R_NEXT) {
        store<u8>(f + O_INCMD, 0);
        r = R_NONE;
        break;
      }
      // R_COND_FAIL: frame f ends with a condition failure.
      const kind = load<u8>(f + O_KIND);
      const wasSoft = soft(f);
      pop();
      if (kind == F_SECTION || depth == 0) {
        resultFail(lfDetail, lfSection, lfOffset, lfComp, lfDep);
        running = false;
        clearFrames();
        return ST_DONE;
      }
      r = childEnded(true, wasSoft, kind);
    }
    if (!running) return ST_DONE;
    if (depth == 0) {
      const s = advanceRun();
      if (s >= 0) return s;
      continue;
    }
    const f = top();
    if (load<u8>(f + O_INCMD) == 0 && !readCommand(f)) {
      // The sequence completed.
      const kind = load<u8>(f + O_KIND);
      const wasSoft = soft(f);
      pop();
      if (kind != F_SECTION) r = childEnded(false, wasSoft, kind);
      continue;
    }
    r = step(f);
  }
  // Not reached: the loop exits only by return (AssemblyScript wants a final value).
  return ST_DONE;
}

/** Pushes the next top-level sequence of the run list; a status when the run is over, else -1. */
function advanceRun(): i32 {
  if (runPos >= runCount) {
    running = false;
    return ST_DONE;
  }
  const key = load<i32>(RUNLIST + (<u32>runPos << 2));
  const x = mx(0);
  if (runStage == 0) {
    // A section the manifest does not have is skipped, shared sequence included.
    const st = key == 3 ? SEC_PRESENT : sectionState(0, key);
    if (st == SEC_SEVERED) {
      resultFail(c.D_SEVERED, key, 0, -1, -1);
      running = false;
      return ST_DONE;
    }
    if (st != SEC_PRESENT) {
      runPos++;
      return -1;
    }
    runStage = 1;
    setStrictOrder(true);
    clearProcessed();
    const sn = load<u32>(x + X_SHARED + 4);
    if (sn > 0) {
      const sp = load<u32>(x + X_SHARED);
      push(F_SECTION, 0, 3, sp, sp, sn, false, IDX_SINGLE, 0);
    }
    return -1;
  }
  runStage = 0;
  runPos++;
  setStrictOrder(true);
  if (key != 3) {
    const sp = sectionPtr(0, key);
    push(F_SECTION, 0, key, sp, sp, sectionLen(0, key), false, IDX_SINGLE, 0);
  }
  return -1;
}

function failRun(d: i32): i32 {
  resultFail(d, 0, 0, -1, -1);
  running = false;
  return ST_DONE;
}

// ---------------------------------------------------------------------------------------------
// Entry points (exported by index.ts)

/** Starts a run over the `count` section keys in IO (i32 each; 3 = the shared sequence alone). */
export function runBegin(count: i32, dryRun: bool): i32 {
  resultClear();
  if (count < 0 || count > MAX_RUN) return failRun(c.D_LIMIT);
  memory.copy(RUNLIST, IO, <u32>count << 2);
  runCount = count;
  runPos = 0;
  runStage = 0;
  clearFrames();
  setDry(dryRun);
  setProps(0);
  setStrictOrder(true);
  fetching = false;
  fetchAbandon(0); // a fetch left pending by an earlier run keeps no key
  forgetDependency(1);
  lfDetail = 0;
  prm.clearParams(0);
  resetComponents(0);
  running = true;
  return drive(R_NONE);
}

/** Fetch data: IO[0..len). Returns ST_PENDING, or ST_DONE when the fetch failed. */
export function fetchData(len: u32): i32 {
  if (!fetching) return failRun(c.D_STATE);
  const d = fetchChunk(min<u32>(len, IO_SIZE));
  return d != 0 ? failFetch(d) : ST_PENDING;
}

function failFetch(d: i32): i32 {
  fetchAbandon(d);
  fetching = false;
  const f = top();
  const ci = requestComponent();
  record(f, ci, FAIL, 0);
  abortAt(f, d, ci);
  return stopStatus;
}

/** The fetch is complete: check its size, record it, resume the run. */
export function fetchEnd(): i32 {
  if (!fetching) return failRun(c.D_STATE);
  const d = fetchFinish();
  if (d != 0) return failFetch(d);
  fetching = false;
  const f = top();
  record(f, requestComponent(), PASS, propsLen);
  // The fetch command continues with its next component, then the rest of the run.
  return drive(continueCommand(f));
}

/** The host could not get the payload. */
export function fetchFailed(): i32 {
  if (!fetching) return failRun(c.D_STATE);
  return failFetch(c.D_FETCH);
}

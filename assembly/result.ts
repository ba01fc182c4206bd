/**
 * The outcome of the last verify / run: report reason, detail, and where it happened
 * (draft-ietf-suit-report §4.2 suit-report-result-record: manifest path, section, offset,
 * component index). Read by the host through the result_* exports.
 */
import { reasonOf, R_INVOKE_PENDING } from './codes';

export let resReason: i32 = 0;
export let resDetail: i32 = 0;
export let resSection: i32 = 0;
export let resOffset: u32 = 0;
export let resComponent: i32 = -1;
export let resDep: i32 = -1; // -1 root manifest, else the dependency's ordinal

export function resultClear(): void {
  resReason = 0;
  resDetail = 0;
  resSection = 0;
  resOffset = 0;
  resComponent = -1;
  resDep = -1;
}

/** Records a failure (the first one wins) and returns its reason. */
export function resultFail(detail: i32, section: i32, offset: u32, component: i32, dep: i32): i32 {
  if (resDetail == 0) {
    resDetail = detail;
    resReason = reasonOf(detail);
    resSection = section;
    resOffset = offset;
    resComponent = component;
    resDep = dep;
  }
  return resReason;
}

/** An invoke handed control off: the run's outcome is not known yet (reason invoke-pending). */
export function resultInvoked(section: i32, offset: u32, component: i32, dep: i32): void {
  resReason = R_INVOKE_PENDING;
  resDetail = 0;
  resSection = section;
  resOffset = offset;
  resComponent = component;
  resDep = dep;
}

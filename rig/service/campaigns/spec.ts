/**
 * A campaign request as the device operator sends it (DESIGN.md "Lab service": `POST /campaigns`
 * `{release, boards: [names] | tag, groups?: [size...], success_threshold?, error_threshold?,
 * deadline_s?}`), checked for meaning once its types are checked by the route's schema, with the
 * defaults made explicit, and its boards split into rollout groups.
 *
 * - `groups`: sizes of the rollout groups, in board order (the names as given; a tag's boards by
 *   name); boards beyond their sum form one more group; absent: one group of every board.
 * - `success_threshold` (0..1, default 1): the share of a group that must be confirmed before the
 *   next group starts.
 * - `error_threshold` (0..1): the campaign pauses as soon as this share of a group has ended in
 *   error (refused, reverted, failed, timed-out). Default: as soon as the group can no longer
 *   reach its success threshold — with the default success threshold, at the first error.
 * - `deadline_s` (default 600): a board without a verdict this long after its update started is
 *   timed-out.
 * - `confirm_s` (default 30, our addition): how long a booted test image may take to confirm
 *   itself before the board is reset to see whether it stays or reverts; at most `deadline_s`.
 */
import { StoreRefusal } from '../store/errors.js';

export interface CampaignRequest {
  release: string;
  boards?: string[];
  tag?: string;
  groups?: number[];
  success_threshold?: number;
  error_threshold?: number;
  deadline_s?: number;
  confirm_s?: number;
}

/** The request with every default filled in: what the campaign row keeps. */
export interface CampaignSpec {
  selector: { boards: string[] } | { tag: string };
  /** Group sizes, summing to the number of boards. */
  groups: number[];
  successThreshold: number;
  /** Absent: pause when the group can no longer reach the success threshold. */
  errorThreshold?: number;
  deadlineS: number;
  confirmS: number;
}

const DEFAULT_DEADLINE_S = 600;
const DEFAULT_CONFIRM_S = 30;
export const MAX_DEADLINE_S = 24 * 3600;
export const MAX_CAMPAIGN_BOARDS = 10_000;

/** A request that is well-typed but means nothing sensible (400). */
class CampaignRequestError extends StoreRefusal {
  override name = 'CampaignRequestError';
  constructor(message: string) {
    super('invalid', message);
  }
}

function fraction(v: number | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isFinite(v) || v < 0 || v > 1) throw new CampaignRequestError(`${name}: expected a share from 0 to 1 (e.g. 0.9), got ${v}`);
  return v;
}

function seconds(v: number | undefined, name: string, min: number, max: number, dflt: number): number {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || v < min || v > max) throw new CampaignRequestError(`${name}: expected whole seconds from ${min} to ${max}, got ${v}`);
  return v;
}

/**
 * Checks `r` and fills in the defaults. `boardCount` is how many boards the selector found
 * (rig/service/store/select-boards.ts checked the selector).
 */
export function campaignSpec(r: CampaignRequest, boardCount: number): CampaignSpec {
  const groups = [...(r.groups ?? [])];
  for (const g of groups) if (!Number.isInteger(g) || g < 1) throw new CampaignRequestError(`groups: every group size is a whole number of at least 1, got ${g}`);
  const sum = groups.reduce((a, b) => a + b, 0);
  if (sum > boardCount) throw new CampaignRequestError(`groups add up to ${sum} boards, but the campaign has ${boardCount}`);
  if (sum < boardCount) groups.push(boardCount - sum);
  const successThreshold = fraction(r.success_threshold, 'success_threshold') ?? 1;
  const errorThreshold = fraction(r.error_threshold, 'error_threshold');
  if (errorThreshold === 0) throw new CampaignRequestError('error_threshold: 0 would pause the campaign before any board ran; give a share above 0');
  const deadlineS = seconds(r.deadline_s, 'deadline_s', 1, MAX_DEADLINE_S, DEFAULT_DEADLINE_S);
  const confirmS = seconds(r.confirm_s, 'confirm_s', 0, deadlineS, Math.min(DEFAULT_CONFIRM_S, deadlineS));
  return {
    selector: r.boards !== undefined ? { boards: [...r.boards] } : { tag: r.tag! },
    groups,
    successThreshold,
    ...(errorThreshold !== undefined ? { errorThreshold } : {}),
    deadlineS,
    confirmS,
  };
}

/** True when `errors` of a group of `size` have reached what the spec tolerates. */
export function errorThresholdReached(spec: CampaignSpec, errors: number, size: number): boolean {
  if (errors === 0) return false;
  if (spec.errorThreshold !== undefined) return errors / size >= spec.errorThreshold;
  // Pause once the group cannot reach its success threshold any more.
  return (size - errors) / size < spec.successThreshold;
}

export function successThresholdMet(spec: CampaignSpec, confirmed: number, size: number): boolean {
  return confirmed / size >= spec.successThreshold;
}

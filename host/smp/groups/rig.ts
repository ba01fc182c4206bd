/**
 * Rig group (67, user-defined range) client commands, as DESIGN.md "Wire protocol" defines
 * them: the board's last SUIT report and boot record, its trust state, and (virtual boards)
 * fault arming and board model. A real board without the group answers rc 8; callers fall
 * back to groups 0, 1 and 66 (`isNotSupported`).
 */
import type { RequestOptions, SmpClient } from '../client.js';
import { array, bigUint, bytes, map, text, uint } from '../fields.js';
import { GroupId, RigCmd } from '../ids.js';

export interface BootRecord {
  count: number;
  reason: string;
  slot: number;
  outcome: string;
}

export interface LastReport {
  /** SUIT_Report CBOR as the board produced it. */
  report: Uint8Array;
  boot: BootRecord;
}

export interface TrustState {
  sequence: bigint;
  /** Key ids of the trust anchors. */
  anchors: Uint8Array[];
  /** Roles whose signatures are required. */
  require: string[];
}

export interface FaultPlan {
  /** Cut power before the Nth flash operation. */
  powerCutBeforeOp?: number;
  link?: { drop?: number; corrupt?: number; burst?: number };
  /** Seed of the board's fault generator (print it to replay). */
  seed: number;
}

export interface BoardModel {
  quirks?: string[];
  appDefault?: string;
}

export class RigClient {
  constructor(private readonly c: SmpClient) {}

  async lastReport(options?: RequestOptions): Promise<LastReport> {
    const r = await this.c.read(GroupId.RIG, RigCmd.LAST_REPORT, {}, options);
    const ctx = 'rig last report answer';
    const b = map(r, 'boot', ctx);
    return { report: bytes(r, 'report', ctx), boot: { count: uint(b, 'count', ctx), reason: text(b, 'reason', ctx), slot: uint(b, 'slot', ctx), outcome: text(b, 'outcome', ctx) } };
  }

  async trustState(options?: RequestOptions): Promise<TrustState> {
    const r = await this.c.read(GroupId.RIG, RigCmd.TRUST_STATE, {}, options);
    const ctx = 'rig trust state answer';
    return {
      sequence: bigUint(r, 'sequence', ctx),
      anchors: array(r, 'anchors', ctx).map((a, i) => bytes({ a }, 'a', `${ctx} anchors[${i}]`)),
      require: array(r, 'require', ctx).map((x, i) => text({ x }, 'x', `${ctx} require[${i}]`)),
    };
  }

  async armFault(plan: FaultPlan, options?: RequestOptions): Promise<void> {
    await this.c.write(GroupId.RIG, RigCmd.ARM_FAULT, { power_cut_before_op: plan.powerCutBeforeOp, link: plan.link, seed: plan.seed }, options);
  }

  async boardModel(model: BoardModel, options?: RequestOptions): Promise<void> {
    await this.c.write(GroupId.RIG, RigCmd.BOARD_MODEL, { quirks: model.quirks, app_default: model.appDefault }, options);
  }
}

/**
 * Rig group (67, user-defined range) client commands, as DESIGN.md "Wire protocol" defines
 * them: the board's last SUIT report and boot record, the same report protected (command 2, a
 * later extension: with the client's nonce, COSE-signed or MACed by the board, optionally with a
 * capability report), its trust state (with, on virtual
 * boards, their deliberate breakage: quirks, armed faults, whether the test hooks are
 * served), and the test hooks of virtual boards started for testing: fault arming and board
 * model (elsewhere rc 8). A real board without the group answers rc 8; callers fall back to
 * groups 0, 1 and 66 (`isNotSupported`).
 */
import type { SmpMap } from '../cbor.js';
import type { RequestOptions, SmpClient } from '../client.js';
import { array, bigUint, bytes, map, optBool, optUint, SmpProtocolError, text, uint } from '../fields.js';
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

export interface ProtectedReport {
  /** COSE_Sign1_Tagged / COSE_Mac0_Tagged carrying the SUIT_Report; empty before any run. */
  report: Uint8Array;
  boot: BootRecord;
}

export interface TrustState {
  sequence: bigint;
  /** Key ids of the trust anchors. */
  anchors: Uint8Array[];
  /** Roles whose signatures are required. */
  require: string[];
  /** Virtual boards: the deliberately broken behaviours now in force (from --quirk, a lab file or the board model hook). */
  quirks?: string[];
  /** Virtual boards: what an application without an app header does. */
  appDefault?: string;
  /** Virtual boards: whether commands 8 and 9 (arm fault, board model) are served. */
  testHooks?: boolean;
  /** Virtual boards: faults armed now. */
  faults?: { powerCutBeforeOp?: number; link?: Record<string, number> };
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

function bootRecord(b: SmpMap, ctx: string): BootRecord {
  return { count: uint(b, 'count', ctx), reason: text(b, 'reason', ctx), slot: uint(b, 'slot', ctx), outcome: text(b, 'outcome', ctx) };
}

function texts(m: SmpMap, key: string, ctx: string): string[] {
  return array(m, key, ctx).map((x, i) => text({ x }, 'x', `${ctx} ${key}[${i}]`));
}

function faults(f: SmpMap, ctx: string): NonNullable<TrustState['faults']> {
  const cut = optUint(f, 'power_cut_before_op', ctx);
  const l = f['link'] === undefined ? undefined : map(f, 'link', ctx);
  const link = l && Object.fromEntries(Object.keys(l).map((k) => [k, probability(l, k, `${ctx} link`)]));
  return { ...(cut !== undefined ? { powerCutBeforeOp: cut } : {}), ...(link ? { link } : {}) };
}

function probability(m: SmpMap, key: string, ctx: string): number {
  const v = m[key];
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new SmpProtocolError(`${ctx}: field '${key}' is not a probability in [0, 1]`);
  return v;
}

export class RigClient {
  constructor(private readonly c: SmpClient) {}

  async lastReport(options?: RequestOptions): Promise<LastReport> {
    const r = await this.c.read(GroupId.RIG, RigCmd.LAST_REPORT, {}, options);
    const ctx = 'rig last report answer';
    return { report: bytes(r, 'report', ctx), boot: bootRecord(map(r, 'boot', ctx), ctx) };
  }

  /** Command 2: the last report with `nonce`, protected by the board (rc 8 on boards without it). */
  async protectedReport(nonce: Uint8Array, capabilities: boolean, options?: RequestOptions): Promise<ProtectedReport> {
    const r = await this.c.read(GroupId.RIG, RigCmd.PROTECTED_REPORT, { nonce, ...(capabilities ? { capabilities } : {}) }, options);
    const ctx = 'rig protected report answer';
    return { report: bytes(r, 'report', ctx), boot: bootRecord(map(r, 'boot', ctx), ctx) };
  }

  async trustState(options?: RequestOptions): Promise<TrustState> {
    const r = await this.c.read(GroupId.RIG, RigCmd.TRUST_STATE, {}, options);
    const ctx = 'rig trust state answer';
    const testHooks = optBool(r, 'test_hooks', ctx);
    return {
      sequence: bigUint(r, 'sequence', ctx),
      anchors: array(r, 'anchors', ctx).map((a, i) => bytes({ a }, 'a', `${ctx} anchors[${i}]`)),
      require: texts(r, 'require', ctx),
      ...(r['quirks'] !== undefined ? { quirks: texts(r, 'quirks', ctx) } : {}),
      ...(r['app_default'] !== undefined ? { appDefault: text(r, 'app_default', ctx) } : {}),
      ...(testHooks !== undefined ? { testHooks } : {}),
      ...(r['faults'] !== undefined ? { faults: faults(map(r, 'faults', ctx), `${ctx} faults`) } : {}),
    };
  }

  async armFault(plan: FaultPlan, options?: RequestOptions): Promise<void> {
    await this.c.write(GroupId.RIG, RigCmd.ARM_FAULT, { power_cut_before_op: plan.powerCutBeforeOp, link: plan.link, seed: plan.seed }, options);
  }

  async boardModel(model: BoardModel, options?: RequestOptions): Promise<void> {
    await this.c.write(GroupId.RIG, RigCmd.BOARD_MODEL, { quirks: model.quirks, app_default: model.appDefault }, options);
  }
}

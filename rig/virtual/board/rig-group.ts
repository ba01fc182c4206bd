/**
 * Rig group (67, user-defined range) of the virtual board, exactly as DESIGN.md "Wire protocol"
 * defines it:
 *
 * | cmd | op | request | response |
 * |---|---|---|---|
 * | 0 last report | read | `{}` | `{"report": bstr (SUIT_Report CBOR), "boot": {"count", "reason", "slot", "outcome"}}` |
 * | 1 trust state | read | `{}` | `{"sequence": uint, "anchors": [bstr key ids], "require": [tstr roles]}` |
 * | 8 arm fault | write | `{"power_cut_before_op"?: uint, "link"?: {"drop"?, "corrupt"?, "burst"?}, "seed": uint}` | `{}` |
 * | 9 board model | write | `{"quirks"?: [tstr], "app_default"?: tstr}` | `{}` |
 *
 * The report is that of the firmware consumer's last run (the update decision); before any
 * update it is the last secure-boot run's, and empty on a board that never ran one. The boot
 * record is the last boot's (outcome `recovery` while the board stays in its bootloader).
 */
import type { SmpMap } from '../../../host/smp/cbor.js';
import { MgmtErr, SmpRcError } from '../../../host/smp/errors.js';
import { GroupId, RigCmd } from '../../../host/smp/ids.js';
import type { SmpGroupHandler } from '../../../host/smp/server/server.js';
import { QUIRKS, type Quirk } from '../bootloader/index.js';
import { BEHAVIOURS, type Behaviour } from '../app/app-image.js';
import { reqUint } from './request.js';

export interface RigGroupHost {
  lastReport(): Uint8Array;
  boot(): { count: number; reason: string; slot: number; outcome: string };
  trust(): { sequence: bigint; anchors: Uint8Array[]; require: string[] };
  armPowerCut(beforeOp: number, seed: number): void;
  armLinkFaults(f: { drop?: number; corrupt?: number; burst?: number }, seed: number): void;
  setModel(m: { quirks?: Quirk[]; appDefault?: Behaviour }): void;
}

function probability(v: unknown, key: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new SmpRcError(MgmtErr.EINVAL, `link.${key} must be a probability in [0, 1]`);
  return v;
}

function armFault(host: RigGroupHost, body: SmpMap): SmpMap {
  const seed = reqUint(body, 'seed');
  if (seed > 0xffff_ffff) throw new SmpRcError(MgmtErr.EINVAL, "'seed' must fit 32 bits");
  const cut = reqUint(body, 'power_cut_before_op', true);
  const link = body['link'];
  if (link !== undefined && (link === null || typeof link !== 'object' || Array.isArray(link) || link instanceof Uint8Array)) {
    throw new SmpRcError(MgmtErr.EINVAL, "'link' must be a map {drop?, corrupt?, burst?}");
  }
  if (cut === undefined && link === undefined) throw new SmpRcError(MgmtErr.EINVAL, 'nothing to arm: give power_cut_before_op and/or link');
  if (link !== undefined) {
    const l = link as SmpMap;
    for (const k of Object.keys(l)) if (!['drop', 'corrupt', 'burst'].includes(k)) throw new SmpRcError(MgmtErr.EINVAL, `unknown link fault '${k}' (drop, corrupt, burst)`);
    const f = { drop: probability(l['drop'], 'drop'), corrupt: probability(l['corrupt'], 'corrupt'), burst: probability(l['burst'], 'burst') };
    host.armLinkFaults(Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)), seed);
  }
  if (cut !== undefined) host.armPowerCut(cut, seed);
  return {};
}

function boardModel(host: RigGroupHost, body: SmpMap): SmpMap {
  const q = body['quirks'];
  let quirks: Quirk[] | undefined;
  if (q !== undefined) {
    if (!Array.isArray(q) || !q.every((x): x is string => typeof x === 'string')) throw new SmpRcError(MgmtErr.EINVAL, "'quirks' must be an array of text strings");
    const bad = q.find((x) => !(QUIRKS as readonly string[]).includes(x));
    if (bad !== undefined) throw new SmpRcError(MgmtErr.EINVAL, `unknown quirk '${bad}' (${QUIRKS.join(', ')})`);
    quirks = q as Quirk[];
  }
  const a = body['app_default'];
  if (a !== undefined && (typeof a !== 'string' || !(BEHAVIOURS as readonly string[]).includes(a))) {
    throw new SmpRcError(MgmtErr.EINVAL, `'app_default' must be one of ${BEHAVIOURS.join(', ')}`);
  }
  host.setModel({ ...(quirks ? { quirks } : {}), ...(a !== undefined ? { appDefault: a as Behaviour } : {}) });
  return {};
}

export function rigGroup(host: RigGroupHost): SmpGroupHandler {
  return {
    id: GroupId.RIG,
    name: 'rig',
    commands: {
      [RigCmd.LAST_REPORT]: { read: () => ({ report: host.lastReport(), boot: { ...host.boot() } }) },
      [RigCmd.TRUST_STATE]: {
        read: () => {
          const t = host.trust();
          return { sequence: t.sequence <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(t.sequence) : t.sequence, anchors: t.anchors, require: t.require };
        },
      },
      [RigCmd.ARM_FAULT]: { write: ({ body }) => armFault(host, body) },
      [RigCmd.BOARD_MODEL]: { write: ({ body }) => boardModel(host, body) },
    },
  };
}

/**
 * Rig group (67, user-defined range) of the virtual board, as DESIGN.md "Wire protocol"
 * defines it:
 *
 * | cmd | op | request | response |
 * |---|---|---|---|
 * | 0 last report | read | `{}` | `{"report": bstr (SUIT_Report CBOR), "boot": {"count", "reason", "slot", "outcome"}}` |
 * | 1 trust state | read | `{}` | `{"sequence": uint, "anchors": [bstr key ids], "require": [tstr roles], "quirks": [tstr], "app_default": tstr, "test_hooks": bool, "faults": {"power_cut_before_op"?: uint, "link"?: {"drop"?, "corrupt"?, "burst"?, "duplicate"?, "stall"?}}}` |
 * | 2 protected report | read | `{"nonce": bstr (8-64 bytes), "capabilities"?: bool}` | `{"report": bstr (COSE_Sign1_Tagged / COSE_Mac0_Tagged: the last report with this nonce; empty before any run), "boot": {...}}` |
 * | 8 arm fault (test hook) | write | `{"power_cut_before_op"?: uint, "link"?: {"drop"?, "corrupt"?, "burst"?}, "seed": uint}` | `{}` |
 * | 9 board model (test hook) | write | `{"quirks"?: [tstr], "app_default"?: tstr}` | `{}` |
 *
 * The report is that of the firmware consumer's last run (the update decision); before any
 * update it is the last secure-boot run's, and empty on a board that never ran one. The boot
 * record is the last boot's (outcome `recovery` while the board stays in its bootloader).
 *
 * Command 2 was added after 0 and 1 (a compatible extension: clients that do not know it never
 * send it; a board without it answers rc 8, and the host falls back to command 0, saying the
 * report is not protected). It gives the same report as draft-ietf-suit-report §6 requires it on
 * the wire: with the client's nonce (freshness: no replay of an older report), a capability
 * report when asked (or when the run failed on something the board does not implement), signed
 * with the board's report key (or MACed with a key it shares with its operator).
 *
 * Commands 8 and 9 are test hooks: they make the board lie (skip-signature, accept-rollback)
 * or go deaf (link drop 1.0) for whoever is on its port, so they are served only by a board
 * started for testing (`testHooks`). Elsewhere they are answered rc 8 (ENOTSUP), as a board
 * built without them answers — not EACCESSDENIED, which would promise that some client may
 * pass: SMP over serial authenticates nobody, and only restarting the board with
 * `--test-hooks` enables them; rc 8 is also what the rig's clients already read as "this board
 * has no such command". Every change made through them, and every refused attempt, is written
 * on the board's console, and the trust state carries the board's quirks and armed faults,
 * so a board that was made to lie shows it (`suitrig status`).
 */
import type { SmpMap } from '../../../host/smp/cbor.js';
import { MgmtErr, SmpRcError } from '../../../host/smp/errors.js';
import { GroupId, RigCmd } from '../../../host/smp/ids.js';
import type { SmpGroupHandler, SmpHandler } from '../../../host/smp/server/server.js';
import { QUIRKS, type Quirk } from '../bootloader/index.js';
import { BEHAVIOURS, type Behaviour } from '../app/app-image.js';
import { reqBytes, reqUint } from './request.js';

/** Link fault probabilities as the trust state reports them. */
const LINK_FAULTS = ['drop', 'corrupt', 'burst', 'duplicate', 'stall'] as const;

/** The board model and faults as they are now. */
export interface BoardModelState {
  quirks: readonly Quirk[];
  appDefault: Behaviour;
  /** Flash operations left before the armed power cut, or undefined when none is armed. */
  powerCutInOps: number | undefined;
  link: Partial<Record<(typeof LINK_FAULTS)[number], number>>;
}

export interface RigGroupHost {
  /** Serve commands 8 and 9 (a board started for testing); else they are refused rc 8. */
  readonly testHooks: boolean;
  lastReport(): Uint8Array;
  /** The last report with `nonce`, COSE-protected with the board's report key; empty when none. */
  protectedReport(nonce: Uint8Array, capabilities: boolean): Uint8Array;
  boot(): { count: number; reason: string; slot: number; outcome: string };
  trust(): { sequence: bigint; anchors: Uint8Array[]; require: string[] };
  model(): BoardModelState;
  armPowerCut(beforeOp: number, seed: number): void;
  armLinkFaults(f: { drop?: number; corrupt?: number; burst?: number }, seed: number): void;
  setModel(m: { quirks?: Quirk[]; appDefault?: Behaviour }): void;
  /** A line on the board's console. */
  log(line: string): void;
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
    const set = Object.entries(f).filter((e): e is [string, number] => e[1] !== undefined);
    // Logged before it is armed: a line that drops everything would drop its own notice too.
    host.log(`W: test hook: ${set.length ? `link faults armed: ${set.map(([k, v]) => `${k} ${v}`).join(', ')}` : 'link faults cleared'} (seed ${seed}) (from SMP)`);
    host.armLinkFaults(Object.fromEntries(set), seed);
  }
  if (cut !== undefined) {
    host.log(`W: test hook: power cut armed before flash operation ${cut} from now (seed ${seed}) (from SMP)`);
    host.armPowerCut(cut, seed);
  }
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
  if (quirks) host.log(`W: test hook: quirks set to ${quirks.length ? quirks.join(', ') : 'none'} (from SMP)`);
  if (a !== undefined) host.log(`W: test hook: application default set to ${a} (from SMP)`);
  host.setModel({ ...(quirks ? { quirks } : {}), ...(a !== undefined ? { appDefault: a as Behaviour } : {}) });
  return {};
}

/** Command `cmd` served only on a board started for testing; refused rc 8 (and logged) elsewhere. */
function testHook(host: RigGroupHost, cmd: number, name: string, fn: (body: SmpMap) => SmpMap): SmpHandler {
  return ({ body }) => {
    if (!host.testHooks) {
      host.log(`W: test hook refused: rig command ${cmd} (${name}) from SMP: this board was not started with --test-hooks`);
      throw new SmpRcError(MgmtErr.ENOTSUP, `rig command ${cmd} (${name}) is a test hook: this board was not started with --test-hooks`);
    }
    return fn(body);
  };
}

function trustState(host: RigGroupHost): SmpMap {
  const t = host.trust();
  const m = host.model();
  const link = Object.fromEntries(LINK_FAULTS.filter((k) => (m.link[k] ?? 0) > 0).map((k) => [k, m.link[k]!]));
  return {
    sequence: t.sequence <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(t.sequence) : t.sequence,
    anchors: t.anchors,
    require: t.require,
    quirks: [...m.quirks],
    app_default: m.appDefault,
    test_hooks: host.testHooks,
    faults: { ...(m.powerCutInOps !== undefined ? { power_cut_before_op: m.powerCutInOps } : {}), ...(Object.keys(link).length ? { link } : {}) },
  };
}

function protectedReport(host: RigGroupHost, body: SmpMap): SmpMap {
  const nonce = reqBytes(body, 'nonce');
  if (nonce.length < 8 || nonce.length > 64) throw new SmpRcError(MgmtErr.EINVAL, "'nonce' must be 8 to 64 bytes");
  const caps = body['capabilities'];
  if (caps !== undefined && typeof caps !== 'boolean') throw new SmpRcError(MgmtErr.EINVAL, "'capabilities' must be a boolean");
  return { report: host.protectedReport(nonce, caps === true), boot: { ...host.boot() } };
}

export function rigGroup(host: RigGroupHost): SmpGroupHandler {
  return {
    id: GroupId.RIG,
    name: 'rig',
    commands: {
      [RigCmd.LAST_REPORT]: { read: () => ({ report: host.lastReport(), boot: { ...host.boot() } }) },
      [RigCmd.TRUST_STATE]: { read: () => trustState(host) },
      [RigCmd.PROTECTED_REPORT]: { read: ({ body }) => protectedReport(host, body) },
      [RigCmd.ARM_FAULT]: { write: testHook(host, RigCmd.ARM_FAULT, 'arm fault', (body) => armFault(host, body)) },
      [RigCmd.BOARD_MODEL]: { write: testHook(host, RigCmd.BOARD_MODEL, 'board model', (body) => boardModel(host, body)) },
    },
  };
}

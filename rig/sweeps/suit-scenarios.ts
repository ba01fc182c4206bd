/**
 * SUIT updates as power-cut sweep scenarios (issue 6 "Must show"; the harness is
 * rig/sweeps/harness.ts, after MCUboot's simulator): a board running a SUIT-installed
 * image (app 1.0.0, sequence 1, confirmed) receives a SUIT update (app 1.1.0, sequence 2)
 * through its firmware consumer — envelope, payload streamed into the candidate in 2 KiB chunks
 * as over SMP, container completed, swap requested — and is reset:
 * - test:   a test update of a healthy image (it confirms itself once running),
 * - perm:   a permanent update (the board installs permanently) of an image that never confirms,
 * - revert: a test update of an image that crashes at boot, so the bootloader reverts.
 * The cut may strike anywhere: in the install (the update is then simply lost), in the swap, in
 * the image's confirmation or in the raise of the stored sequence number. After the recovery
 * (and one further reset if an unconfirmed test image runs, as an operator would do) the board
 * must run a verified image through the SUIT secure boot: the new one exactly when the clean
 * run's operation order says the update had committed (its request written and, for a test
 * update, its confirmation not cut), else the old one; the primary slot must hold that image's
 * container byte for byte, trailers must be settled, the stored sequence number must be that
 * image's, and a further reset must keep it all.
 */
import { generateSigningKey, trustAnchorFor, type SymmetricKey } from '../../host/keys/index.js';
import { parseUuid } from '../../host/util/uuid.js';
import { buildAppImage, parseAppVersion, type Behaviour } from '../virtual/app/app-image.js';
import { appUpdateEnvelope } from '../suites/app-update.js';
import { Flag, Magic, flagName, magicName, type Quirk } from '../virtual/bootloader/index.js';
import { SimFlash, type FlashSnapshot } from '../virtual/flash/index.js';
import { getProfile, DEFAULT_PROFILE, partition, type BoardProfile } from '../virtual/profiles.js';
import type { CutInfo, SweepScenario } from './harness.js';
import type { InstallMode } from '../virtual/suit/consumer.js';
import { readContainer } from '../virtual/suit/container.js';
import { SuitFirmware } from '../virtual/suit/firmware.js';
import type { BoardIdentity, BoardTrust } from '../virtual/suit/trust.js';

export const SUIT_SCENARIOS = ['test', 'perm', 'revert'] as const;
export type SuitScenarioKind = (typeof SUIT_SCENARIOS)[number];

export interface SuitScenarioOptions {
  kind: SuitScenarioKind;
  profile?: BoardProfile;
  /** Application size (default: 8 sectors and a bit, so the container spans 9 sectors). */
  appSize?: number;
  quirks?: readonly Quirk[];
  /** Payload chunk size, as the SMP missing-image upload delivers it (default 2048). */
  chunk?: number;
}

export interface SuitWorld {
  readonly flash: SimFlash;
  readonly fw: SuitFirmware;
}

const NEW: Record<SuitScenarioKind, { behaviour: Behaviour; mode: InstallMode }> = {
  test: { behaviour: 'healthy', mode: 'test' },
  perm: { behaviour: 'never-confirms', mode: 'permanent' },
  revert: { behaviour: 'crashes', mode: 'test' },
};

interface Release {
  sequence: bigint;
  payload: Uint8Array;
  envelope: Uint8Array;
  version: string;
  /** The container as the primary slot holds it once installed (captured from the clean runs). */
  container?: Uint8Array;
}

export function suitUpdateScenario(o: SuitScenarioOptions): SweepScenario<SuitWorld> {
  const profile = o.profile ?? getProfile(DEFAULT_PROFILE);
  const primary = partition(profile, 'primary')!;
  const sector = profile.geometry.sectors.find((s) => s.offset >= primary.offset)!.size;
  const appSize = o.appSize ?? Math.min(8 * sector + 1000, Math.floor(primary.size * 0.6));
  const chunk = o.chunk ?? 2048;
  const key = generateSigningKey('hmac256') as SymmetricKey;
  const trust: BoardTrust = { anchors: [trustAnchorFor(key, 'author', 'sweep author key')], require: [] };
  const identity: BoardIdentity = {
    vendorId: parseUuid(profile.identity.vendorId)!,
    classId: parseUuid(profile.identity.classId)!,
    deviceId: parseUuid('5a1e5a1e-0000-4000-8000-000000000001')!,
  };
  const release = (version: string, behaviour: Behaviour, sequence: bigint): Release => {
    const payload = buildAppImage({ behaviour, version: parseAppVersion(version), size: appSize });
    const envelope = appUpdateEnvelope({ sequence, payload, vendor: identity.vendorId, class: identity.classId }, key);
    return { sequence, payload, envelope, version };
  };
  const oldRel = release('1.0.0', 'healthy', 1n);
  const newRel = release('1.1.0', NEW[o.kind].behaviour, 2n);
  const firmware = (flash: SimFlash): SuitFirmware =>
    new SuitFirmware({ profile, flash, trust, identity, quirks: o.quirks ?? [], installMode: NEW[o.kind].mode });

  const install = (fw: SuitFirmware, r: Release): void => {
    let step = fw.consumer.start(r.envelope);
    for (let off = 0; step.kind === 'fetching' && off < r.payload.length; off += chunk) step = fw.consumer.supply(r.payload.subarray(off, off + chunk));
    if (step.kind === 'fetching') step = fw.consumer.complete();
    if (step.kind !== 'finished') throw new Error(`sweep: the update to ${r.version} asks for a second payload (${step.request.uri})`);
    if (!step.installed) throw new Error(`sweep: the update to ${r.version} was not installed: ${step.report.message}`);
  };
  const slotImage = (fw: SuitFirmware, slot: 'primary' | 'secondary'): Uint8Array | undefined => {
    const c = readContainer(fw.areas[slot]);
    return c && fw.areas[slot].read(0, c.length);
  };

  // The board before the update: 1.0.0 installed over SUIT into an empty board, booted, confirmed.
  const base: FlashSnapshot = (() => {
    const fw = firmware(new SimFlash(profile.geometry));
    fw.powerOn();
    install(fw, oldRel);
    const st = fw.reset();
    if (st.kind !== 'running' || !st.confirmed) throw new Error(`sweep setup: ${oldRel.version} does not run confirmed (${st.kind})`);
    oldRel.container = slotImage(fw, 'primary');
    return fw.flash.snapshot();
  })();

  // Where, in the clean run, the swap request and the confirmation are written.
  const marks = (() => {
    const fw = firmware(new SimFlash(profile.geometry, { snapshot: base }));
    fw.powerOn();
    const sec = fw.device.bootloader.secondary;
    const pri = fw.device.bootloader.primary;
    const at = (area: { offset: number }, off: number): number => area.offset + off;
    const want = {
      request: at(sec.area, sec.layout.magicFieldOff),
      perm: at(sec.area, sec.layout.imageOkOff),
      confirm: at(pri.area, pri.layout.imageOkOff),
    };
    const found: Record<keyof typeof want, number[]> = { request: [], perm: [], confirm: [] };
    // One erase call may fill several sectors: an operation's index is the count of those done before it.
    const start = fw.flash.opCount;
    const off = fw.flash.addObserver({
      effect: (e) => {
        const op = fw.flash.opCount - start;
        for (const k of Object.keys(want) as (keyof typeof want)[]) if (e.kind === 'put' && e.offset === want[k]) found[k].push(op);
      },
    });
    install(fw, newRel);
    fw.reset();
    off();
    newRel.container = slotImage(fw, o.kind === 'revert' ? 'secondary' : 'primary');
    return { request: found.request[0] ?? -1, perm: found.perm[0] ?? -1, confirm: found.confirm[0] ?? -1 };
  })();

  /** Whether the update must have committed when power was cut before op `i` of the action. */
  const committedAfterCutAt = (i: number): boolean => {
    if (o.kind === 'revert') return false;
    if (o.kind === 'perm') return i > marks.perm;
    return i > marks.request && i !== marks.confirm;
  };

  return {
    name: `suit-${o.kind} (${profile.name}, ${Math.ceil(oldRel.container!.length / sector)}-sector images${o.quirks?.length ? `, quirks ${o.quirks.join(',')}` : ''})`,
    setup: () => {
      const flash = new SimFlash(profile.geometry, { snapshot: base });
      const fw = firmware(flash);
      // Power on: the old image boots (no flash operation: nothing to swap, confirm or raise).
      fw.powerOn();
      return { flash, fw };
    },
    act: (w) => {
      install(w.fw, newRel);
      w.fw.reset();
    },
    recover: (w) => {
      w.fw.powerLost();
      w.fw.powerOn();
    },
    check: (w, cut: CutInfo) => {
      const problems: string[] = [];
      const fw = w.fw;
      const first = fw.state;
      // An unconfirmed test image is not committed: the next reset (an operator's) reverts it.
      if (first.kind === 'running' && !first.confirmed) fw.reset();
      const committed = cut.cutsAt.length === 0 ? o.kind !== 'revert' : cut.cutsAt.length === 1 ? committedAfterCutAt(cut.cutsAt[0]!) : undefined;
      const verify = (when: string): Release | undefined => {
        const st = fw.state;
        if (st.kind !== 'running') {
          problems.push(`${when}: board is ${st.kind}${st.kind === 'recovery' ? ` (${st.message})` : ''}, expected it running a verified image`);
          return undefined;
        }
        const v = fw.running;
        const rel = v?.sequence === newRel.sequence ? newRel : v?.sequence === oldRel.sequence ? oldRel : undefined;
        if (!rel) {
          problems.push(`${when}: runs ${st.image.version} without a verified SUIT manifest of sequence 1 or 2`);
          return undefined;
        }
        if (committed !== undefined && (rel === newRel) !== committed) problems.push(`${when}: runs ${rel.version}, expected ${committed ? newRel.version : oldRel.version}`);
        if (!st.confirmed) problems.push(`${when}: ${rel.version} runs unconfirmed`);
        const img = slotImage(fw, 'primary');
        if (!img || !Buffer.from(img).equals(Buffer.from(rel.container!))) problems.push(`${when}: the primary slot does not hold the container of ${rel.version} byte for byte`);
        if (rel === newRel) {
          const other = slotImage(fw, 'secondary');
          if (!other || !Buffer.from(other).equals(Buffer.from(oldRel.container!))) problems.push(`${when}: the secondary slot does not hold ${oldRel.version} (swapped out) byte for byte`);
        }
        const p = fw.device.bootloader.primary.readState();
        const s = fw.device.bootloader.secondary.readState();
        if (p.magic !== Magic.GOOD || p.imageOk !== Flag.SET || p.copyDone !== Flag.SET) {
          problems.push(`${when}: primary trailer magic ${magicName(p.magic)}, image_ok ${flagName(p.imageOk)}, copy_done ${flagName(p.copyDone)}; expected good/set/set`);
        }
        if (s.magic !== Magic.UNSET) problems.push(`${when}: secondary trailer magic ${magicName(s.magic)}, expected unset (no swap pending)`);
        const stored = fw.storedSequence();
        if (stored !== rel.sequence) problems.push(`${when}: stored sequence number ${stored}, expected ${rel.sequence} (that of the running ${rel.version})`);
        return rel;
      };
      const rel = verify('after recovery');
      if (problems.length > 0 || !rel) return problems;
      const count = fw.bootRecord.count;
      fw.reset();
      const again = verify('after a further reset');
      if (again !== rel) problems.push(`a further reset changed the running image from ${rel.version} to ${again?.version ?? 'none'}`);
      const rec = fw.bootRecord;
      if (rec.outcome !== 'booted' || rec.count !== count + 1) problems.push(`after a further reset: boot record ${JSON.stringify(rec)}, expected outcome booted, count ${count + 1}`);
      return problems;
    },
  };
}

/**
 * MCUboot image updates as power-cut sweep scenarios (issue 6 "Must show"; MCUboot sim
 * `run_perm_with_fails`, `revert_with_fails`): a board running an old image (1.0.0, security
 * counter 1) with a new one (1.1.0, counter 2) staged in the secondary slot, then
 * - test:   a test update of a healthy image (it confirms itself once running),
 * - perm:   a permanent update of an image that never confirms,
 * - revert: a test update of an image that crashes at boot, so the bootloader reverts,
 * - revert-unconfirmed: the test swap is done and the new image runs unconfirmed; the reset
 *   reverts it.
 * After any cut the board must boot a verified image: the new one once the update committed
 * (permanent request, or the test image confirmed itself), else the old one; the slots must hold
 * both images, trailers must be settled, the stored security counter must match the committed
 * image (never the reverted one's), and a further reset must keep it all.
 */
import { generateSigningKey } from '../../host/keys/generate.js';
import type { PrivateKey } from '../../host/keys/types.js';
import { TLV, createImage, padImage, parseImage, parseVersion } from '../../host/mcuboot/index.js';
import { buildAppImage, parseAppVersion, type Behaviour } from '../virtual/app/app-image.js';
import { CounterId, Flag, Magic, flagName, magicName, type Quirk } from '../virtual/bootloader/index.js';
import { VirtualDevice } from '../virtual/device.js';
import { programArea, type FlashSnapshot, SimFlash } from '../virtual/flash/index.js';
import { getProfile, partition, DEFAULT_PROFILE, type BoardProfile } from '../virtual/profiles.js';
import type { CutInfo, SweepScenario } from './harness.js';

export const MCUBOOT_SCENARIOS = ['test', 'perm', 'revert', 'revert-unconfirmed'] as const;
export type McubootScenarioKind = (typeof MCUBOOT_SCENARIOS)[number];

interface SignedImage {
  bytes: Uint8Array;
  version: string;
  hash: string;
  securityCounter: bigint;
}

export interface McubootScenarioOptions {
  kind: McubootScenarioKind;
  profile?: BoardProfile;
  /** Application size in bytes (default: 8 sectors and a bit, so the image spans 9 sectors; at most 60% of the slot). */
  appSize?: number;
  key?: PrivateKey;
  quirks?: readonly Quirk[];
}

export interface McubootWorld {
  readonly flash: SimFlash;
  readonly device: VirtualDevice;
  /** The new image ran confirmed at some point (the update committed). */
  committed: boolean;
}

function sign(key: PrivateKey, behaviour: Behaviour, version: string, counter: number, size: number): SignedImage {
  const app = buildAppImage({ behaviour, version: parseAppVersion(version), size });
  const bytes = createImage(app, { key, version: parseVersion(version), securityCounter: counter });
  const hash = Buffer.from(parseImage(bytes).tlvs.find((t) => t.type === TLV.SHA256)!.value).toString('hex');
  return { bytes, version: `${version}+0`, hash, securityCounter: BigInt(counter) };
}

const NEW_BEHAVIOUR: Record<McubootScenarioKind, Behaviour> = {
  test: 'healthy',
  perm: 'never-confirms',
  revert: 'crashes',
  'revert-unconfirmed': 'never-confirms',
};

export function mcubootUpdateScenario(o: McubootScenarioOptions): SweepScenario<McubootWorld> {
  const profile = o.profile ?? getProfile(DEFAULT_PROFILE);
  const key = o.key ?? (generateSigningKey('es256') as PrivateKey);
  const keys = [key.publicKey];
  const primary = partition(profile, 'primary')!;
  const sector = profile.geometry.sectors.find((s) => s.offset >= primary.offset)!.size;
  // 8 sectors and a bit, so the image spans 9, where the slot allows it (not on 128 KiB sectors).
  const appSize = o.appSize ?? Math.min(8 * sector + 1000, Math.floor(primary.size * 0.6));
  const oldImg = sign(key, 'healthy', '1.0.0', 1, appSize);
  const newImg = sign(key, NEW_BEHAVIOUR[o.kind], '1.1.0', 2, appSize);
  const quirks = o.quirks ?? [];

  const device = (flash: SimFlash): VirtualDevice => new VirtualDevice({ profile, flash, keys, quirks });

  // The state before the action: the old image was flashed (confirmed) and has run, the new one is staged.
  const base: FlashSnapshot = (() => {
    const d = device(new SimFlash(profile.geometry));
    // As `imgtool sign --pad --confirm` and a programmer would put it there.
    programArea(d.areas.primary, 0, padImage(oldImg.bytes, { slotSize: d.areas.primary.size, confirm: true, align: profile.geometry.writeAlign, erasedValue: profile.geometry.erasedValue }));
    const first = d.powerOn();
    if (first.kind !== 'running') throw new Error(`sweep setup: the old image does not boot (${first.kind})`);
    programArea(d.areas.secondary, 0, newImg.bytes);
    d.requestUpdate(o.kind === 'perm');
    if (o.kind === 'revert-unconfirmed') {
      const st = d.reset();
      if (st.kind !== 'running' || st.confirmed) throw new Error('sweep setup: the test image did not come up unconfirmed');
    }
    return d.flash.snapshot();
  })();

  const observe = (w: McubootWorld): void => {
    const st = w.device.state;
    if (st.kind === 'running' && st.confirmed && Buffer.from(st.image.hash).toString('hex') === newImg.hash) w.committed = true;
  };

  const slotHolds = (w: McubootWorld, slot: 'primary' | 'secondary', img: SignedImage): boolean =>
    Buffer.from(w.device.areas[slot].read(0, img.bytes.length)).equals(Buffer.from(img.bytes));

  return {
    name: `mcuboot-${o.kind} (${profile.name}, ${Math.ceil(oldImg.bytes.length / sector)}-sector images${quirks.length ? `, quirks ${quirks.join(',')}` : ''})`,
    setup: () => {
      const flash = new SimFlash(profile.geometry, { snapshot: base });
      return { flash, device: device(flash), committed: false };
    },
    act: (w) => {
      w.device.powerOn();
      observe(w);
    },
    recover: (w) => {
      w.device.powerOn();
      observe(w);
    },
    check: (w, cut: CutInfo) => {
      const problems: string[] = [];
      const committed = o.kind === 'perm' || w.committed;
      if (o.kind === 'test' && cut.cutsAt.length === 1 && cut.cutsAt[0]! < cut.cleanOps - 1 && !committed) {
        problems.push(`the test update was lost although the cut (op ${cut.cutsAt[0]}) came before the image could confirm itself (op ${cut.cleanOps - 1})`);
      }
      const [want, other] = committed ? [newImg, oldImg] : [oldImg, newImg];
      const verify = (when: string): void => {
        const st = w.device.state;
        if (st.kind !== 'running') {
          problems.push(`${when}: board is ${st.kind}${st.kind === 'recovery' ? ` (${st.message})` : ''}, expected it running ${want.version}`);
          return;
        }
        if (Buffer.from(st.image.hash).toString('hex') !== want.hash) problems.push(`${when}: runs ${st.image.version}, expected ${want.version}`);
        if (!slotHolds(w, 'primary', want)) problems.push(`${when}: primary slot does not hold image ${want.version} byte for byte`);
        if (!slotHolds(w, 'secondary', other)) problems.push(`${when}: secondary slot does not hold image ${other.version} byte for byte`);
        const p = w.device.bootloader.primary.readState();
        const s = w.device.bootloader.secondary.readState();
        if (p.magic !== Magic.GOOD || p.imageOk !== Flag.SET || p.copyDone !== Flag.SET) {
          problems.push(`${when}: primary trailer magic ${magicName(p.magic)}, image_ok ${flagName(p.imageOk)}, copy_done ${flagName(p.copyDone)}; expected good/set/set`);
        }
        if (s.magic !== Magic.UNSET) problems.push(`${when}: secondary trailer magic ${magicName(s.magic)}, expected unset (no further swap pending)`);
      };
      verify('after recovery');
      if (problems.length > 0) return problems;
      const count = w.device.bootRecord.count;
      w.device.reset();
      verify('after a further reset');
      const rec = w.device.bootRecord;
      if (rec.outcome !== 'booted' || rec.count !== count + 1) problems.push(`after a further reset: boot record ${JSON.stringify(rec)}, expected outcome booted, count ${count + 1}`);
      const counter = w.device.counters.get(CounterId.mcubootImage0);
      if (counter !== want.securityCounter) problems.push(`stored security counter ${counter}, expected ${want.securityCounter} (that of ${want.version})`);
      return problems;
    },
  };
}

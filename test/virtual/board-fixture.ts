/** A virtual board with a key and helpers to stage signed application images, for bootloader tests. */
import { generateSigningKey } from '../../host/keys/generate.js';
import type { PrivateKey } from '../../host/keys/types.js';
import { createImage, padImage, parseVersion } from '../../host/mcuboot/index.js';
import { buildAppImage, parseAppVersion, type Behaviour } from '../../rig/virtual/app/app-image.js';
import type { Quirk } from '../../rig/virtual/bootloader/index.js';
import { VirtualDevice, type DeviceOptions, type DeviceState } from '../../rig/virtual/device.js';
import { programArea, type SimFlash } from '../../rig/virtual/flash/index.js';
import { getProfile, type BoardProfile } from '../../rig/virtual/profiles.js';

export const key = generateSigningKey('es256') as PrivateKey;
export const otherKey = generateSigningKey('es256') as PrivateKey;

export function signedApp(behaviour: Behaviour, version: string, counter: number, o: { size?: number; signer?: PrivateKey } = {}): Uint8Array {
  const app = buildAppImage({ behaviour, version: parseAppVersion(version), size: o.size ?? 20_000 });
  return createImage(app, { key: o.signer ?? key, version: parseVersion(version), securityCounter: counter });
}

export interface Board {
  device: VirtualDevice;
  console: string[];
  /** Flash an image into the primary slot as `imgtool --pad --confirm` + a programmer would. */
  factory(image: Uint8Array): void;
  /** Upload an image into the secondary slot (erasing it first) and request a test or permanent swap. */
  stage(image: Uint8Array, permanent?: boolean): void;
}

export function board(o: { profile?: BoardProfile; quirks?: Quirk[]; flash?: SimFlash } & Partial<DeviceOptions> = {}): Board {
  const profile = o.profile ?? getProfile('nrf52840-like');
  const lines: string[] = [];
  const device = new VirtualDevice({ keys: [key.publicKey], ...o, profile, console: (l) => lines.push(l) });
  return {
    device,
    console: lines,
    factory(image) {
      const a = device.areas.primary;
      programArea(a, 0, padImage(image, { slotSize: a.size, confirm: true, align: a.align, erasedValue: a.erasedValue as 0xff | 0x00 }));
    },
    stage(image, permanent = false) {
      device.areas.secondary.eraseAll();
      programArea(device.areas.secondary, 0, image);
      device.requestUpdate(permanent);
    },
  };
}

/** '1.1.0+0', '1.1.0+0 (unconfirmed)', or the state kind when nothing runs. */
export function running(s: DeviceState): string {
  return s.kind === 'running' ? `${s.image.version}${s.confirmed ? '' : ' (unconfirmed)'}` : s.kind;
}

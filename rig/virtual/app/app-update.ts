/**
 * A signed SUIT update carrying one application image of the virtual board
 * (draft-ietf-suit-manifest-37 with the download-install template of host/suit/compile):
 * component [0], checked against the board's vendor and class (and device, when given), the
 * payload fetched from `uri` straight into it, bootable. What the update bench, the power-cut
 * sweep and the board tests deliver.
 */
import { createSigner } from '../../../host/cose/signer.js';
import type { SigningKey } from '../../../host/keys/index.js';
import type { ComponentId, ManifestPlan } from '../../../host/suit/description/plan.js';
import { sha256Digest } from '../../../host/suit/digest.js';
import { buildEnvelope } from '../../../host/suit/envelope/build.js';

/** Where the payload of an application update is fetched from. */
export const APP_URI = 'file://app.bin';

export interface AppUpdateSpec {
  sequence: bigint;
  payload: Uint8Array;
  vendor: Uint8Array;
  class: Uint8Array;
  device?: Uint8Array;
  /** Default APP_URI. */
  uri?: string;
  /** Carry the payload in the envelope instead of fetching it. */
  integrated?: boolean;
  /** Default [h'00']. */
  componentId?: ComponentId;
}

export function appUpdatePlan(s: AppUpdateSpec): ManifestPlan {
  return {
    sequenceNumber: s.sequence,
    components: [
      {
        id: s.componentId ?? [Uint8Array.of(0)],
        vendor: s.vendor,
        class: s.class,
        ...(s.device ? { device: s.device } : {}),
        image: { digest: sha256Digest(s.payload), size: s.payload.length, bytes: s.payload },
        source: { uri: s.uri ?? APP_URI, integrated: s.integrated ?? false },
        bootable: true,
      },
    ],
    dependencies: [],
    severable: false,
    template: 'download-install',
  };
}

/** The envelope of appUpdatePlan(s), signed (or MACed) with `key`. */
export function appUpdateEnvelope(s: AppUpdateSpec, key: SigningKey): Uint8Array {
  return buildEnvelope(appUpdatePlan(s), { signers: [createSigner(key)] }).envelope;
}

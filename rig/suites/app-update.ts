/**
 * A signed SUIT update carrying one application image of the virtual board
 * (draft-ietf-suit-manifest-37 with the download-install template of host/suit/compile):
 * component [0], checked against the board's vendor, class and device (each when given), the
 * payload fetched from `uri` straight into it, bootable. What the update bench, the power-cut
 * sweep, the board tests and the rfc9019 suite deliver.
 */
import { createSigner } from '../../host/cose/signer.js';
import type { SigningKey } from '../../host/keys/index.js';
import type { ComponentId, ManifestPlan } from '../../host/suit/description/plan.js';
import { sha256Digest } from '../../host/suit/digest.js';
import { buildEnvelope } from '../../host/suit/envelope/build.js';

/** Where the payload of an application update is fetched from. */
export const APP_URI = 'file://app.bin';

export interface AppUpdateSpec {
  sequence: bigint;
  payload: Uint8Array;
  /** Identifiers the manifest checks; one left out is not checked. */
  vendor?: Uint8Array | undefined;
  class?: Uint8Array | undefined;
  device?: Uint8Array | undefined;
  /** Default APP_URI. */
  uri?: string;
  /** Carry the payload in the envelope instead of fetching it. */
  integrated?: boolean;
  /** The bytes an integrated payload carries (default `payload`; a corrupted copy tests the digest check). */
  carried?: Uint8Array;
  /** Default [h'00']. */
  componentId?: ComponentId;
}

export function appUpdatePlan(s: AppUpdateSpec): ManifestPlan {
  return {
    sequenceNumber: s.sequence,
    components: [
      {
        id: s.componentId ?? [Uint8Array.of(0)],
        ...(s.vendor ? { vendor: s.vendor } : {}),
        ...(s.class ? { class: s.class } : {}),
        ...(s.device ? { device: s.device } : {}),
        image: { digest: sha256Digest(s.payload), size: s.payload.length, bytes: s.carried ?? s.payload },
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

/**
 * The manifest plan: what a description says, normalised and checked, with file digests and
 * sizes already computed. Both description formats (suitrig's own and suit-tool's JSON) are
 * turned into this one shape, and the compiler (../compile) turns it into SUIT sequences.
 */
import type { SuitDigest } from '../digest.js';
import type { SequenceMember } from '../labels.js';
import { toHex } from '../../util/hex.js';

/** SUIT_Component_Identifier (draft-ietf-suit-manifest-37 §8.4.5.1): a list of byte strings. */
export type ComponentId = Uint8Array[];

/** A component identifier as a map key: equal keys, equal identifiers. */
export function componentIdKey(id: ComponentId): string {
  return id.map(toHex).join('/');
}

export interface ImageInfo {
  digest: SuitDigest;
  size: number;
  /** The bytes, when the image came from a file (needed to integrate it in the envelope). */
  bytes?: Uint8Array;
  /** The file it was read from, relative to the description, for messages. */
  file?: string;
}

/** Where a payload comes from: a URI to fetch, and whether the envelope carries it. */
export interface PayloadSource {
  /** URI for suit-parameter-uri; for integrated payloads also the envelope key. */
  uri: string;
  /** Carry the image in the envelope under `uri` (§7.5 integrated payload template). */
  integrated: boolean;
}

/** One A/B alternative (§7.7): the image for one slot. */
export interface SlotPlan {
  slot: number;
  image: ImageInfo;
  source?: PayloadSource;
}

export interface ComponentPlan {
  id: ComponentId;
  /** Identity checked on this component (compatibility check template, §7.1). */
  vendor?: Uint8Array;
  class?: Uint8Array;
  device?: Uint8Array;
  /** The installed image (absent when `slots` is used). */
  image?: ImageInfo;
  /** How the image arrives, fetched straight into this component (§7.3); absent for secure boot only. */
  source?: PayloadSource;
  /** A/B alternatives (§7.7). */
  slots?: SlotPlan[];
  /** Fetch into a staging component first, then copy (§7.4 install template). */
  stage?: { id: ComponentId; digest: SuitDigest; source: PayloadSource; image?: ImageInfo };
  /** Load from this (non-volatile) component into another one before invoking (§7.6). */
  load?: { id: ComponentId; image: ImageInfo };
  /**
   * The payload encrypted for its recipients (draft-ietf-suit-firmware-encryption; set by
   * buildEnvelope's `encryptFor`): `info` goes into suit-parameter-encryption-info and
   * `ciphertext` is what is delivered; `image` keeps the plaintext's digest and size, which
   * condition-image-match checks after decryption.
   */
  encryption?: { info: Uint8Array; ciphertext: Uint8Array };
  bootable: boolean;
  /** SUIT_Text_Component_Keys by label (§8.4.4). */
  text?: Map<number, string>;
}

export interface DependencyPlan {
  id: ComponentId;
  prefix?: ComponentId;
  /** The dependency's manifest digest (trust-domains §5.2.2: image-match over its manifest). */
  digest: SuitDigest;
  /** Size of the dependency envelope. */
  size: number;
  envelope: Uint8Array;
  source: PayloadSource;
  /** The command sequences the dependency has: the dependent processes it in each of them. */
  sections: ReadonlySet<SequenceMember>;
}

export interface TextPlan {
  language: string;
  /** SUIT_Text_Keys by label. */
  manifest: Map<number, string>;
}

export interface ManifestPlan {
  sequenceNumber: bigint;
  referenceUri?: string;
  manifestComponentId?: ComponentId;
  components: ComponentPlan[];
  dependencies: DependencyPlan[];
  text?: TextPlan;
  /** Make fetch/install/dependency sequences severable (text always is). */
  severable: boolean;
  /** The template named by the description (suit-tool descriptions: 'suit-tool'). */
  template: string;
}

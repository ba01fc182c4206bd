/**
 * The manifest plan: what a description says, normalised and checked, with file digests and
 * sizes already computed. Both description formats (suitrig's own and suit-tool's JSON) are
 * turned into this one shape, and the compiler (../compile) turns it into SUIT sequences.
 */
import type { CborValue } from '../cbor/encode.js';
import type { SuitDigest } from '../digest.js';
import type { SequenceMember } from '../labels.js';
import type { DescriptionIssue } from './issues.js';
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
  /** Built from a suit-tool `src-file`: where suit-tool writes it (`file`, absolute), for the caller to write. */
  writeTo?: string;
}

export interface TextPlan {
  language: string;
  /** SUIT_Text_Keys by label. */
  manifest: Map<number, string>;
}

/** A manifest member in the explicit form: its content (bstr contents), or only its digest. */
export interface ExplicitMember {
  content?: Uint8Array;
  /** Severed: not in the envelope, the manifest holds this digest. */
  digest?: SuitDigest;
  /** Severable: the manifest holds the digest, the envelope the content. */
  severable: boolean;
}

/** A manifest as the explicit description form gives it (description/explicit.ts). */
export interface ExplicitManifest {
  sequenceNumber: bigint;
  /** Encoded SUIT_Common. */
  common: Uint8Array;
  /** Other manifest entries by key (reference-uri, manifest-component-id, set-version, extensions). */
  entries: Map<number, CborValue>;
  /** Command sequences, text and CoSWID by manifest key. */
  members: Map<number, ExplicitMember>;
  /** Integrated payloads: envelope key -> bytes. */
  payloads: Map<string, Uint8Array>;
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
  /** `template: explicit`: the manifest as written out; the rest of the plan is empty. */
  explicit?: ExplicitManifest;
  /** Things the reader changed to build the manifest (older suit-tool fields), each named. */
  warnings?: DescriptionIssue[];
}

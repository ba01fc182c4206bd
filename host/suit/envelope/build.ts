/**
 * Builds a SUIT_Envelope_Tagged (draft-ietf-suit-manifest-37 §8.2) from a ManifestPlan:
 * compiles the manifest, makes the chosen members severable (§8.4.4: the manifest holds their
 * SUIT_Digest, the envelope the bstr), optionally severs them (leaves them out), carries
 * integrated payloads under their URI keys (§7.5), writes the authentication wrapper
 * `[bstr SUIT_Digest over the bstr-wrapped manifest]` and adds one authentication block per
 * signer. Same plan and options, same bytes (signatures are deterministic, see host/cose) —
 * except with `encryptFor`, which encrypts every delivered payload with fresh keys
 * (draft-ietf-suit-firmware-encryption; ../encrypt.ts).
 */
import type { Signer } from '../../cose/message.js';
import { bstrWrapped, encodeCbor, Tag, type CborValue } from '../cbor/encode.js';
import { compileManifest } from '../compile/manifest.js';
import type { ManifestPlan, PayloadSource } from '../description/plan.js';
import { digestValue, sha256Digest, type SuitDigest } from '../digest.js';
import { ENVELOPE, MANIFEST, SEVERABLE_MEMBERS, TAG, type SeverableMember } from '../labels.js';
import { addSignature } from './sign.js';
import { encryptPayload, type ContentAlgorithm, type Random } from '../encrypt.js';
import type { EncryptionRecipient } from '../../keys/encryption.js';

export type PayloadMode = 'integrated' | 'detached';

export interface BuildOptions {
  /** Authentication blocks to add, in order (e.g. the author's key). */
  signers?: Signer[];
  /** Make payload-fetch, install and dependency-resolution severable (default: the plan's `severable`). Text always is. */
  severable?: boolean;
  /** Severable members to leave out of the envelope (they become severable if they were not). */
  sever?: readonly SeverableMember[] | 'all';
  /** Carry every payload in the envelope, or none (default: as the description says). */
  payloads?: PayloadMode;
  /** Encrypt every payload a component receives (fetched or integrated) for these recipients. */
  encryptFor?: readonly EncryptionRecipient[];
  /** Content encryption with encryptFor (default a128gcm). */
  encryption?: ContentAlgorithm;
  /** Where encryptFor's keys and IVs come from (default node:crypto randomBytes; seeded rigs pass theirs). */
  random?: Random;
}

export interface BuiltEnvelope {
  envelope: Uint8Array;
  /** Encoded SUIT_Manifest (the contents of envelope key 3). */
  manifest: Uint8Array;
  /** SUIT_Digest of the bstr-wrapped manifest (authentication wrapper element 0). */
  digest: SuitDigest;
  severable: SeverableMember[];
  severed: SeverableMember[];
  /** Envelope keys of integrated payloads. */
  integrated: string[];
  /** With encryptFor: the encrypted payloads the device fetches (not integrated), by URI. */
  encrypted: { uri: string; ciphertext: Uint8Array }[];
}

export class BuildError extends Error {
  override name = 'BuildError';
}

function withPayloadMode(plan: ManifestPlan, mode: PayloadMode | undefined): ManifestPlan {
  if (!mode) return plan;
  const adjust = (s: PayloadSource | undefined, what: string, hasBytes: boolean): PayloadSource | undefined => {
    if (!s) return s;
    if (mode === 'integrated') {
      if (!hasBytes) throw new BuildError(`${what}: cannot integrate the payload: the description gives its digest but no image file`);
      return { ...s, integrated: true };
    }
    if (s.uri.startsWith('#')) throw new BuildError(`${what}: cannot detach the payload: its only URI is the envelope key '${s.uri}' (give a 'uri' to fetch it from)`);
    return { ...s, integrated: false };
  };
  return {
    ...plan,
    components: plan.components.map((c, i) => ({
      ...c,
      source: adjust(c.source, `components[${i}]`, !!c.image?.bytes),
      ...(c.stage ? { stage: { ...c.stage, source: adjust(c.stage.source, `components[${i}].stage`, !!c.stage.image?.bytes)! } } : {}),
      ...(c.slots ? { slots: c.slots.map((sl, j) => ({ ...sl, source: adjust(sl.source, `components[${i}].slots[${j}]`, !!sl.image.bytes) })) } : {}),
    })),
    dependencies: plan.dependencies.map((d, i) => ({ ...d, source: adjust(d.source, `dependencies[${i}]`, true)! })),
  };
}

/** Every delivered payload encrypted (plan.components[i].encryption; a staging component receives the ciphertext). */
function withEncryption(plan: ManifestPlan, recipients: readonly EncryptionRecipient[], alg: ContentAlgorithm | undefined, random: Random | undefined): ManifestPlan {
  let any = false;
  const components = plan.components.map((c, i) => {
    if (c.slots) throw new BuildError(`components[${i}]: A/B slot images are not encrypted by --encrypt-for (one encryption-info per slot)`);
    if (!c.source && !c.stage) return c; // nothing is delivered to it
    if (!c.image?.bytes) throw new BuildError(`components[${i}]: cannot encrypt the payload: the description gives its digest but no image file`);
    const encryption = encryptPayload(c.image.bytes, recipients, alg, random);
    any = true;
    if (!c.stage) return { ...c, encryption };
    const digest = sha256Digest(encryption.ciphertext);
    return { ...c, encryption, stage: { ...c.stage, digest, image: { digest, size: encryption.ciphertext.length, bytes: encryption.ciphertext } } };
  });
  if (!any) throw new BuildError('--encrypt-for: no component receives a payload to encrypt');
  return { ...plan, components };
}

/** The encrypted payloads the device fetches by URI (not carried in the envelope). */
function detachedEncrypted(plan: ManifestPlan): { uri: string; ciphertext: Uint8Array }[] {
  return plan.components.flatMap((c) => {
    const src = c.stage?.source ?? c.source;
    return c.encryption && src && !src.integrated ? [{ uri: src.uri, ciphertext: c.encryption.ciphertext }] : [];
  });
}

export function buildEnvelope(plan: ManifestPlan, opts: BuildOptions = {}): BuiltEnvelope {
  let effective = withPayloadMode(plan, opts.payloads);
  if (opts.encryptFor?.length) effective = withEncryption(effective, opts.encryptFor, opts.encryption, opts.random);
  const compiled = compileManifest(effective);
  const members = new Map<string, Uint8Array>(compiled.sequences);
  if (compiled.text) members.set('text', compiled.text);

  const severAll = opts.sever === 'all';
  const sever = new Set<string>(severAll ? [] : (opts.sever ?? []));
  for (const m of sever) {
    if (!(SEVERABLE_MEMBERS as readonly string[]).includes(m)) throw new BuildError(`--sever ${m}: not a severable member (${SEVERABLE_MEMBERS.join(', ')})`);
    if (!members.has(m)) throw new BuildError(`--sever ${m}: the manifest has no ${m} member`);
  }
  const makeSeverable = opts.severable ?? plan.severable;
  const severable = SEVERABLE_MEMBERS.filter((m) => members.has(m) && (m === 'text' || makeSeverable || severAll || sever.has(m)));
  const severed = severable.filter((m) => severAll || sever.has(m));

  const manifest = new Map<CborValue, CborValue>([
    [MANIFEST.ids['manifest-version'], 1],
    [MANIFEST.ids['manifest-sequence-number'], compiled.sequenceNumber],
    [MANIFEST.ids.common, compiled.common],
  ]);
  if (compiled.referenceUri) manifest.set(MANIFEST.ids['reference-uri'], compiled.referenceUri);
  if (compiled.manifestComponentId) manifest.set(MANIFEST.ids['manifest-component-id'], compiled.manifestComponentId);
  for (const [name, encoded] of members) {
    const key = MANIFEST.ids[name as keyof typeof MANIFEST.ids];
    manifest.set(key, (severable as string[]).includes(name) ? digestValue(sha256Digest(bstrWrapped(encoded))) : encoded);
  }
  const manifestBytes = encodeCbor(manifest);
  const digest = sha256Digest(bstrWrapped(manifestBytes));

  const envelope = new Map<CborValue, CborValue>([
    [ENVELOPE.ids['authentication-wrapper'], encodeCbor([encodeCbor(digestValue(digest))])],
    [ENVELOPE.ids.manifest, manifestBytes],
  ]);
  for (const name of severable) if (!severed.includes(name)) envelope.set(ENVELOPE.ids[name], members.get(name)!);
  for (const [uri, bytes] of compiled.payloads) envelope.set(uri, bytes);

  let bytes = encodeCbor(new Tag(envelope, TAG.envelope));
  for (const s of opts.signers ?? []) bytes = addSignature(bytes, s);
  return { envelope: bytes, manifest: manifestBytes, digest, severable, severed, integrated: [...compiled.payloads.keys()], encrypted: detachedEncrypted(effective) };
}

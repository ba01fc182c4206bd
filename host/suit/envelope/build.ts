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

/** One manifest member and where it goes: its content (or only its digest), and whether the
 *  description already makes it severable. */
interface Member {
  content?: Uint8Array;
  digest?: SuitDigest;
  severable: boolean;
}

/** The manifest's fixed entries and its members, from a template plan or an explicit one. */
function manifestParts(plan: ManifestPlan): { head: Map<CborValue, CborValue>; members: Map<string, Member>; payloads: Map<string, Uint8Array> } {
  const x = plan.explicit;
  if (x) {
    const head = new Map<CborValue, CborValue>([[MANIFEST.ids['manifest-version'], 1], [MANIFEST.ids['manifest-sequence-number'], x.sequenceNumber], [MANIFEST.ids.common, x.common]]);
    for (const [k, v] of x.entries) head.set(k, v);
    const members = new Map<string, Member>();
    for (const [k, m] of x.members) members.set(MANIFEST.names.get(k)!, m);
    return { head, members, payloads: x.payloads };
  }
  const compiled = compileManifest(plan);
  const head = new Map<CborValue, CborValue>([
    [MANIFEST.ids['manifest-version'], 1],
    [MANIFEST.ids['manifest-sequence-number'], compiled.sequenceNumber],
    [MANIFEST.ids.common, compiled.common],
  ]);
  if (compiled.referenceUri) head.set(MANIFEST.ids['reference-uri'], compiled.referenceUri);
  if (compiled.manifestComponentId) head.set(MANIFEST.ids['manifest-component-id'], compiled.manifestComponentId);
  const members = new Map<string, Member>();
  for (const [name, content] of compiled.sequences) members.set(name, { content, severable: plan.severable && (SEVERABLE_MEMBERS as readonly string[]).includes(name) });
  // Text is always severable in the templates (§8.4.4: it is what an update can do without).
  if (compiled.text) members.set('text', { content: compiled.text, severable: true });
  return { head, members, payloads: compiled.payloads };
}

export function buildEnvelope(plan: ManifestPlan, opts: BuildOptions = {}): BuiltEnvelope {
  if (plan.explicit && opts.payloads) throw new BuildError('--payloads: an explicit description carries the payloads it names (payloads:), nothing else');
  if (plan.explicit && opts.encryptFor?.length) throw new BuildError('--encrypt-for: an explicit description carries its encryption-info as written; it encrypts nothing');
  let effective = plan.explicit ? plan : withPayloadMode(plan, opts.payloads);
  if (opts.encryptFor?.length) effective = withEncryption(effective, opts.encryptFor, opts.encryption, opts.random);
  const parts = manifestParts(effective);
  const members = parts.members;

  const severAll = opts.sever === 'all';
  const sever = new Set<string>(severAll ? [] : (opts.sever ?? []));
  for (const m of sever) {
    if (!(SEVERABLE_MEMBERS as readonly string[]).includes(m)) throw new BuildError(`--sever ${m}: not a severable member (${SEVERABLE_MEMBERS.join(', ')})`);
    if (!members.get(m)?.content) throw new BuildError(`--sever ${m}: the manifest has no ${m} member`);
  }
  // --severable (or its absence) decides for the template sequences; text stays severable, and an
  // explicit description's choices stand unless --severable is given.
  const severable = SEVERABLE_MEMBERS.filter((m) => {
    const member = members.get(m);
    if (member === undefined) return false;
    const byDescription = m === 'text' && !plan.explicit ? true : (opts.severable ?? member.severable);
    return byDescription || member.content === undefined || severAll || sever.has(m);
  });
  const severed = severable.filter((m) => members.get(m)!.content === undefined || severAll || sever.has(m));

  const manifest = parts.head;
  for (const [name, m] of members) {
    const key = MANIFEST.ids[name as keyof typeof MANIFEST.ids];
    const digest = m.digest ?? (m.content && (severable as string[]).includes(name) ? sha256Digest(bstrWrapped(m.content)) : undefined);
    manifest.set(key, digest ? digestValue(digest) : m.content!);
  }
  const manifestBytes = encodeCbor(manifest);
  const digest = sha256Digest(bstrWrapped(manifestBytes));

  const envelope = new Map<CborValue, CborValue>([
    [ENVELOPE.ids['authentication-wrapper'], encodeCbor([encodeCbor(digestValue(digest))])],
    [ENVELOPE.ids.manifest, manifestBytes],
  ]);
  for (const name of severable) if (!severed.includes(name)) envelope.set(ENVELOPE.ids[name], members.get(name)!.content!);
  for (const [uri, bytes] of parts.payloads) envelope.set(uri, bytes);

  let bytes = encodeCbor(new Tag(envelope, TAG.envelope));
  for (const s of opts.signers ?? []) bytes = addSignature(bytes, s);
  return { envelope: bytes, manifest: manifestBytes, digest, severable, severed, integrated: [...parts.payloads.keys()], encrypted: detachedEncrypted(effective) };
}

/**
 * suit-tool's JSON input (github.com/ARMmbed/suit-manifest-generator, now
 * gitlab.arm.com/research/ietf-suit/suit-tool), accepted as it is so that suit-tool users keep
 * their descriptions. Mapped onto the same ManifestPlan as suitrig's own format, with
 * suit-tool's rules:
 * - components sharing an `install-id` are A/B alternatives, told apart by `slot`;
 * - `install-on-download: false` + `download-id` fetches into the download component in
 *   payload-fetch and copies it in install; `loadable` + `load-id` copies into the load
 *   component in the load sequence;
 * - an invoke sequence is generated only when exactly one component entry is `bootable`
 *   (this is why IETF example 3, with two bootable alternatives, has none);
 * - `file` gives digest and size from a file (relative to the description), otherwise
 *   `install-digest` {algorithm-id: sha256, digest-bytes: hex} and `install-size` are used.
 * Fields of older SUIT drafts are migrated, with a warning naming each: `offset` (the
 * component-offset of older drafts, key 5, which draft-37 calls component-slot) becomes the
 * `slot` of an A/B alternative; a dependency given by `src-file` + `key-file` (the pre
 * trust-domains dependency model, where suit-tool built and signed the dependency itself) is
 * built and signed here the same way; `compression-info` and `decompress-on-load` (compression,
 * which draft-37 removed) are dropped — the IETF example 4 made from this description did the same.
 */
import { basename, resolve } from 'node:path';
import { createSigner } from '../../cose/signer.js';
import { KeyError, loadSigningKey, type SigningKey } from '../../keys/index.js';
import { CompileError } from '../compile/manifest.js';
import { BuildError, buildEnvelope } from '../envelope/build.js';
import { DescriptionError, IssueList, issueLine } from './issues.js';
import { readDescriptionFile } from './source.js';
import type { SuitDigest } from '../digest.js';
import { COMPONENT_TEXT, DIGEST_ALGORITHM, TEXT } from '../labels.js';
import { readDependencyEnvelope, readDependencyField, type DependencyManifest } from './dependency.js';
import { COMPONENT_TEXT_FIELDS, DEVICE_ID_IS_A_UUID, Fields, MANIFEST_TEXT_FIELDS, type Obj } from './fields.js';
import { NAMESPACE_DNS } from '../../util/uuid.js';
import type { FieldPath } from '../../util/yaml-source.js';
import { manifestPlan } from './native.js';
import { PayloadUris } from './payload-uris.js';
import { componentIdKey, type ComponentPlan, type DependencyPlan, type ImageInfo, type ManifestPlan, type PayloadSource, type TextPlan } from './plan.js';
import type { PlacedComponent } from './templates.js';
import type { DescriptionSource } from './source.js';

const TOP = ['components', 'manifest-version', 'manifest-sequence-number', 'reference-uri', 'severable', 'include-json', 'description', 'manifest-description', 'update-description', 'dependencies'];
const COMPONENT = [
  'install-id', 'download-id', 'load-id', 'install-digest', 'install-size', 'file', 'uri', 'vendor-id', 'class-id', 'device-id', 'bootable',
  'loadable', 'load-digest', 'load-size', 'download-digest', 'install-on-download', 'slot', 'description', 'offset', 'compression-info', 'decompress-on-load',
  ...COMPONENT_TEXT_FIELDS,
];
const DEPENDENCY = ['file', 'uri', 'src-file', 'key-file', 'id'];
const CLASS_NAME_NEEDS_VENDOR_ID = "a class-id given by name is made within the vendor-id (as suit-tool does): give this entry a 'vendor-id', or the class-id as a UUID";
/** Compression was in older SUIT drafts; draft-37 has none: the fields are dropped, saying so. */
const COMPRESSION = ['compression-info', 'decompress-on-load'];
const COMPRESSION_GONE =
  "compression was removed from SUIT (draft-37 has no compression-info parameter): dropped; the image is fetched and loaded as it is, and the digests and sizes given are checked against it";

/**
 * The slot of an A/B alternative: `slot`, or the `offset` older suit-tool versions gave (the
 * component-offset parameter and condition of older drafts, key 5 like draft-37's component-slot,
 * which replaced it): migrated with a warning.
 */
function slotOf(f: Fields, o: Obj, path: FieldPath): number | undefined {
  if (f.has(o, 'slot')) {
    if (f.has(o, 'offset')) f.warn([...path, 'offset'], "'offset' (component-offset of older SUIT drafts) is ignored: 'slot' is given");
    return f.smallUint(o.slot, [...path, 'slot'], 'a slot number');
  }
  if (!f.has(o, 'offset')) return f.smallUint(f.required(o, 'slot', path, 'the slot number: components sharing an install-id are A/B alternatives'), [...path, 'slot'], 'a slot number');
  const slot = f.smallUint(o.offset, [...path, 'offset'], 'an offset');
  if (slot !== undefined) f.warn([...path, 'offset'], `'offset' is the component-offset of older SUIT drafts, which draft-37 replaced by component-slot (the same key 5): migrated to slot ${slot}`);
  return slot;
}

export function isSuitToolDescription(v: unknown): boolean {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const o = v as Obj;
  return 'manifest-sequence-number' in o || 'manifest-version' in o || (Array.isArray(o.components) && o.components.some((c) => c && typeof c === 'object' && 'install-id' in c));
}

/** Dependencies built from their suit-tool descriptions nest at most this deep (the core's depth). */
const MAX_BUILT_DEPTH = 3;

class SuitToolReader {
  readonly uris: PayloadUris;

  /** `chain`: the descriptions being read, outermost first (a dependency built from its src-file). */
  constructor(
    readonly f: Fields,
    private readonly chain: readonly string[],
  ) {
    this.uris = new PayloadUris(f);
  }

  digest(v: unknown, path: FieldPath): SuitDigest | undefined {
    const f = this.f;
    const o = f.object(v, path, ['algorithm-id', 'digest-bytes']);
    if (!o) return undefined;
    const alg = f.string(f.required(o, 'algorithm-id', path, 'sha256'), [...path, 'algorithm-id']);
    const hex = f.string(f.required(o, 'digest-bytes', path, 'the digest in hexadecimal'), [...path, 'digest-bytes']);
    if (alg !== undefined && alg !== 'sha256') return f.error([...path, 'algorithm-id'], `unsupported digest algorithm '${alg}' (suitrig writes sha256)`);
    if (hex !== undefined && !/^[0-9a-fA-F]{64}$/.test(hex)) return f.error([...path, 'digest-bytes'], 'expected 64 hexadecimal digits (a SHA-256 digest)');
    return alg && hex ? { algorithm: DIGEST_ALGORITHM.ids['sha-256'], bytes: new Uint8Array(Buffer.from(hex, 'hex')) } : undefined;
  }

  /** The install image: from `file`, or from install-digest + install-size. */
  image(o: Obj, path: FieldPath): ImageInfo | undefined {
    const f = this.f;
    if (f.has(o, 'file')) return f.image(o.file, [...path, 'file']);
    if (!f.has(o, 'install-digest') || !f.has(o, 'install-size')) return f.error(path, "needs 'file', or 'install-digest' and 'install-size'");
    const digest = this.digest(o['install-digest'], [...path, 'install-digest']);
    const size = f.smallUint(o['install-size'], [...path, 'install-size'], 'a size in bytes');
    return digest && size !== undefined ? { digest, size } : undefined;
  }

  /** Component text: suit-tool's `description: {lang: {...}}`, or the older flat fields. */
  text(o: Obj, path: FieldPath): { language?: string; text: Map<number, string> } | undefined {
    const d = describedText(this.f, o, path, COMPONENT_TEXT_FIELDS);
    if (!d) return undefined;
    const text = this.f.texts(d.fields, d.path, COMPONENT_TEXT_FIELDS, COMPONENT_TEXT.ids);
    return text.size > 0 ? { ...(d.language ? { language: d.language } : {}), text } : undefined;
  }

  dependency(v: unknown, path: FieldPath): DependencyPlan | undefined {
    const f = this.f;
    const o = f.object(v, path, DEPENDENCY);
    if (!o) return undefined;
    const dep: (DependencyManifest & { bytes: Uint8Array; name: string; writeTo?: string }) | undefined = f.has(o, 'src-file') ? this.built(o, path) : readDependencyField(f, o, 'file', path);
    if (!dep) return undefined;
    const uri = f.has(o, 'uri') ? f.string(o.uri, [...path, 'uri'], 'a URI') : undefined;
    const name = basename(dep.name);
    const id = f.has(o, 'id') ? f.componentId(o.id, [...path, 'id'], 'hex') : [new Uint8Array(Buffer.from(name, 'utf8'))];
    const source: PayloadSource = uri ? { uri, integrated: false } : { uri: `#${name}`, integrated: true };
    this.uris.claim(source, dep.digest, path);
    const writeTo = dep.writeTo;
    return id && { id, digest: dep.digest, size: dep.bytes.length, envelope: dep.bytes, source, sections: dep.sections, ...(writeTo ? { writeTo } : {}) };
  }

  /**
   * A dependency given as suit-tool builds it (the dependency model of SUIT drafts before
   * trust-domains): from its own description (`src-file`), signed with `key-file`. Built and
   * signed here the same way, with a warning saying so; `file`, where suit-tool wrote it, names it.
   */
  private built(o: Obj, path: FieldPath): (DependencyManifest & { bytes: Uint8Array; name: string; writeTo?: string }) | undefined {
    const f = this.f;
    const srcName = f.string(o['src-file'], [...path, 'src-file'], 'the dependency\'s suit-tool description');
    const keyName = f.string(f.required(o, 'key-file', path, 'the key suit-tool signs the dependency with'), [...path, 'key-file'], 'a key file');
    if (srcName === undefined || keyName === undefined) return undefined;
    const abs = f.resolvePath(srcName);
    if (this.chain.includes(abs)) return f.error([...path, 'src-file'], `'${srcName}' depends on itself (through ${this.chain.map((c) => basename(c)).join(' -> ')})`);
    if (this.chain.length > MAX_BUILT_DEPTH) return f.error([...path, 'src-file'], `dependencies nest deeper than ${MAX_BUILT_DEPTH} levels (the verifier core's limit)`);
    let src: DescriptionSource;
    try {
      src = readDescriptionFile(abs);
    } catch (e) {
      if (e instanceof DescriptionError) return f.error([...path, 'src-file'], `'${srcName}': ${e.issues.map((i) => i.message).join('; ')}`);
      throw e;
    }
    const issues = new IssueList((p) => src.locate(p));
    const plan = isSuitToolDescription(src.value) ? readSuitToolDescription(src, new Fields(issues, src.dir), [...this.chain, abs]) : undefined;
    for (const w of issues.warnings()) f.warn([...path, 'src-file'], `${issueLine(srcName, w)}`);
    if (!plan || issues.count > 0) {
      const why = issues.count > 0 ? issues.list().map((i) => issueLine(srcName, i)).join('; ') : 'not a suit-tool description';
      return f.error([...path, 'src-file'], `the dependency cannot be built from '${srcName}': ${why}`);
    }
    let key: SigningKey;
    try {
      key = loadSigningKey(f.resolvePath(keyName));
    } catch (e) {
      if (e instanceof KeyError) return f.error([...path, 'key-file'], e.message);
      throw e;
    }
    let bytes: Uint8Array;
    try {
      bytes = buildEnvelope(plan, { signers: [createSigner(key)] }).envelope;
    } catch (e) {
      if (e instanceof BuildError || e instanceof CompileError) return f.error([...path, 'src-file'], `the dependency cannot be built from '${srcName}': ${e.message}`);
      throw e;
    }
    const file = f.has(o, 'file') ? f.string(o.file, [...path, 'file'], 'a file name') : undefined;
    f.warn(
      [...path, 'src-file'],
      `'src-file' and 'key-file' (suit-tool building and signing the dependency itself: the dependency model of SUIT drafts before trust-domains) are migrated: built here from ${srcName} and signed with ${keyName} (${bytes.length} bytes), processed as a trust-domains dependency${file ? `, written to '${file}' as suit-tool does` : ''}`,
    );
    return { ...readDependencyEnvelope(bytes), bytes, name: file ?? basename(srcName).replace(/\.[^.]*$/, '.suit'), ...(file ? { writeTo: f.resolvePath(file) } : {}) };
  }
}

export function readSuitToolDescription(src: DescriptionSource, f: Fields, chain: readonly string[] = [resolve(src.dir, basename(src.file))]): ManifestPlan | undefined {
  const root = f.object(src.value, [], TOP);
  if (!root) return undefined;
  const r = new SuitToolReader(f, chain);
  if (f.has(root, 'manifest-version')) {
    const v = f.uint(root['manifest-version'], ['manifest-version']);
    if (v !== undefined && v !== 1n) f.error(['manifest-version'], `manifest-version ${v} is not supported (draft-37 defines version 1)`);
  }
  const sequenceNumber = f.uint(f.required(root, 'manifest-sequence-number', [], 'the manifest sequence number'), ['manifest-sequence-number'], undefined, 'a sequence number');
  const entries = f.list(f.required(root, 'components', [], 'the list of components'), ['components'], 1) ?? [];

  // Group entries by install-id, in order of first appearance (suit-tool's OrderedDict).
  const groups = new Map<string, { o: Obj; path: FieldPath }[]>();
  entries.forEach((e, i) => {
    const path = ['components', i];
    const o = f.object(e, path, COMPONENT);
    if (!o) return;
    for (const k of COMPRESSION) if (f.has(o, k)) f.warn([...path, k], COMPRESSION_GONE);
    const id = f.componentId(f.required(o, 'install-id', path, 'the install component id, e.g. ["00"]'), [...path, 'install-id'], 'hex');
    if (!id) return;
    const key = componentIdKey(id);
    groups.set(key, [...(groups.get(key) ?? []), { o, path }]);
  });
  const bootableEntries = entries.filter((e) => e && typeof e === 'object' && (e as Obj).bootable === true).length;

  let language: string | undefined;
  const components: PlacedComponent[] = [];
  for (const group of groups.values()) {
    const { o, path } = group[0]!;
    const id = f.componentId(o['install-id'], [...path, 'install-id'], 'hex')!;
    const vendorGiven = f.has(o, 'vendor-id');
    const vendor = vendorGiven ? f.uuid(o['vendor-id'], [...path, 'vendor-id'], 'vendor ID', NAMESPACE_DNS) : undefined;
    const plan: ComponentPlan = { id, bootable: bootableEntries === 1 && group.some((g) => g.o.bootable === true) };
    if (vendor) plan.vendor = vendor;
    if (f.has(o, 'class-id')) plan.class = f.uuid(o['class-id'], [...path, 'class-id'], 'class ID', vendor ?? (vendorGiven ? null : CLASS_NAME_NEEDS_VENDOR_ID));
    if (f.has(o, 'device-id')) plan.device = f.uuid(o['device-id'], [...path, 'device-id'], 'device ID', DEVICE_ID_IS_A_UUID);
    const text = r.text(o, path);
    if (text) {
      plan.text = text.text;
      language ??= text.language;
    }
    if (group.length > 1) {
      plan.slots = [];
      for (const g of group) {
        for (const k of ['vendor-id', 'class-id']) if (g.o[k] !== o[k]) f.error([...g.path, k], `A/B alternatives of one install-id must have the same ${k}`);
        const slot = slotOf(f, g.o, g.path);
        const image = r.image(g.o, g.path);
        const uri = f.has(g.o, 'uri') ? f.string(g.o.uri, [...g.path, 'uri'], 'a URI') : undefined;
        const source: PayloadSource | undefined = uri ? { uri, integrated: false } : undefined;
        r.uris.claim(source, image?.digest, g.path);
        if (slot !== undefined && image) plan.slots.push({ slot, image, ...(source ? { source } : {}) });
      }
    } else {
      if (f.has(o, 'offset')) f.warn([...path, 'offset'], "'offset' (component-offset of older SUIT drafts) tells A/B alternatives of one install-id apart; this entry has none, so it is ignored");
      const imageless = !f.has(o, 'file') && !f.has(o, 'install-digest') && !f.has(o, 'install-size');
      plan.image = imageless ? undefined : r.image(o, path);
      let uri = f.has(o, 'uri') ? f.string(o.uri, [...path, 'uri'], 'a URI') : undefined;
      // Older suit-tool examples (example 6) name a component by its identity and URI alone.
      if (imageless && uri !== undefined) {
        f.warn([...path, 'uri'], "no 'file' or 'install-digest' to check an image against: nothing is fetched from this URI; the component's identity (vendor-id, class-id) is checked");
        uri = undefined;
      }
      const installOnDownload = f.has(o, 'install-on-download') ? f.bool(o['install-on-download'], [...path, 'install-on-download']) : true;
      if (uri && installOnDownload === false) {
        const did = f.componentId(f.required(o, 'download-id', path, "the download component (install-on-download is false)"), [...path, 'download-id'], 'hex');
        const digest = f.has(o, 'download-digest') ? r.digest(o['download-digest'], [...path, 'download-digest']) : plan.image?.digest;
        if (did && digest) plan.stage = { id: did, digest, source: { uri, integrated: false } };
        r.uris.claim(plan.stage?.source, digest, path);
      } else if (uri) {
        plan.source = { uri, integrated: false };
        r.uris.claim(plan.source, plan.image?.digest, path);
      }
      if (f.has(o, 'loadable') && f.bool(o.loadable, [...path, 'loadable'])) {
        const lid = f.componentId(f.required(o, 'load-id', path, 'the component loaded into (loadable is true)'), [...path, 'load-id'], 'hex');
        const digest = f.has(o, 'load-digest') ? r.digest(o['load-digest'], [...path, 'load-digest']) : plan.image?.digest;
        const size = f.has(o, 'load-size') ? f.smallUint(o['load-size'], [...path, 'load-size'], 'a size in bytes') : plan.image?.size;
        if (lid && digest && size !== undefined) plan.load = { id: lid, image: { digest, size } };
      }
    }
    components.push({ plan, path });
  }
  if (components.length > 0 && !components.some((c) => c.plan.vendor)) f.error(['components'], "a 'vendor-id' is required for at least one component (suit-tool rule)");
  if (components.length > 0 && !components.some((c) => c.plan.vendor && c.plan.class)) f.error(['components'], "a 'class-id' is required for at least one component that has a 'vendor-id' (suit-tool rule)");

  const dependencies: DependencyPlan[] = [];
  if (f.has(root, 'dependencies')) {
    f.list(root.dependencies, ['dependencies'])?.forEach((d, i) => {
      const dep = r.dependency(d, ['dependencies', i]);
      if (dep) dependencies.push(dep);
    });
  }
  const plan = manifestPlan(f, root, { sequenceNumber, components, dependencies, template: 'suit-tool' });
  const text = manifestText(root, f, src, language);
  if (text || components.some((c) => c.plan.text)) plan.text = text ?? { language: language ?? 'en-US', manifest: new Map() };
  return plan;
}

/** Manifest-level text: `description: {lang: {manifest-description...}}` or the flat fields; `include-json` adds the source. */
function manifestText(root: Obj, f: Fields, src: DescriptionSource, componentLanguage: string | undefined): TextPlan | undefined {
  const d = describedText(f, root, [], MANIFEST_TEXT_FIELDS);
  if (!d) return undefined;
  const manifest = f.texts(d.fields, d.path, MANIFEST_TEXT_FIELDS, TEXT.ids);
  if (f.has(root, 'include-json') && f.bool(root['include-json'], ['include-json'])) manifest.set(TEXT.ids['manifest-json-source'], src.text);
  return manifest.size > 0 ? { language: d.language ?? componentLanguage ?? 'en-US', manifest } : undefined;
}

/**
 * Where suit-tool text fields `keys` are: under `description: {lang: {...}}` (one language),
 * or flat in `o`. Undefined, with the problem recorded, when `description` is not one language.
 */
function describedText(f: Fields, o: Obj, path: FieldPath, keys: readonly string[]): { fields: Obj; path: FieldPath; language?: string } | undefined {
  if (!f.has(o, 'description')) return { fields: o, path };
  const entries = Object.entries(f.object(o.description, [...path, 'description'], 'any') ?? {});
  if (entries.length !== 1) return f.error([...path, 'description'], 'expected one language, e.g. {"en-US": {...}}');
  const [language, value] = entries[0]!;
  const fpath = [...path, 'description', language];
  return { fields: f.object(value, fpath, keys) ?? {}, path: fpath, language };
}

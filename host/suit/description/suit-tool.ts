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
 * Fields that older suit-tool versions accepted but draft-37 cannot express (`offset`,
 * `compression-info`) are reported as errors instead of being dropped silently.
 */
import { basename } from 'node:path';
import type { SuitDigest } from '../digest.js';
import { COMPONENT_TEXT, DIGEST_ALGORITHM, TEXT } from '../labels.js';
import { readDependencyField } from './dependency.js';
import { COMPONENT_TEXT_FIELDS, DEVICE_ID_IS_A_UUID, Fields, MANIFEST_TEXT_FIELDS, type Obj } from './fields.js';
import { NAMESPACE_DNS } from '../../util/uuid.js';
import type { FieldPath } from '../../util/yaml-source.js';
import { checkDistinctIds } from './native.js';
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
const REMOVED: Record<string, string> = {
  'offset': "component-offset was replaced by component-slot in later SUIT drafts: use 'slot'",
  'compression-info': 'compression was removed from draft-ietf-suit-manifest (draft-37 has no compression-info parameter)',
  'decompress-on-load': 'compression was removed from draft-ietf-suit-manifest (draft-37 has no compression-info parameter)',
};

export function isSuitToolDescription(v: unknown): boolean {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const o = v as Obj;
  return 'manifest-sequence-number' in o || 'manifest-version' in o || (Array.isArray(o.components) && o.components.some((c) => c && typeof c === 'object' && 'install-id' in c));
}

class SuitToolReader {
  readonly uris: PayloadUris;

  constructor(readonly f: Fields) {
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
    if (f.has(o, 'src-file')) return f.error([...path, 'src-file'], "building the dependency from its description is not supported: run 'suitrig manifest create' on it and name the result in 'file'");
    const dep = readDependencyField(f, o, 'file', path);
    if (!dep) return undefined;
    const uri = f.has(o, 'uri') ? f.string(o.uri, [...path, 'uri'], 'a URI') : undefined;
    const name = basename(dep.name);
    const id = f.has(o, 'id') ? f.componentId(o.id, [...path, 'id'], 'hex') : [new Uint8Array(Buffer.from(name, 'utf8'))];
    const source: PayloadSource = uri ? { uri, integrated: false } : { uri: `#${name}`, integrated: true };
    this.uris.claim(source, dep.digest, path);
    return id && { id, digest: dep.digest, size: dep.bytes.length, envelope: dep.bytes, source, sections: dep.sections };
  }
}

export function readSuitToolDescription(src: DescriptionSource, f: Fields): ManifestPlan | undefined {
  const root = f.object(src.value, [], TOP);
  if (!root) return undefined;
  const r = new SuitToolReader(f);
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
    for (const k of Object.keys(REMOVED)) if (f.has(o, k)) f.error([...path, k], REMOVED[k]!);
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
        const slot = f.smallUint(f.required(g.o, 'slot', g.path, 'the slot number: components sharing an install-id are A/B alternatives'), [...g.path, 'slot'], 'a slot number');
        const image = r.image(g.o, g.path);
        const uri = f.has(g.o, 'uri') ? f.string(g.o.uri, [...g.path, 'uri'], 'a URI') : undefined;
        const source: PayloadSource | undefined = uri ? { uri, integrated: false } : undefined;
        r.uris.claim(source, image?.digest, g.path);
        if (slot !== undefined && image) plan.slots.push({ slot, image, ...(source ? { source } : {}) });
      }
    } else {
      plan.image = r.image(o, path);
      const uri = f.has(o, 'uri') ? f.string(o.uri, [...path, 'uri'], 'a URI') : undefined;
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
  checkDistinctIds(components, dependencies, f);

  const plan: ManifestPlan = {
    sequenceNumber: sequenceNumber ?? 0n,
    components: components.map((c) => c.plan),
    dependencies,
    severable: f.has(root, 'severable') ? f.bool(root.severable, ['severable']) === true : false,
    template: 'suit-tool',
  };
  if (f.has(root, 'reference-uri')) plan.referenceUri = f.string(root['reference-uri'], ['reference-uri'], 'a URI');
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

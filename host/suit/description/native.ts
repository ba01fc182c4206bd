/**
 * suitrig's own manifest description format (documented in ../README.md): a hand-written JSON
 * or YAML file naming a template, the identity to check, and the components with their image
 * files, URIs, slots, staging and load components; optionally dependencies on other manifests.
 * Produces a ManifestPlan, or records every problem with its field path.
 */
import { basename } from 'node:path';
import { COMPONENT_TEXT, TEXT } from '../labels.js';
import { readDependencyField } from './dependency.js';
import { COMPONENT_TEXT_FIELDS, DEVICE_ID_IS_A_UUID, Fields, MANIFEST_TEXT_FIELDS, type Obj } from './fields.js';
import { NAMESPACE_DNS } from '../../util/uuid.js';
import { formatPath, type FieldPath } from '../../util/yaml-source.js';
import { componentIdKey, type ComponentId, type ComponentPlan, type DependencyPlan, type ImageInfo, type ManifestPlan, type PayloadSource, type SlotPlan, type TextPlan } from './plan.js';
import { PayloadUris } from './payload-uris.js';
import { checkTemplate, TEMPLATE_NAMES, type PlacedComponent } from './templates.js';
import type { DescriptionSource } from './source.js';

const TOP = ['template', 'sequence-number', 'vendor', 'class', 'device', 'reference-uri', 'manifest-component-id', 'severable', 'text', 'components', 'dependencies'];
const COMPONENT = ['id', 'image', 'uri', 'integrated', 'bootable', 'slot-size', 'vendor', 'class', 'device', 'slots', 'stage', 'load', 'text'];
const SLOT = ['slot', 'image', 'uri', 'integrated'];
const STAGE = ['id', 'uri', 'integrated'];
const LOAD = ['id', 'image'];
const DEPENDENCY = ['envelope', 'id', 'prefix', 'uri', 'integrated'];
const MANIFEST_TEXT = ['language', 'manifest-description', 'update-description', 'include-source'];
const CLASS_NAME_NEEDS_VENDOR = "a class given by name is made within the vendor UUID: set 'vendor' on this component too, or give the class as a UUID";

interface Identity {
  vendor?: Uint8Array;
  class?: Uint8Array;
  device?: Uint8Array;
}

class NativeReader {
  private readonly uris: PayloadUris;

  constructor(readonly f: Fields) {
    this.uris = new PayloadUris(f);
  }

  /**
   * The identity of `o`, or the one it inherits. A class name is made within the vendor UUID;
   * where there is none, `classNames` says what becomes of such a name (null: the missing or
   * wrong vendor is reported elsewhere).
   */
  identity(o: Obj, path: FieldPath, inherited: Identity, classNames: string | null): Identity {
    const f = this.f;
    const vendorGiven = f.has(o, 'vendor');
    const vendor = vendorGiven ? f.uuid(o.vendor, [...path, 'vendor'], 'vendor ID', NAMESPACE_DNS) : inherited.vendor;
    const cls = f.has(o, 'class') ? f.uuid(o.class, [...path, 'class'], 'class ID', vendor ?? (vendorGiven ? null : classNames)) : inherited.class;
    const device = f.has(o, 'device') ? f.uuid(o.device, [...path, 'device'], 'device ID', DEVICE_ID_IS_A_UUID) : inherited.device;
    return { vendor, class: cls, device };
  }

  /** `uri` / `integrated` of an object; the envelope key of an integrated payload defaults to `#<file name>`. */
  source(o: Obj, path: FieldPath, image: ImageInfo | undefined, integratedDefault: boolean): PayloadSource | undefined {
    const f = this.f;
    const uri = f.has(o, 'uri') ? f.string(o.uri, [...path, 'uri'], 'a URI') : undefined;
    const integrated = f.has(o, 'integrated') ? f.bool(o.integrated, [...path, 'integrated']) : integratedDefault && uri === undefined;
    if (uri === undefined && !integrated) return undefined;
    let source: PayloadSource;
    if (uri !== undefined) source = { uri, integrated: integrated === true };
    else if (image?.file) source = { uri: `#${basename(image.file)}`, integrated: true };
    else return f.error([...path, 'integrated'], 'an integrated payload needs an image file');
    this.uris.claim(source, image?.digest, path);
    return source;
  }

  sizeCheck(image: ImageInfo | undefined, limit: number | undefined, path: FieldPath): void {
    if (image && limit !== undefined && image.size > limit) {
      this.f.error(path, `image '${image.file}' is ${image.size} bytes, larger than the slot (slot-size ${limit})`);
    }
  }

  slots(v: unknown, path: FieldPath, limit: number | undefined): SlotPlan[] | undefined {
    const f = this.f;
    const list = f.list(v, path, 2);
    if (!list) return undefined;
    const out: SlotPlan[] = [];
    const seen = new Set<number>();
    list.forEach((item, i) => {
      const p = [...path, i];
      const o = f.object(item, p, SLOT);
      if (!o) return;
      const slot = f.smallUint(f.required(o, 'slot', p, 'the slot number'), [...p, 'slot'], 'a slot number');
      const image = f.image(f.required(o, 'image', p, 'the image file for this slot'), [...p, 'image']);
      if (slot !== undefined && seen.has(slot)) f.error([...p, 'slot'], `slot ${slot} is listed twice`);
      if (slot !== undefined) seen.add(slot);
      this.sizeCheck(image, limit, [...p, 'image']);
      const source = this.source(o, p, image, false);
      if (slot !== undefined && image) out.push({ slot, image, ...(source ? { source } : {}) });
    });
    return out.length === list.length ? out : undefined;
  }

  componentText(v: unknown, path: FieldPath): Map<number, string> | undefined {
    const o = this.f.object(v, path, COMPONENT_TEXT_FIELDS);
    return o && this.f.texts(o, path, COMPONENT_TEXT_FIELDS, COMPONENT_TEXT.ids);
  }

  component(v: unknown, path: FieldPath, index: number, top: Identity): ComponentPlan | undefined {
    const f = this.f;
    const o = f.object(v, path, COMPONENT);
    if (!o) return undefined;
    const before = f.issues.count;
    const id = f.componentId(f.required(o, 'id', path, 'the component identifier, e.g. [app]'), [...path, 'id'], 'text');
    // The first component takes the top-level identity, whose vendor problems are reported there.
    const identity = index === 0 ? this.identity(o, path, top, null) : this.identity(o, path, {}, CLASS_NAME_NEEDS_VENDOR);
    const limit = f.has(o, 'slot-size') ? f.smallUint(o['slot-size'], [...path, 'slot-size'], 'a size in bytes') : undefined;
    const bootable = f.has(o, 'bootable') ? f.bool(o.bootable, [...path, 'bootable']) : index === 0;
    const plan: ComponentPlan = { id: id ?? [], bootable: bootable === true, ...definedOnly(identity) };
    if (f.has(o, 'slots')) {
      for (const k of ['image', 'uri', 'integrated', 'stage']) if (f.has(o, k)) f.error([...path, k], `with 'slots', give '${k}' per slot`);
      plan.slots = this.slots(o.slots, [...path, 'slots'], limit);
    } else {
      plan.image = f.image(f.required(o, 'image', path, 'the image file'), [...path, 'image']);
      this.sizeCheck(plan.image, limit, [...path, 'image']);
      if (f.has(o, 'stage')) {
        for (const k of ['uri', 'integrated']) if (f.has(o, k)) f.error([...path, k], `with 'stage', '${k}' goes under stage (the image is fetched into the staging component)`);
        const sp = [...path, 'stage'];
        const so = f.object(o.stage, sp, STAGE);
        const sid = so && f.componentId(f.required(so, 'id', sp, 'the staging component identifier'), [...sp, 'id'], 'text');
        const source = so && this.source(so, sp, plan.image, true);
        if (sid && source && plan.image) plan.stage = { id: sid, digest: plan.image.digest, source, image: plan.image };
      } else {
        plan.source = this.source(o, path, plan.image, false);
      }
    }
    if (f.has(o, 'load')) {
      const lp = [...path, 'load'];
      const lo = f.object(o.load, lp, LOAD);
      const lid = lo && f.componentId(f.required(lo, 'id', lp, 'the component the image is loaded into'), [...lp, 'id'], 'text');
      const image = lo && (f.has(lo, 'image') ? f.image(lo.image, [...lp, 'image']) : plan.image);
      if (lid && image) plan.load = { id: lid, image };
    }
    if (f.has(o, 'text')) plan.text = this.componentText(o.text, [...path, 'text']);
    return f.issues.count === before ? plan : undefined;
  }

  dependency(v: unknown, path: FieldPath): DependencyPlan | undefined {
    const f = this.f;
    const o = f.object(v, path, DEPENDENCY);
    if (!o) return undefined;
    const dep = readDependencyField(f, o, 'envelope', path);
    if (!dep) return undefined;
    const name = basename(dep.name);
    const id = f.has(o, 'id') ? f.componentId(o.id, [...path, 'id'], 'text') : [new Uint8Array(Buffer.from(name, 'utf8'))];
    const prefix = f.has(o, 'prefix') ? f.componentId(o.prefix, [...path, 'prefix'], 'text') : undefined;
    const source = this.source(o, path, { digest: dep.digest, size: dep.bytes.length, file: dep.name }, true);
    if (!id || !source) return undefined;
    return { id, ...(prefix ? { prefix } : {}), digest: dep.digest, size: dep.bytes.length, envelope: dep.bytes, source, sections: dep.sections };
  }

  text(v: unknown, path: FieldPath, src: DescriptionSource): TextPlan | undefined {
    const f = this.f;
    const o = f.object(v, path, MANIFEST_TEXT);
    if (!o) return undefined;
    const language = f.has(o, 'language') ? f.string(o.language, [...path, 'language'], 'a language tag such as en-US') : 'en-US';
    if (language !== undefined && !/^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$/.test(language)) f.error([...path, 'language'], `'${language}' is not a language tag (RFC 9290 tag38), e.g. en-US`);
    const manifest = f.texts(o, path, MANIFEST_TEXT_FIELDS, TEXT.ids);
    if (f.has(o, 'include-source') && f.bool(o['include-source'], [...path, 'include-source'])) {
      manifest.set(TEXT.ids[src.format === 'json' ? 'manifest-json-source' : 'manifest-yaml-source'], src.text);
    }
    return { language: language ?? 'en-US', manifest };
  }
}

function definedOnly(i: Identity): Identity {
  return Object.fromEntries(Object.entries(i).filter(([, v]) => v !== undefined)) as Identity;
}

export function isNativeDescription(v: unknown): boolean {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && Object.prototype.hasOwnProperty.call(v, 'template');
}

export function readNativeDescription(src: DescriptionSource, f: Fields): ManifestPlan | undefined {
  const root = f.object(src.value, [], TOP);
  if (!root) return undefined;
  const r = new NativeReader(f);
  const template = f.oneOf(root.template, ['template'], TEMPLATE_NAMES, 'template');
  const sequenceNumber = f.uint(f.required(root, 'sequence-number', [], 'the manifest sequence number, 0 to 2^64-1'), ['sequence-number'], undefined, 'a sequence number');
  const top = r.identity(root, [], {}, null); // a missing vendor is reported on the first component
  const components: PlacedComponent[] = [];
  const list = f.has(root, 'components') ? f.list(root.components, ['components']) : [];
  list?.forEach((c, i) => {
    const plan = r.component(c, ['components', i], i, top);
    if (plan) components.push({ plan, path: ['components', i] });
  });
  // The first component carries the compatibility check (§7.1); a field that is present but
  // wrong has been reported already.
  const first = components.find((c) => c.path[1] === 0)?.plan;
  if (first && !first.vendor && !f.has(root, 'vendor')) f.error(['components', 0], "missing 'vendor': the vendor UUID or domain name checked on the first component");
  if (first && !first.class && !f.has(root, 'class')) f.error(['components', 0], "missing 'class': the class UUID or model name checked on the first component");
  const dependencies: DependencyPlan[] = [];
  const depList = f.has(root, 'dependencies') ? f.list(root.dependencies, ['dependencies']) : [];
  depList?.forEach((d, i) => {
    const dep = r.dependency(d, ['dependencies', i]);
    if (dep) dependencies.push(dep);
  });
  if (template) checkTemplate(template, components, { components: list?.length ?? 0, dependencies: depList?.length ?? 0 }, f.issues);
  const plan = manifestPlan(f, root, { sequenceNumber, components, dependencies, template: template ?? 'unknown' });
  if (f.has(root, 'manifest-component-id')) plan.manifestComponentId = f.componentId(root['manifest-component-id'], ['manifest-component-id'], 'text');
  if (f.has(root, 'text')) plan.text = r.text(root.text, ['text'], src);
  return plan;
}

/**
 * What both description forms (this one and suit-tool.ts) make of a manifest alike: its
 * components and dependencies, their identifiers checked distinct, its sequence number, whether
 * its members are severable, and its reference URI.
 */
export function manifestPlan(
  f: Fields,
  root: Obj,
  o: { sequenceNumber: bigint | undefined; components: PlacedComponent[]; dependencies: DependencyPlan[]; template: string },
): ManifestPlan {
  checkDistinctIds(o.components, o.dependencies, f);
  const plan: ManifestPlan = {
    sequenceNumber: o.sequenceNumber ?? 0n,
    components: o.components.map((c) => c.plan),
    dependencies: o.dependencies,
    severable: f.has(root, 'severable') ? f.bool(root.severable, ['severable']) === true : false,
    template: o.template,
  };
  if (f.has(root, 'reference-uri')) plan.referenceUri = f.string(root['reference-uri'], ['reference-uri'], 'a URI');
  return plan;
}

/** Component identifiers name distinct components: the same identifier twice is a mistake. */
function checkDistinctIds(components: PlacedComponent[], dependencies: DependencyPlan[], f: Fields): void {
  const seen = new Map<string, string>();
  const note = (id: ComponentId, where: FieldPath) => {
    const key = componentIdKey(id);
    const prev = seen.get(key);
    if (prev) f.error(where, `component identifier used twice (also at ${prev})`);
    else seen.set(key, formatPath(where));
  };
  for (const { plan, path } of components) {
    note(plan.id, [...path, 'id']);
    if (plan.stage) note(plan.stage.id, [...path, 'stage', 'id']);
    if (plan.load) note(plan.load.id, [...path, 'load', 'id']);
  }
  dependencies.forEach((d, i) => note(d.id, ['dependencies', i, 'id']));
}

/**
 * Compiles a ManifestPlan into the members of a SUIT_Manifest (draft-ietf-suit-manifest-37
 * §8.4) following the creation templates of §7 and trust-domains-11 §6.1:
 * - shared sequence: per component, override vendor/class/device, image digest and size, a
 *   try-each over A/B slots, then the identity conditions (compatibility check, §7.1);
 *   per dependency, its manifest digest and envelope size;
 * - dependency-resolution: fetch each dependency, check its integrity, process it;
 * - payload-fetch: fetch into staging components (§7.4); install: copy from staging, or fetch
 *   straight into the component (§7.3), A/B by try-each (§7.7); an encrypted payload
 *   (firmware-encryption) is decrypted by that copy, or by the fetch itself, with its
 *   encryption-info set next to the source component or the URI;
 * - validate: image-match per component; load: copy into the load component (§7.6);
 * - invoke: per bootable component (its load target if it has one), A/B by try-each.
 * Dependencies are processed (dependency-integrity + process-dependency) in every sequence
 * their own manifest has, before the dependent's own commands. The order of commands within a
 * component (parameters, try-each, conditions) is suit-tool's, so suit-tool descriptions of the
 * IETF examples compile to the published structures.
 */
import { encodeCbor, type CborValue } from '../cbor/encode.js';
import { digestValue, type SuitDigest } from '../digest.js';
import { componentIdKey, type ComponentId, type ComponentPlan, type ManifestPlan } from '../description/plan.js';
import { COMMON, DEPENDENCY_METADATA, POLICY_SELECTOR, type SequenceMember } from '../labels.js';
import { SequenceBuilder, type ParameterValues } from './sequence.js';

export interface CompiledManifest {
  sequenceNumber: bigint;
  referenceUri?: string;
  manifestComponentId?: ComponentId;
  /** Encoded SUIT_Common. */
  common: Uint8Array;
  /** Encoded command sequences that are not empty. */
  sequences: Map<SequenceMember, Uint8Array>;
  /** Encoded SUIT_Text_Map, when there is text. */
  text?: Uint8Array;
  /** Integrated payloads: envelope key (the URI) -> bytes. */
  payloads: Map<string, Uint8Array>;
  /** The components list, in index order. */
  components: ComponentId[];
}

export class CompileError extends Error {
  override name = 'CompileError';
}

function digestParam(d: SuitDigest): Uint8Array {
  return encodeCbor(digestValue(d));
}

class Compiler {
  readonly ids: ComponentId[] = [];
  private readonly index = new Map<string, number>();

  constructor(private readonly plan: ManifestPlan) {
    for (const c of plan.components) {
      this.indexOf(c.id);
      if (c.stage) this.indexOf(c.stage.id);
      if (c.load) this.indexOf(c.load.id);
    }
    for (const d of plan.dependencies) this.indexOf(d.id);
  }

  indexOf(id: ComponentId): number {
    const k = componentIdKey(id);
    let i = this.index.get(k);
    if (i === undefined) {
      i = this.ids.length;
      this.ids.push(id);
      this.index.set(k, i);
    }
    return i;
  }

  seq(): SequenceBuilder {
    return new SequenceBuilder(this.ids.length > 1);
  }

  /** An alternative of a try-each: it runs on the component already selected. */
  alt(): SequenceBuilder {
    return new SequenceBuilder(false);
  }

  /** dependency-integrity + process-dependency for each dependency that has `section`. */
  dependencies(s: SequenceBuilder, section: SequenceMember): void {
    for (const d of this.plan.dependencies) {
      if (!d.sections.has(section)) continue;
      s.select(this.indexOf(d.id)).condition('condition-dependency-integrity').directive('directive-process-dependency');
    }
  }

  slotChoice(c: ComponentPlan, tail: (alt: SequenceBuilder, slot: NonNullable<ComponentPlan['slots']>[number]) => void): SequenceBuilder[] {
    return c.slots!.map((sl) => {
      const a = this.alt().override({ 'component-slot': sl.slot }).condition('condition-component-slot', POLICY_SELECTOR);
      tail(a, sl);
      return a;
    });
  }

  shared(): SequenceBuilder {
    const s = this.seq();
    for (const c of this.plan.components) {
      s.select(this.indexOf(c.id));
      const params: ParameterValues = {
        'vendor-identifier': c.vendor,
        'class-identifier': c.class,
        'device-identifier': c.device,
        ...(c.image ? { 'image-digest': digestParam(c.image.digest), 'image-size': c.image.size } : {}),
      };
      s.override(params);
      if (c.slots) s.tryEach(this.slotChoice(c, (a, sl) => a.override({ 'image-digest': digestParam(sl.image.digest), 'image-size': sl.image.size })));
      if (c.vendor) s.condition('condition-vendor-identifier');
      if (c.class) s.condition('condition-class-identifier');
      if (c.device) s.condition('condition-device-identifier');
    }
    for (const d of this.plan.dependencies) {
      s.select(this.indexOf(d.id)).override({ 'image-digest': digestParam(d.digest), 'image-size': d.size });
    }
    return s;
  }

  dependencyResolution(): SequenceBuilder {
    const s = this.seq();
    for (const d of this.plan.dependencies) {
      s.select(this.indexOf(d.id)).override({ uri: d.source.uri }).directive('directive-fetch').condition('condition-dependency-integrity');
      if (d.sections.has('dependency-resolution')) s.directive('directive-process-dependency');
    }
    return s;
  }

  payloadFetch(): SequenceBuilder {
    const s = this.seq();
    this.dependencies(s, 'payload-fetch');
    for (const c of this.plan.components) {
      if (!c.stage) continue;
      s.select(this.indexOf(c.stage.id)).override({ 'image-digest': digestParam(c.stage.digest), uri: c.stage.source.uri });
      s.directive('directive-fetch').condition('condition-image-match');
    }
    return s;
  }

  install(): SequenceBuilder {
    const s = this.seq();
    this.dependencies(s, 'install');
    for (const c of this.plan.components) {
      const i = this.indexOf(c.id);
      if (c.stage) {
        s.select(i).override({ 'source-component': this.indexOf(c.stage.id), 'encryption-info': c.encryption?.info }).directive('directive-copy').condition('condition-image-match');
      } else if (c.slots?.some((sl) => sl.source)) {
        s.select(i).tryEach(this.slotChoice(c, (a, sl) => a.override({ uri: sl.source?.uri })));
        s.directive('directive-fetch').condition('condition-image-match');
      } else if (c.source) {
        s.select(i).override({ uri: c.source.uri, 'encryption-info': c.encryption?.info }).directive('directive-fetch').condition('condition-image-match');
      }
    }
    return s;
  }

  validate(): SequenceBuilder {
    const s = this.seq();
    this.dependencies(s, 'validate');
    // A component with no image (a suit-tool entry naming only its identity) has nothing to match.
    for (const c of this.plan.components) if (c.image || c.slots) s.select(this.indexOf(c.id)).condition('condition-image-match');
    return s;
  }

  load(): SequenceBuilder {
    const s = this.seq();
    this.dependencies(s, 'load');
    for (const c of this.plan.components) {
      if (!c.load) continue;
      s.select(this.indexOf(c.load.id)).override({
        'image-digest': digestParam(c.load.image.digest),
        'image-size': c.load.image.size,
        'source-component': this.indexOf(c.id),
      });
      s.directive('directive-copy').condition('condition-image-match');
    }
    return s;
  }

  invoke(): SequenceBuilder {
    const s = this.seq();
    this.dependencies(s, 'invoke');
    for (const c of this.plan.components) {
      if (!c.bootable) continue;
      s.select(this.indexOf(c.load?.id ?? c.id));
      if (c.slots) s.tryEach(this.slotChoice(c, () => undefined));
      s.directive('directive-invoke');
    }
    return s;
  }

  common(shared: SequenceBuilder): Uint8Array {
    const m = new Map<CborValue, CborValue>();
    if (this.plan.dependencies.length > 0) {
      m.set(
        COMMON.ids.dependencies,
        new Map<CborValue, CborValue>(
          this.plan.dependencies.map((d) => [this.indexOf(d.id), new Map<CborValue, CborValue>(d.prefix ? [[DEPENDENCY_METADATA.ids['dependency-prefix'], d.prefix]] : [])]),
        ),
      );
    }
    m.set(COMMON.ids.components, this.ids);
    if (!shared.isEmpty) m.set(COMMON.ids['shared-sequence'], shared.encode());
    return encodeCbor(m);
  }

  text(): Uint8Array | undefined {
    const t = this.plan.text;
    const withText = this.plan.components.filter((c) => c.text && c.text.size > 0);
    if (!t && withText.length === 0) return undefined;
    const lmap = new Map<CborValue, CborValue>(t?.manifest ?? []);
    for (const c of withText) lmap.set(c.id, new Map<CborValue, CborValue>(c.text!));
    return encodeCbor(new Map<CborValue, CborValue>([[t?.language ?? 'en-US', lmap]]));
  }

  payloads(): Map<string, Uint8Array> {
    const out = new Map<string, Uint8Array>();
    const put = (uri: string, bytes: Uint8Array | undefined, what: string) => {
      if (!bytes) throw new CompileError(`${what}: an integrated payload needs the image bytes (give an image file)`);
      const prev = out.get(uri);
      if (prev && Buffer.compare(prev, bytes) !== 0) throw new CompileError(`envelope key '${uri}' would carry two different payloads`);
      out.set(uri, bytes);
    };
    this.plan.components.forEach((c, i) => {
      const what = `components[${i}]`;
      if (c.source?.integrated) put(c.source.uri, c.encryption?.ciphertext ?? c.image?.bytes, what);
      if (c.stage?.source.integrated) put(c.stage.source.uri, c.stage.image?.bytes, `${what}.stage`);
      c.slots?.forEach((sl, j) => sl.source?.integrated && put(sl.source.uri, sl.image.bytes, `${what}.slots[${j}]`));
    });
    this.plan.dependencies.forEach((d, i) => d.source.integrated && put(d.source.uri, d.envelope, `dependencies[${i}]`));
    return out;
  }
}

export function compileManifest(plan: ManifestPlan): CompiledManifest {
  const c = new Compiler(plan);
  const shared = c.shared();
  const sequences = new Map<SequenceMember, Uint8Array>();
  const add = (name: SequenceMember, s: SequenceBuilder) => s.isEmpty || sequences.set(name, s.encode());
  add('dependency-resolution', c.dependencyResolution());
  add('payload-fetch', c.payloadFetch());
  add('install', c.install());
  add('validate', c.validate());
  add('load', c.load());
  add('invoke', c.invoke());
  const text = c.text();
  return {
    sequenceNumber: plan.sequenceNumber,
    ...(plan.referenceUri ? { referenceUri: plan.referenceUri } : {}),
    ...(plan.manifestComponentId ? { manifestComponentId: plan.manifestComponentId } : {}),
    common: c.common(shared),
    sequences,
    ...(text ? { text } : {}),
    payloads: c.payloads(),
    components: c.ids,
  };
}

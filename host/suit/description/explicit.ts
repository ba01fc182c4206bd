/**
 * The explicit description form (`template: explicit`): a manifest written out as it is, member
 * by member, rather than generated from a template — what `suitrig manifest parse` writes, so that
 * any envelope can be turned back into a description and built again into the same manifest
 * (draft-ietf-suit-manifest-37 §8.4; trust-domains-11, update-management-14 members):
 *
 *   template: explicit
 *   sequence-number: 1
 *   reference-uri: ...                 manifest-component-id: [...]    set-version: [1, 2]
 *   components: [[h'00'], [app]]
 *   dependencies: [{index: 1, prefix: [dep.suit]}]
 *   shared: [commands]                 (explicit-commands.ts)
 *   install: [commands]                or {severable: true, commands: [...]}, {severed: {algorithm, bytes}},
 *                                      {bytes: h'..', severable?}  (the same for every member)
 *   text: {severable: true, text: {en-US: {manifest-description: .., components: [{id, vendor-name..}]}}}
 *   payloads: {'#app.bin': app.bin}     integrated payloads, from files
 *   extensions: [{key: -1, value: {cbor: ..}}]      other manifest members, as they are
 */
import { basename } from 'node:path';
import { encodeCbor, type CborValue } from '../cbor/encode.js';
import { COMMON, COMPONENT_TEXT, DEPENDENCY_METADATA, MANIFEST, SEQUENCE_MEMBERS, SEVERABLE_MEMBERS, TEXT } from '../labels.js';
import type { FieldPath } from '../../util/yaml-source.js';
import { readCommands } from './explicit-commands.js';
import { isRaw, readBytesText, readDigestJson, readIdJson, readRaw } from './explicit-values.js';
import type { Fields, Obj } from './fields.js';
import type { ExplicitManifest, ExplicitMember, ManifestPlan } from './plan.js';
import type { DescriptionSource } from './source.js';

const MEMBERS = [...SEQUENCE_MEMBERS, 'coswid', 'text'] as const;
type MemberName = (typeof MEMBERS)[number];
/** The fields of the explicit form, in the order `manifest parse` writes them. */
export const EXPLICIT_TOP = [
  'template', 'sequence-number', 'reference-uri', 'manifest-component-id', 'set-version', 'components', 'dependencies', 'shared',
  ...MEMBERS, 'extensions', 'payloads',
];

function readText(f: Fields, v: unknown, path: FieldPath): Uint8Array | undefined {
  const langs = f.object(v, path, 'any');
  if (!langs) return undefined;
  const out = new Map<CborValue, CborValue>();
  for (const [lang, fields] of Object.entries(langs)) {
    const p = [...path, lang];
    const o = f.object(fields, p, [...TEXT.names.values(), 'components']);
    if (!o) continue;
    const m = new Map<CborValue, CborValue>();
    for (const [name, id] of Object.entries(TEXT.ids)) if (f.has(o, name)) m.set(id, f.string(o[name], [...p, name], 'text') ?? '');
    (f.has(o, 'components') ? (f.list(o.components, [...p, 'components']) ?? []) : []).forEach((c, i) => {
      const cp = [...p, 'components', i];
      const co = f.object(c, cp, ['id', ...COMPONENT_TEXT.names.values()]);
      const id = co && readIdJson(f, f.required(co, 'id', cp, 'the component identifier'), [...cp, 'id']);
      if (!co || !id) return;
      const cm = new Map<CborValue, CborValue>();
      for (const [name, k] of Object.entries(COMPONENT_TEXT.ids)) if (f.has(co, name)) cm.set(k, f.string(co[name], [...cp, name], 'text') ?? '');
      m.set(id, cm);
    });
    out.set(lang, m);
  }
  return encodeCbor(out);
}

function readMember(f: Fields, name: MemberName, v: unknown, path: FieldPath): ExplicitMember | undefined {
  const severableMember = (SEVERABLE_MEMBERS as readonly string[]).includes(name);
  const isSeq = (SEQUENCE_MEMBERS as readonly string[]).includes(name);
  if (Array.isArray(v)) {
    if (!isSeq) return f.error(path, `${name} is not a command sequence: give {bytes: ...}${name === 'text' ? ' or {text: ...}' : ''}`);
    const seq = readCommands(f, v, path);
    return seq && { content: encodeCbor(seq), severable: false };
  }
  const o = f.object(v, path, ['severable', 'severed', 'commands', 'text', 'bytes']);
  if (!o) return undefined;
  if (f.has(o, 'severed')) {
    if (!severableMember) return f.error([...path, 'severed'], `${name} cannot be severed (draft-37 §8.4.4)`);
    if (Object.keys(o).length > 1) return f.error(path, "'severed' stands alone: the member is not in the envelope, only its digest in the manifest");
    const d = readDigestJson(f, o.severed, [...path, 'severed']) as [number, Uint8Array] | undefined;
    return d && { digest: { algorithm: d[0], bytes: d[1] }, severable: true };
  }
  const severable = f.has(o, 'severable') ? f.bool(o.severable, [...path, 'severable']) === true : false;
  if (severable && !severableMember) return f.error([...path, 'severable'], `${name} cannot be severable (draft-37 §8.4.4)`);
  const forms = ['commands', 'text', 'bytes'].filter((k) => f.has(o, k));
  if (forms.length !== 1) return f.error(path, `give one of commands${name === 'text' ? ', text' : ''}, bytes or severed`);
  let content: Uint8Array | undefined;
  if (forms[0] === 'bytes') content = readBytesText(f, o.bytes, [...path, 'bytes']);
  else if (forms[0] === 'commands') {
    if (!isSeq) return f.error([...path, 'commands'], `${name} is not a command sequence`);
    const seq = readCommands(f, o.commands, [...path, 'commands']);
    content = seq && encodeCbor(seq);
  } else {
    if (name !== 'text') return f.error([...path, 'text'], `only the text member takes 'text'`);
    content = readText(f, o.text, [...path, 'text']);
  }
  return content && { content, severable };
}

function readCommon(f: Fields, root: Obj): Uint8Array | undefined {
  const common = new Map<CborValue, CborValue>();
  if (f.has(root, 'dependencies')) {
    const deps = new Map<CborValue, CborValue>();
    f.list(root.dependencies, ['dependencies'])?.forEach((d, i) => {
      const p = ['dependencies', i];
      const o = f.object(d, p, ['index', 'prefix', 'metadata']);
      const idx = o && f.uint(f.required(o, 'index', p, 'the component index of the dependency'), [...p, 'index']);
      if (!o || idx === undefined) return;
      const meta = o.metadata !== undefined && isRaw(o.metadata) ? readRaw(f, o.metadata, [...p, 'metadata']) : new Map<CborValue, CborValue>();
      if (!(meta instanceof Map)) return f.error([...p, 'metadata'], 'expected {cbor: <hex>} of a map');
      if (f.has(o, 'prefix')) {
        const prefix = readIdJson(f, o.prefix, [...p, 'prefix']);
        if (prefix) meta.set(DEPENDENCY_METADATA.ids['dependency-prefix'], prefix);
      }
      deps.set(idx, meta);
    });
    common.set(COMMON.ids.dependencies, deps);
  }
  const comps = f.list(f.required(root, 'components', [], 'the component identifiers, e.g. [[h\'00\']]'), ['components']) ?? [];
  const ids = comps.map((c, i) => readIdJson(f, c, ['components', i]));
  if (comps.length > 0) common.set(COMMON.ids.components, ids.filter((x): x is Uint8Array[] => x !== undefined));
  if (f.has(root, 'shared')) {
    const seq = readCommands(f, root.shared, ['shared']);
    if (seq) common.set(COMMON.ids['shared-sequence'], encodeCbor(seq));
  }
  return encodeCbor(common);
}

export function readExplicitDescription(src: DescriptionSource, f: Fields): ManifestPlan | undefined {
  const root = f.object(src.value, [], EXPLICIT_TOP);
  if (!root) return undefined;
  const sequenceNumber = f.uint(f.required(root, 'sequence-number', [], 'the manifest sequence number'), ['sequence-number'], undefined, 'a sequence number');
  const entries = new Map<number, CborValue>();
  if (f.has(root, 'reference-uri')) entries.set(MANIFEST.ids['reference-uri'], f.string(root['reference-uri'], ['reference-uri'], 'a URI') ?? '');
  if (f.has(root, 'manifest-component-id')) {
    const id = readIdJson(f, root['manifest-component-id'], ['manifest-component-id']);
    if (id) entries.set(MANIFEST.ids['manifest-component-id'], id);
  }
  if (f.has(root, 'set-version')) {
    const v = isRaw(root['set-version']) ? readRaw(f, root['set-version'], ['set-version']) : undefined;
    if (v === undefined) f.error(['set-version'], 'expected {cbor: <hex>} of the set-version value');
    else entries.set(MANIFEST.ids['set-version'], encodeCbor(v));
  }
  f.list(root.extensions ?? [], ['extensions'])?.forEach((e, i) => {
    const o = f.object(e, ['extensions', i], ['key', 'value']);
    const key = o && f.has(o, 'key') && (typeof o.key === 'bigint' || typeof o.key === 'number') ? Number(o.key) : f.error(['extensions', i, 'key'], 'expected an integer key');
    const value = o && isRaw(o.value) ? readRaw(f, o.value, ['extensions', i, 'value']) : f.error(['extensions', i, 'value'], 'expected {cbor: <hex>}');
    if (key !== undefined && value !== undefined) entries.set(key, value);
  });
  const members = new Map<number, ExplicitMember>();
  for (const name of MEMBERS) {
    if (!f.has(root, name)) continue;
    const m = readMember(f, name, root[name], [name]);
    if (m) members.set(MANIFEST.ids[name], m);
  }
  const payloads = new Map<string, Uint8Array>();
  const po = f.has(root, 'payloads') ? f.object(root.payloads, ['payloads'], 'any') : undefined;
  for (const [key, file] of Object.entries(po ?? {})) {
    const r = f.readFile(file, ['payloads', key], 'payload file', 'image');
    if (r) payloads.set(key, r.bytes);
  }
  const common = readCommon(f, root);
  if (sequenceNumber === undefined || !common) return undefined;
  const explicit: ExplicitManifest = { sequenceNumber, common, entries, members, payloads };
  return { sequenceNumber, components: [], dependencies: [], severable: false, template: 'explicit', explicit };
}

/** The description file name a payload key becomes when `manifest parse` writes it out. */
export function payloadFileName(key: string, taken: Set<string>): string {
  const base = basename(key.replace(/^#/, '')).replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_') || 'payload';
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}.${i}`;
  taken.add(name);
  return name;
}

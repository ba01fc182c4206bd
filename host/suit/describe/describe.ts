/**
 * The reverse of `manifest create`: a SUIT envelope turned back into a description, in the
 * explicit form (../description/explicit.ts), with its integrated payloads as files. Building that
 * description again gives the same manifest, byte for byte, for any manifest in deterministic
 * encoding (draft-ietf-suit-manifest-37 §8.1 requires it); `manifest parse` checks this before it
 * writes anything. Severed members keep their digest; severable ones stay severable. What is not
 * part of a description — the signatures and delegation chains of the envelope — is named in
 * `notes`.
 */
import { decodeCbor } from '../cbor/decode.js';
import { encodeCbor, type CborValue } from '../cbor/encode.js';
import { EnvelopeError, parseEnvelope } from '../envelope/parse.js';
import { COMMON, COMPONENT_TEXT, DEPENDENCY_METADATA, ENVELOPE, MANIFEST, SEQUENCE_MEMBERS, TEXT } from '../labels.js';
import { commandsJson } from '../description/explicit-commands.js';
import { EXPLICIT_TOP, payloadFileName } from '../description/explicit.js';
import { bytesText, digestJson, idJson, intJson, rawValue, type Json } from '../description/explicit-values.js';

export class DescribeError extends Error {
  override name = 'DescribeError';
}

export interface Description {
  /** The description (explicit form), ready for JSON or YAML. */
  document: { [k: string]: Json };
  /** Integrated payloads: the file each is written to (relative to the description) and its bytes. */
  payloads: { key: string; file: string; bytes: Uint8Array }[];
  /** What the envelope has that a description does not carry. */
  notes: string[];
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
}

function decoded(b: Uint8Array, what: string): unknown {
  try {
    return decodeCbor(b, what);
  } catch (e) {
    throw new DescribeError(`${what}: ${(e as Error).message}`);
  }
}

/** A command sequence as commands, when it re-encodes to the same bytes; else as bytes. */
function sequenceForm(content: Uint8Array): { commands: Json } | { bytes: Json } {
  const v = decoded(content, 'command sequence');
  return Array.isArray(v) && same(encodeCbor(v as CborValue), content) ? { commands: commandsJson(v) } : { bytes: bytesText(content) };
}

/** SUIT_Text_Map in the typed form, when it has only known fields and re-encodes the same. */
function textForm(content: Uint8Array): { text: Json } | { bytes: Json } {
  const v = decoded(content, 'text');
  const out: Record<string, Json> = {};
  if (!(v instanceof Map)) return { bytes: bytesText(content) };
  for (const [lang, m] of v) {
    if (typeof lang !== 'string' || !(m instanceof Map)) return { bytes: bytesText(content) };
    const fields: Record<string, Json> = {};
    const components: Json[] = [];
    for (const [k, val] of m) {
      const name = typeof k === 'number' ? TEXT.names.get(k) : undefined;
      if (name && typeof val === 'string') fields[name] = val;
      else if (idJson(k) && val instanceof Map && [...val].every(([ck, cv]) => typeof ck === 'number' && COMPONENT_TEXT.names.has(ck) && typeof cv === 'string')) {
        components.push({ id: idJson(k)!, ...Object.fromEntries([...val].map(([ck, cv]) => [COMPONENT_TEXT.names.get(ck as number)!, cv as string])) });
      } else return { bytes: bytesText(content) };
    }
    out[lang] = components.length ? { ...fields, components } : fields;
  }
  return same(encodeCbor(v as CborValue), content) ? { text: out } : { bytes: bytesText(content) };
}

function commonFields(content: Uint8Array): { [k: string]: Json } {
  const c = decoded(content, 'common');
  if (!(c instanceof Map)) throw new DescribeError('common is not a map');
  const out: { [k: string]: Json } = {};
  for (const [k, v] of c) {
    if (k === COMMON.ids.dependencies && v instanceof Map) {
      out.dependencies = [...v].map(([idx, meta]) => {
        if (!(meta instanceof Map)) throw new DescribeError(`dependency ${String(idx)}: its metadata is not a map`);
        const prefix = meta.get(DEPENDENCY_METADATA.ids['dependency-prefix']);
        const rest = new Map([...meta].filter(([mk]) => mk !== DEPENDENCY_METADATA.ids['dependency-prefix']));
        const prefixJson = prefix === undefined ? undefined : idJson(prefix);
        if (prefix !== undefined && !prefixJson) throw new DescribeError(`dependency ${String(idx)}: its prefix is not a component identifier`);
        return { index: intJson(idx)!, ...(prefixJson ? { prefix: prefixJson } : {}), ...(rest.size ? { metadata: rawValue(rest as CborValue) } : {}) };
      });
    } else if (k === COMMON.ids.components && Array.isArray(v)) {
      out.components = v.map((id, i) => idJson(id) ?? fail(`component ${i} is not a component identifier`));
    } else if (k === COMMON.ids['shared-sequence'] && v instanceof Uint8Array) {
      const form = sequenceForm(v);
      if (!('commands' in form)) throw new DescribeError('the shared sequence is not in deterministic encoding');
      out.shared = form.commands;
    } else {
      throw new DescribeError(`common member ${String(k)} is not one a description can hold`);
    }
  }
  if (!out.components) out.components = [];
  return out;
}

function fail(message: string): never {
  throw new DescribeError(message);
}

export function describeEnvelope(bytes: Uint8Array): Description {
  let env;
  try {
    env = parseEnvelope(bytes);
  } catch (e) {
    if (e instanceof EnvelopeError) throw new DescribeError(e.message);
    throw e;
  }
  const manifest = decoded(env.manifest.content, 'manifest');
  if (!(manifest instanceof Map)) throw new DescribeError('the manifest is not a map');
  if (manifest.get(MANIFEST.ids['manifest-version']) !== 1) throw new DescribeError('manifest-version is not 1');
  const doc: { [k: string]: Json } = { template: 'explicit', 'sequence-number': intJson(manifest.get(MANIFEST.ids['manifest-sequence-number'])) ?? fail('no manifest sequence number') };
  const memberContent = (key: number) => env.members.find((m) => m.key === key)?.content;
  const rest: { [k: string]: Json } = {};
  const extensions: Json[] = [];
  for (const [k, v] of manifest) {
    const name = typeof k === 'number' ? MANIFEST.names.get(k) : undefined;
    if (name === 'manifest-version' || name === 'manifest-sequence-number') continue;
    if (name === 'common' && v instanceof Uint8Array) Object.assign(doc, commonFields(v));
    else if (name === 'reference-uri' && typeof v === 'string') rest['reference-uri'] = v;
    else if (name === 'manifest-component-id' && idJson(v)) rest['manifest-component-id'] = idJson(v)!;
    else if (name === 'set-version' && v instanceof Uint8Array) rest['set-version'] = rawValue(decoded(v, 'set-version') as CborValue);
    else if (name && (name === 'text' || name === 'coswid' || (SEQUENCE_MEMBERS as readonly string[]).includes(name))) {
      const form = (content: Uint8Array) => (name === 'text' ? textForm(content) : name === 'coswid' ? { bytes: bytesText(content) } : sequenceForm(content));
      if (v instanceof Uint8Array) {
        const f = form(v);
        rest[name] = 'commands' in f ? f.commands : f;
      } else {
        const digest = digestJson(v) ?? fail(`${name}: neither the member nor a SUIT_Digest of it`);
        const content = memberContent(ENVELOPE.ids[name as keyof typeof ENVELOPE.ids]);
        rest[name] = content ? { severable: true, ...form(content) } : { severed: digest };
      }
    } else extensions.push({ key: intJson(k) ?? fail(`manifest key ${String(k)} is not an integer`), value: rawValue(v as CborValue) });
  }
  Object.assign(doc, rest);
  if (extensions.length) doc.extensions = extensions;
  // The order a person reads a manifest in: what it is, its components, then the procedures.
  const ordered: { [k: string]: Json } = {};
  for (const k of EXPLICIT_TOP) if (doc[k] !== undefined) ordered[k] = doc[k]!;
  const taken = new Set<string>();
  const payloads = env.members.filter((m) => typeof m.key === 'string' && m.content).map((m) => ({ key: m.key as string, file: payloadFileName(m.key as string, taken), bytes: m.content! }));
  if (payloads.length) ordered.payloads = Object.fromEntries(payloads.map((p) => [p.key, p.file]));
  const notes: string[] = [];
  const blocks = env.authentication?.blocks.length ?? 0;
  notes.push(`${blocks} authentication block${blocks === 1 ? '' : 's'}: not part of a description (manifest create and sign make them)`);
  if (env.members.some((m) => m.key === ENVELOPE.ids.delegation)) notes.push('the envelope\'s delegation chains (key 1) are not part of a description');
  return { document: ordered, payloads, notes };
}

/**
 * CBOR diagnostic notation (RFC 8949 §8, with the `<< >>` embedded-CBOR extension of
 * RFC 8610 Appendix G.3) of a SUIT envelope, annotated the way draft-ietf-suit-manifest-37
 * Appendix B prints its examples: `/ name /` before every known label, command and parameter,
 * and every bstr-wrapped structure opened up. Byte strings longer than MAX_SHOWN bytes (payloads)
 * are abbreviated, with their size in a comment.
 */
import { decodeCbor, Tag } from '../cbor/decode.js';
import { algorithmName } from '../../cose/algorithms.js';
import { HEADER } from '../../cose/structures.js';
import { COMMAND, COMMON, COMPONENT_TEXT, DEPENDENCY_METADATA, DIGEST_ALGORITHM, ENVELOPE, MANIFEST, PARAMETER, SEQUENCE_MEMBERS, TAG, TEXT, UUID_PARAMETERS, type LabelSpace } from '../labels.js';
import { formatUuid } from '../../util/uuid.js';
import { toHex } from '../../util/hex.js';

type Kind =
  | 'envelope' | 'auth' | 'digest' | 'cose' | 'cose-header' | 'manifest' | 'common' | 'dependencies'
  | 'sequence' | 'params' | 'text' | 'text-lang' | 'component-text' | 'any';

export const MAX_SHOWN = 256;
const MAX_DEPTH = 24;
const STEP = '  ';

const SEQUENCE_KEYS = new Set<number>(SEQUENCE_MEMBERS.map((m) => MANIFEST.ids[m]));

function bytesText(b: Uint8Array): string {
  const h = toHex(b);
  return b.length <= MAX_SHOWN ? `h'${h}'` : `h'${h.slice(0, 64)}...' / ${b.length} bytes, first 32 shown /`;
}

function scalar(v: unknown): string | undefined {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (v instanceof Uint8Array) return bytesText(v);
  return undefined;
}

function label(space: LabelSpace<Record<string, number>> | undefined, k: unknown): string {
  const name = space && typeof k === 'number' ? space.names.get(k) : undefined;
  return name ? `/ ${name} / ` : '';
}

class Diag {
  private depth = 0;

  wrapped(b: unknown, kind: Kind, indent: string): string {
    if (!(b instanceof Uint8Array)) return this.value(b, 'any', indent);
    let decoded: unknown;
    try {
      decoded = decodeCbor(b, 'embedded CBOR');
    } catch {
      return bytesText(b);
    }
    return `<< ${this.value(decoded, kind, indent)} >>`;
  }

  value(v: unknown, kind: Kind, indent: string): string {
    if (this.depth > MAX_DEPTH) return '/ nested too deep /';
    this.depth++;
    try {
      return this.inner(v, kind, indent);
    } finally {
      this.depth--;
    }
  }

  private inner(v: unknown, kind: Kind, indent: string): string {
    if (v instanceof Tag) {
      const next = v.tag === TAG.envelope ? 'envelope' : v.tag === TAG.manifest ? 'manifest' : ([TAG.coseSign1, TAG.coseMac0, TAG.coseSign, TAG.coseMac] as number[]).includes(Number(v.tag)) ? 'cose' : 'any';
      return `${String(v.tag)}(${this.value(v.value, next, indent)})`;
    }
    if (kind === 'digest' && Array.isArray(v) && v.length >= 2) {
      const alg = typeof v[0] === 'number' ? DIGEST_ALGORITHM.names.get(v[0]) : undefined;
      return `[${String(v[0])}${alg ? ` / ${alg} /` : ''}, ${scalar(v[1]) ?? this.value(v[1], 'any', indent)}]`;
    }
    const s = scalar(v);
    if (s !== undefined) return s;
    const inner = indent + STEP;
    if (Array.isArray(v)) {
      if (v.length === 0) return '[]';
      if (kind === 'sequence') return this.sequence(v, indent);
      const items = v.map((x, i) => {
        const k: Kind = kind === 'auth' ? (i === 0 ? 'digest' : 'cose') : 'any';
        if (kind === 'auth') return inner + this.wrapped(x, k, inner);
        if (kind === 'cose' && i === 0) return `${inner}/ protected / ${this.wrapped(x, 'cose-header', inner)}`;
        if (kind === 'cose') return `${inner}${['', '/ unprotected / ', '/ payload / ', '/ signature / '][i] ?? ''}${this.value(x, i === 1 ? 'cose-header' : 'any', inner)}`;
        return inner + this.value(x, 'any', inner);
      });
      if (v.every((x) => x instanceof Uint8Array && x.length <= 16)) return `[${v.map((x) => scalar(x)).join(', ')}]`;
      return `[\n${items.join(',\n')}\n${indent}]`;
    }
    if (v instanceof Map) {
      if (v.size === 0) return '{}';
      const entries = [...v].map(([k, x]) => `${inner}${this.entry(kind, k, x, inner)}`);
      return `{\n${entries.join(',\n')}\n${indent}}`;
    }
    return '/ unsupported value /';
  }

  private entry(kind: Kind, k: unknown, x: unknown, indent: string): string {
    const key = scalar(k) ?? this.value(k, 'any', indent);
    const pair = (space: LabelSpace<Record<string, number>> | undefined, value: string) => `${label(space, k)}${key}: ${value}`;
    switch (kind) {
      case 'envelope':
        if (k === ENVELOPE.ids['authentication-wrapper']) return pair(ENVELOPE, this.wrapped(x, 'auth', indent));
        if (k === ENVELOPE.ids.manifest) return pair(ENVELOPE, this.wrapped(x, 'manifest', indent));
        if (k === ENVELOPE.ids.text) return pair(ENVELOPE, this.wrapped(x, 'text', indent));
        if (typeof k === 'number' && SEQUENCE_KEYS.has(k)) return pair(ENVELOPE, this.wrapped(x, 'sequence', indent));
        if (typeof k === 'string' && x instanceof Uint8Array && x[0] === 0xd8 && x[1] === TAG.envelope) return `/ integrated dependency / ${key}: ${this.wrapped(x, 'any', indent)}`;
        if (typeof k === 'string') return `/ integrated payload / ${key}: ${scalar(x) ?? this.value(x, 'any', indent)}`;
        return pair(ENVELOPE, this.value(x, 'any', indent));
      case 'manifest':
        if (k === MANIFEST.ids.common) return pair(MANIFEST, this.wrapped(x, 'common', indent));
        if (Array.isArray(x) && typeof k === 'number' && (SEQUENCE_KEYS.has(k) || k === MANIFEST.ids.text)) return pair(MANIFEST, this.value(x, 'digest', indent));
        if (typeof k === 'number' && SEQUENCE_KEYS.has(k)) return pair(MANIFEST, this.wrapped(x, 'sequence', indent));
        if (k === MANIFEST.ids.text) return pair(MANIFEST, this.wrapped(x, 'text', indent));
        return pair(MANIFEST, this.value(x, 'any', indent));
      case 'common':
        if (k === COMMON.ids['shared-sequence']) return pair(COMMON, this.wrapped(x, 'sequence', indent));
        if (k === COMMON.ids.dependencies) return pair(COMMON, this.value(x, 'dependencies', indent));
        return pair(COMMON, this.value(x, 'any', indent));
      case 'dependencies': {
        const prefix = DEPENDENCY_METADATA.ids['dependency-prefix'];
        return `/ component-index / ${key}: ${x instanceof Map && x.has(prefix) ? `{ / dependency-prefix / ${prefix}: ${this.value(x.get(prefix), 'any', indent)} }` : this.value(x, 'any', indent)}`;
      }
      case 'params': {
        if (k === PARAMETER.ids['image-digest']) return pair(PARAMETER, this.wrapped(x, 'digest', indent));
        const uuid = UUID_PARAMETERS.has(k as number) && x instanceof Uint8Array && x.length === 16 ? ` / ${formatUuid(x)} /` : '';
        return pair(PARAMETER, this.value(x, 'any', indent) + uuid);
      }
      case 'cose-header':
        if (k === HEADER.alg) return `/ alg / ${HEADER.alg}: ${String(x)} / ${algorithmName(x)} /`;
        if (k === HEADER.kid) return `/ kid / ${HEADER.kid}: ${this.value(x, 'any', indent)}`;
        return `${key}: ${this.value(x, 'any', indent)}`;
      case 'text':
        return `${key}: ${this.value(x, 'text-lang', indent)}`;
      case 'text-lang':
        if (Array.isArray(k)) return `${this.value(k, 'any', indent)}: ${this.value(x, 'component-text', indent)}`;
        return pair(TEXT, this.value(x, 'any', indent));
      case 'component-text':
        return pair(COMPONENT_TEXT, this.value(x, 'any', indent));
      default:
        return `${key}: ${this.value(x, 'any', indent)}`;
    }
  }

  private sequence(v: unknown[], indent: string): string {
    const inner = indent + STEP;
    const lines: string[] = [];
    for (let i = 0; i < v.length; i += 2) {
      const id = v[i];
      const arg = v[i + 1];
      const name = typeof id === 'number' ? COMMAND.names.get(id) : undefined;
      let a: string;
      if (id === COMMAND.ids['directive-override-parameters'] || id === COMMAND.ids['directive-set-parameters']) a = this.value(arg, 'params', inner);
      else if (id === COMMAND.ids['directive-try-each'] && Array.isArray(arg)) {
        a = `[\n${arg.map((x) => inner + STEP + (x === null ? 'null' : this.wrapped(x, 'sequence', inner + STEP))).join(',\n')}\n${inner}]`;
      } else if (id === COMMAND.ids['directive-run-sequence']) a = this.wrapped(arg, 'sequence', inner);
      else a = arg === undefined ? '/ missing argument /' : this.value(arg, 'any', inner);
      lines.push(`${inner}${name ? `/ ${name} / ` : ''}${scalar(id) ?? '?'}, ${a}`);
    }
    return `[\n${lines.join(',\n')}\n${indent}]`;
  }
}

/** Annotated diagnostic notation of an envelope (or of any CBOR item, without annotations). */
export function renderDiagnostic(bytes: Uint8Array): string {
  const v = decodeCbor(bytes, 'input');
  const kind: Kind = v instanceof Tag ? 'any' : v instanceof Map && (v.has(2) || v.has(3)) ? 'envelope' : 'any';
  return new Diag().value(v, kind, '') + '\n';
}

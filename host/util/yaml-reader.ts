/**
 * A checked reader over the nodes of a YamlSource, for files whose values need their own
 * place in messages (the lab file: numbers kept as written, merged settings reported where
 * they are written). Every reader records an issue naming the line, column and field path
 * instead of throwing, so one pass reports ALL mistakes. Aliases are followed and `<<` merge
 * keys (YAML 1.1 merge, as used for shared board settings; parse with `merge: true`) are
 * expanded, with explicit keys taking precedence over merged ones.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, type Node } from 'yaml';
import { closest } from './did-you-mean.js';
import { childPath, describeValue, type SourceIssue, type YamlSource } from './yaml-source.js';

/** A value in the document: its node (null when the key has no value) and where it sits. */
export interface Field {
  node: Node | null;
  path: string;
  /** Offset used for messages: the value's start, or its key's when the value is empty. */
  offset: number;
  /** Offset of the key, for entries of a mapping. */
  keyOffset?: number;
}

/** Scalars are named by their text as written (`'0x10'`, `'yes'`), not by the value read. */
function describe(node: Node | null): string {
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) return node.value === null ? 'nothing' : describeValue(node.source ?? String(node.value));
  return node === null ? 'nothing' : 'an unsupported value';
}

export class YamlReader {
  readonly issues: SourceIssue[] = [];

  constructor(private readonly source: YamlSource) {}

  /** The document's top value (nothing for a file without a document). */
  root(): Field {
    const top = this.source.doc?.contents;
    return { node: this.deref(top), path: '', offset: top?.range?.[0] ?? 0 };
  }

  error(at: Field | number, message: string, path = typeof at === 'number' ? '' : at.path): void {
    const { line, col } = this.source.position(typeof at === 'number' ? at : at.offset);
    this.issues.push({ line, col, path, message });
  }

  private deref(node: unknown): Node | null {
    let n = node;
    for (let hops = 0; isAlias(n) && this.source.doc && hops < 32; hops++) n = n.resolve(this.source.doc) ?? null;
    if (n === undefined || n === null || isAlias(n)) return null;
    if (isScalar(n) && n.value === null) return null;
    return n as Node;
  }

  /** A mapping's entries (merge keys expanded), checking the keys against `allowed` when given. */
  map(f: Field, allowed?: readonly string[]): Map<string, Field> | undefined {
    if (!isMap(f.node)) {
      this.error(f, `expected a mapping, got ${describe(f.node)}`);
      return undefined;
    }
    const out = new Map<string, Field>();
    const merged = new Map<string, Field>();
    for (const pair of f.node.items) {
      if (!isPair(pair)) continue;
      const key = pair.key;
      const keyOffset = (key as Node | null)?.range?.[0] ?? f.offset;
      if (isScalar(key) && (typeof key.value === 'symbol' || key.source === '<<')) {
        this.collectMerge(pair.value, f, keyOffset, merged);
        continue;
      }
      if (!isScalar(key) || (typeof key.value !== 'string' && typeof key.value !== 'number')) {
        this.error(keyOffset, 'keys must be plain names', f.path);
        continue;
      }
      const name = String(key.source ?? key.value);
      const value = this.deref(pair.value);
      const path = childPath(f.path, name);
      if (allowed && !allowed.includes(name)) {
        const hint = closest(name, allowed);
        this.error(keyOffset, `unknown field '${name}'${hint ? ` (did you mean '${hint}'?)` : ''}; expected one of: ${allowed.join(', ')}`, path);
        continue;
      }
      out.set(name, { node: value, path, offset: value?.range?.[0] ?? keyOffset, keyOffset });
    }
    for (const [name, field] of merged) {
      if (out.has(name)) continue;
      if (allowed && !allowed.includes(name)) {
        const hint = closest(name, allowed);
        this.error(field.offset, `unknown field '${name}' (merged in with <<)${hint ? ` (did you mean '${hint}'?)` : ''}`, childPath(f.path, name));
        continue;
      }
      out.set(name, { ...field, path: childPath(f.path, name) });
    }
    return out;
  }

  private collectMerge(value: unknown, f: Field, offset: number, into: Map<string, Field>): void {
    const sources = isSeq(value) ? value.items : [value];
    for (const src of sources) {
      const m = this.deref(src);
      if (!isMap(m)) {
        this.error(offset, '<< merges a mapping (or a list of mappings) into this one', f.path);
        continue;
      }
      const entries = this.map({ node: m, path: f.path, offset: m.range?.[0] ?? offset });
      // Earlier sources win over later ones (YAML merge-key semantics).
      for (const [k, v] of entries ?? []) if (!into.has(k)) into.set(k, v);
    }
  }

  list(f: Field): Field[] | undefined {
    if (!isSeq(f.node)) {
      this.error(f, `expected a list, got ${describe(f.node)}`);
      return undefined;
    }
    return f.node.items.map((item, i) => {
      const node = this.deref(item);
      return { node, path: childPath(f.path, i), offset: node?.range?.[0] ?? (item as Node | null)?.range?.[0] ?? f.offset };
    });
  }

  /**
   * A string. Plain numbers are taken by their source text so that identifiers such as USB
   * serial numbers keep their leading zeros (`000683123456`).
   */
  string(f: Field, what = 'a string'): string | undefined {
    if (isScalar(f.node)) {
      const v = f.node.value;
      if (typeof v === 'string') {
        if (v === '') this.error(f, `expected ${what}, got an empty string`);
        return v === '' ? undefined : v;
      }
      if (typeof v === 'number' || typeof v === 'bigint') return f.node.source ?? String(v);
    }
    this.error(f, `expected ${what}, got ${describe(f.node)}`);
    return undefined;
  }

  /** One string or a list of strings. */
  strings(f: Field, what = 'a string'): string[] | undefined {
    if (!isSeq(f.node)) {
      const s = this.string(f, `${what} or a list of them`);
      return s === undefined ? undefined : [s];
    }
    const items = this.list(f) ?? [];
    const out: string[] = [];
    let ok = true;
    for (const item of items) {
      const s = this.string(item, what);
      if (s === undefined) ok = false;
      else out.push(s);
    }
    return ok ? out : undefined;
  }

  integer(f: Field, min: number, max: number, what = 'an integer'): number | undefined {
    const v = isScalar(f.node) ? f.node.value : undefined;
    if (typeof v === 'number' && Number.isInteger(v)) {
      if (v < min || v > max) {
        this.error(f, `expected ${what} from ${min} to ${max}, got ${v}`);
        return undefined;
      }
      return v;
    }
    this.error(f, `expected ${what}, got ${describe(f.node)}`);
    return undefined;
  }

  boolean(f: Field): boolean | undefined {
    const v = isScalar(f.node) ? f.node.value : undefined;
    if (typeof v === 'boolean') return v;
    this.error(f, `expected true or false, got ${describe(f.node)}`);
    return undefined;
  }

  oneOf<T extends string>(f: Field, choices: readonly T[]): T | undefined {
    const s = this.string(f, `one of ${choices.join(', ')}`);
    if (s === undefined) return undefined;
    if ((choices as readonly string[]).includes(s)) return s as T;
    const hint = closest(s, choices);
    this.error(f, `expected one of ${choices.join(', ')}, got '${s}'${hint ? ` (did you mean '${hint}'?)` : ''}`);
    return undefined;
  }
}

/**
 * Reads a hand-written YAML or JSON file (JSON is read as YAML 1.2, of which it is a subset):
 * the lab file and manifest descriptions. The parsed document is kept with a line counter so
 * that any place in it — a node's offset or a field path — maps back to a 1-based line and
 * column for messages. Syntax problems come back as issues, all of them at once, for the caller
 * to raise in its own error type.
 *
 * Two limits keep hostile files from costing more than a message: nesting deeper than
 * MAX_DEPTH is refused before the document is built (the parser builds it recursively and, some
 * hundreds of levels down, runs out of stack), and aliases are expanded into plain values only up
 * to MAX_ALIAS_COUNT (an "alias bomb" of nested aliases grows exponentially).
 */
import { Composer, LineCounter, Parser, visit, type CST, type Document } from 'yaml';

/** A place in a document: keys of mappings and indexes of lists, from the root. */
export type FieldPath = readonly (string | number)[];

export interface SourcePosition {
  /** 1-based line and column in the file. */
  line: number;
  col: number;
}

/** One problem in a source file. */
export interface SourceIssue extends SourcePosition {
  /** Field path, e.g. `boards.nrf-1.reset.pulse-ms`; empty for file-level problems. */
  path: string;
  message: string;
}

/** The written form of one step down a field path: `a.b`, `a[0]`. */
export function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path === '' ? key : `${path}.${key}`;
}

export function formatPath(path: FieldPath): string {
  return path.reduce<string>(childPath, '');
}

/** How a "got ..." message names a value: its kind, or its text quoted (cut at 40 characters). */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `'${v.length > 40 ? v.slice(0, 37) + '...' : v}'`;
  return String(v);
}

export interface YamlSourceOptions {
  /** Names the file in file-level messages: `the lab file`. */
  what: string;
  /** Expand YAML 1.1 `<<` merge keys. */
  merge?: boolean;
  /** Integers as bigint, so that 64-bit values keep every digit. */
  intAsBigInt?: boolean;
}

/** Deepest nesting of mappings and lists: hand-written files need a handful of levels. */
export const MAX_DEPTH = 64;

/** yaml's maxAliasCount for toJS: how far aliases may multiply the nodes they stand for. */
const MAX_ALIAS_COUNT = 100;

/** Where the first collection nested deeper than MAX_DEPTH starts; measured without recursion. */
function tooDeep(token: CST.Token): number | undefined {
  const stack: [CST.Token, number][] = [[token, 0]];
  for (let top = stack.pop(); top; top = stack.pop()) {
    const [t, depth] = top;
    if (t.type === 'document') {
      if (t.value) stack.push([t.value, depth]);
    } else if (t.type === 'block-map' || t.type === 'block-seq' || t.type === 'flow-collection') {
      if (depth + 1 > MAX_DEPTH) return t.offset;
      for (const item of t.items) {
        if ('key' in item && item.key) stack.push([item.key, depth + 1]);
        if (item.value) stack.push([item.value, depth + 1]);
      }
    }
  }
  return undefined;
}

export class YamlSource {
  private constructor(
    /** The one document of the file; undefined when the file holds none. */
    readonly doc: Document.Parsed | undefined,
    private readonly lines: LineCounter,
    /** Syntax problems (errors and warnings of the parser) and a second document, if any. */
    readonly issues: readonly SourceIssue[],
  ) {}

  static parse(text: string, options: YamlSourceOptions): YamlSource {
    const lines = new LineCounter();
    const tokens = Array.from(new Parser(lines.addNewLine).parse(text));
    for (const t of tokens) {
      const at = tooDeep(t);
      if (at !== undefined) {
        const message = `mappings and lists nest deeper than ${MAX_DEPTH} levels, the limit for ${options.what}`;
        return new YamlSource(undefined, lines, [{ ...lines.linePos(at), path: '', message }]);
      }
    }
    const composer = new Composer({
      prettyErrors: false,
      uniqueKeys: true,
      ...(options.merge ? { merge: true } : {}),
      ...(options.intAsBigInt ? { intAsBigInt: true } : {}),
    });
    const docs = Array.from(composer.compose(tokens));
    const issues: SourceIssue[] = [];
    for (const d of docs) {
      for (const e of [...d.errors, ...d.warnings]) {
        // The parser's message repeats the position, which the issue carries already.
        issues.push({ ...lines.linePos(e.pos[0]), path: '', message: e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '') });
      }
    }
    if (docs.length > 1) issues.push({ ...lines.linePos(docs[1]!.range[0]), path: '', message: `${options.what} must hold one YAML document, found more` });
    return new YamlSource(docs[0], lines, issues);
  }

  /**
   * The document as plain values (undefined for a file without one), or an issue when its
   * aliases expand beyond MAX_ALIAS_COUNT, placed at the first alias.
   */
  toValue(what: string): { value: unknown } | { issue: SourceIssue } {
    try {
      return { value: this.doc?.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
    } catch (e) {
      if (!(e instanceof ReferenceError) || !this.doc) throw e;
      let at = 0;
      visit(this.doc, {
        Alias: (_key, node) => {
          at = node.range?.[0] ?? 0;
          return visit.BREAK;
        },
      });
      const message = `aliases expand beyond the limit of ${MAX_ALIAS_COUNT} (maxAliasCount) for ${what}: a YAML alias bomb is not read`;
      return { issue: { ...this.position(at), path: '', message } };
    }
  }

  position(offset: number): SourcePosition {
    return this.lines.linePos(offset);
  }

  /** Where a field is; a missing field is reported at the nearest parent that exists. */
  locate(path: FieldPath): SourcePosition | undefined {
    for (let n = path.length; n >= 0 && this.doc; n--) {
      const node = this.doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return this.position(node.range[0]);
    }
    return undefined;
  }
}

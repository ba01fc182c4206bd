/**
 * Reads a manifest description (JSON or YAML; JSON is read as YAML 1.2, of which it is a
 * subset) into plain values, keeping the parsed document so that any field path can be
 * mapped back to a line and column for messages. Integers come out as bigint so that 64-bit
 * sequence numbers keep every digit.
 */
import { readFileSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { DescriptionError, type FieldPath } from './issues.js';

export interface DescriptionSource {
  /** The file name used in messages. */
  file: string;
  /** Directory that relative paths in the description are resolved against. */
  dir: string;
  format: 'json' | 'yaml';
  text: string;
  value: unknown;
  locate(path: FieldPath): { line: number; col: number } | undefined;
}

/** Largest description file accepted: descriptions are hand-written, not data dumps. */
export const MAX_DESCRIPTION_BYTES = 1 << 20;

export function parseDescriptionText(text: string, file: string, dir: string): DescriptionSource {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, intAsBigInt: true, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new DescriptionError(
      file,
      doc.errors.map((e) => ({ path: '', ...lines.linePos(e.pos[0]), message: e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '') })),
    );
  }
  const trimmed = text.trimStart();
  return {
    file,
    dir,
    format: trimmed.startsWith('{') || trimmed.startsWith('[') ? 'json' : 'yaml',
    text,
    value: doc.toJS({ maxAliasCount: 100 }),
    locate(path) {
      // Walk up to the nearest node that exists (a missing field is reported at its parent).
      for (let n = path.length; n >= 0; n--) {
        const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
        if (node?.range) return lines.linePos(node.range[0]);
      }
      return undefined;
    },
  };
}

export function readDescriptionFile(path: string): DescriptionSource {
  const abs = resolve(path);
  let bytes: Buffer;
  try {
    bytes = readFileSync(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DescriptionError(path, [{ path: '', message: code === 'ENOENT' ? 'no such file' : `cannot read: ${(e as Error).message}` }]);
  }
  if (bytes.length > MAX_DESCRIPTION_BYTES) throw new DescriptionError(path, [{ path: '', message: `${bytes.length} bytes; a description may have at most ${MAX_DESCRIPTION_BYTES}` }]);
  const src = parseDescriptionText(bytes.toString('utf8'), path, dirname(abs));
  return extname(path).toLowerCase() === '.json' ? { ...src, format: 'json' } : src;
}

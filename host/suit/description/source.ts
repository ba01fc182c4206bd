/**
 * Reads a manifest description (JSON or YAML, through host/util's YamlSource) into plain
 * values, keeping the parsed document so that any field path can be mapped back to a line and
 * column for messages. Integers come out as bigint so that 64-bit sequence numbers keep every
 * digit.
 */
import { readFileSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { YamlSource, type FieldPath, type SourcePosition } from '../../util/yaml-source.js';
import { DescriptionError } from './issues.js';

export interface DescriptionSource {
  /** The file name used in messages. */
  file: string;
  /** Directory that relative paths in the description are resolved against. */
  dir: string;
  format: 'json' | 'yaml';
  text: string;
  value: unknown;
  locate(path: FieldPath): SourcePosition | undefined;
}

/** Largest description file accepted: descriptions are hand-written, not data dumps. */
export const MAX_DESCRIPTION_BYTES = 1 << 20;

export function parseDescriptionText(text: string, file: string, dir: string): DescriptionSource {
  const source = YamlSource.parse(text, { what: 'the description', intAsBigInt: true });
  if (source.issues.length > 0) throw new DescriptionError(file, source.issues);
  const trimmed = text.trimStart();
  return {
    file,
    dir,
    format: trimmed.startsWith('{') || trimmed.startsWith('[') ? 'json' : 'yaml',
    text,
    value: source.doc?.toJS({ maxAliasCount: 100 }) ?? null,
    locate: (path) => source.locate(path),
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

/**
 * Reads a manifest description (JSON or YAML, through host/util's YamlSource) into plain
 * values, keeping the parsed document so that any field path can be mapped back to a line and
 * column for messages. Integers come out as bigint so that 64-bit sequence numbers keep every
 * digit.
 */
import { dirname, extname, resolve } from 'node:path';
import { FileReadError, readBoundedFile } from '../../util/bounded-read.js';
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

export function parseDescriptionText(text: string, file: string, dir: string): DescriptionSource {
  const what = 'the description';
  const source = YamlSource.parse(text, { what, intAsBigInt: true });
  if (source.issues.length > 0) throw new DescriptionError(file, source.issues);
  const plain = source.toValue(what);
  if ('issue' in plain) throw new DescriptionError(file, [plain.issue]);
  const trimmed = text.trimStart();
  return {
    file,
    dir,
    format: trimmed.startsWith('{') || trimmed.startsWith('[') ? 'json' : 'yaml',
    text,
    value: plain.value ?? null,
    locate: (path) => source.locate(path),
  };
}

export function readDescriptionFile(path: string): DescriptionSource {
  const abs = resolve(path);
  let bytes: Uint8Array;
  try {
    bytes = readBoundedFile(abs, 'description');
  } catch (e) {
    if (e instanceof FileReadError) throw new DescriptionError(path, [{ path: '', message: e.reason }]);
    throw e;
  }
  const src = parseDescriptionText(Buffer.from(bytes).toString('utf8'), path, dirname(abs));
  return extname(path).toLowerCase() === '.json' ? { ...src, format: 'json' } : src;
}

/**
 * A dependency manifest named by a description (trust-domains-11 §5, §6.1): its envelope is
 * read, its wrapper digest checked against its manifest, and the command sequences it has are
 * listed, because the dependent must run process-dependency in each of them (§5.1).
 */
import { decodeCbor } from '../cbor/decode.js';
import { CborScanError } from '../cbor/scan.js';
import { EnvelopeError, manifestDigestMatches, parseEnvelope } from '../envelope/parse.js';
import { MANIFEST, SEQUENCE_MEMBERS, type SequenceMember } from '../labels.js';
import type { SuitDigest } from '../digest.js';
import type { Fields, Obj } from './fields.js';
import type { FieldPath } from '../../util/yaml-source.js';

export interface DependencyManifest {
  digest: SuitDigest;
  sections: Set<SequenceMember>;
}

/** Reads what a dependent needs to know about a dependency envelope; throws EnvelopeError. */
export function readDependencyEnvelope(bytes: Uint8Array): DependencyManifest {
  const env = parseEnvelope(bytes);
  if (!env.authentication) throw new EnvelopeError('the dependency has no authentication wrapper');
  if (!manifestDigestMatches(env)) throw new EnvelopeError("the dependency's wrapper digest does not match its manifest (or is not SHA-256)");
  const manifest = decodeCbor(env.manifest.content, 'dependency manifest');
  if (!(manifest instanceof Map)) throw new EnvelopeError('the dependency manifest is not a map');
  const sections = new Set<SequenceMember>();
  for (const name of SEQUENCE_MEMBERS) if (manifest.has(MANIFEST.ids[name])) sections.add(name);
  return { digest: env.authentication.digest, sections };
}

/**
 * The dependency envelope file named by field `key` of a description's dependency entry `o`:
 * read and checked, or undefined with the problem recorded at the field.
 */
export function readDependencyField(f: Fields, o: Obj, key: string, path: FieldPath): (DependencyManifest & { bytes: Uint8Array; name: string }) | undefined {
  const file = f.readFile(f.required(o, key, path, 'the dependency envelope file'), [...path, key], 'dependency envelope', 'envelope');
  if (!file) return undefined;
  try {
    return { ...file, ...readDependencyEnvelope(file.bytes) };
  } catch (e) {
    if (!(e instanceof EnvelopeError) && !(e instanceof CborScanError)) throw e;
    return f.error([...path, key], `'${file.name}' is not a usable SUIT envelope: ${(e as Error).message}`);
  }
}

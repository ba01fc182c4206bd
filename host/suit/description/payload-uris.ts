/**
 * One URI names one payload (draft-ietf-suit-manifest-37 §8.4.8.9 suit-parameter-uri; §7.5: an
 * integrated payload is carried under its URI as the envelope key). Two different images under
 * one URI can neither both be fetched nor both be carried in one envelope, so a description that
 * does this is wrong: the problem is reported where the second one is written, naming the first.
 */
import { toHex } from '../../util/hex.js';
import { formatPath, type FieldPath } from '../../util/yaml-source.js';
import type { SuitDigest } from '../digest.js';
import type { Fields } from './fields.js';
import type { PayloadSource } from './plan.js';

export class PayloadUris {
  private readonly seen = new Map<string, { digest: string; where: FieldPath }>();

  constructor(private readonly f: Fields) {}

  /** Records that `source` (read at `path`) delivers the payload whose digest is `digest`. */
  claim(source: PayloadSource | undefined, digest: SuitDigest | undefined, path: FieldPath): void {
    if (!source || !digest) return;
    const hex = toHex(digest.bytes);
    const first = this.seen.get(source.uri);
    if (!first) {
      this.seen.set(source.uri, { digest: hex, where: path });
    } else if (first.digest !== hex) {
      const why = source.uri.startsWith('#') ? " (an integrated image without a 'uri' is carried under '#<file name>')" : '';
      this.f.error(path, `the URI '${source.uri}' already names a different payload at ${formatPath(first.where)}${why}; give each payload its own URI`);
    }
  }
}

/**
 * Decoding of SUIT CBOR for inspection and re-signing: the bounded scanner (scan.ts) checks the
 * structure first (definite lengths, nesting, no trailing bytes), then cbor-x builds values with
 * maps as Map, byte strings as Uint8Array, tags as Tag, and 64-bit integers as bigint.
 */
import { Decoder, Tag } from 'cbor-x';
import { checkSingleItem, CborScanError } from './scan.js';

const decoder = new Decoder({ mapsAsObjects: false, useRecords: false, int64AsType: 'bigint' } as ConstructorParameters<typeof Decoder>[0]);

/** Decodes exactly one CBOR item; `what` names it in errors. */
export function decodeCbor(bytes: Uint8Array, what: string): unknown {
  checkSingleItem(bytes, what);
  try {
    return decoder.decode(bytes);
  } catch (e) {
    throw new CborScanError(`${what}: ${(e as Error).message}`);
  }
}

export { Tag };

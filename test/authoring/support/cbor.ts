/**
 * Independent read-back of what the authoring code writes: cborg (not cbor-x) in strict mode
 * (shortest-form heads, no duplicate keys), plus a check of RFC 8949 §4.2.1 map key order
 * (bytewise on the keys' encodings), which cborg does not enforce on decode.
 */
import * as cborg from 'cborg';
import { readFileSync } from 'node:fs';
import { sharedPath } from '../../helpers/shared.js';

export class Tagged {
  constructor(
    readonly tag: number,
    readonly value: unknown,
  ) {}
}

const tags: ((v: unknown) => unknown)[] = [];
for (const t of [16, 17, 18, 96, 97, 98, 107, 112, 1070]) tags[t] = (v: unknown) => new Tagged(t, v);

export function readCbor(bytes: Uint8Array): unknown {
  return cborg.decode(bytes, { useMaps: true, strict: true, rejectDuplicateMapKeys: true, tags });
}

function compare(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** Throws unless every map in `v` has its keys in bytewise order of their encodings. */
export function assertKeyOrder(v: unknown, path = '$'): void {
  if (v instanceof Tagged) return assertKeyOrder(v.value, `${path}<${v.tag}>`);
  if (Array.isArray(v)) return v.forEach((x, i) => assertKeyOrder(x, `${path}[${i}]`));
  if (v instanceof Map) {
    let prev: Uint8Array | undefined;
    for (const [k, x] of v) {
      const enc = cborg.encode(k);
      if (prev && compare(prev, enc) >= 0) throw new Error(`${path}: map key ${String(k)} out of RFC 8949 order`);
      prev = enc;
      assertKeyOrder(x, `${path}.${String(k)}`);
    }
  }
}

/** Strict decode + key order: what a deterministic-CBOR reader demands. Returns the value. */
export function readDeterministic(bytes: Uint8Array): unknown {
  const v = readCbor(bytes);
  assertKeyOrder(v);
  return v;
}

/** Hex blocks of an IETF example text (exampleN.txt): [unsigned, ..., signed envelope]. */
export function ietfExampleHex(n: number): Uint8Array[] {
  const text = readFileSync(sharedPath('vectors', 'ietf-manifest-spec', `example${n}.txt`), 'utf8');
  const blocks = text.split('~~~').map((b) => b.trim());
  return blocks.filter((b) => b.length > 0 && /^[0-9a-f\s]+$/.test(b)).map((b) => new Uint8Array(Buffer.from(b.replace(/\s/g, ''), 'hex')));
}

export const IETF_PUBLIC_KEY_PEM = `-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEhJaBGq4LqqvSYVcYnuzaJr6qi/Eb
bz/m4rVlnIXbwK07HypLbAmBMcCjbazR14vTgdzfsJwFLbM5kdtzOLSolg==
-----END PUBLIC KEY-----
`;

export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

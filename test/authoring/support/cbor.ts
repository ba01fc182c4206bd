/**
 * Independent read-back of what the authoring code writes: cborg (not cbor-x) in strict mode
 * (shortest-form heads, no duplicate keys), plus a check of RFC 8949 §4.2.1 map key order
 * (bytewise on the keys' encodings), which cborg does not enforce on decode.
 */
import * as cborg from 'cborg';
import { createHash } from 'node:crypto';
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

/**
 * Checks an envelope the way a SUIT processor would, independently of the authoring code
 * (cborg + node:crypto): wrapper digest over the bstr-wrapped manifest, every severable member
 * present in the envelope matching its digest. Returns the decoded pieces.
 */
export function checkEnvelope(envelope: Uint8Array): {
  members: Map<number | string, Uint8Array>;
  manifest: Map<number, unknown>;
  auth: Uint8Array[];
  severed: number[];
} {
  const t = readDeterministic(envelope) as Tagged;
  if (!(t instanceof Tagged) || t.tag !== 107) throw new Error('not a tagged SUIT envelope');
  const members = t.value as Map<number | string, Uint8Array>;
  const auth = readDeterministic(members.get(2)!) as Uint8Array[];
  const digest = readDeterministic(auth[0]!) as [number, Uint8Array];
  const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
  if (digest[0] !== -16 || hex(digest[1]) !== sha(cborg.encode(members.get(3)!))) throw new Error('manifest digest mismatch');
  const manifest = readDeterministic(members.get(3)!) as Map<number, unknown>;
  const severed: number[] = [];
  for (const [k, v] of manifest) {
    if (!Array.isArray(v)) continue;
    const [alg, bytes] = v as [number, Uint8Array];
    const member = members.get(k);
    if (!member) {
      severed.push(k);
      continue;
    }
    if (alg !== -16 || hex(bytes) !== sha(cborg.encode(member))) throw new Error(`severable member ${k} does not match its digest`);
  }
  return { members, manifest, auth, severed };
}

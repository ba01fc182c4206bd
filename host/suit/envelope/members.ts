/**
 * Severing and restoring envelope members (draft-ietf-suit-manifest-37 §8.4.4, §8.5): a
 * severable member whose SUIT_Digest the manifest holds can leave the envelope without touching
 * the manifest or its signatures, and be supplied again later (a device that wants it fetches it;
 * `suitrig verify --member` takes it from a file). Every other member keeps its exact bytes; the
 * map is written in deterministic key order (§8.1).
 */
import { decodeCbor } from '../cbor/decode.js';
import { cborHead, encodeCbor, type CborValue } from '../cbor/encode.js';
import { ENVELOPE, MANIFEST, SEVERABLE_MEMBERS, TAG, type SeverableMember } from '../labels.js';
import { EnvelopeError, parseEnvelope, type ParsedEnvelope } from './parse.js';

/** An envelope from its members (encoded key and value each), in deterministic key order. */
export function envelopeBytes(tagged: boolean, members: readonly { keyBytes: Uint8Array; raw: Uint8Array }[]): Uint8Array {
  const sorted = [...members].sort((a, b) => Buffer.compare(Buffer.from(a.keyBytes), Buffer.from(b.keyBytes)));
  const parts: Uint8Array[] = [];
  if (tagged) parts.push(cborHead(6, TAG.envelope));
  parts.push(cborHead(5, sorted.length));
  for (const m of sorted) parts.push(m.keyBytes, m.raw);
  return new Uint8Array(Buffer.concat(parts));
}

/** The severable members whose digest the manifest holds (present in the envelope or not). */
export function digestedMembers(env: ParsedEnvelope): SeverableMember[] {
  const manifest = decodeCbor(env.manifest.content, 'manifest');
  if (!(manifest instanceof Map)) throw new EnvelopeError('the manifest is not a map');
  return SEVERABLE_MEMBERS.filter((m) => Array.isArray(manifest.get(MANIFEST.ids[m])));
}

export interface Severed {
  envelope: Uint8Array;
  /** The members taken out, with their contents (what `verify --member` takes back). */
  removed: { name: SeverableMember; content: Uint8Array }[];
}

/** Leaves out the named severable members ('all': every one the envelope carries). */
export function severMembers(envelope: Uint8Array, names: readonly SeverableMember[] | 'all'): Severed {
  const env = parseEnvelope(envelope);
  const digested = digestedMembers(env);
  const present = digested.filter((m) => env.members.some((e) => e.key === ENVELOPE.ids[m]));
  const chosen = names === 'all' ? present : names;
  for (const n of chosen) {
    if (!digested.includes(n)) throw new EnvelopeError(`${n}: the manifest does not hold a digest of it, so it cannot be severed (it is ${n === 'text' || n === 'coswid' ? 'absent' : 'part of the manifest itself'})`);
    if (!present.includes(n)) throw new EnvelopeError(`${n}: already severed (not in the envelope)`);
  }
  const keys = new Set(chosen.map((n) => ENVELOPE.ids[n] as number));
  const removed = chosen.map((name) => ({ name, content: env.members.find((e) => e.key === ENVELOPE.ids[name])!.content! }));
  return { envelope: envelopeBytes(env.tagged, env.members.filter((m) => !keys.has(m.key as number))), removed };
}

/**
 * Puts severed members back (their contents, e.g. from the files `sever --save-members` wrote).
 * The verifier checks each against the digest the manifest holds; here only that the manifest
 * holds one and that the envelope does not carry the member already.
 */
export function restoreMembers(envelope: Uint8Array, members: readonly { name: SeverableMember; content: Uint8Array }[]): Uint8Array {
  const env = parseEnvelope(envelope);
  const digested = digestedMembers(env);
  const entries = env.members.map((m) => ({ keyBytes: m.keyBytes, raw: m.raw }));
  for (const { name, content } of members) {
    if (!digested.includes(name)) throw new EnvelopeError(`${name}: the manifest holds no digest of it: it is not a severed member`);
    if (env.members.some((e) => e.key === ENVELOPE.ids[name]) || members.filter((x) => x.name === name).length > 1) throw new EnvelopeError(`${name}: given twice (the envelope carries it already, or it was named twice)`);
    entries.push({ keyBytes: encodeCbor(ENVELOPE.ids[name]), raw: encodeCbor(content) });
  }
  return envelopeBytes(env.tagged, entries);
}

/**
 * Adds a delegation chain (suit-delegation, envelope key 1: [+ [+ CWT]], each CWT bstr-wrapped)
 * to the envelope's chains; the manifest and its signatures are untouched (key 1 is outside
 * them: a chain is checked on its own, against the device's trust anchors).
 */
export function addDelegationChain(envelope: Uint8Array, chain: readonly Uint8Array[]): Uint8Array {
  if (chain.length === 0) throw new EnvelopeError('a delegation chain needs at least one CWT');
  const env = parseEnvelope(envelope);
  const key = ENVELOPE.ids.delegation;
  const existing = env.members.find((m) => m.key === key);
  let chains: CborValue[] = [];
  if (existing) {
    const v = existing.content && decodeCbor(existing.content, 'suit-delegation');
    if (!Array.isArray(v)) throw new EnvelopeError('the envelope\'s suit-delegation (key 1) is not a list of chains');
    chains = v as CborValue[];
  }
  const value = encodeCbor(encodeCbor([...chains, [...chain]]));
  const entries = env.members.filter((m) => m.key !== key).map((m) => ({ keyBytes: m.keyBytes, raw: m.raw }));
  entries.push({ keyBytes: encodeCbor(key), raw: value });
  return envelopeBytes(env.tagged, entries);
}

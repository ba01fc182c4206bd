/**
 * Splits a SUIT_Envelope (draft-ietf-suit-manifest-37 §8.2) into its members without
 * re-encoding anything: each member keeps its exact bytes, so digests are computed over what
 * was received and re-signing leaves every other byte alone. Checks the shape the later steps
 * rely on: a map (optionally tag 107), the manifest as a bstr, the authentication wrapper as a
 * bstr holding `[bstr SUIT_Digest, * bstr]`.
 */
import { timingSafeEqual } from 'node:crypto';
import { decodeCbor } from '../cbor/decode.js';
import { bstrAt, CborScanError, mapEntries } from '../cbor/scan.js';
import { sha256 } from '../digest.js';
import { ENVELOPE, TAG } from '../labels.js';

export class EnvelopeError extends Error {
  override name = 'EnvelopeError';
}

export interface EnvelopeMember {
  /** Integer or text key; undefined for keys of other types. */
  key: number | string | undefined;
  /** Encoded key. */
  keyBytes: Uint8Array;
  /** Encoded value (head included). */
  raw: Uint8Array;
  /** The value's contents when it is a byte string (every defined member is). */
  content?: Uint8Array;
}

export interface AuthenticationWrapper {
  /** Contents of the first element: the encoded SUIT_Digest (the COSE detached payload). */
  digestBstr: Uint8Array;
  digest: { algorithm: number; bytes: Uint8Array };
  /** Contents of each authentication block bstr (encoded COSE_Sign1/Sign/Mac0/Mac). */
  blocks: Uint8Array[];
}

export interface ParsedEnvelope {
  bytes: Uint8Array;
  tagged: boolean;
  members: EnvelopeMember[];
  authentication?: AuthenticationWrapper;
  /** The manifest bstr with its head (what the manifest digest covers) and its contents. */
  manifest: { raw: Uint8Array; content: Uint8Array };
}

function memberOf(bytes: Uint8Array, e: { key: number | string | undefined; keyStart: number; valueStart: number; end: number }): EnvelopeMember {
  const raw = bytes.subarray(e.valueStart, e.end);
  let content: Uint8Array | undefined;
  if (raw[0]! >> 5 === 2) content = bstrAt(bytes, e.valueStart).content;
  return { key: e.key, keyBytes: bytes.subarray(e.keyStart, e.valueStart), raw, content };
}

/** The authentication wrapper's contents; throws EnvelopeError (malformed CBOR included). */
export function parseAuthentication(content: Uint8Array): AuthenticationWrapper {
  try {
    return authenticationOf(content);
  } catch (e) {
    if (e instanceof CborScanError) throw new EnvelopeError(e.message);
    throw e;
  }
}

function authenticationOf(content: Uint8Array): AuthenticationWrapper {
  const auth = decodeCbor(content, 'authentication wrapper');
  if (!Array.isArray(auth) || auth.length === 0 || !auth.every((x) => x instanceof Uint8Array)) {
    throw new EnvelopeError('authentication wrapper: expected [bstr SUIT_Digest, * bstr authentication block]');
  }
  const digestBstr = auth[0] as Uint8Array;
  const d = decodeCbor(digestBstr, 'authentication wrapper digest');
  if (!Array.isArray(d) || d.length < 2 || typeof d[0] !== 'number' || !(d[1] instanceof Uint8Array)) {
    throw new EnvelopeError('authentication wrapper: the digest is not a SUIT_Digest [algorithm-id, bytes]');
  }
  return { digestBstr, digest: { algorithm: d[0], bytes: d[1] }, blocks: auth.slice(1) as Uint8Array[] };
}

/** The members of an envelope; throws EnvelopeError for anything that is not one. */
export function parseEnvelope(bytes: Uint8Array): ParsedEnvelope {
  let top;
  try {
    top = mapEntries(bytes, 0);
  } catch (e) {
    throw new EnvelopeError(`not a SUIT envelope: ${(e as Error).message}`);
  }
  if (top.tag !== undefined && top.tag !== TAG.envelope) throw new EnvelopeError(`not a SUIT envelope: tag ${top.tag}, expected ${TAG.envelope} or none`);
  if (top.end !== bytes.length) throw new EnvelopeError(`${bytes.length - top.end} trailing bytes after the envelope`);
  const members = top.entries.map((e) => memberOf(bytes, e));
  const keys = new Set<unknown>();
  for (const m of members) {
    if (m.key !== undefined && keys.has(m.key)) throw new EnvelopeError(`duplicate envelope key ${JSON.stringify(m.key)}`);
    keys.add(m.key);
  }
  const manifest = members.find((m) => m.key === ENVELOPE.ids.manifest);
  if (!manifest?.content) throw new EnvelopeError('no manifest (envelope key 3 must hold a bstr-wrapped SUIT_Manifest)');
  const auth = members.find((m) => m.key === ENVELOPE.ids['authentication-wrapper']);
  if (auth && !auth.content) throw new EnvelopeError('the authentication wrapper (key 2) is not a byte string');
  return {
    bytes,
    tagged: top.tag !== undefined,
    members,
    authentication: auth?.content ? parseAuthentication(auth.content) : undefined,
    manifest: { raw: manifest.raw, content: manifest.content },
  };
}

/** True when the wrapper's SHA-256 digest matches the manifest bstr (head included). */
export function manifestDigestMatches(env: ParsedEnvelope): boolean {
  const a = env.authentication;
  if (!a || a.digest.algorithm !== -16) return false;
  const h = sha256(env.manifest.raw);
  return a.digest.bytes.length === h.length && timingSafeEqual(h, a.digest.bytes);
}

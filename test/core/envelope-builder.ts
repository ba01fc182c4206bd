/**
 * Builds and signs SUIT envelopes for tests with cbor-x and node:crypto, independently of the
 * core and of host/suit: manifest-37 §8.3 (SUIT_Digest over the bstr-wrapped manifest, detached
 * COSE payload = the encoded SUIT_Digest), RFC 9052 Sig_structure / MAC_structure.
 */
import { createHash, createHmac, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { Decoder, Encoder, Tag } from 'cbor-x';
import { readShared, readSharedJson } from '../helpers/shared.js';

export const encoder = new Encoder({ mapsAsObjects: false, useRecords: false, tagUint8Array: false, variableMapSize: true });
export const decoder = new Decoder({ mapsAsObjects: false, useRecords: false });

export function cbor(v: unknown): Buffer {
  return Buffer.from(encoder.encode(v));
}

export function sha256(b: Uint8Array): Buffer {
  return createHash('sha256').update(b).digest();
}

/** The IETF examples' P-256 private key (draft-ietf-suit-manifest-37 Appendix B). */
export const IETF_PRIVATE: KeyObject = createPrivateKey(readShared('vectors', 'ietf-manifest-spec', 'private_key.pem'));

/** The second P-256 key of the firmware-encryption examples (rfc-examples.json). */
export const SECOND_PRIVATE: KeyObject = createPrivateKey(
  (readSharedJson('vectors', 'rfc-examples.json') as { conventions: { second_private_key_pem_firmware_encryption: string } }).conventions
    .second_private_key_pem_firmware_encryption,
);

export type Signer =
  | { alg: -7 | -9 | -8 | -19; key: KeyObject; kid?: Uint8Array; cose?: 'sign1' | 'sign' }
  | { alg: 5; secret: Uint8Array; kid?: Uint8Array }
  /** HSS-LMS: `sign` is a stateful signer's (host/keys/hss.ts) over the Sig_structure. */
  | { alg: -46; sign: (tbs: Uint8Array) => Uint8Array; kid?: Uint8Array };

/** SUIT_Digest of a bstr-wrapped element: [-16, SHA-256(bstr head + content)]. */
export function suitDigest(encodedContent: Uint8Array): unknown[] {
  return [-16, sha256(cbor(Buffer.from(encodedContent)))];
}

function coseBlock(s: Signer, payload: Buffer): Buffer {
  const protectedHdr = cbor(new Map([[1, s.alg]]));
  const unprotected = s.kid ? new Map([[4, Buffer.from(s.kid)]]) : new Map();
  if (s.alg === 5) {
    const tbs = cbor(['MAC0', protectedHdr, Buffer.alloc(0), payload]);
    const tag = createHmac('sha256', s.secret).update(tbs).digest();
    return cbor(new Tag([protectedHdr, unprotected, null, tag], 17));
  }
  if (s.alg === -46) {
    const tbs = cbor(['Signature1', protectedHdr, Buffer.alloc(0), payload]);
    return cbor(new Tag([protectedHdr, unprotected, null, Buffer.from(s.sign(tbs))], 18));
  }
  const raw = (tbs: Buffer): Buffer =>
    s.alg === -8 || s.alg === -19 ? sign(null, tbs, s.key) : sign('sha256', tbs, { key: s.key, dsaEncoding: 'ieee-p1363' });
  if (s.cose === 'sign') {
    const bodyP = Buffer.alloc(0);
    const tbs = cbor(['Signature', bodyP, protectedHdr, Buffer.alloc(0), payload]);
    return cbor(new Tag([bodyP, new Map(), null, [[protectedHdr, unprotected, raw(tbs)]]], 98));
  }
  const tbs = cbor(['Signature1', protectedHdr, Buffer.alloc(0), payload]);
  return cbor(new Tag([protectedHdr, unprotected, null, raw(tbs)], 18));
}

export interface EnvelopeParts {
  /** The manifest map (int keys in ascending order). */
  manifest: Map<number, unknown>;
  signers: Signer[];
  /** suit-delegation (envelope key 1): bstr .cbor [+ [+ CWT]] as its encoded content. */
  delegation?: Uint8Array;
  /** Envelope members after the manifest (severable elements, integer keys ascending). */
  members?: [number, Uint8Array][];
  /** Integrated payloads, text keys in deterministic order. */
  integrated?: [string, Uint8Array][];
  /** Leave off tag 107. */
  untagged?: boolean;
}

export function buildEnvelope(p: EnvelopeParts): Uint8Array {
  const manifestEnc = cbor(p.manifest);
  const digestEnc = cbor(suitDigest(manifestEnc));
  const auth = cbor([digestEnc, ...p.signers.map((s) => coseBlock(s, digestEnc))]);
  const env = new Map<number | string, unknown>(p.delegation ? [[1, Buffer.from(p.delegation)]] : []);
  env.set(2, auth).set(3, manifestEnc);
  for (const [k, v] of p.members ?? []) env.set(k, Buffer.from(v));
  for (const [k, v] of p.integrated ?? []) env.set(k, Buffer.from(v));
  return new Uint8Array(cbor(p.untagged ? env : new Tag(env, 107)));
}

/** Re-signs the manifest of an existing envelope (keeping its other members) with `signers`. */
export function resign(envelope: Uint8Array, signers: Signer[], edit?: (m: Map<number, unknown>) => void): Uint8Array {
  const v = decoder.decode(Buffer.from(envelope)) as Tag | Map<unknown, unknown>;
  const untagged = !(v instanceof Tag);
  const env = (v instanceof Tag ? v.value : v) as Map<number | string, Uint8Array>;
  const manifest = decoder.decode(env.get(3)!) as Map<number, unknown>;
  edit?.(manifest);
  const members: [number, Uint8Array][] = [];
  const integrated: [string, Uint8Array][] = [];
  for (const [k, val] of env) {
    if (typeof k === 'number' && k > 3) members.push([k, val]);
    if (typeof k === 'string') integrated.push([k, val]);
  }
  return buildEnvelope({ manifest, signers, members, integrated, untagged });
}

export const IETF_SIGNER: Signer = { alg: -7, key: IETF_PRIVATE };

/** SUIT_Digest bytes (SHA-256 of the bstr-wrapped manifest) of an envelope, from its wrapper. */
export function manifestDigestOf(envelope: Uint8Array): Buffer {
  const v = decoder.decode(Buffer.from(envelope)) as Tag | Map<unknown, unknown>;
  const env = (v instanceof Tag ? v.value : v) as Map<number, Uint8Array>;
  const auth = decoder.decode(env.get(2)!) as Uint8Array[];
  return Buffer.from((decoder.decode(auth[0]!) as [number, Uint8Array])[1]);
}

/**
 * A delegation CWT (RFC 8392 / RFC 8747): COSE_Sign1 by `issuer` with attached claims
 * {4: exp?, 5: nbf?, 8: {1: COSE_Key of `subject`}}, tagged 18 (and 61 with `cwtTag`).
 */
export function delegationCwt(issuer: { alg: -7 | -9 | -8 | -19; key: KeyObject }, subject: KeyObject, opts: { exp?: number; nbf?: number; cwtTag?: boolean; noKey?: boolean } = {}): Buffer {
  const jwk = subject.export({ format: 'jwk' });
  const coseKey =
    jwk.kty === 'EC'
      ? new Map<number, unknown>([[1, 2], [-1, 1], [-2, Buffer.from(jwk.x!, 'base64url')], [-3, Buffer.from(jwk.y!, 'base64url')]])
      : new Map<number, unknown>([[1, 1], [-1, 6], [-2, Buffer.from(jwk.x!, 'base64url')]]);
  const claims = new Map<number, unknown>();
  if (opts.exp !== undefined) claims.set(4, opts.exp);
  if (opts.nbf !== undefined) claims.set(5, opts.nbf);
  if (!opts.noKey) claims.set(8, new Map([[1, coseKey]]));
  const payload = cbor(claims);
  const prot = cbor(new Map([[1, issuer.alg]]));
  const tbs = cbor(['Signature1', prot, Buffer.alloc(0), payload]);
  const sig = issuer.alg === -8 || issuer.alg === -19 ? sign(null, tbs, issuer.key) : sign('sha256', tbs, { key: issuer.key, dsaEncoding: 'ieee-p1363' });
  const sign1 = new Tag([prot, new Map(), payload, sig], 18);
  return cbor(opts.cwtTag ? new Tag(sign1, 61) : sign1);
}

/** suit-delegation content: chains of CWTs, each bstr-wrapped. */
export function delegationMember(chains: Buffer[][]): Buffer {
  return cbor(chains.map((chain) => chain.map((cwt) => cwt)));
}

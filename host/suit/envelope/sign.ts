/**
 * Adds an authentication block to an existing envelope (RFC 9019 §7: e.g. a device operator's
 * signature after the author's) without touching the manifest or any other member: only the
 * authentication wrapper's bytes change. As draft-ietf-suit-manifest-37 §8.3 requires of
 * signers, the wrapper digest is checked against the manifest before anything is signed.
 */
import { createAuthenticationBlock, type Signer } from '../../cose/message.js';
import { HEADER } from '../../cose/structures.js';
import { decodeCbor, Tag } from '../cbor/decode.js';
import { encodeCbor } from '../cbor/encode.js';
import { ENVELOPE } from '../labels.js';
import { envelopeBytes } from './members.js';
import { EnvelopeError, manifestDigestMatches, parseEnvelope } from './parse.js';
import { toHex } from '../../util/hex.js';

/** Key id (unprotected label 4) and algorithm (protected label 1) of an encoded COSE block, when readable. */
export function blockIdentity(block: Uint8Array): { alg?: number; kid?: Uint8Array } {
  try {
    const v = decodeCbor(block, 'authentication block');
    if (!(v instanceof Tag) || !Array.isArray(v.value)) return {};
    const [prot, unprot] = v.value as [unknown, unknown];
    const p = prot instanceof Uint8Array && prot.length > 0 ? decodeCbor(prot, 'protected header') : undefined;
    const alg = p instanceof Map && typeof p.get(HEADER.alg) === 'number' ? (p.get(HEADER.alg) as number) : undefined;
    const kid = unprot instanceof Map && unprot.get(HEADER.kid) instanceof Uint8Array ? (unprot.get(HEADER.kid) as Uint8Array) : undefined;
    return { ...(alg !== undefined ? { alg } : {}), ...(kid ? { kid } : {}) };
  } catch {
    return {};
  }
}

export function addSignature(envelope: Uint8Array, signer: Signer): Uint8Array {
  const env = parseEnvelope(envelope);
  if (!env.authentication) throw new EnvelopeError('the envelope has no authentication wrapper (key 2) to add a signature to');
  if (!manifestDigestMatches(env)) throw new EnvelopeError('the authentication wrapper digest does not match the manifest (or is not SHA-256): refusing to sign');
  const { digestBstr, blocks } = env.authentication;
  if (signer.kid) {
    const kidHex = toHex(signer.kid);
    for (const b of blocks) {
      const id = blockIdentity(b);
      if (id.kid && toHex(id.kid) === kidHex && id.alg === signer.algorithm.id) {
        throw new EnvelopeError(`the envelope is already signed with this key (key id ${kidHex}, ${signer.algorithm.name})`);
      }
    }
  }
  const auth = encodeCbor([digestBstr, ...blocks, createAuthenticationBlock(signer, digestBstr)]);
  return envelopeBytes(env.tagged, env.members.map((m) => ({ keyBytes: m.keyBytes, raw: m.key === ENVELOPE.ids['authentication-wrapper'] ? encodeCbor(auth) : m.raw })));
}

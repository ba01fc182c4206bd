/**
 * The `skip-signature` board quirk for SUIT (DESIGN.md "Virtual board": deliberately broken
 * variants): a processor that accepts envelopes whatever signed them, while still checking the
 * manifest digest — the SUIT twin of MCUboot's image hash being checked without its signature.
 *
 * The verifier core has no switch for that, so the broken board emulates it from outside: it
 * countersigns the envelope with throw-away keys of its own, one per required role
 * (host/suit addSignature, which keeps every other byte) and trusts exactly those keys. The
 * authentication wrapper's digest is left as it came, so a manifest that does not match it is
 * still refused.
 */
import { randomBytes } from 'node:crypto';
import { createSigner } from '../../../host/cose/signer.js';
import { keyId, type SymmetricKey, type TrustAnchor } from '../../../host/keys/index.js';
import { addSignature } from '../../../host/suit/envelope/sign.js';

export function skipSignatureView(envelope: Uint8Array, require: readonly string[]): { envelope: Uint8Array; trust: TrustAnchor[] } {
  const roles = require.length > 0 ? require : ['author'];
  let signed = envelope;
  const trust: TrustAnchor[] = [];
  try {
    for (const role of roles) {
      const key: SymmetricKey = { family: 'hmac', secret: new Uint8Array(randomBytes(32)) };
      signed = addSignature(signed, createSigner(key));
      trust.push({ role, key, id: keyId(key), source: `skip-signature quirk (${role})` });
    }
  } catch {
    // Malformed, or the digest does not match the manifest: let the processor refuse it.
    return { envelope, trust: [] };
  }
  return { envelope: signed, trust };
}

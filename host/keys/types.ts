/**
 * Key material as suitrig passes it between layers. Public keys are kept in the raw form the
 * verifier's signature import takes (P-256: 65-byte uncompressed SEC1 point; Ed25519: 32 bytes)
 * plus the SPKI DER they came from; symmetric keys (COSE_Mac0, HMAC-256) are raw bytes; HSS-LMS
 * public keys are the RFC 8554 bytes (u32 L || LMS public key) that the core verifies with, and an
 * HSS-LMS private key is a stateful signer (hss.ts) that saves its state before each signature.
 */
import type { KeyObject } from 'node:crypto';

export type AsymmetricFamily = 'p256' | 'ed25519';
export type KeyFamily = AsymmetricFamily | 'hmac' | 'hss-lms';

export interface PublicKey {
  family: AsymmetricFamily;
  /** P-256: 0x04 || X || Y (65 bytes). Ed25519: 32 bytes. */
  raw: Uint8Array;
  /** SubjectPublicKeyInfo DER. */
  spki: Uint8Array;
}

export interface SymmetricKey {
  family: 'hmac';
  secret: Uint8Array;
}

/** An HSS-LMS public key (RFC 8554 §6.1: u32str(L) || LMS public key; COSE_Key kty 5, RFC 9708). */
export interface HssPublicKey {
  family: 'hss-lms';
  raw: Uint8Array;
}

export type VerificationKey = PublicKey | SymmetricKey | HssPublicKey;

export interface PrivateKey {
  family: AsymmetricFamily;
  /** node:crypto handle; never serialised except by keygen. */
  key: KeyObject;
  publicKey: PublicKey;
}

/** A stateful HSS-LMS signer: each call uses the next one-time key, saved as used before it signs. */
export interface HssPrivateKey {
  family: 'hss-lms';
  publicKey: HssPublicKey;
  /** Where the state lives, for messages. */
  source: string;
  sign(message: Uint8Array): Uint8Array;
}

export type SigningKey = PrivateKey | SymmetricKey | HssPrivateKey;

/** A key the verifier trusts, with the signer role it stands for (RFC 9019 §7: author, operator). */
export interface TrustAnchor {
  role: string;
  key: VerificationKey;
  /** Short stable identifier (first 8 bytes of SHA-256 over SPKI DER, or over the secret). */
  id: Uint8Array;
  /** Where it was loaded from, for messages. */
  source: string;
}

/**
 * host/verifier: the typed API over the verifier core (build/verifier.wasm).
 *
 *   verifyEnvelope(bytes, { trust, require?, storedSequence?, device? }): VerifyResult
 *       authentication + well-formedness + rollback; what `suitrig verify` decides.
 *
 * Lower layers: VerifierCore (core.ts, one wasm instance and its imports), reasons.ts (report
 * reason and detail names), identity.ts (identity.json), crypto.ts (the signature / MAC import).
 */
export { verifyEnvelope, type VerifyOptions, type VerifyResult, type SignatureInfo, type ManifestInfo, type BlockStatus } from './verify.js';
export { type Policy } from './policy.js';
export { type Verdict, type Location, type SectionName, SECTION_KEYS, SECTION_NAMES, sectionName } from './result.js';
export { REASON_NAMES, type ReasonName, reasonName, reasonCode, DETAILS, detailName, detailText } from './reasons.js';
export { type DeviceIdentity, parseIdentity, loadIdentity, uuidBytes, uuidText, IdentityError } from './identity.js';
export { VerifierCore, CoreTrap, verifierModule, type CoreVariant, type CoreHost, type CoreExports, type CoreRecord } from './core.js';
export { verifyCose, algorithmName, COSE_ALGORITHMS } from './crypto.js';

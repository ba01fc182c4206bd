/**
 * host/verifier: the typed API over the verifier core (build/verifier.wasm). Stable API:
 *
 *   verifyEnvelope(bytes, { trust, require?, storedSequence?, device? }): VerifyResult
 *       authentication + well-formedness + rollback + the shared sequence's conditions (dry);
 *       what `suitrig verify` decides. VerifyResult: accepted, reason, reasonCode, detail,
 *       message, at?, sequenceNumber?, manifest?, signatures, conditions.
 *
 *   const p = new SuitProcessor(platform: SuitPlatform, { variant?, verify? })
 *       verify?: SignatureVerifier = (key, alg, tbs, sig) => boolean, the device's signature /
 *       MAC routine behind the core's `verify` import (default verifyCose, the real check); the
 *       core still checks the manifest digest, COSE structure and role policy around it
 *   let r = p.run(envelope, { trust, require?, storedSequence?, device?, sequences, dry?, nonce? })
 *   while (r.status === 'pending') {          // r.fetch: { uri, component, componentId, size?, digest?, received }
 *     r = p.supply(chunk)                     // any number of chunks
 *     ...; r = p.endFetch()                   // or p.failFetch()
 *   }
 *   r: FinishedRun { status 'done' | 'invoked', accepted, reason, reasonCode, detail, at?,
 *       sequenceNumber?, records (every command: section, offset, component, outcome),
 *       written (components touched), report({nonce?, capabilities?}) -> SUIT_Report CBOR }
 *   runWithPayloads(p, envelope, opts, Map<uri, bytes>) runs to the end from a payload map.
 *   sequences: ['install', 'validate', ...], 'shared', or a procedure: 'update' | 'invoke' |
 *       'staging' | 'installation' (PROCEDURES).
 *
 *   SuitPlatform (platform.ts): open/size/read/erase/write/finish/copy/swap/invoke (+ optional
 *   unlink/slot/version/battery/authorize/wait/now) - synchronous; MemoryPlatform implements it.
 *
 * Lower layers: VerifierCore (core.ts, one wasm instance and its imports), reasons.ts (report
 * reason and detail names), identity.ts (identity.json), crypto.ts (the signature / MAC import),
 * report.ts (SUIT_Report encoding).
 */
export { verifyEnvelope, type VerifyOptions, type VerifyResult, type SignatureInfo, type ManifestInfo, type BlockStatus } from './verify.js';
export { type Policy } from './policy.js';
export { type Verdict, type Location, type SectionName, SECTION_KEYS, SECTION_NAMES, sectionName } from './result.js';
export { REASON_NAMES, type ReasonName, reasonName, reasonCode, DETAILS, detailName, detailText } from './reasons.js';
export { type DeviceIdentity, parseIdentity, loadIdentity, uuidBytes, IdentityError } from './identity.js';
export { VerifierCore, CoreTrap, verifierModule, type CoreVariant, type CoreHost, type CoreExports, type CoreRecord } from './core.js';
export { verifyCose, algorithmName, COSE_ALGORITHMS, type SignatureVerifier } from './crypto.js';
export { SuitProcessor, runWithPayloads, runDecision, PROCEDURES, ProcessorStateError, type ProcessorOptions, type Procedure, type RunOptions, type RunResult, type RunDecision, type PendingRun, type FinishedRun, type FetchRequest, type WrittenComponent } from './processor.js';
export { type SuitPlatform, type ComponentRef, type InvokeOutcome } from './platform.js';
export { MemoryPlatform, type MemoryPlatformOptions, type PlatformCall } from './memory-platform.js';
export { encodeSuitReport, withReportFields, type RunRecord, type ReportInput } from './report.js';
export { capabilityReport, CAPABILITY_REASONS, COMMAND_CAPABILITIES, PARAMETER_CAPABILITIES, ALGORITHM_CAPABILITIES, ENCRYPTION_ALGORITHM_CAPABILITIES } from './capabilities.js';
export { COMMAND_NAMES, commandName, componentText } from './names.js';

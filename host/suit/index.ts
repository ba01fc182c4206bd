/**
 * SUIT authoring and inspection (draft-ietf-suit-manifest-37 with trust-domains-11):
 * descriptions -> ManifestPlan -> envelope; signatures added to existing envelopes.
 */
export * from './description/index.js';
export { buildEnvelope, BuildError, type BuildOptions, type BuiltEnvelope, type PayloadMode } from './envelope/build.js';
export { addSignature } from './envelope/sign.js';
export { severMembers, restoreMembers, digestedMembers, addDelegationChain, type Severed } from './envelope/members.js';
export { describeEnvelope, DescribeError, type Description } from './describe/describe.js';
export { parseEnvelope, EnvelopeError, manifestDigestMatches, type ParsedEnvelope } from './envelope/parse.js';
export { compileManifest, CompileError, type CompiledManifest } from './compile/manifest.js';
export { SEVERABLE_MEMBERS, type SeverableMember } from './labels.js';
export { inspectEnvelope, looksLikeSuitEnvelope, type EnvelopeReport, type CommandInfo, type MemberInfo, type AuthBlockInfo, type PayloadInfo } from './inspect/model.js';
export { renderReport } from './inspect/render-text.js';
export { renderDiagnostic } from './inspect/render-diag.js';
export { encryptPayload, CONTENT_ALGORITHMS, type ContentAlgorithm, type EncryptedPayload } from './encrypt.js';

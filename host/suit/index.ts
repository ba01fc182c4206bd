/**
 * SUIT authoring and inspection (draft-ietf-suit-manifest-37 with trust-domains-11):
 * descriptions -> ManifestPlan -> envelope; signatures added to existing envelopes.
 */
export * from './description/index.js';
export { buildEnvelope, BuildError, type BuildOptions, type BuiltEnvelope, type PayloadMode } from './envelope/build.js';
export { addSignature } from './envelope/sign.js';
export { parseEnvelope, EnvelopeError, manifestDigestMatches, type ParsedEnvelope } from './envelope/parse.js';
export { compileManifest, CompileError, type CompiledManifest } from './compile/manifest.js';
export { SEVERABLE_MEMBERS, type SeverableMember } from './labels.js';

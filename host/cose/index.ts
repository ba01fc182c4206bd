/** COSE authentication blocks for SUIT envelopes: algorithms, Sig/MAC structures, Sign1/Mac0. */
export * from './algorithms.js';
export * from './structures.js';
export * from './message.js';
export { signatureBytes } from './primitives.js';
export * from './signer.js';
export * from './cwt.js';
